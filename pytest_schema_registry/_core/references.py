"""Bundle a schema and the documents its registry `references` name into one self-contained schema.

A Confluent-compatible registry stores a JSON Schema with `references`
(`[{"name": "address.json", "subject": "address-value", "version": 1}]`) and the schema says
`{"$ref": "address.json"}` or `{"$ref": "address.json#/definitions/street"}`. Everything above the
wire (the Draft 7 validator, the generator that follows only local `#/...` refs, compatibility
checks, snapshots) needs one document that resolves on its own, so `bundle` embeds each referenced
document under the root's `definitions` and turns the `$ref`s naming it into local JSON pointers.

Each referenced document handed in must already be self-contained: the caller bundles bottom-up,
so a reference's own references are the caller's recursion. Walks are iterative and refuse
documents nested deeper than `MAX_DEPTH`; the result is a fresh copy, the inputs stay untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urldefrag, urljoin

__all__ = ["MAX_DEPTH", "bundle", "json_size"]

# As the embedded server's JSON reader and the runtime's payload guard: one bound everywhere.
MAX_DEPTH = 256
_DATA = frozenset({"enum", "const", "default", "examples"})  # JSON values, not schemas
_MAPS = frozenset(
    {"properties", "patternProperties", "definitions", "$defs", "dependencies", "dependentSchemas"}
)  # name -> subschema: a key is a name (even "$ref"), each value a schema
_SCHEMA, _MAP, _VALUE = "schema", "map", "value"  # what a node is, so what its `$ref` means
_FRAGMENT_SAFE = "!$&'()*+,;=:@"  # sub-delims, ":" and "@" may stay raw in a URI fragment

Schema = Mapping[str, Any] | bool


def bundle(schema: Schema, references: Mapping[str, Schema]) -> dict[str, Any] | bool:
    """Return `schema` with every document in `references` (name -> document) embedded.

    Each document lands in the root's `definitions` under its name (suffixed `-2`, `-3`, ... when
    the name is taken) without its `$id` and `$schema`, which would rebase or re-dialect its
    pointers. A `$ref` whose document part is a name, or resolves (against the enclosing `$id`)
    to a name or to a referenced document's `$id`, becomes `#/definitions/<key>` plus its
    JSON-pointer fragment; a referenced document's own `#`/`#/...` refs follow it to its new place.
    Other refs are left for the validator to resolve or report. A boolean root refers to nothing
    and comes back as it is. Raises ValueError for a document nested deeper than `MAX_DEPTH`, a
    value that is not a schema, a non-object `definitions`, or a name with an anchor fragment.
    """
    _check_schema(schema, "schema")
    if isinstance(schema, bool):
        return schema
    if not references:
        copied: dict[str, Any] = _copy(schema, {}, "", None, "schema")
        return copied
    existing = schema.get("definitions", {})
    if not isinstance(existing, Mapping):
        raise ValueError("schema's 'definitions' is not an object: no place for references")
    keys = _keys(references, existing)
    targets = {name: "#/definitions/" + _escape(key) for name, key in keys.items()}
    for name in keys:  # a referenced document's own `$id` names it too, once that `$id` is gone
        _check_schema(references[name], f"reference {name!r}")
        targets.setdefault(_base(name, references[name]), targets[name])
    bundled: dict[str, Any] = _copy(schema, targets, _base("", schema), None, "schema")
    definitions = bundled.setdefault("definitions", {})
    for name, key in keys.items():
        document, what = references[name], f"reference {name!r} at {targets[name]}"
        embedded = _copy(document, targets, _base(name, document), targets[name], what, 3)
        if isinstance(embedded, dict):
            embedded.pop("$id", None)
            embedded.pop("$schema", None)
        definitions[key] = embedded
    return bundled


def _check_schema(value: object, what: str) -> None:
    """Refuse a value that is neither an object nor a boolean: no JSON Schema is anything else."""
    if not isinstance(value, Mapping | bool):
        raise ValueError(f"{what} is not a JSON Schema (object or boolean): {type(value).__name__}")


def _keys(names: Mapping[str, Any], taken: Mapping[str, Any]) -> dict[str, str]:
    """Pick a `definitions` key per name, in sorted order, so one input always bundles alike."""
    keys: dict[str, str] = {}
    used = set(taken)
    for name in sorted(names):
        key, n = name, 1
        while key in used:
            n += 1
            key = f"{name}-{n}"
        used.add(key)
        keys[name] = key
    return keys


def _escape(key: str) -> str:
    """Write `key` as one JSON-pointer token inside a URI fragment (RFC 6901, then RFC 3986)."""
    return quote(key.replace("~", "~0").replace("/", "~1"), safe=_FRAGMENT_SAFE)


def _base(name: str, document: Schema) -> str:
    """Return the URI a document's relative refs resolve against: its `$id`, read from `name`."""
    ident = document.get("$id") if isinstance(document, Mapping) else None
    if not isinstance(ident, str) or ident.startswith("#"):  # Draft 7: `$id: "#x"` is an anchor
        return name
    return urldefrag(urljoin(name, ident)).url


def _copy(
    document: Any, targets: dict[str, str], base: str, local: str | None, what: str, depth: int = 1
) -> Any:
    """Deep-copy `document` iteratively, rewriting the `$ref`s of its schema positions.

    `local` is where the document's own `#...` refs now point (None: they stay). Below a nested
    `$id` its resource moves whole: its local refs stay, its relative refs resolve against it.
    `depth` is the level `document` will sit at, so the limit holds for the bundle as a whole.
    """
    if not isinstance(document, Mapping | list):
        return document
    copy = _empty(document)
    stack: list[tuple[Any, Any, str, str, str | None, int]] = [
        (document, copy, _SCHEMA, base, local, depth)
    ]
    while stack:
        source, target, role, base, local, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{what} nests deeper than {MAX_DEPTH} levels")
        is_schema = role == _SCHEMA and isinstance(source, Mapping)
        if is_schema and source is not document:
            base, local = _rebase(source, base, local)
        items = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in items:
            if is_schema and key == "$ref" and isinstance(value, str):
                target[key] = _rewrite(value, targets, base, local, what)
            elif isinstance(value, Mapping | list):
                target[key] = child = _empty(value)
                stack.append((value, child, _role(role, key), base, local, depth + 1))
            else:
                target[key] = value
    return copy


def _empty(container: Mapping[str, Any] | list[Any]) -> dict[str, Any] | list[Any]:
    """Return a fresh container of the same kind to fill in, a list already at its length."""
    return {} if isinstance(container, Mapping) else [None] * len(container)


def _role(role: str, key: object) -> str:
    """Say what a child is: a JSON value stays a value; a schema's keyword decides the rest."""
    if role == _VALUE or (role == _SCHEMA and key in _DATA):
        return _VALUE
    return _MAP if role == _SCHEMA and key in _MAPS else _SCHEMA


def _rebase(schema: Mapping[str, Any], base: str, local: str | None) -> tuple[str, str | None]:
    """Enter a subschema's `$id` resource, if it opens one (an anchor `#x` opens none)."""
    ident = schema.get("$id")
    if not isinstance(ident, str) or ident.startswith("#"):
        return base, local
    return urldefrag(urljoin(base, ident)).url, None


def _rewrite(ref: str, targets: dict[str, str], base: str, local: str | None, what: str) -> str:
    """Point `ref` at its embedded document, or return it unchanged when it names none."""
    document, _, fragment = ref.partition("#")
    named = targets.get(document) or targets.get(urljoin(base, document))
    pointer = named if document else local
    if pointer is None:
        return ref
    if fragment and not fragment.startswith("/"):
        if not document:  # a local anchor: its `$id: "#x"` travels with the document
            return ref
        raise ValueError(f"{what}: cannot bundle $ref {ref!r}: only JSON-pointer fragments embed")
    return pointer + fragment


def json_size(document: object) -> int:
    """Return about how many bytes `document` takes as JSON (strings by length), iteratively.

    Bundling embeds each referenced document wherever it is referenced, so a few small answers
    can multiply into gigabytes; both the client and the server add these sizes up, and stop at
    a cap, before copying anything.
    """
    size, stack = 0, [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            size += 2 + sum(len(key) + 4 for key in value)
            stack.extend(value.values())
        elif isinstance(value, list):
            size += 2 + len(value)
            stack.extend(value)
        else:
            size += len(value) + 2 if isinstance(value, str) else 8
    return size
