"""List the ways to break a valid value: one constraint at a time, each labelled for a reader.

`invalid_from_schema` draws a valid value, asks `Breaker` for the single-constraint breaks it
offers (`missing required 'ts'`, `'level' not in enum`) and applies one. Pure, no hypothesis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .._core.errors import UnsupportedSchemaError
from .schema_tools import TYPES, as_set, bounds, deref, ecma_regex, merge

__all__ = ["Breaker", "Location", "Mutation", "apply", "type_breaks", "value_breaks", "where"]


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
    allowed = as_set(schema["type"])
    if "number" in allowed:
        allowed.add("integer")
    wrong = [kind for kind in TYPES if kind not in allowed]
    if not wrong:
        return []
    kind = wrong[0] if "string" not in wrong else "string"
    expected = "/".join(sorted(as_set(schema["type"])))
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
        compiled = ecma_regex(pattern, "#", "pattern")
    except UnsupportedSchemaError:
        return None
    return next((c for c in ("", "!", " ~ ", "\u00e9") if not compiled.search(c)), None)


def _replacements(schema: dict[str, Any]) -> list[Mutation]:
    """Whole-value swaps, one per JSON type; the caller keeps only the ones that fail."""
    keyword = next((k for k in ("anyOf", "oneOf", "not", "if") if k in schema), "the schema")
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
        schema = self.resolved(schema)
        if not isinstance(schema, dict) or depth > 8:
            return []
        for _ in range(depth, 9):  # read allOf's parts, nested ones too, as one schema
            if not isinstance(schema.get("allOf"), list):
                break
            parts, schema = schema["allOf"], {k: v for k, v in schema.items() if k != "allOf"}
            for part in parts:
                schema = merge(schema, self.resolved(part))
            if not isinstance(schema, dict):
                return []
        found = self.leaf_breaks(schema, value, at)
        if isinstance(value, dict):
            found += self._object_breaks(schema, value, at, depth)
        elif isinstance(value, list):
            found += self._array_breaks(schema, value, at, depth)
        if not found and not at:
            # Nothing in this value to break (a string where the schema only constrains objects):
            # swap the whole payload; the caller keeps the swaps the validator refuses.
            found = _replacements(schema)
        return found

    def leaf_breaks(self, schema: dict[str, Any], value: Any, at: Location) -> list[Mutation]:
        """The breaks of `value` itself (type, enum, bounds, lengths); a subclass may add more."""
        return type_breaks(schema, at) + value_breaks(schema, value, at)

    def resolved(self, schema: Any) -> Any:
        """`schema` with its `$ref`s followed (a dozen hops at most)."""
        for _ in range(12):
            if not (isinstance(schema, dict) and "$ref" in schema):
                break
            schema = deref(self.root, schema, "#")
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
