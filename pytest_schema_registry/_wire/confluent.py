"""Speak the Confluent REST dialect: Confluent, Karapace, Apicurio (`/apis/ccompat/v7`), Redpanda.

Subjects hold integer versions of schemas sent as JSON *strings*; a `SubjectTemplate` maps our
(name, track) onto a subject, so everything above the wire keeps asking for names and tracks and
gets the same `SchemaDocument`s. A schema's `references` are fetched (by subject and version,
cached: a registered version never changes) and bundled into one self-contained document, so a
`$ref` to another subject validates, generates and snapshots like a local one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx

from .._core.errors import ConfigError, SchemaNotFoundError, SchemaRegistryError
from .._core.models import (
    CompatibilityReport,
    IndexEntry,
    Integrity,
    RegistryIndex,
    SchemaDocument,
    SchemaReference,
    SchemaVersionInfo,
    content_sha256,
    schema_name_problem,
)
from .._core.references import bundle, json_size
from .._core.secrets import redact_text
from .._core.subjects import ANY_TRACK, SubjectTemplate
from .confluent_answers import (
    Registered,
    as_object,
    is_whole,
    read_reference,
    read_registered,
    register_body,
    unnamed,
    version_segment,
    with_holder,
)
from .http_errors import Call, response_error
from .transport import Transport

__all__ = ["ConfluentDialect"]

_ACCEPT = (
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json"
)
_MAX_REFERENCE_DEPTH = 16  # Confluent forbids cycles; this bounds a registry that lies
_MAX_CACHED_REFERENCES = 512
_MAX_REFERENCE_FETCHES = 256  # requests one document's references may cost, all levels together


class ConfluentDialect:
    """Read and register JSON Schemas through the Confluent REST API."""

    name = "confluent"
    headers: Mapping[str, str] = {"Accept": _ACCEPT}
    json_type = "application/vnd.schemaregistry.v1+json"

    def __init__(self, wire: Transport, template: SubjectTemplate) -> None:
        self._wire = wire
        self.template = template
        # (subject, version) -> the bundled document and its size (see `_json_size`)
        self._bundled: dict[tuple[str, int], tuple[dict[str, Any], int]] = {}

    async def index(self) -> RegistryIndex:
        """List the subjects the template can read back as (name, track) pairs."""
        call = Call("GET", self._wire.url("subjects"))
        subjects = await self._wire.json(call)
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            raise self._shape_error(call, "a JSON array of subject names", subjects)
        entries = []
        for subject in subjects:
            parsed = self.template.parse(subject)
            if parsed is not None:
                entries.append(IndexEntry(parsed[0], parsed[1], "", "", ""))
        return RegistryIndex(tuple(entries))

    async def fetch_schema(self, name: str, track: str, version: str | None) -> SchemaDocument:
        subject = self.template.format(name, track)
        segment = version_segment(version, name, track)
        url = self._wire.url("subjects", subject, "versions", segment)
        call = Call("GET", url, name, track, schema_lookup=True)
        registered = read_registered(await self._wire.json(call), call, self._wire.secrets)
        return await self._document(registered, call, name, track)

    async def fetch_schema_by_id(self, schema_id: str) -> SchemaDocument:
        """Return the schema filed under a numeric id, named after a subject holding it."""
        if not schema_id.isdigit() or not 0 <= int(schema_id) < 2**32:
            raise SchemaNotFoundError(
                f"schema id {schema_id[:40]!r}: a Confluent schema id is a whole number "
                "below 2**32",
                name=schema_id[:40],
            )
        call = Call(
            "GET", self._wire.url("schemas", "ids", schema_id), schema_id, schema_lookup=True
        )
        registered = read_registered(await self._wire.json(call), call, self._wire.secrets)
        subject, version = await self._holder(int(schema_id))
        registered = with_holder(registered, int(schema_id), subject, version)
        return await self._named_document(registered, call)

    async def fetch_schema_by_guid(self, guid: str) -> SchemaDocument:
        """Return the schema filed under a GUID (the newer, header-framed records carry one)."""
        call = Call("GET", self._wire.url("schemas", "guids", guid), guid, schema_lookup=True)
        registered = read_registered(await self._wire.json(call), call, self._wire.secrets)
        subject, version = (None, None)
        if registered.schema_id is not None:
            subject, version = await self._holder(registered.schema_id)
        registered = with_holder(registered, registered.schema_id, subject, version, guid)
        return await self._named_document(registered, call)

    async def list_versions(self, name: str, track: str) -> list[SchemaVersionInfo]:
        subject = self.template.format(name, track)
        url = self._wire.url("subjects", subject, "versions")
        call = Call("GET", url, name, track, schema_lookup=True)
        versions = await self._wire.json(call)
        if not isinstance(versions, list) or not all(is_whole(v) for v in versions):
            raise self._shape_error(call, "a JSON array of version numbers", versions)
        return [SchemaVersionInfo(version=str(v), sha256="") for v in versions]

    async def check_compatibility(
        self, name: str, from_track: str, from_version: str, to_track: str, to_version: str
    ) -> CompatibilityReport:
        """Ask whether `to_version` may follow `from_version` (the registry's configured level)."""
        subject = self.template.format(name, to_track)
        url = self._wire.url(
            "subjects", subject, "versions", version_segment(to_version, name, to_track)
        )
        new_call = Call("GET", url, name, to_track, schema_lookup=True)
        new = read_registered(await self._wire.json(new_call), new_call, self._wire.secrets)
        old_subject = self.template.format(name, from_track)
        segment = version_segment(from_version, name, from_track)
        url = self._wire.url("compatibility", "subjects", old_subject, "versions", segment)
        call = Call(
            "POST",
            url,
            name,
            from_track,
            {"verbose": "true"},
            register_body(new),
            schema_lookup=True,
        )
        answer = await self._wire.json(call)
        if not isinstance(answer, dict) or not isinstance(answer.get("is_compatible"), bool):
            raise self._shape_error(call, 'an object with "is_compatible"', answer)
        messages = answer.get("messages") or []
        reasons = (
            tuple(str(m) for m in messages) if isinstance(messages, list) else (str(messages),)
        )
        return CompatibilityReport(compatible=answer["is_compatible"], breaking_reasons=reasons)

    async def compatibility_level(self, name: str | None, track: str | None) -> str:
        """Return the level the registry enforces: the subject's own, else the global one."""
        if name is None:
            call = Call("GET", self._wire.url("config"))
        else:
            if self.template.has_track and not track:
                raise ConfigError(
                    f"compatibility_level({name!r}): subject template {self.template.text!r} "
                    "names the track; pass track=..."
                )
            subject = self.template.format(name, track or "")
            url = self._wire.url("config", subject)
            call = Call("GET", url, name, track, {"defaultToGlobal": "true"}, schema_lookup=True)
        answer = await self._wire.json(call)
        level = answer.get("compatibilityLevel") if isinstance(answer, dict) else None
        if not isinstance(level, str):
            raise self._shape_error(call, 'an object with "compatibilityLevel"', answer)
        return level

    async def health(self) -> httpx.Response:
        """Probe a route every Confluent-compatible registry serves, cheaply."""
        return await self._wire.send(Call("GET", self._wire.url("schemas", "types")))

    async def upload_schema(
        self, name: str, track: str, version: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        raise ConfigError(
            f"upload_schema(version={version!r}): a Confluent registry numbers versions itself; "
            "use register_schema(name, content, track=...)"
        )

    async def register_schema(
        self, name: str, track: str, content: Mapping[str, Any], references: Any
    ) -> dict[str, Any]:
        """Register `content` under the subject of (name, track); return the registry's answer."""
        if self.template.has_track and not track:
            raise ConfigError(
                f"register_schema({name!r}): subject template {self.template.text!r} names the "
                "track; pass track=..."
            )
        subject = self.template.format(name, track)
        refs = tuple(read_reference(r, None, ()) for r in references or ())
        text = json.dumps(dict(content), separators=(",", ":"))
        registered = Registered(text, dict(content), refs, None)
        url = self._wire.url("subjects", subject, "versions")
        call = Call("POST", url, name, track, json=register_body(registered))
        answer = await self._wire.json(call)
        if not isinstance(answer, dict) or not is_whole(answer.get("id")):
            raise self._shape_error(call, 'an object with a numeric "id"', answer)
        return answer

    # -- reading answers ------------------------------------------------------------------------

    async def _holder(self, schema_id: int) -> tuple[str | None, int | None]:
        """Return a (subject, version) holding `schema_id`, preferring ones the template reads."""
        call = Call("GET", self._wire.url("schemas", "ids", str(schema_id), "versions"))
        try:
            holders = await self._wire.json(call)
        except SchemaRegistryError:
            return None, None  # a registry without this route: the schema is named by its id
        pairs = (
            [
                (h["subject"], h["version"])
                for h in holders
                if isinstance(holders, list)
                if isinstance(h, dict)
                and isinstance(h.get("subject"), str)
                and is_whole(h.get("version"))
            ]
            if isinstance(holders, list)
            else []
        )
        readable = [p for p in pairs if self.template.parse(p[0]) is not None]
        chosen = (readable or pairs or [(None, None)])[0]
        return chosen[0], chosen[1]

    async def _named_document(self, registered: Registered, call: Call) -> SchemaDocument:
        """Name a schema fetched by id or GUID after the subject holding it, if that makes a name.

        The registry says which subject that is: one no schema name could be (a newline to
        forge log lines, a lone surrogate no metrics scrape can encode, a megabyte) would
        become each record's log text and metrics label. Its id (else GUID) names it instead.
        """
        parsed = self.template.parse(registered.subject) if registered.subject else None
        name, track = parsed or (unnamed(registered), ANY_TRACK)
        if schema_name_problem(name) or schema_name_problem(track, "track"):
            name, track = unnamed(replace(registered, subject=None)), ANY_TRACK
        return await self._document(registered, call, name, track)

    async def _document(
        self, registered: Registered, call: Call, name: str, track: str
    ) -> SchemaDocument:
        content, _ = await self._bundle(registered, call, 0, [_MAX_REFERENCE_FETCHES])
        return SchemaDocument(
            name=name,
            track=track,
            version=str(registered.version) if registered.version is not None else "",
            sha256=content_sha256(content),
            schema_id=str(
                registered.schema_id if registered.schema_id is not None else registered.guid
            ),
            content=content,
            integrity=Integrity.UNKNOWN,  # the registry publishes no hash to check against
        )

    async def _bundle(
        self, registered: Registered, call: Call, depth: int, fetches: list[int]
    ) -> tuple[dict[str, Any], int]:
        """Return the schema with every referenced subject version embedded, and its size.

        Bundling copies each referenced document into each referrer: a registry whose subjects
        each reference the next one twice makes a few small answers copy the last one 2 ** n
        times. The bundle may grow only as large as one answer may be (`max_response_bytes`),
        and its references may cost `fetches[0]` requests in all (one answer may name 300,000).
        """
        size = json_size(registered.content)
        if not registered.references:
            return registered.content, size
        if depth >= _MAX_REFERENCE_DEPTH:
            why = f"references nest deeper than {_MAX_REFERENCE_DEPTH} levels (a cycle?)"
            raise response_error(call, why, self._wire.secrets)
        embedded = {}
        for reference in registered.references:
            embedded[reference.name], more = await self._referenced(
                reference, call, depth + 1, fetches
            )
            size += more
            if size > self._wire.max_response_bytes:
                why = (
                    f"its references bundle into more than {self._wire.max_response_bytes:,} "
                    "bytes of JSON (max_response_bytes): a document embedded over and over?"
                )
                raise response_error(call, why, self._wire.secrets)
        try:
            bundled = bundle(registered.content, embedded)
        except ValueError as exc:
            raise response_error(
                call, f"its references cannot be bundled: {exc}", self._wire.secrets
            ) from None
        return (bundled if isinstance(bundled, dict) else as_object(bundled)), size

    async def _referenced(
        self, reference: SchemaReference, via: Call, depth: int, fetches: list[int]
    ) -> tuple[dict[str, Any], int]:
        key = (reference.subject, reference.version)
        cached = self._bundled.get(key)
        if cached is not None:
            return cached
        fetches[0] -= 1
        if fetches[0] < 0:
            why = f"it has more references than one document may fetch ({_MAX_REFERENCE_FETCHES})"
            raise response_error(via, why, self._wire.secrets)
        url = self._wire.url("subjects", reference.subject, "versions", str(reference.version))
        call = Call("GET", url, via.name, via.track, schema_lookup=True)
        registered = read_registered(await self._wire.json(call), call, self._wire.secrets)
        bundled = await self._bundle(registered, call, depth, fetches)
        if len(self._bundled) >= _MAX_CACHED_REFERENCES:
            del self._bundled[next(iter(self._bundled))]
        self._bundled[key] = bundled
        return bundled

    def _shape_error(self, call: Call, expected: str, got: object) -> SchemaRegistryError:
        shown = redact_text(repr(got), *self._wire.secrets)[:80]  # mask first, then cut
        return response_error(call, f"expected {expected}, got {shown}", self._wire.secrets)
