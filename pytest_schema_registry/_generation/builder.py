"""Build hypothesis strategies of valid values from a JSON Schema, by construction.

Bounds, lengths, required keys and patterns (with ECMA's ASCII `\\d`) are built in directly;
what cannot be built directly (`oneOf`'s "exactly one", `not`, `if`'s else branch) is left to the
validator filter `payloads.py` puts behind every strategy. What cannot be generated at all raises
`UnsupportedSchemaError` while building, naming the keyword and its JSON path.

Cost is proportional to the schema, never to the paths through it: each `$ref` is built once
(cycles close through `st.deferred`), each subschema of the document once, and open objects
share one strategy for their extra keys. Recursion is bounded when drawing instead: below
`_DEEP` nested containers a draw takes only what it must (required keys, minimum sizes, the
branch that ends soonest, per `recursion.Ranks`), so every draw ends and stays small.
"""

from __future__ import annotations

import functools
import math
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from .._core.errors import UnsupportedSchemaError
from .recursion import COMBINATORS, Ranks, ref_key
from .schema_tools import (
    additional_properties,
    bounds,
    deref,
    ecma_regex,
    schema_for,
    types_of,
    unique_key,
)
from .text import strings

__all__ = ["BuildStats", "Builder", "Strategy", "any_json"]

Strategy = st.SearchStrategy[Any]
_DEEP = 5  # nested containers a draw may open freely; deeper, it takes only what it must
_WIDE = 2  # nested containers whose arrays may hold many items; deeper, a few more than needed
_FEW_ITEMS = 2
_MAX_ITEMS = 2_000  # a minItems beyond this is more than hypothesis can draw in one value
_FLOAT_MAX = sys.float_info.max
_EXTRA_KEYS = 3  # at most this many keys beyond the declared properties
_OPTIONAL_KEYS = 8  # an object with more optional keys draws at most this many of them
# Hypothesis refuses draws nested ~100 deep (see recursion.py for what each level costs).
_MAX_RANK = 90


class _DrawDepth(threading.local):
    """How many containers the current draw is inside (hypothesis draws on one thread)."""

    level = 0


_DEPTH = _DrawDepth()


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


@functools.cache
def _any_extra() -> Strategy:
    """(key, value) pairs for an object open to anything: one strategy every such object shares."""
    return st.tuples(st.text(max_size=12), any_json())


@dataclass(slots=True)
class BuildStats:
    """What one build did, so tests can bound the work by counts rather than timers."""

    strategies: int = 0  # subschemas turned into strategies
    references: int = 0  # `$ref` targets built (each once)


class Builder:
    """Turn one schema document into a strategy: each reference and each subschema built once."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.ranks = Ranks(root)
        self.stats = BuildStats()
        self._references: dict[str, Strategy | None] = {}  # what a `$ref` use stands for
        self._targets: dict[str, Strategy] = {}  # what each reference's target was built into
        self._queue: deque[tuple[str, Any, str]] = deque()  # targets met, not built yet
        # Built subschemas by identity; the schema is kept so its id is never reused.
        self._built: dict[int, tuple[Any, Strategy | None]] = {}

    def build(self, schema: Any, path: str) -> Strategy | None:
        """Return a strategy, or None when no finite value satisfies `schema`."""
        if isinstance(schema, dict) and id(schema) in self._built:
            return self._built[id(schema)][1]
        built = self._build(schema, path)
        if isinstance(schema, dict):
            self._built[id(schema)] = (schema, built)
        return built

    def _build(self, schema: Any, path: str) -> Strategy | None:
        if schema is True or schema == {}:
            return any_json()
        if schema is False:
            return None  # no value: fine where absence is allowed (optional keys, extra items)
        if not isinstance(schema, dict):
            raise UnsupportedSchemaError("schema", path, f"expected an object, got {schema!r:.40}")
        self.stats.strategies += 1
        if "$ref" in schema:
            return self._ref(schema, path)
        if schema.get("not") in (True, {}):
            return None  # `not` of everything: nothing is left
        for keyword in COMBINATORS:
            if keyword in schema:
                return self._combined(keyword, schema, path)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            if not schema["enum"]:
                raise UnsupportedSchemaError("enum", path, "an empty enum allows no value")
            return st.sampled_from(schema["enum"])
        return self._choice(
            [
                (self._typed(kind, schema, path), self.ranks.of_type(kind, schema))
                for kind in types_of(schema, path)
            ]
        )

    def _ref(self, schema: dict[str, Any], path: str) -> Strategy | None:
        """A reference: built once, later, from a queue, so no path through references recurses."""
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsupportedSchemaError(
                "$ref", path, f"only local references resolve, not {ref!r}"
            )
        key = ref_key(schema)
        if key not in self._references:
            target = deref(self.root, schema, path)
            if self.ranks.of(target) == math.inf:
                self._references[key] = None  # only infinitely nested values would do
            else:
                self._references[key] = st.deferred(lambda: self._targets[key])
                self._queue.append((key, target, f"{path}/$ref"))
        return self._references[key]

    def build_document(self) -> Strategy | None:
        """Build the root and, one by one, every reference it reaches (each once)."""
        needed = self.ranks.of(self.root)
        if _MAX_RANK < needed < math.inf:
            raise UnsupportedSchemaError(
                "schema",
                "#",
                f"every value nests deeper than hypothesis can draw ({needed:.0f} nested draws, "
                f"at most {_MAX_RANK}: about {_MAX_RANK // 3} levels of arrays or "
                f"{_MAX_RANK // 2} of objects)",
            )
        built = self.build(self.root, "#")
        while self._queue:
            key, target, path = self._queue.popleft()
            self.stats.references += 1
            strategy = self.build(target, path)
            self._targets[key] = st.nothing() if strategy is None else strategy
        return built

    def _combined(self, keyword: str, schema: dict[str, Any], path: str) -> Strategy | None:
        where = f"{path}/{keyword}"
        return self._choice(
            [
                (
                    self.build(branch, where if keyword == "allOf" else f"{where}/{i}"),
                    self.ranks.of(branch),
                )
                for i, branch in enumerate(self.ranks.branches(keyword, schema))
            ]
        )

    def _choice(self, options: list[tuple[Strategy | None, float]]) -> Strategy | None:
        """One of the usable options (each with its rank); deep in a draw, the soonest to end."""
        usable = [
            (strategy, rank)
            for strategy, rank in options
            if strategy is not None and rank < math.inf
        ]
        if not usable:
            return None
        if len(usable) == 1:
            return usable[0][0]
        every = st.one_of([strategy for strategy, _ in usable])
        soonest = min(usable, key=lambda option: option[1])[0]
        if all(rank == 0 for _, rank in usable):
            return every  # every branch ends without a reference: nothing to steer
        return _depth_aware(every, soonest)

    def _typed(self, kind: str, schema: dict[str, Any], path: str) -> Strategy | None:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return _integers(schema, path)
        if kind == "number":
            return _integers(schema, path) | _floats(schema, path)
        if kind == "string":
            return strings(schema, path)
        if kind == "array":
            return self._array(schema, path)
        return self._object(schema, path)

    def _array(self, schema: dict[str, Any], path: str) -> Strategy | None:
        low, high = _size(schema, "minItems", 0), _size(schema, "maxItems")
        if low > _MAX_ITEMS:
            raise UnsupportedSchemaError(
                "minItems", path, f"{low} is more than the {_MAX_ITEMS} items a draw may hold"
            )
        prefix_keyword = "prefixItems" if "prefixItems" in schema else "items"
        if isinstance(schema.get(prefix_keyword), list):
            return self._tuple(schema, prefix_keyword, path, low, high)
        element = self.build(schema.get("items", True), f"{path}/items")
        if element is None or self.ranks.of(schema.get("items", True)) == math.inf:
            return st.just([]) if low == 0 else None
        unique = unique_key if schema.get("uniqueItems") is True else None
        contains = schema.get("contains")
        if contains is None:
            return _containers(
                *(st.lists(element, min_size=low, max_size=most, unique_by=unique)
                  for most in _sizes(low, high))
            )  # fmt: skip
        needed = self.build(contains, f"{path}/contains")
        if needed is None:
            return None
        low, high = max(0, low - 1), None if high is None else max(0, high - 1)
        return _containers(
            *(
                st.tuples(
                    st.lists(element, min_size=low, max_size=most, unique_by=unique),
                    needed,
                    st.integers(0, 10**6),
                ).map(_insert)
                for most in _sizes(low, high)
            )
        )

    def _tuple(
        self, schema: dict[str, Any], keyword: str, path: str, low: int, high: int | None
    ) -> Strategy | None:
        """Positional items (`items` as a list, or 2020-12's `prefixItems`), then the rest."""
        parts = schema[keyword]
        prefix = [self.build(s, f"{path}/{keyword}/{i}") for i, s in enumerate(parts)]
        if any(
            p is None or self.ranks.of(s) == math.inf for p, s in zip(prefix, parts, strict=True)
        ):
            return None
        rest_keyword = "items" if keyword == "prefixItems" else "additionalItems"
        rest = self.build(schema.get(rest_keyword, True), f"{path}/{rest_keyword}")
        head: Strategy = st.tuples(*[p for p in prefix if p is not None]).map(list)
        room = None if high is None else max(0, high - len(prefix))
        needed = max(0, low - len(prefix))
        if rest is None:
            return _containers(*(head for _ in range(3)))
        return _containers(
            *(
                st.tuples(head, st.lists(rest, min_size=needed, max_size=most)).map(_concatenated)
                for most in _sizes(needed, room)
            )
        )

    def _object(self, schema: dict[str, Any], path: str) -> Strategy | None:
        properties: dict[str, Any] = schema.get("properties", {})
        required = list(dict.fromkeys(schema.get("required", [])))
        values: dict[str, Strategy] = {}
        for key in dict.fromkeys([*properties, *required]):
            subschema = schema_for(schema, key)
            built = self.build(subschema, f"{path}/properties/{key}")
            if built is None or self.ranks.of(subschema) == math.inf:
                if key in required and subschema is False:
                    raise UnsupportedSchemaError(
                        "false", f"{path}/properties/{key}", "a required key allows no value"
                    )
                if key in required:
                    return None  # only infinitely nested values could fill it
                continue
            values[key] = built
        return _objects(required, values, self._extra(schema, path), schema)

    def _names(self, names: dict[str, Any], path: str) -> Strategy:
        """Keys under `propertyNames`: its enum, const, pattern and lengths (keys are strings)."""
        if "enum" in names or "const" in names:
            built = self.build(names, path)
            return st.nothing() if built is None else built.filter(_strings_only)
        return strings(names, path)

    def _extra(self, schema: dict[str, Any], path: str) -> Strategy | None:
        """Return a strategy of (key, value) pairs beyond `properties`; None if none may exist."""
        choices = []
        for pattern, subschema in schema.get("patternProperties", {}).items():
            value = self.build(subschema, f"{path}/patternProperties/{pattern}")
            if value is not None and self.ranks.of(subschema) < math.inf:
                keys = st.from_regex(ecma_regex(pattern, path, "patternProperties"))
                choices.append(st.tuples(keys, value))
        additional = additional_properties(schema)
        names = schema.get("propertyNames")
        if additional is True and not isinstance(names, dict):
            choices.append(_any_extra())
        elif additional is not False:
            value = self.build(additional, f"{path}/additionalProperties")
            keys = (
                self._names(names, f"{path}/propertyNames")
                if isinstance(names, dict)
                else st.text(max_size=12)
            )
            if value is not None and self.ranks.of(additional) < math.inf:
                choices.append(st.tuples(keys, value))
        return st.one_of(choices) if choices else None


# `st.composite` reads its function's source when applied (~3 ms), so each one is defined once
# here and given its parts as arguments: a schema with a thousand objects would pay it a thousand
# times otherwise.


def _strings_only(value: Any) -> bool:
    return isinstance(value, str)


@st.composite
def _depth_aware(draw: Callable[[Strategy], Any], every: Strategy, shallow: Strategy) -> Any:
    """Draw from `every` near the top of a value, from `shallow` once the draw is deep."""
    return draw(shallow if _DEPTH.level >= _DEEP else every)


@st.composite
def _containers(
    draw: Callable[[Strategy], Any], full: Strategy, few: Strategy, least: Strategy
) -> Any:
    """A container drawn in full near the top of a value, with a few items below, at its least
    once the draw is deep: nested arrays that each may hold many would multiply their sizes."""
    level = _DEPTH.level
    chosen = full if level < _WIDE else few if level < _DEEP else least
    _DEPTH.level += 1
    try:
        return draw(chosen)
    finally:
        _DEPTH.level -= 1


def _sizes(low: int, high: int | None) -> tuple[int | None, int, int]:
    """The most items a container may hold: in full, with a few, at its least."""
    few = low + _FEW_ITEMS if high is None else min(high, low + _FEW_ITEMS)
    return high, few, low


def _concatenated(parts: tuple[list[Any], list[Any]]) -> list[Any]:
    return parts[0] + parts[1]


@dataclass(frozen=True, slots=True)
class _ObjectShape:
    """What drawing one kind of object needs, prepared once when the schema is built."""

    required: list[str]
    optional: list[str]
    values: dict[str, Strategy]
    extra: Strategy | None
    declared: frozenset[str]
    low: int
    high: int | None
    needs: dict[str, list[str]]
    chosen: Strategy | None  # which optional keys, where there are too many to flip each
    extras: Strategy | None  # the extra pairs, built once where no property count binds them
    open_to_anything: bool  # any key may be added with any value (to reach minProperties)


def _objects(
    required: list[str], values: dict[str, Strategy], extra: Strategy | None, schema: dict[str, Any]
) -> Strategy:
    """Draw required keys, then optional ones, extras and dependencies; shrink to required only."""
    optional = sorted(k for k in values if k not in required)
    many = len(optional) > _OPTIONAL_KEYS
    low, high = _size(schema, "minProperties", 0), _size(schema, "maxProperties")
    unbound = extra is not None and not low and high is None
    shape = _ObjectShape(
        required=[key for key in required if key in values],
        optional=optional,
        values=values,
        extra=extra,
        declared=frozenset(schema.get("properties", {})),
        low=min(low, _MAX_ITEMS),
        high=high,
        needs=_dependencies(schema),
        chosen=(
            st.lists(st.sampled_from(optional), unique=True, max_size=_OPTIONAL_KEYS)
            if many
            else None
        ),
        extras=(
            st.lists(extra, max_size=_EXTRA_KEYS, unique_by=_first)
            if unbound and extra is not None
            else None
        ),
        open_to_anything=(
            additional_properties(schema) in (True, {})
            and not isinstance(schema.get("propertyNames"), dict)
        ),
    )
    return _draw_object(shape)


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


@st.composite
def _draw_object(draw: Callable[[Strategy], Any], shape: _ObjectShape) -> dict[str, Any]:
    deep = _DEPTH.level >= _DEEP
    _DEPTH.level += 1
    try:
        result = {key: draw(shape.values[key]) for key in shape.required}
        if not deep:
            picked = (
                draw(shape.chosen)
                if shape.chosen is not None
                else [key for key in shape.optional if draw(st.booleans())]
            )
            for key in picked:
                if shape.high is None or len(result) < shape.high:
                    result[key] = draw(shape.values[key])
        if shape.extras is not None and not deep:
            for key, value in draw(shape.extras):  # rarely a declared or drawn key: then dropped
                if key not in result and key not in shape.declared:
                    result[key] = value
        elif shape.extra is not None and shape.extras is None:
            most = 0 if deep else _EXTRA_KEYS
            _add_extras(draw, result, shape.extra, shape.declared, most, shape.low, shape.high)
        for key in list(result):
            for other in shape.needs.get(key, ()):
                if other not in result and other in shape.values:
                    result[other] = draw(shape.values[other])
        if len(result) < shape.low:
            _fill(draw, result, shape)
        return result
    finally:
        _DEPTH.level -= 1


def _fill(draw: Callable[[Strategy], Any], result: dict[str, Any], shape: _ObjectShape) -> None:
    """Reach `minProperties` with declared keys first, then (where any key may be added) nulls.

    Drawing that many keys at random would mostly miss it and leave the validator to refuse.
    """
    for key in shape.optional:
        if len(result) >= shape.low:
            return
        if key not in result:
            result[key] = draw(shape.values[key])
    number = 0
    while shape.open_to_anything and len(result) < shape.low:
        key = f"extra-{number}"
        number += 1
        if key not in result and key not in shape.declared:
            result[key] = None


def _add_extras(
    draw: Callable[[Strategy], Any],
    result: dict[str, Any],
    extra: Strategy,
    declared: frozenset[str],
    most: int,
    low: int,
    high: int | None,
) -> None:
    """Add keys beyond the declared ones: enough for `minProperties`, at most `most` more."""
    needed = max(0, low - len(result))
    room = max(min(needed, _EXTRA_KEYS), most)  # `_fill` adds the rest: drawing them all is costly
    if high is not None:
        room = min(room, max(0, high - len(result)))
    if room == 0:
        return
    pairs = draw(
        st.lists(
            extra.filter(lambda pair: pair[0] not in result and pair[0] not in declared),
            min_size=min(needed, room),
            max_size=room,
            unique_by=lambda pair: pair[0],  # distinct keys by construction, no retry loop
        )
    )
    result.update(pairs)


def _dependencies(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Keys each key brings along: `dependencies` (lists, or schemas' `required`) and
    2019-09's `dependentRequired`/`dependentSchemas`. What else a dependent schema demands is left
    to the validator filter."""
    needs: dict[str, list[str]] = {}
    for keyword in ("dependencies", "dependentRequired", "dependentSchemas"):
        entries = schema.get(keyword, {})
        if not isinstance(entries, dict):
            continue
        for key, need in entries.items():
            listed = need.get("required", []) if isinstance(need, dict) else need
            if isinstance(listed, list):
                needs.setdefault(key, []).extend(k for k in listed if isinstance(k, str))
    return needs


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
    if (low is not None and low > _FLOAT_MAX) or (high is not None and high < -_FLOAT_MAX):
        return st.nothing()  # beyond every float (10**400): integers() covers it
    low_float, high_float = _float_bound(low, upper=False), _float_bound(high, upper=True)
    return st.floats(
        min_value=low_float,
        max_value=high_float,
        exclude_min=low_excl and low_float is not None,
        exclude_max=high_excl and high_float is not None,
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


def _size(schema: dict[str, Any], keyword: str, default: int | None = None) -> Any:
    """Read a count keyword; Draft 7 allows `2.0` where it means 2."""
    value = schema.get(keyword, default)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _float_bound(bound: float | None, *, upper: bool) -> float | None:
    """Turn a bound into a float hypothesis accepts, never looser than the bound itself."""
    if bound is None or abs(bound) > _FLOAT_MAX:
        return None  # a bound past every float binds no float (the other side is checked first)
    value = float(bound)
    if (upper and value > bound) or (not upper and value < bound):
        value = math.nextafter(value, -math.inf if upper else math.inf)
    return value


def _insert(parts: tuple[list[Any], Any, int]) -> list[Any]:
    items, needed, at = parts
    position = at % (len(items) + 1)
    return [*items[:position], needed, *items[position:]]
