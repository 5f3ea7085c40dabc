"""Read JSON Schemas for generation: types, bounds, local `$ref`s, `allOf` merging, JSON equality.

Pure functions, no hypothesis: the builder and the breaker stand on them, and they can be tested
without it.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .._core.errors import UnsupportedSchemaError

__all__ = [
    "TYPES",
    "additional_properties",
    "as_set",
    "bounds",
    "deref",
    "ecma_regex",
    "is_finite",
    "is_number",
    "merge",
    "pointer",
    "ref_siblings",
    "schema_for",
    "types_of",
    "unique_key",
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


def is_finite(value: int | float) -> bool:
    """`math.isfinite` for JSON numbers: an integer past a float's range (10**400) is finite."""
    return isinstance(value, int) or math.isfinite(value)


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


def as_set(kinds: Any) -> set[str]:
    return {kinds} if isinstance(kinds, str) else set(kinds)


def _merge_types(a: Any, b: Any) -> list[str]:
    left, right = as_set(a), as_set(b)
    both = left & right
    if ("integer" in left and "number" in right) or ("number" in left and "integer" in right):
        both.add("integer")
    return sorted(both)


def _merge_properties(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    # In order, not through a set: string hashing differs per process, and coverage labels and
    # hypothesis's replays must not.
    return {key: merge(a.get(key, True), b.get(key, True)) for key in dict.fromkeys([*a, *b])}


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


_PROPERTY_POINTS = 2_048  # code points a `\\p{...}` stands for when generating (see below)

# Keywords beside a `$ref` that assert nothing about a value: merging them would only copy them.
_NOT_ASSERTING = frozenset(
    {
        "$ref", "$schema", "$id", "id", "$anchor", "$comment", "definitions", "$defs", "title",
        "description", "default", "examples", "readOnly", "writeOnly", "deprecated",
    }
)  # fmt: skip


def ref_siblings(schema: dict[str, Any]) -> dict[str, Any]:
    """The keywords beside a `$ref` that constrain a value (a root's `definitions` don't)."""
    return {k: v for k, v in schema.items() if k not in _NOT_ASSERTING}


def deref(root: Any, schema: dict[str, Any], path: str) -> Any:
    """Return what `schema`'s `$ref` points to, with the `$ref`'s sibling keywords merged in."""
    target = pointer(root, schema["$ref"], path)
    siblings = ref_siblings(schema)
    return merge(target, siblings) if siblings else target


def schema_for(schema: dict[str, Any], key: str) -> Any:
    """Return the subschema a property's value must satisfy (Draft 2019-09's spelling too)."""
    properties = schema.get("properties", {})
    if key in properties:
        return properties[key]
    for pattern, subschema in schema.get("patternProperties", {}).items():
        if ecma_regex(pattern, "#", "patternProperties").search(key):
            return subschema
    return additional_properties(schema)


def additional_properties(schema: dict[str, Any]) -> Any:
    """What keys beyond the declared ones must satisfy.

    `unevaluatedProperties` reads as `additionalProperties` here: where `allOf` parts and `$ref`
    targets have been merged into one schema, and each `anyOf` branch merged with its base, the
    keys it leaves unevaluated are exactly the ones no `properties` or pattern names.
    """
    if "additionalProperties" in schema:
        return schema["additionalProperties"]
    return schema.get("unevaluatedProperties", True)


@functools.lru_cache(maxsize=1024)
def ecma_regex(pattern: str, path: str, keyword: str) -> re.Pattern[str]:
    """Compile an ECMA-262 pattern as Python: ASCII `\\d`/`\\w`; refuse what Python lacks.

    ECMA spellings are translated: `$` is the end of the input (Python's `$` also matches before
    a final newline, so `^[a-z]+$` drew `"a\\n"`), Unicode property classes (`\\p{L}`,
    `\\P{C}`, `\\p{ASCII}`) become the code point ranges they name, and a `-` after a class
    escape in a set (`[\\w- ]`) is a literal dash.
    """
    try:
        re.compile(pattern, re.ASCII)
    except re.error as exc:
        first_error: re.error | None = exc
    else:
        first_error = None
    try:
        return re.compile(_python_spelling(pattern), re.ASCII)
    except (re.error, ValueError) as exc:
        reason = first_error or exc
        raise UnsupportedSchemaError(
            keyword, path, f"{pattern!r} is not a regex Python can generate from: {reason}"
        ) from None


def _python_spelling(pattern: str) -> str:
    """Rewrite the ECMA constructs `re` refuses; raise ValueError for an unknown property."""
    out: list[str] = []
    i, in_set, set_negated = 0, False, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escape = pattern[i + 1]
            if escape in "pP" and pattern[i + 2 : i + 3] == "{":
                end = pattern.index("}", i + 3)
                ranges = _property_ranges(
                    pattern[i + 3 : end], negated=escape == "P", exact=in_set and set_negated
                )
                out.append(ranges if in_set else f"[{ranges}]")
                i = end + 1
                continue
            if in_set and escape in "wdsWDS" and pattern[i + 2 : i + 3] == "-":
                out.append(pattern[i : i + 2] + "\\-")  # ECMA: a dash after \\w is literal
                i += 3
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "$" and not in_set:
            out.append("\\Z")
            i += 1
            continue
        if char == "[" and not in_set:
            in_set, set_negated = True, pattern[i + 1 : i + 2] == "^"
        elif char == "]" and in_set:
            in_set = False
        out.append(char)
        i += 1
    return "".join(out)


def _property_ranges(name: str, *, negated: bool, exact: bool) -> str:
    """The body of a character set (no brackets) holding a Unicode property's code points.

    Unless `exact` (inside a negated set, where a subset would let the rest in), only the first
    `_PROPERTY_POINTS` code points: hypothesis reads a class one code point at a time (all of
    `\\P{M}` took 8 s and 400 MB per pattern), and letters from Latin to Cyrillic are varied
    enough. What is generated still matches the pattern; the validator checks every value.
    """
    table = _unicode_categories()
    if name == "ASCII":
        ranges = [(0, 0x7F)]
    elif name in table:
        ranges = table[name]
    else:
        raise ValueError(f"unknown Unicode property {name!r}")
    if negated:
        ranges = _complement(ranges)
    if not exact:
        ranges = _first_points(ranges, _PROPERTY_POINTS)
    return "".join(
        f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges
    )


@functools.cache
def _unicode_categories() -> dict[str, list[tuple[int, int]]]:
    """Code point ranges per general category (`Lu`) and major class (`L`), surrogates left out.

    One pass over every code point (~1 s), only in a process that meets a `\\p{...}`; ranges
    are grown as it goes (a list of every code point cost ~80 MB).
    """
    table: dict[str, list[tuple[int, int]]] = {}
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # never a lone surrogate: not valid text anywhere a payload goes
        category = unicodedata.category(chr(code))
        for name in (category, category[0]):
            ranges = table.setdefault(name, [])
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return table


def _first_points(ranges: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for low, high in ranges:
        if most <= 0:
            break
        kept.append((low, min(high, low + most - 1)))
        most -= kept[-1][1] - low + 1
    return kept


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every code point outside `ranges`, surrogates left out."""
    outside, start = [], 0
    for low, high in sorted(ranges):
        if low > start:
            outside.append((start, low - 1))
        start = max(start, high + 1)
    if start <= 0x10FFFF:
        outside.append((start, 0x10FFFF))
    return [
        piece
        for low, high in outside
        for piece in ((low, min(high, 0xD7FF)), (max(low, 0xE000), high))
        if piece[0] <= piece[1]
    ]
