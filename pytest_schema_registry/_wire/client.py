"""Talk to a schema registry over HTTP: requests out, frozen models or one error tree back.

`RegistryClient` is the one face; the dialect (`seed.py`: the seed's track API, `confluent.py`:
the Confluent REST API) decides the requests, `transport.py` sends them and translates every
failure into a `SchemaRegistryError` that carries the name, track and a credential-free URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from .._core.config import DEFAULT_MAX_RESPONSE_BYTES, Dialect
from .._core.errors import ConfigError
from .._core.models import (
    CompatibilityReport,
    RegistryIndex,
    SchemaDocument,
    SchemaVersionInfo,
)
from .._core.subjects import DEFAULT_SUBJECT_TEMPLATE, SubjectTemplate
from .confluent import ConfluentDialect
from .retry import RetryPolicy
from .seed import SeedDialect
from .transport import Transport

__all__ = ["RegistryClient"]


class RegistryClient:
    """Read (and, where allowed, write) schemas on a registry of either dialect.

    `dialect="seed"` (default) speaks the seed registry's track API; `dialect="confluent"` speaks
    the Confluent REST API (Confluent, Karapace, Apicurio under `/apis/ccompat/v7`, Redpanda),
    where `subject_template` maps (name, track) onto subjects. Both return the same models.

    One pooled `httpx.AsyncClient` serves every request; pass `http_client` to bring your own (for
    a custom transport, proxies or TLS). A client you pass in stays yours to close. `timeout`
    bounds each attempt as a whole, connect to last body byte. Authenticate with `token` (Bearer)
    or `basic_auth="user:secret"` (a Confluent Cloud API key and secret); URL userinfo is moved
    into a Basic header before any request.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        strict_integrity: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        dialect: Dialect = "seed",
        subject_template: str = DEFAULT_SUBJECT_TEMPLATE,
        basic_auth: str | None = None,
    ) -> None:
        if dialect not in ("seed", "confluent"):
            raise ConfigError(f"dialect={dialect!r}: expected one of seed, confluent")
        template = SubjectTemplate.of(subject_template)
        kind = ConfluentDialect if dialect == "confluent" else SeedDialect
        self._wire = Transport(
            base_url,
            token=token,
            basic_auth=basic_auth,
            timeout=timeout,
            http_client=http_client,
            retry=retry,
            max_response_bytes=max_response_bytes,
            headers=kind.headers,
            json_type=kind.json_type,
        )
        self._dialect: SeedDialect | ConfluentDialect = (
            ConfluentDialect(self._wire, template)
            if dialect == "confluent"
            else SeedDialect(self._wire, strict_integrity=strict_integrity)
        )

    @property
    def base_url(self) -> str:
        """Return the registry's base URL, without credentials."""
        return self._wire.base_url

    @property
    def timeout(self) -> float:
        """Return the per-attempt deadline in seconds."""
        return self._wire.timeout

    @property
    def dialect(self) -> Dialect:
        """Return the API this client speaks: "seed" or "confluent"."""
        return "confluent" if isinstance(self._dialect, ConfluentDialect) else "seed"

    def __repr__(self) -> str:
        token = "'***'" if self._wire.has_token else "None"
        return (
            f"RegistryClient(base_url={self.base_url!r}, dialect={self.dialect!r}, "
            f"token={token}, timeout={self.timeout})"
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, unless the caller brought it."""
        await self._wire.aclose()

    close = aclose  # the seed client's name for it

    # -- the read API ---------------------------------------------------------------------------

    async def index(self) -> RegistryIndex:
        """Return every schema's latest version, per track (Confluent: the subjects, by name)."""
        return await self._dialect.index()

    async def fetch_schema(
        self, name: str, *, track: str, version: str | None = None
    ) -> SchemaDocument:
        """Return one schema: the latest version on `track`, or exactly `version`."""
        return await self._dialect.fetch_schema(name, track, version)

    async def fetch_schema_by_id(self, schema_id: str) -> SchemaDocument:
        """Return the schema the registry files under `schema_id` (`$schema_id`, Confluent's id)."""
        return await self._dialect.fetch_schema_by_id(schema_id)

    async def fetch_schema_by_guid(self, guid: str) -> SchemaDocument:
        """Return the schema a Confluent registry files under `guid` (header-framed records)."""
        return await self._confluent("fetch_schema_by_guid").fetch_schema_by_guid(guid)

    async def list_versions(self, name: str, *, track: str) -> list[SchemaVersionInfo]:
        """Return every published version of `name` on `track`, as the registry orders them."""
        return await self._dialect.list_versions(name, track)

    async def check_compatibility(
        self, name: str, from_track: str, from_version: str, to_track: str, to_version: str
    ) -> CompatibilityReport:
        """Ask the registry whether moving `name` between two versions breaks consumers."""
        return await self._dialect.check_compatibility(
            name, from_track, from_version, to_track, to_version
        )

    async def compatibility_level(self, name: str | None = None, *, track: str = "") -> str:
        """Return the level a Confluent registry enforces: `name`'s subject's, else global."""
        confluent = self._confluent("compatibility_level")
        return await confluent.compatibility_level(name, track or None)

    async def health(self) -> dict[str, Any]:
        """Return the registry's health body; raise `RegistryUnavailableError` if it is not up."""
        response = await self._dialect.health()
        try:
            body = response.json()
        except ValueError:
            return {"status": "ok", "body": response.text[:200]}
        return body if isinstance(body, dict) else {"status": "ok", "body": body}

    # -- the write API --------------------------------------------------------------------------

    async def upload_schema(
        self,
        name: str,
        track: str,
        version: str,
        content: Mapping[str, Any],
        *,
        schema_id: str | None = None,
        deprecated: bool = False,
        deprecation_note: str | None = None,
        x_compat: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Publish `content` as `version` of `name` on `track` (seed API; needs the admin token)."""
        body = {
            "name": name,
            "track": track,
            "core_version": version,
            "content": dict(content),
            "schema_id_str": schema_id,
            "deprecated": deprecated,
            "deprecation_note": deprecation_note,
            "x_compat": dict(x_compat or {}),
        }
        return await self._dialect.upload_schema(name, track, version, body)

    async def register_schema(
        self,
        name: str,
        content: Mapping[str, Any],
        *,
        track: str = "",
        references: Iterable[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Register `content` under (name, track)'s subject (Confluent); return `{"id": ...}`.

        An identical schema comes back with its existing id; `references` are
        `{"name", "subject", "version"}` entries for `$ref`s to other subjects.
        """
        return await self._dialect.register_schema(name, track, content, list(references))

    def _confluent(self, method: str) -> ConfluentDialect:
        if not isinstance(self._dialect, ConfluentDialect):
            raise ConfigError(
                f"{method}: the seed API has no such call; use RegistryClient(dialect='confluent') "
                "for a Confluent-compatible registry"
            )
        return self._dialect
