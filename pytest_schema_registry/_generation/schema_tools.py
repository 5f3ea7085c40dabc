"""Read JSON Schemas for generation: merge `allOf`, resolve local refs, list ways to break them.

Pure functions, no hypothesis: `strategies.py` builds its strategies on them, and they can be
tested (and reused by the gate) without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .._core.errors import UnsupportedSchemaError

__all__ = [
    "TYPES",
    "Breaker",
    "Mutation",
    "apply",
    "bounds",
    "merge",
    "pointer",
    "type_breaks",
    "types_of",
    "unique_key",
    "value_breaks",
    "where",
]

TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")


def bounds(schema: dict[str, Any]) -> tuple[float | None, float | None, bool, bool]:
    """Return (low, high, low exclusive, high exclusive) under both drafts' spellings."""
    low, high = schema.get("minimum"), schema.get("maximum")
    low_x, high_x = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    low_excl = low_x is True
    high_excl = high_x is True
    if is_number(low_x) and (low is None or low_x >= low):
        low, low_excl = low_x, True
    if is_number(high_x) and (high is None or high_x <= high):
        high, high_excl = high_x, True
    return low, high, low_excl, high_excl


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def types_of(schema: dict[str, Any], path: str) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return list(TYPES)
    kinds = [declared] if isinstance(declared, str) else list(declared)
    unknown = [k for k in kinds if k not in TYPES]
    if unknown:
        raise UnsupportedSchemaError("type", path, f"unknown type(s) {unknown}")
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")  # number already yields integers
    return kinds


def pointer(root: Any, ref: str, path: str) -> Any:
    """Resolve a local JSON-pointer `$ref` (`#`, `#/definitions/a%25b`); refuse anchors."""
    fragment = ref[1:]
    if fragment and not fragment.startswith("/"):
        raise UnsupportedSchemaError(
            "$ref", path, f"{ref!r}: anchors ($id fragments) do not resolve"
        )
    node = root
    for raw in fragment.split("/")[1:]:
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise UnsupportedSchemaError("$ref", path, f"{ref!r} points nowhere") from None
    return node


def merge(a: Any, b: Any) -> Any:
    """Merge two schemas for `allOf`, tightening where both constrain the same thing.

    A keyword both sides set and that cannot be combined keeps the left value; the validator
    behind every strategy still enforces the right one, so values stay valid.
    """
    if a is True or a == {}:
        return b
    if b is True or b == {}:
        return a
    if a is False or b is False:
        return False
    merged = dict(a)
    for key, value in b.items():
        if key not in merged:
            merged[key] = value
        elif key in _COMBINE:
            merged[key] = _COMBINE[key](merged[key], value)
    return merged


def _as_set(kinds: Any) -> set[str]:
    return {kinds} if isinstance(kinds, str) else set(kinds)


def _merge_types(a: Any, b: Any) -> list[str]:
    left, right = _as_set(a), _as_set(b)
    both = left & right
    if ("integer" in left and "number" in right) or ("number" in left and "integer" in right):
        both.add("integer")
    return sorted(both)


def _merge_properties(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {key: merge(a.get(key, True), b.get(key, True)) for key in {*a, *b}}


_COMBINE: dict[str, Callable[[Any, Any], Any]] = {
    "required": lambda a, b: list(dict.fromkeys([*a, *b])),
    "properties": _merge_properties,
    "type": _merge_types,
    "enum": lambda a, b: [v for v in a if v in b],
    "minimum": max,
    "minLength": max,
    "minItems": max,
    "minProperties": max,
    "maximum": min,
    "maxLength": min,
    "maxItems": min,
    "maxProperties": min,
}


def unique_key(value: Any) -> Any:
    """A hashable stand-in with JSON equality: 1 == 1.0, true != 1, key order ignored."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, list):
        return ("list", tuple(unique_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", frozenset((k, unique_key(v)) for k, v in value.items()))
    return ("value", value)


# -- breaking values on purpose -----------------------------------------------------------------

Location = tuple[str | int, ...]
_DELETE = object()
_SAMPLES: dict[str, Any] = {
    "null": None,
    "boolean": True,
    "integer": 7,
    "number": 1.5,
    "string": "text",
    "array": [],
    "object": {},
}


@dataclass(frozen=True, slots=True)
class Mutation:
    location: Location
    value: Any  # _DELETE removes the key
    reason: str


def type_breaks(schema: dict[str, Any], at: Location) -> list[Mutation]:
    if "type" not in schema:
        return []
    allowed = _as_set(schema["type"])
    if "number" in allowed:
        allowed.add("integer")
    wrong = [kind for kind in TYPES if kind not in allowed]
    if not wrong:
        return []
    kind = wrong[0] if "string" not in wrong else "string"
    expected = "/".join(sorted(_as_set(schema["type"])))
    return [Mutation(at, _SAMPLES[kind], f"{subject(at)} has the wrong type (expected {expected})")]


def value_breaks(schema: dict[str, Any], value: Any, at: Location) -> list[Mutation]:
    label = subject(at)
    found = []
    if "enum" in schema:
        outsider = next(
            c for c in ("not-in-enum", "not-in-enum-2", 999_999) if c not in schema["enum"]
        )
        found.append(Mutation(at, outsider, f"{label} not in enum"))
    if "const" in schema:
        found.append(
            Mutation(
                at,
                "not-the-const" if schema["const"] != "not-the-const" else 0,
                f"{label} is not the const",
            )
        )
    low, high, low_excl, high_excl = bounds(schema)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if low is not None:
            limit = f"exclusive minimum {low}" if low_excl else f"minimum {low}"
            found.append(Mutation(at, low if low_excl else low - 1, f"{label} below {limit}"))
        if high is not None:
            found.append(
                Mutation(
                    at,
                    high if high_excl else high + 1,
                    f"{label} above {'exclusive maximum' if high_excl else 'maximum'} {high}",
                )
            )
    if isinstance(value, str):
        if schema.get("minLength", 0) > 0:
            found.append(Mutation(at, "x" * (schema["minLength"] - 1), f"{label} too short"))
        if "maxLength" in schema:
            found.append(Mutation(at, "x" * (schema["maxLength"] + 1), f"{label} too long"))
        if "pattern" in schema:
            miss = _pattern_miss(schema["pattern"])
            if miss is not None:
                found.append(Mutation(at, miss, f"{label} does not match {schema['pattern']!r}"))
    return found


def _pattern_miss(pattern: str) -> str | None:
    """Return a short string the pattern does not match, or None (or if Python can't read it)."""
    try:
        compiled = re.compile(pattern, re.ASCII)
    except re.error:
        return None
    return next((c for c in ("", "!", " ~ ", "\u00e9") if not compiled.search(c)), None)


def _replacements(schema: dict[str, Any]) -> list[Mutation]:
    """Whole-value swaps for combinator schemas; the caller keeps only the ones that fail."""
    keyword = next(k for k in ("anyOf", "oneOf", "not", "if") if k in schema)
    return [
        Mutation((), sample, f"the payload is {kind}, which {keyword} rejects")
        for kind, sample in _SAMPLES.items()
    ]


def subject(at: Location) -> str:
    """Name a location in a label: `'level'`, `'components[0].state'`, or `the payload`."""
    return repr(where(at)) if at else "the payload"


def where(at: Location) -> str:
    """Render a location the way a reader says it: `level`, `components[0].state`, `$`."""
    text = ""
    for part in at:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "$"


def apply(value: Any, mutation: Mutation) -> Any:
    """Return a deep copy of `value` with the mutation applied at its location."""
    if not mutation.location:
        return mutation.value
    copy = json.loads(json.dumps(value))
    node = copy
    for part in mutation.location[:-1]:
        node = node[part]
    last = mutation.location[-1]
    if mutation.value is _DELETE:
        del node[last]
    else:
        node[last] = mutation.value
    return copy


class Breaker:
    """List every single-constraint break of a valid value, each labelled for a reader."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def breaks(self, schema: Any, value: Any, at: Location, depth: int) -> list[Mutation]:
        """List the single-constraint breaks available for `value` under `schema`."""
        schema = self._resolved(schema)
        if not isinstance(schema, dict) or depth > 8:
            return []
        for part in schema.get("allOf", []):  # read allOf's parts as one schema
            schema = merge({k: v for k, v in schema.items() if k != "allOf"}, self._resolved(part))
        found = type_breaks(schema, at) + value_breaks(schema, value, at)
        if not found and not at and any(k in schema for k in ("anyOf", "oneOf", "not", "if")):
            found = _replacements(schema)
        if isinstance(value, dict):
            found += self._object_breaks(schema, value, at, depth)
        elif isinstance(value, list):
            found += self._array_breaks(schema, value, at, depth)
        return found

    def _resolved(self, schema: Any) -> Any:
        for _ in range(12):
            if not (isinstance(schema, dict) and "$ref" in schema):
                break
            target = pointer(self.root, schema["$ref"], "#")
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = merge(target, siblings) if siblings else target
        return schema

    def _object_breaks(
        self, schema: dict[str, Any], value: dict[str, Any], at: Location, depth: int
    ) -> list[Mutation]:
        found = [
            Mutation((*at, key), _DELETE, f"missing required {where((*at, key))!r}")
            for key in schema.get("required", [])
            if key in value
        ]
        if schema.get("additionalProperties") is False:
            key = next(k for k in ("unexpected", "unexpected_", "__unexpected__") if k not in value)
            if key not in schema.get("properties", {}):
                found.append(Mutation((*at, key), 1, f"unexpected property {where((*at, key))!r}"))
        for key, subschema in schema.get("properties", {}).items():
            if key in value:
                found += self.breaks(subschema, value[key], (*at, key), depth + 1)
        return found

    def _array_breaks(
        self, schema: dict[str, Any], value: list[Any], at: Location, depth: int
    ) -> list[Mutation]:
        found = []
        items = schema.get("items")
        if isinstance(items, dict) and value:
            found += self.breaks(items, value[0], (*at, 0), depth + 1)
        if schema.get("uniqueItems") is True and value and schema.get("maxItems", 2) > len(value):
            found.append(Mutation(at, [*value, value[0]], f"{subject(at)} has duplicate items"))
        if "minItems" in schema and schema["minItems"] > 0:
            shorter = value[: schema["minItems"] - 1]
            found.append(
                Mutation(at, shorter, f"{subject(at)} has fewer than {schema['minItems']} items")
            )
        if "maxItems" in schema and value:
            longer = value + [value[0]] * (schema["maxItems"] + 1 - len(value))
            found.append(
                Mutation(at, longer, f"{subject(at)} has more than {schema['maxItems']} items")
            )
        return found
