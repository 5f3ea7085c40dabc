"""See a JSON Schema the way Confluent's loader shapes it before its differ compares two of them.

Confluent's differ dispatches on the class its schema loader built, not on keywords: `type: [a, b]`
becomes an `anyOf` of single types, a schema mixing parts (`type` with `enum`, `not`, `allOf`, ...)
becomes a synthetic `allOf` of those parts, `{}` is an "empty" schema. Reproducing that shape here
keeps the differ's rules as simple as the ones they imitate. Local `$ref`s resolve here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

from .._core.errors import SchemaCompileError

__all__ = [
    "COMBINED",
    "Node",
    "additional_items",
    "as_dict",
    "branches",
    "canonical",
    "deref",
    "family",
    "join",
    "kind_of",
    "number",
    "partial_schema",
    "value_key",
]

# Keywords that say which single-type schema a type-less dict is (Confluent's loader does the same).
_FAMILIES = {
    "string": ("minLength", "maxLength", "pattern", "format"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "object": (
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "dependencies",
        "dependentRequired",
        "dependentSchemas",
        "propertyNames",
        "unevaluatedProperties",
    ),
    "array": (
        "items",
        "prefixItems",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minContains",
        "maxContains",
        "unevaluatedItems",
    ),
}
_TYPES = {"string", "number", "integer", "object", "array", "boolean", "null"}
_CRITERIA = ("allOf", "anyOf", "oneOf")
# "types" is `type: [...]` (an anyOf), "parts" a dict mixing several parts (a synthetic allOf).
COMBINED = frozenset({*_CRITERIA, "types", "parts"})


@dataclass(frozen=True, slots=True)
class Node:
    """One schema value, the document its `$ref`s resolve in, and a forced shape for a branch.

    `kind` is set when one dict stands for one branch of a shape it implies (`type: [a, b]` or a
    synthetic `allOf`): the branch reads the same keywords and must not split again.
    """

    value: Any
    doc: Any
    kind: str | None = None


def join(path: str, segment: str) -> str:
    """Append a segment to a Confluent-style path (`#/` is the root)."""
    if not segment:
        return path
    return f"{path.rstrip('/')}/{segment}"


def as_dict(node: Node) -> dict[str, Any]:
    """Return the node's keywords; a boolean or malformed schema has none."""
    return node.value if isinstance(node.value, dict) else {}


def kind_of(node: Node) -> str:
    """Name the node's shape: true/false/empty, a single type, enum/const/not, or a combination."""
    if node.value is True or node.value is False:
        return str(node.value).lower()
    if node.kind is not None:
        return node.kind
    parts = _parts(as_dict(node))
    if not parts:
        return "empty"
    return parts[0] if len(parts) == 1 else "parts"


def family(kind: str) -> str:
    """Group shapes the way classes are compared: integer and number share one schema class."""
    if kind == "integer":
        return "number"
    return "combined" if kind in COMBINED else kind


def branches(node: Node) -> tuple[str, list[tuple[str, Node]]]:
    """Return a combination's criterion and its (path segment, branch) pairs, duplicates dropped."""
    kind = kind_of(node)
    value = as_dict(node)
    if kind == "types":
        found = [("", Node(value, node.doc, t)) for t in _type_list(value)]
        return "anyOf", found
    if kind == "parts":
        return "allOf", [("", Node(value, node.doc, part)) for part in _parts(value)]
    listed = value[kind]
    found = [(f"{kind}/{i}", Node(branch, node.doc)) for i, branch in enumerate(listed)]
    return kind, _unique(found)


def _unique(found: list[tuple[str, Node]]) -> list[tuple[str, Node]]:
    # Confluent collapses equal branches (a set); equal text in one document is one schema.
    seen: set[str] = set()
    kept = []
    for segment, branch in found:
        key = canonical(branch.value)
        if key not in seen:
            seen.add(key)
            kept.append((segment, branch))
    return kept


def _parts(value: dict[str, Any]) -> list[str]:
    parts = _base_types(value)
    parts += [k for k in ("enum",) if isinstance(value.get(k), list)]
    parts += [k for k in ("const",) if k in value]
    parts += [k for k in ("not",) if isinstance(value.get(k), dict | bool)]
    parts += [k for k in _CRITERIA if isinstance(value.get(k), list) and value[k]]
    return parts


def _base_types(value: dict[str, Any]) -> list[str]:
    types = _type_list(value)
    if len(types) > 1:
        return ["types"]
    if types:
        return types
    if isinstance(value.get("type"), str):  # an unknown type name constrains nothing we compare
        return []
    return [name for name, keys in _FAMILIES.items() if any(k in value for k in keys)]


def _type_list(value: dict[str, Any]) -> list[str]:
    declared = value.get("type")
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list):
        return []
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n in _TYPES))


def deref(node: Node, path: str) -> Node:
    """Follow the node's `$ref` chain inside its own document; refuse remote and looping refs."""
    seen: set[str] = set()
    while node.kind is None and isinstance(node.value, dict) and "$ref" in node.value:
        ref = node.value["$ref"]
        if not isinstance(ref, str) or ref in seen:
            raise SchemaCompileError(f"{path}: $ref {ref!r} loops or is not a string")
        seen.add(ref)
        node = Node(_pointer(node.doc, ref, path), node.doc)
    return node


def _pointer(doc: Any, ref: str, path: str) -> Any:
    base, _, fragment = ref.partition("#")
    own_id = doc.get("$id", doc.get("id")) if isinstance(doc, dict) else None
    if base and base != own_id:
        raise SchemaCompileError(f"{path}: $ref {ref!r} points outside the document")
    if fragment and not fragment.startswith("/"):
        raise SchemaCompileError(f"{path}: $ref {ref!r} names an anchor; only pointers resolve")
    target = doc
    for raw in fragment.split("/")[1:]:
        # RFC 6901 order: undo ~1 before ~0, after the URI fragment's percent-encoding.
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        target = _step(target, token, ref, path)
    return target


def _step(target: Any, token: str, ref: str, path: str) -> Any:
    if isinstance(target, dict) and token in target:
        return target[token]
    if isinstance(target, list) and token.isdigit() and int(token) < len(target):
        return target[int(token)]
    raise SchemaCompileError(f"{path}: $ref {ref!r} points nowhere in the document")


def partial_schema(value: dict[str, Any], name: str, items: bool) -> Any:
    """Return the schema a partially open content model gives an undeclared member, or None.

    Objects: a matching `patternProperties` entry, else an `additionalProperties` schema, else
    an `unevaluatedProperties` schema when `additionalProperties` is absent. Arrays: the same
    with the additional-items schema and `unevaluatedItems`.
    """
    extra, unevaluated = (
        ("additionalItems", "unevaluatedItems")
        if items
        else ("additionalProperties", "unevaluatedProperties")
    )
    if not items:
        for pattern, schema in _dict(value.get("patternProperties")).items():
            if _matches(pattern, name):
                return schema
    extra_value = additional_items(value) if items else value.get(extra)
    if isinstance(extra_value, dict):
        return extra_value
    if extra_value is None and isinstance(value.get(unevaluated), dict):
        return value[unevaluated]
    return None


def additional_items(value: dict[str, Any]) -> Any:
    """Return the schema for items after the tuple: 2020-12 `items` beside `prefixItems`."""
    if isinstance(value.get("prefixItems"), list):
        return value.get("items")
    return value.get("additionalItems")


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:  # an ECMA-only pattern Python cannot read matches nothing we can prove
        return False


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def number(value: Any) -> Fraction | None:
    """Return a JSON number exactly (0.1 stays one tenth), or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return Fraction(Decimal(repr(value)))
    except (InvalidOperation, ValueError, OverflowError):  # NaN and infinities bound nothing
        return None


def canonical(value: Any) -> str:
    """Return one text per JSON value: keys sorted, 1 and 1.0 alike, true and 1 apart."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def value_key(value: Any) -> Hashable:
    """Return a set key equal for equal JSON values; scalars skip JSON text (huge enums)."""
    if isinstance(value, bool) or value is None:
        return ("b", value)  # tagged apart from numbers: true is not 1 in JSON Schema
    if isinstance(value, int | float | str):
        return ("v", value)  # Python already has 1 == 1.0 with equal hashes; "1" stays apart
    return ("j", canonical(value))


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON Schema equality: 1.0 is the integer 1
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
