"""What one JSON Schema of the Confluent dialect is: stored, or arriving in a request body.

`SubjectVersion` is a stored version with its `Reference`s; `candidate()` reads a schema from
Confluent's body `{"schema": "<JSON string>", "schemaType": "JSON", "references": [...]}`: it
must be JSON Schema (schemaType absent means AVRO to Confluent: refused), parse, and compile as
Draft 7 with its references resolvable by name, nothing fetched. `bundled()` embeds what a
schema references (`_core.references.bundle`), so compatibility checks see the whole schema; a
schema whose bundle would outgrow `MAX_BUNDLE_BYTES` is refused when it arrives.

A body may also carry a data contract: `metadata` (`{"properties": {k: v}, "tags": {path:
[tag]}, "sensitive": [name]}`) and a `ruleSet` (`{"domainRules": [...], "migrationRules": [...],
...}`). They are kept and served, never executed (clients run rules), and part of the schema's
identity (`confluent_ids.canonical_key`). Absent (or null), a version inherits the subject's
latest ones, as in Confluent; `{}` says "none".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from .._core.config import DEFAULT_MAX_RESPONSE_BYTES
from .._core.models import SchemaReference as Reference
from .._core.references import MAX_DEPTH, bundle, json_size
from .confluent_ids import canonical_key
from .disk import parse_json
from .routes import HTTPError

if TYPE_CHECKING:
    from .confluent_store import SubjectStore

__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_BUNDLE_REFERENCES",
    "BundleTooLargeError",
    "Candidate",
    "Reference",
    "SubjectVersion",
    "bundle_size",
    "bundled",
    "candidate",
    "checked_metadata",
    "checked_rule_set",
]

_RULE_LISTS = ("domainRules", "migrationRules", "encodingRules")


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
    metadata: dict[str, Any] | None = field(default=None, hash=False)
    rule_set: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def key(self) -> str:
        refs = [r.to_json() for r in self.references]
        return canonical_key(self.schema, refs, self.metadata, self.rule_set)

    @property
    def text(self) -> str:
        """Return the schema as the API's `schema` string: compact JSON, keys as registered."""
        return json.dumps(self.schema, separators=(",", ":"), ensure_ascii=False)

    def contract(self) -> dict[str, Any]:
        """Return the `metadata` and `ruleSet` keys of an answer: those that are not empty."""
        parts = (("metadata", self.metadata), ("ruleSet", self.rule_set))
        return {name: part for name, part in parts if part}

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
            **self.contract(),
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A schema from a request body, parsed, compiled, its references found.

    `metadata` and `rule_set` are None when the body did not send them (to inherit), `{}` when
    it sent them empty (none).
    """

    schema: Any
    references: tuple[Reference, ...]
    metadata: dict[str, Any] | None = field(default=None, hash=False)
    rule_set: dict[str, Any] | None = field(default=None, hash=False)

    @property
    def key(self) -> str:
        refs = [r.to_json() for r in self.references]
        return canonical_key(self.schema, refs, self.metadata, self.rule_set)

    def inheriting(self, latest: SubjectVersion | None) -> Candidate:
        """Return this schema with what it did not send taken from the subject's latest version."""
        if latest is None:
            return self
        return replace(
            self,
            metadata=latest.metadata if self.metadata is None else self.metadata,
            rule_set=latest.rule_set if self.rule_set is None else self.rule_set,
        )


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
    try:  # before any lock, and before `_compile` registers a resource per name it may have
        bundle_size(store, schema, references)
    except BundleTooLargeError as exc:
        raise _invalid(f"Invalid schema: {exc}") from None
    except ValueError:
        pass  # a loop or a missing version: the compatibility check says so, as before
    _compile(store, schema, references)
    try:
        metadata = checked_metadata(body.get("metadata"))
    except ValueError as exc:
        raise _invalid(f"Invalid metadata: {exc}") from None
    try:
        rule_set = checked_rule_set(body.get("ruleSet"))
    except ValueError as exc:
        raise HTTPError(422, f"Invalid ruleSet: {exc}", {"error_code": 42210}) from None
    return Candidate(schema, references, metadata, rule_set)


def checked_metadata(raw: Any) -> dict[str, Any] | None:
    """Check Confluent's metadata shape; return it normalized (nulls dropped, lists sorted).

    None stays None (not sent). Raises ValueError saying what is wrong.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("expected an object with properties, tags and/or sensitive")
    unknown = set(raw) - {"properties", "tags", "sensitive"}
    if unknown:
        raise ValueError(
            f"unknown key {sorted(unknown)[0]!r:.40} (known: properties, tags, sensitive)"
        )
    found: dict[str, Any] = {}
    properties, tags, sensitive = raw.get("properties"), raw.get("tags"), raw.get("sensitive")
    if properties is not None:
        if not isinstance(properties, dict) or not all(
            isinstance(v, str) for v in properties.values()
        ):
            raise ValueError("properties should map names to strings")
        found["properties"] = dict(properties)
    if tags is not None:
        if not isinstance(tags, dict) or not all(_strings(v) for v in tags.values()):
            raise ValueError("tags should map paths to lists of tag names")
        found["tags"] = {path: sorted(set(names)) for path, names in tags.items()}
    if sensitive is not None:
        if not _strings(sensitive):
            raise ValueError("sensitive should be a list of names")
        found["sensitive"] = sorted(set(sensitive))
    return found


def checked_rule_set(raw: Any) -> dict[str, Any] | None:
    """Check a rule set is an object whose rule lists hold objects; return it without nulls."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("expected an object with domainRules, migrationRules, encodingRules")
    for name in _RULE_LISTS:
        rules = raw.get(name)
        if rules is not None and not (
            isinstance(rules, list) and all(isinstance(rule, dict) for rule in rules)
        ):
            raise ValueError(f"{name} should be a list of rule objects")
    return {name: value for name, value in raw.items() if value is not None}


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


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
    resources: dict[str, Any] = {}  # URI -> document: every name, even of one version twice
    seen: set[tuple[str, int]] = set()
    pending = list(references)
    while pending:
        ref = pending.pop()
        target = store.get(ref.subject, ref.version, deleted=True)
        if target is None:
            continue
        resources.update((uri, target.schema) for uri in _uris(ref.name, schema))
        if (ref.subject, ref.version) not in seen:  # its own references: walked once
            seen.add((ref.subject, ref.version))
            pending += target.references
    try:
        registry = jsonschema_rs.Registry(list(resources.items())) if resources else None
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

    Each referenced version is bundled once per call (memoised by subject and version), and
    only within `MAX_BUNDLE_BYTES` and `MAX_BUNDLE_REFERENCES`. Raises ValueError when a
    reference is missing, circular, or cannot be embedded; `BundleTooLargeError` past the bounds.
    """
    return _Bundler(store, build=True).walk(schema, references, ())[0]


def bundle_size(store: SubjectStore, schema: Any, references: Sequence[Reference]) -> int:
    """Return about how many bytes of JSON `bundled()` would make, copying nothing.

    Raises what `bundled()` would for a missing, circular or too large set of references.
    """
    return _Bundler(store, build=False).walk(schema, references, ())[1]


class BundleTooLargeError(ValueError):
    """Bundling would copy more than `MAX_BUNDLE_BYTES`, or visit too many references."""


# Bundling copies each referenced document into each referrer: subjects that each reference the
# two below them make 2 ** n copies of the lowest one from n cheap registrations. As the client
# (`_wire.confluent`), a bundle may be only as large as one answer it accepts, and as deep as
# `bundle` can nest (each level sits two below its referrer, in `definitions`).
MAX_BUNDLE_BYTES = DEFAULT_MAX_RESPONSE_BYTES
MAX_BUNDLE_REFERENCES = 10_000  # references followed in one bundle, all levels, memo hits too
MAX_REFERENCE_DEPTH = MAX_DEPTH // 2


class _Bundler:
    """One bundling: each (subject, version) bundled once, sizes added up before any copy."""

    def __init__(self, store: SubjectStore, *, build: bool) -> None:
        self.store, self.build = store, build
        self.done: dict[tuple[str, int], tuple[Any, int]] = {}
        self.visits = 0

    def walk(
        self, schema: Any, references: Sequence[Reference], path: tuple[str, ...]
    ) -> tuple[Any, int]:
        """Return `schema` bundled (None unless building) and its size in bytes of JSON."""
        size = json_size(schema)
        documents = {}
        for ref in references:
            self.visits += 1
            if self.visits > MAX_BUNDLE_REFERENCES:
                raise BundleTooLargeError(
                    f"bundling follows more than {MAX_BUNDLE_REFERENCES:,} references"
                )
            where = f"{ref.subject} version {ref.version}"
            if where in path:
                raise ValueError(f"references loop back to {where}")
            found = self.done.get((ref.subject, ref.version))
            if found is None:
                if len(path) >= MAX_REFERENCE_DEPTH:
                    raise BundleTooLargeError(
                        f"references nest deeper than {MAX_REFERENCE_DEPTH} levels"
                    )
                target = self.store.get(ref.subject, ref.version, deleted=True)
                if target is None:
                    raise ValueError(f"reference {ref.name!r} names {where}, which does not exist")
                found = self.walk(target.schema, target.references, (*path, where))
                self.done[(ref.subject, ref.version)] = found
            documents[ref.name] = found[0]
            size += found[1]
            if size > MAX_BUNDLE_BYTES:
                raise BundleTooLargeError(
                    f"its references bundle into more than {MAX_BUNDLE_BYTES:,} bytes of JSON "
                    "(a document embedded over and over?)"
                )
        return (bundle(schema, documents) if self.build else None), size
