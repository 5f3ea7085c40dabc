"""Speak the seed registry's track API: `/index`, `/schemas/{track}/{name}`, `/compat/check`, ...

Requests and answers as registry-api.md section 1 describes them; the transport sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .._core.errors import ConfigError, RegistryAuthError, SchemaIntegrityError
from .._core.models import (
    CompatibilityReport,
    Integrity,
    RegistryIndex,
    SchemaDocument,
    SchemaVersionInfo,
    content_sha256,
)
from .._core.secrets import redact_text, redact_url
from .http_errors import Call, response_error
from .transport import Transport

__all__ = ["SeedDialect"]

log = logging.getLogger("pytest_schema_registry.client")


class SeedDialect:
    """Read and write schemas through the seed registry's track API."""

    name = "seed"
    headers: Mapping[str, str] = {}
    json_type = "application/json"

    def __init__(self, wire: Transport, *, strict_integrity: bool = False) -> None:
        self._wire = wire
        self._strict_integrity = strict_integrity

    async def index(self) -> RegistryIndex:
        call = Call("GET", self._wire.url("index"))
        return RegistryIndex.from_json(await self._wire.json(call), url=redact_url(call.url))

    async def fetch_schema(self, name: str, track: str, version: str | None) -> SchemaDocument:
        params = {"version": version} if version is not None else None
        call = Call(
            "GET", self._wire.url("schemas", track, name), name, track, params, schema_lookup=True
        )
        return self._document(call, await self._wire.json(call))

    async def fetch_schema_by_id(self, schema_id: str) -> SchemaDocument:
        url = self._wire.url("schemas", "by-id", schema_id)
        call = Call("GET", url, schema_id, schema_lookup=True)
        return self._document(call, await self._wire.json(call))

    async def list_versions(self, name: str, track: str) -> list[SchemaVersionInfo]:
        url = self._wire.url("schemas", track, name, "versions")
        call = Call("GET", url, name, track, schema_lookup=True)
        body = await self._wire.json(call)
        if not isinstance(body, list):
            shown = redact_text(repr(body), *self._wire.secrets)[:80]  # mask first, then cut
            why = f"expected a JSON array of versions, got {shown}"
            raise response_error(call, why, self._wire.secrets)
        return [SchemaVersionInfo.from_json(item, url=redact_url(call.url)) for item in body]

    async def check_compatibility(
        self, name: str, from_track: str, from_version: str, to_track: str, to_version: str
    ) -> CompatibilityReport:
        params = {
            "name": name,
            "from_track": from_track,
            "from_version": from_version,
            "to_track": to_track,
            "to_version": to_version,
        }
        url = self._wire.url("compat", "check")
        call = Call("GET", url, name, to_track, params, schema_lookup=True)
        return CompatibilityReport.from_json(await self._wire.json(call), url=redact_url(call.url))

    async def health(self) -> Any:
        return await self._wire.send(Call("GET", self._wire.url("health")))

    async def upload_schema(
        self, name: str, track: str, version: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        url = self._wire.url("admin", "schemas")
        if not self._wire.has_token:
            raise RegistryAuthError(
                f"POST {redact_url(url)}: uploading needs a token; pass RegistryClient(token=...)",
                name=name,
                track=track,
                url=redact_url(url),
            )
        answer = await self._wire.json(Call("POST", url, name, track, json=dict(body)))
        return answer if isinstance(answer, dict) else {"result": answer}

    async def register_schema(
        self, name: str, track: str, content: Mapping[str, Any], references: Any
    ) -> dict[str, Any]:
        raise ConfigError(
            "register_schema: the seed API takes versions named by the publisher; use "
            "upload_schema(name, track, version, content), or dialect='confluent'"
        )

    def _document(self, call: Call, body: object) -> SchemaDocument:
        """Parse a schema body and act on its integrity as configured."""
        document = SchemaDocument.from_json(body, url=redact_url(call.url))
        if document.integrity is Integrity.MISMATCH:
            actual = content_sha256(document.content)
            message = (
                f"{call.label}: content of {document.name!r} ({document.track} "
                f"{document.version}) hashes to {actual[:12]}, registry says {document.short_sha}"
            )
            if self._strict_integrity:
                raise SchemaIntegrityError(
                    message,
                    expected=document.sha256,
                    actual=actual,
                    name=document.name,
                    track=document.track,
                    url=redact_url(call.url),
                )
            log.debug("%s", message)
        return document
