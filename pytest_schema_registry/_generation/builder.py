"""Build hypothesis strategies of valid values from a JSON Schema, by construction.

Bounds, lengths, required keys and patterns (with ECMA's ASCII `\\d`) are built in directly;
what cannot be built directly (`oneOf`'s "exactly one", `not`, `if`'s else branch) is left to the
validator filter `payloads.py` puts behind every strategy. What cannot be generated at all raises
`UnsupportedSchemaError` while building, naming the keyword and its JSON path.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.provisional import domains, urls

from .._core.errors import UnsupportedSchemaError
from .schema_tools import bounds, deref, merge, types_of, unique_key

__all__ = ["Builder", "Strategy", "any_json"]

Strategy = st.SearchStrategy[Any]
_MAX_REF_DEPTH = 3  # how many times one $ref may recurse into itself
_EXTRA_KEYS = 3  # at most this many keys beyond the declared properties


@functools.cache
def any_json() -> Strategy:
    """Any JSON value, small first (None shrinks best), nesting kept shallow.

    One shared strategy: hypothesis caches what it learns about a strategy object (its
    recursion, its emptiness) on that object, and rebuilding it per use cost ~30 ms per draw.
    """
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=10)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=4,
    )


class Builder:
    """Turn one schema document into a strategy, following local `$ref`s with bounded depth."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def build(self, schema: Any, path: str, refs: tuple[str, ...]) -> Strategy | None:
        """Return a strategy, or None when only infinite recursion could satisfy `schema`."""
        if schema is True or schema == {}:
            return any_json()
        if schema is False:
            return None  # no value: fine where absence is allowed (optional keys, extra items)
        if not isinstance(schema, dict):
            raise UnsupportedSchemaError("schema", path, f"expected an object, got {schema!r:.40}")
        if "$ref" in schema:
            return self._ref(schema, path, refs)
        if schema.get("not") in (True, {}):
            return None  # `not` of everything: nothing is left
        for keyword in ("allOf", "anyOf", "oneOf", "if"):
            if keyword in schema:
                return self._combined(keyword, schema, path, refs)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            if not schema["enum"]:
                raise UnsupportedSchemaError("enum", path, "an empty enum allows no value")
            return st.sampled_from(schema["enum"])
        options = [self._typed(t, schema, path, refs) for t in types_of(schema, path)]
        usable = [option for option in options if option is not None]
        return st.one_of(usable) if usable else None

    def _ref(self, schema: dict[str, Any], path: str, refs: tuple[str, ...]) -> Strategy | None:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsupportedSchemaError(
                "$ref", path, f"only local references resolve, not {ref!r}"
            )
        if refs.count(ref) >= _MAX_REF_DEPTH:
            return None
        return self.build(deref(self.root, schema, path), f"{path}/$ref", (*refs, ref))

    def _combined(
        self, keyword: str, schema: dict[str, Any], path: str, refs: tuple[str, ...]
    ) -> Strategy | None:
        base = {k: v for k, v in schema.items() if k not in (keyword, "then", "else")}
        where = f"{path}/{keyword}"
        if keyword == "allOf":
            merged = base
            for part in schema["allOf"]:
                merged = merge(merged, part)  # a $ref part stays a $ref: _ref bounds recursion
            return self.build(merged, where, refs)
        if keyword == "if":
            branches = [
                merge(merge(base, schema["if"]), schema.get("then", {})),
                merge(base, schema.get("else", {})),
            ]
        else:
            branches = [merge(base, part) for part in schema[keyword]]
        built = [self.build(branch, f"{where}/{i}", refs) for i, branch in enumerate(branches)]
        usable = [b for b in built if b is not None]
        return st.one_of(usable) if usable else None

    def _typed(
        self, kind: str, schema: dict[str, Any], path: str, refs: tuple[str, ...]
    ) -> Strategy | None:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return _integers(schema, path)
        if kind == "number":
            return _integers(schema, path) | _floats(schema, path)
        if kind == "string":
            return _strings(schema, path)
        if kind == "array":
            return self._array(schema, path, refs)
        return self._object(schema, path, refs)

    def _array(self, schema: dict[str, Any], path: str, refs: tuple[str, ...]) -> Strategy | None:
        low, high = _size(schema, "minItems", 0), _size(schema, "maxItems")
        items = schema.get("items", True)
        unique = schema.get("uniqueItems") is True
        if isinstance(items, list):
            prefix = [self.build(s, f"{path}/items/{i}", refs) for i, s in enumerate(items)]
            if any(p is None for p in prefix):
                return None
            rest = self.build(schema.get("additionalItems", True), f"{path}/additionalItems", refs)
            head: Strategy = st.tuples(*[p for p in prefix if p is not None]).map(list)
            extra_high = None if high is None else max(0, high - len(prefix))
            tail = (
                st.lists(rest, min_size=max(0, low - len(prefix)), max_size=extra_high)
                if rest is not None
                else st.just([])
            )
            return st.tuples(head, tail).map(lambda parts: parts[0] + parts[1])
        element = self.build(items, f"{path}/items", refs)
        if element is None:
            return st.just([]) if low == 0 else None
        contains = schema.get("contains")
        if contains is not None:
            needed = self.build(contains, f"{path}/contains", refs)
            if needed is None:
                return None
            lists = st.lists(
                element,
                min_size=max(0, low - 1),
                max_size=None if high is None else max(0, high - 1),
                unique_by=unique_key if unique else None,
            )
            return st.tuples(lists, needed, st.integers(0, 10**6)).map(_insert)
        return st.lists(
            element, min_size=low, max_size=high, unique_by=unique_key if unique else None
        )

    def _object(self, schema: dict[str, Any], path: str, refs: tuple[str, ...]) -> Strategy | None:
        properties: dict[str, Any] = schema.get("properties", {})
        required = list(dict.fromkeys(schema.get("required", [])))
        values: dict[str, Strategy] = {}
        for key in {*properties, *required}:
            subschema = self._schema_for(schema, key)
            built = self.build(subschema, f"{path}/properties/{key}", refs)
            if built is None:
                if key in required and subschema is False:
                    raise UnsupportedSchemaError(
                        "false", f"{path}/properties/{key}", "a required key allows no value"
                    )
                if key in required:
                    return None  # only deeper recursion could build it: not at this depth
                continue
            values[key] = built
        extra = self._extra(schema, path, refs)
        return _objects(required, values, extra, schema)

    def _schema_for(self, schema: dict[str, Any], key: str) -> Any:
        """Return the subschema a property's value must satisfy."""
        if key in schema.get("properties", {}):
            return schema["properties"][key]
        for pattern, subschema in schema.get("patternProperties", {}).items():
            if _regex(pattern, "#", "patternProperties").search(key):
                return subschema
        return schema.get("additionalProperties", True)

    def _extra(self, schema: dict[str, Any], path: str, refs: tuple[str, ...]) -> Strategy | None:
        """Return a strategy of (key, value) pairs beyond `properties`; None if none may exist."""
        declared = set(schema.get("properties", {}))
        choices = []
        for pattern, subschema in schema.get("patternProperties", {}).items():
            value = self.build(subschema, f"{path}/patternProperties/{pattern}", refs)
            if value is not None:
                keys = st.from_regex(_regex(pattern, path, "patternProperties")).filter(
                    lambda k: k not in declared
                )
                choices.append(st.tuples(keys, value))
        additional = schema.get("additionalProperties", True)
        if additional is not False:
            value = self.build(additional, f"{path}/additionalProperties", refs)
            names = schema.get("propertyNames")
            keys = (
                _strings(names, f"{path}/propertyNames")
                if isinstance(names, dict)
                else st.text(max_size=12)
            )
            if value is not None:
                choices.append(st.tuples(keys.filter(lambda k: k not in declared), value))
        return st.one_of(choices) if choices else None


def _objects(
    required: list[str], values: dict[str, Strategy], extra: Strategy | None, schema: dict[str, Any]
) -> Strategy:
    """Draw required keys, then optional ones, extras and dependencies; shrink to required only."""
    optional = sorted(k for k in values if k not in required)
    low, high = _size(schema, "minProperties", 0), _size(schema, "maxProperties")
    dependencies: dict[str, Any] = schema.get("dependencies", {})

    @st.composite
    def draw_object(draw: Callable[[Strategy], Any]) -> dict[str, Any]:
        result = {key: draw(values[key]) for key in required if key in values}
        for key in optional:
            if (high is None or len(result) < high) and draw(st.booleans()):
                result[key] = draw(values[key])
        if extra is not None:
            room = _EXTRA_KEYS if high is None else max(0, high - len(result))
            pairs = draw(
                st.lists(
                    extra.filter(lambda pair: pair[0] not in result),
                    min_size=min(room, max(0, low - len(result))),
                    max_size=room,
                    unique_by=lambda pair: pair[0],  # distinct keys by construction, no retry loop
                )
            )
            result.update(pairs)
        for key in list(result):
            needs = dependencies.get(key)
            if isinstance(needs, list):
                for other in needs:
                    if other not in result and other in values:
                        result[other] = draw(values[other])
        return result

    return draw_object()


# -- scalar strategies --------------------------------------------------------------------------


def _integers(schema: dict[str, Any], path: str) -> Strategy:
    low, high, low_excl, high_excl = bounds(schema)
    lo = None if low is None else (math.floor(low) + 1 if low_excl else math.ceil(low))
    hi = None if high is None else (math.ceil(high) - 1 if high_excl else math.floor(high))
    step = schema.get("multipleOf")
    if isinstance(step, int) and not isinstance(step, bool) and step > 0:
        k_lo = None if lo is None else -(-lo // step)
        k_hi = None if hi is None else hi // step
        if k_lo is not None and k_hi is not None and k_lo > k_hi:
            raise UnsupportedSchemaError("multipleOf", path, "no multiple lies within the bounds")
        return st.integers(k_lo, k_hi).map(lambda k: k * step)
    if lo is not None and hi is not None and lo > hi:
        return st.nothing()
    return st.integers(lo, hi)


def _floats(schema: dict[str, Any], path: str) -> Strategy:
    low, high, low_excl, high_excl = bounds(schema)
    step = schema.get("multipleOf")
    if isinstance(step, float) and math.isfinite(step) and step > 0:
        return _float_multiples(Decimal(repr(step)), low, high)
    if "multipleOf" in schema:
        return st.nothing()  # integers() covers integral steps by construction
    return st.floats(
        min_value=_float_bound(low, upper=False),
        max_value=_float_bound(high, upper=True),
        exclude_min=low_excl and low is not None,
        exclude_max=high_excl and high is not None,
        allow_nan=False,
        allow_infinity=False,
    )


def _float_multiples(step: Decimal, low: float | None, high: float | None) -> Strategy:
    """Multiples of a fractional step (1.5, 0.01), computed in decimal so 3 x 0.1 is 0.3."""
    k_lo = None if low is None else math.ceil(Decimal(repr(low)) / step)
    k_hi = None if high is None else math.floor(Decimal(repr(high)) / step)
    if k_lo is not None and k_hi is not None and k_lo > k_hi:
        return st.nothing()
    # Exclusive bounds and float rounding are left to the validator filter behind every strategy.
    return st.integers(k_lo, k_hi).map(lambda k: float(k * step))


_FORMATS: dict[str, Callable[[], Strategy]] = {
    "date-time": lambda: st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    "date": lambda: st.dates().map(lambda d: d.isoformat()),
    "time": lambda: st.times().map(lambda t: t.isoformat() + "+00:00"),
    "email": lambda: st.emails(),
    "hostname": lambda: domains(),
    "ipv4": lambda: st.ip_addresses(v=4).map(str),
    "ipv6": lambda: st.ip_addresses(v=6).map(str),
    "uri": lambda: urls(),
    "uuid": lambda: st.uuids().map(str),
}


def _size(schema: dict[str, Any], keyword: str, default: int | None = None) -> Any:
    """Read a count keyword; Draft 7 allows `2.0` where it means 2."""
    value = schema.get(keyword, default)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _float_bound(bound: float | None, *, upper: bool) -> float | None:
    """Turn a bound into a float hypothesis accepts, never looser than the bound itself."""
    if bound is None:
        return None
    value = float(bound)
    if (upper and value > bound) or (not upper and value < bound):
        value = math.nextafter(value, -math.inf if upper else math.inf)
    return value


def _regex(pattern: str, path: str, keyword: str) -> re.Pattern[str]:
    """Compile an ECMA-262 pattern as Python: ASCII `\\d`/`\\w`; refuse what Python lacks."""
    try:
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise UnsupportedSchemaError(
            keyword, path, f"{pattern!r} is not a regex Python can generate from: {exc}"
        ) from None


def _strings(schema: dict[str, Any], path: str) -> Strategy:
    low, high = _size(schema, "minLength", 0), _size(schema, "maxLength")
    fmt, pattern = schema.get("format"), schema.get("pattern")
    if pattern is not None:
        base: Strategy = st.from_regex(_regex(pattern, path, "pattern"))
    elif fmt in _FORMATS:
        base = _FORMATS[fmt]()
    else:
        return st.text(st.characters(codec="utf-8"), min_size=low, max_size=high)
    if low or high is not None:
        return base.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
    return base


def _insert(parts: tuple[list[Any], Any, int]) -> list[Any]:
    items, needed, at = parts
    position = at % (len(items) + 1)
    return [*items[:position], needed, *items[position:]]
