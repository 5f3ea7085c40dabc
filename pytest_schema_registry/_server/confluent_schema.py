"""What one JSON Schema of the Confluent dialect is: stored, or arriving in a request body.

`SubjectVersion` is a stored version with its `Reference`s; `candidate()` reads a schema from
Confluent's body `{"schema": "<JSON string>", "schemaType": "JSON", "references": [...]}`: it
must be JSON Schema (schemaType absent means AVRO to Confluent: refused), parse, and compile as
Draft 7 with its references resolvable by name, nothing fetched. `bundled()` embeds what a
schema references (`_core.references.bundle`), so compatibility checks see the whole schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from .._core.models import SchemaReference as Reference
from .._core.references import bundle
from .confluent_ids import canonical_key
from .disk import parse_json
from .routes import HTTPError

if TYPE_CHECKING:
    from .confluent_store import SubjectStore

__all__ = ["Candidate", "Reference", "SubjectVersion", "bundled", "candidate"]


@dataclass(frozen=True, slots=True)
class SubjectVersion:
    """One version of one subject, with everything the API serves about it."""

    subject: str
    version: int
    schema: Any = field(hash=False)  # a JSON Schema document: an object or a boolean
    references: tuple[Reference, ...]
    id: int
    guid: str
    deleted: bool
    created_at: str

    @property
    def key(self) -> str:
        return canonical_key(self.schema, [r.to_json() for r in self.references])

    @property
    def text(self) -> str:
        """Return the schema as the API's `schema` string: compact JSON, keys as registered."""
        return json.dumps(self.schema, separators=(",", ":"), ensure_ascii=False)

    def response(self) -> dict[str, Any]:
        """Return the body of `GET /subjects/{s}/versions/{v}`."""
        return {
            "subject": self.subject,
            "version": self.version,
            "id": self.id,
            "guid": self.guid,
            "schemaType": "JSON",
            "schema": self.text,
            "references": [r.to_json() for r in self.references],
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A schema from a request body, parsed, compiled, its references found."""

    schema: Any
    references: tuple[Reference, ...]

    @property
    def key(self) -> str:
        return canonical_key(self.schema, [r.to_json() for r in self.references])


def candidate(store: SubjectStore, body: dict[str, Any]) -> Candidate:
    """Read the schema a body carries; 42201 saying why it cannot be used."""
    kind = body.get("schemaType", "AVRO")
    if not isinstance(kind, str) or kind.upper() != "JSON":
        raise _invalid(
            f"Schema type {kind!r:.40} is not supported: this registry serves JSON Schema only "
            '(send "schemaType": "JSON")'
        )
    text = body.get("schema")
    if not isinstance(text, str):
        raise _invalid("Invalid schema: 'schema' should be the JSON Schema as a string")
    try:
        schema = parse_json(text, "schema")
    except ValueError as exc:
        raise _invalid(f"Invalid schema: {exc}") from None
    if not isinstance(schema, dict | bool):
        raise _invalid("Invalid schema: a JSON Schema is an object or a boolean")
    references = _references(store, body.get("references") or [])
    _compile(store, schema, references)
    return Candidate(schema, references)


def _references(store: SubjectStore, raw: Any) -> tuple[Reference, ...]:
    """Check each `{name, subject, version}` names a stored version; 42201 otherwise."""
    if not isinstance(raw, list):
        raise _invalid("Invalid schema: 'references' should be a list")
    found = []
    for ref in raw:
        if not (
            isinstance(ref, dict)
            and isinstance(ref.get("name"), str)
            and isinstance(ref.get("subject"), str)
            and isinstance(ref.get("version"), int)
        ):
            raise _invalid(f"Invalid reference {ref!r:.80}: expected name, subject, version")
        target = store.get(ref["subject"], None if ref["version"] == -1 else ref["version"])
        if target is None:
            raise _invalid(
                f"Invalid schema: reference {ref['name']!r} names {ref['subject']} version "
                f"{ref['version']}, which does not exist",
            )
        found.append(Reference(ref["name"], target.subject, target.version))
    return tuple(found)


def _compile(store: SubjectStore, schema: Any, references: Sequence[Reference]) -> None:
    """Compile as Draft 7, references resolvable by name, nothing fetched; 42201 if it fails."""
    resources: list[tuple[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    pending = list(references)
    while pending:
        ref = pending.pop()
        target = store.get(ref.subject, ref.version, deleted=True)
        if target is None or (ref.subject, ref.version) in seen:
            continue
        seen.add((ref.subject, ref.version))
        resources += [(uri, target.schema) for uri in _uris(ref.name, schema)]
        pending += target.references
    try:
        registry = jsonschema_rs.Registry(resources) if resources else None
        jsonschema_rs.Draft7Validator(schema, offline=True, registry=registry)
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _invalid(f"Invalid schema: it does not compile as Draft 7: {reason}") from None


def _uris(name: str, schema: Any) -> list[str]:
    """Return the URIs a `$ref: name` may resolve to: itself if absolute, else below each base."""
    if "://" in name or name.startswith("urn:"):
        return [name]
    bases = ["json-schema:///"]
    if isinstance(schema, dict) and isinstance(schema.get("$id"), str) and "/" in schema["$id"]:
        bases.append(schema["$id"].rsplit("/", 1)[0] + "/")
    return [base + name.lstrip("/") for base in bases]


def _invalid(message: str) -> HTTPError:
    """Return Confluent's 42201, "invalid schema", to raise."""
    return HTTPError(422, message, {"error_code": 42201})


def bundled(store: SubjectStore, schema: Any, references: Sequence[Reference]) -> Any:
    """Return `schema` with every schema it references embedded, theirs first (bottom-up).

    Raises ValueError when a reference is missing, circular, or cannot be embedded.
    """
    return _bundled(store, schema, references, ())


def _bundled(
    store: SubjectStore, schema: Any, references: Sequence[Reference], path: tuple[str, ...]
) -> Any:
    documents = {}
    for ref in references:
        where = f"{ref.subject} version {ref.version}"
        if where in path:
            raise ValueError(f"references loop back to {where}")
        target = store.get(ref.subject, ref.version, deleted=True)
        if target is None:
            raise ValueError(f"reference {ref.name!r} names {where}, which does not exist")
        documents[ref.name] = _bundled(store, target.schema, target.references, (*path, where))
    return bundle(schema, documents)
