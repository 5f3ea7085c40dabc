"""Read a Confluent-compatible registry's answers: schema strings, ids, versions, references.

Every answer is untrusted: a wrong type, a schema string that is not JSON, an Avro subject or a
malformed reference is a `RegistryResponseError` naming the call, never an exception of another
kind. `confluent.py` decides the requests; this module reads what comes back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .._core.errors import ConfigError, SchemaNotFoundError
from .._core.models import SchemaReference
from .._core.secrets import redact_text
from .http_errors import Call, response_error

__all__ = [
    "Registered",
    "as_object",
    "is_whole",
    "read_reference",
    "read_registered",
    "register_body",
    "unnamed",
    "version_segment",
    "with_holder",
]


@dataclass(frozen=True, slots=True)
class Registered:
    """A schema as a Confluent registry answers it, before its references are bundled."""

    text: str
    content: dict[str, Any]
    references: tuple[SchemaReference, ...]
    schema_id: int | None
    subject: str | None = None
    version: int | None = None
    guid: str | None = None


def version_segment(version: str | None, name: str, track: str) -> str:
    """Return the path segment for a version: `latest`, or a whole number as Confluent has them."""
    if version is None or version == "latest":
        return "latest"
    if version.isdigit() and 0 < int(version) < 2**31:
        return str(int(version))
    raise SchemaNotFoundError(
        f"schema {name!r} version {version[:40]!r}: a Confluent registry numbers versions "
        "1, 2, 3...; ask for one of those or 'latest'",
        name=name,
        track=track,
    )


def read_registered(body: object, call: Call, secrets: tuple[str, ...]) -> Registered:
    """Read a version or id answer: a JSON schema string, its type, id, version, references."""
    if not isinstance(body, dict):
        shown = redact_text(repr(body), *secrets)[:80]
        raise response_error(call, f"expected a JSON object with a schema, got {shown}", secrets)
    subject = body.get("subject") if isinstance(body.get("subject"), str) else None
    kind = body.get("schemaType") or "AVRO"  # Confluent's own rule: no type means Avro
    if kind != "JSON":
        holder = f"subject {subject!r}" if subject else f"schema {call.name!r}"
        shown = redact_text(str(kind), *secrets)[:20]  # mask first, then cut
        why = f"{holder} holds a schema of type {shown}; only JSON Schema judges JSON"
        raise response_error(call, why, secrets)
    text = body.get("schema")
    if not isinstance(text, str):
        raise response_error(call, 'expected "schema" to be a JSON Schema as a string', secrets)
    return Registered(
        text=text,
        content=_parse_schema(text, call, secrets),
        references=tuple(read_reference(r, call, secrets) for r in _list(body.get("references"))),
        schema_id=body["id"] if is_whole(body.get("id")) else None,
        subject=subject,
        version=body["version"] if is_whole(body.get("version")) else None,
        guid=body.get("guid") if isinstance(body.get("guid"), str) else None,
    )


def _parse_schema(text: str, call: Call, secrets: tuple[str, ...]) -> dict[str, Any]:
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise response_error(
            call, "its schema string is nested too deep to read", secrets
        ) from None
    except ValueError as exc:
        raise response_error(call, f"its schema string is not JSON: {exc}", secrets) from None
    if isinstance(parsed, bool):
        return as_object(parsed)
    if not isinstance(parsed, dict):
        raise response_error(
            call, "its schema string is JSON but not a schema (an object)", secrets
        )
    return parsed


def read_reference(raw: object, call: Call | None, secrets: tuple[str, ...]) -> SchemaReference:
    if isinstance(raw, SchemaReference):
        return raw
    if (  # an empty subject is no path segment, an empty name no `$ref`: refuse both here
        isinstance(raw, dict)
        and isinstance(raw.get("name"), str)
        and isinstance(raw.get("subject"), str)
        and raw["name"]
        and raw["subject"]
        and is_whole(raw.get("version"))
    ):
        return SchemaReference(raw["name"], raw["subject"], raw["version"])
    shown = redact_text(str(raw), *secrets)[:80]  # mask first, then cut
    why = f"a reference should be {{name, subject, version}}, got {shown}"
    if call is None:
        raise ConfigError(f"references: {why}")
    raise response_error(call, why, secrets)


def register_body(registered: Registered) -> dict[str, Any]:
    return {
        "schema": registered.text,
        "schemaType": "JSON",
        "references": [r.to_json() for r in registered.references],
    }


def with_holder(
    registered: Registered,
    schema_id: int | None,
    subject: str | None,
    version: int | None,
    guid: str | None = None,
) -> Registered:
    return Registered(
        registered.text,
        registered.content,
        registered.references,
        schema_id,
        subject,
        version,
        guid or registered.guid,
    )


def unnamed(registered: Registered) -> str:
    """Name a schema no readable subject holds: its subject, else its id, else its GUID.

    A registry may answer a GUID lookup with the schema alone: without the GUID in its name,
    every such schema would share one name, in `schemas_in_use` and the metrics alike.
    """
    if registered.subject:
        return registered.subject
    if registered.schema_id is not None:
        return f"schema-id-{registered.schema_id}"
    return f"schema-guid-{registered.guid}"


def as_object(schema: bool) -> dict[str, Any]:
    """Spell a boolean schema as an object: `true` accepts anything, `false` nothing."""
    return {} if schema else {"not": {}}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
