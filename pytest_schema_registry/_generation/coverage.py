"""Deterministic coverage examples: a short, labelled list of payloads that hit a schema's edges.

Random generation finds the odd bug but may never draw `level=hard` or `capacity` at its limit in
a hundred examples; a reviewer wants to see each enum value, each optional key present and absent,
each bound at its limit, each `anyOf` branch, every time, under a readable pytest id. This is the
"coverage phase" idea of schemathesis, for payloads.

How: a constructor walks the schema and, at each place a choice exists (an enum, a bound, a length,
an optional key, a branch), offers numbered *variations*. Payload `r` takes variation `r`
everywhere at once (round-robin), so an n-value enum and every other enum are covered by n
payloads; what rounds miss (a variation inside a key the round left out, a combination the
validator rejects) is retried alone. Every payload is checked by the project validator, and the
labels of the variations it carries are true of it. Values the constructor cannot make (patterns,
formats) come from hypothesis `find`, derandomized, so results are identical in every process.
Invalid payloads are the `Breaker`'s single-constraint breaks of those valid payloads, with
numeric bounds stepped to exactly one unit past the limit.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import math
import re
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from .._core.errors import UnsupportedSchemaError
from .._runtime.validation import PayloadValidator
from .breaks import Breaker, Location, Mutation, apply, subject, where
from .examples import CoveragePayload, InvalidPayload
from .payloads import canonical, invalid_strategy, read_guard, valid_strategy
from .schema_tools import (
    TYPES,
    as_set,
    bounds,
    deref,
    is_finite,
    is_number,
    merge,
    schema_for,
    types_of,
)
from .text import KNOWN_FORMATS, class_text

__all__ = [
    "CoveragePayload",
    "coverage_invalid_payloads",
    "coverage_payloads",
    "invalid_with_coverage",
    "valid_with_coverage",
]

_VALID_CAP = 64  # payloads returned at most
_INVALID_CAP = 128
_SINGLES_CAP = 256  # variations retried one at a time, at most
_MAX_DEPTH = 12  # nesting the constructor follows before giving up on a branch
# Subschemas visited over all plans: a counted budget, not a clock, so the list stays the same in
# every run. A 2 MB configuration schema (hundreds of optional keys at every level) would
# otherwise cost minutes; FeedbackEvent takes ~300.
_WORK_BUDGET = 25_000
_QUIET_DEPTH = 6  # below this, nodes offer no variations and optional keys stay out
_MAX_SIZE = 256  # longest array built for a maxItems; longer limits are skipped
_MAX_TEXT = 10_000  # longest string built for a maxLength
_LISTED = 8  # variation labels spelled out in one payload's label
_NAMED_OPTIONALS = 6  # an object with more optional keys gets one summary label
_FIND = settings(
    database=None,
    derandomize=True,
    max_examples=50,
    # The first value found, not the smallest: shrinking cost ~1 s per pattern on real schemas
    # (a CloudFormation resource has dozens); derandomized, so it is the same in every run.
    phases=(Phase.generate,),
    suppress_health_check=list(HealthCheck),
    deadline=None,
)
_PLAIN = re.compile(r"[A-Za-z_][\w.\-]*\Z")

_T = TypeVar("_T")
NodeId = tuple[Location, str]  # where a choice is made, and which kind of choice
Hit = tuple[NodeId, int, str]  # a variation a payload carries, and its label
Built = tuple[Any, tuple[Hit, ...]]


def coverage_payloads(schema: dict[str, Any] | bool) -> list[CoveragePayload]:
    """Return a small deterministic list of valid payloads covering the schema's edges.

    Raises `UnsupportedSchemaError` where `from_schema` would. The list is a fresh copy: callers
    may mutate the values without touching the cache.
    """
    return [CoveragePayload(copy.deepcopy(p.value), p.label) for p in _valid(canonical(schema))]


def coverage_invalid_payloads(schema: dict[str, Any] | bool) -> list[InvalidPayload]:
    """Return labelled payloads each breaking one constraint exactly at its boundary."""
    return [InvalidPayload(copy.deepcopy(p.value), p.reason) for p in _invalid(canonical(schema))]


# -- valid payloads -----------------------------------------------------------------------------


def _guarded(make: Callable[[str], _T]) -> Callable[[str], _T]:
    """Raise what the engine cannot read as `UnsupportedSchemaError`, as `from_schema` does."""

    @functools.wraps(make)
    def guarded(canonical: str) -> _T:
        with read_guard(canonical):
            return make(canonical)

    return guarded


@functools.lru_cache(maxsize=256)
@_guarded
def _valid(canonical: str) -> tuple[CoveragePayload, ...]:
    schema = json.loads(canonical)
    valid_strategy(schema)  # raises UnsupportedSchemaError exactly where from_schema does
    chosen = tuple(_Collector(schema).collect())
    if not chosen:  # the strategy exists, but neither construction nor search found a value
        raise UnsupportedSchemaError("schema", "#", "no valid value was found to start from")
    return chosen


_SHRINKING = ("optional", "items-empty")  # node kinds whose last variation removes content


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which variation each node takes: round `r` everywhere, or one `target` alone.

    A variation that removes content (optional keys absent, an array emptied) would hide the
    variations nested inside it, so it gets a round of its own after the `rounds` ordinary ones,
    one per nesting depth: a parent's removal never shares a round with its children's.
    """

    round: int | None = None
    rounds: int = 1
    target: tuple[NodeId, int] | None = None

    def choose(self, node: NodeId, count: int) -> int | None:
        if self.target is not None and self.target[0] == node:
            return self.target[1]
        if self.round is None:
            return None
        at, kind = node
        if kind in _SHRINKING:
            if self.round == self.rounds + len(at):
                return count - 1
            count -= 1
        offset = 1 if kind.startswith("items") else 0  # the first payload keeps arrays short
        chosen = self.round - offset
        return chosen if 0 <= chosen < count else None


def _width(node: NodeId, count: int) -> int:
    """How many ordinary rounds a node's variations need."""
    kind = node[1]
    return count - (kind in _SHRINKING) + (1 if kind.startswith("items") else 0)


@dataclass(frozen=True, slots=True)
class _Walk:
    """Where the constructor is: depth, `$ref`s followed, item index (salt), and quietness.

    `node` is the location with array indices past the positional items folded into one: the
    items of an array share their choices, so `events[1].level=info` covers what
    `events[0].level=info` does instead of asking for payloads of its own.
    """

    depth: int = 0
    refs: tuple[str, ...] = ()
    salt: int = 0
    quiet: bool = False
    node: Location = ()

    def down(self, key: str | int, salt: int = 0) -> _Walk:
        quiet = self.quiet or self.depth + 1 >= _QUIET_DEPTH
        return _Walk(self.depth + 1, self.refs, salt, quiet, (*self.node, key))

    def branch(self, keyword: str, index: int) -> _Walk:
        """The same place, inside one branch: its choices are its own, not its siblings'."""
        return _Walk(
            self.depth, self.refs, self.salt, self.quiet, (*self.node, f"{keyword}/{index}")
        )


class _ImpossibleError(Exception):
    """No value for this node under this plan; the caller tries its default or drops the key."""


class _Constructor:
    """Build one value per plan, deterministically, recording the variations each node offers."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.offered: dict[NodeId, int] = {}
        self.found_in: dict[NodeId, int | None] = {}  # the round that first reached each node
        self.work = 0  # subschemas visited over every plan, against `_WORK_BUDGET`

    @property
    def widest(self) -> int:
        return max((_width(node, n) for node, n in self.offered.items()), default=1)

    @property
    def deepest(self) -> int:
        """The deepest node with a removing variation: how many extra rounds are needed."""
        return max((len(at) for at, kind in self.offered if kind in _SHRINKING), default=-1)

    def build(self, schema: Any, at: Location, plan: _Plan, walk: _Walk) -> Built:
        self.work += 1
        if walk.depth > _MAX_DEPTH or self.work > _WORK_BUDGET:
            raise _ImpossibleError
        schema, walk = self._resolve(schema, walk)
        if schema is True or schema == {}:
            return None, ()
        if not isinstance(schema, dict):
            raise _ImpossibleError
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return self._branches(keyword, schema, at, plan, walk)
        if "if" in schema:  # build the `then` side; the validator judges the rest
            base = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
            return self.build(
                merge(merge(base, schema["if"]), schema.get("then", {})), at, plan, walk
            )
        if "const" in schema:
            return self._literal([schema["const"]], at, "const", plan, walk)
        if "enum" in schema:
            return self._literal(schema["enum"], at, "enum", plan, walk)
        return self._typed(schema, at, plan, walk)

    def _pick(self, node: NodeId, count: int, plan: _Plan, walk: _Walk) -> int | None:
        if walk.quiet or count == 0:
            return None
        self.offered[node] = max(count, self.offered.get(node, 0))
        self.found_in.setdefault(node, plan.round)
        choice = plan.choose(node, count)
        # Two schemas can meet at one node (anyOf branches at one place) with different widths:
        # a variation the narrower one lacks leaves it at its default.
        return choice if choice is None or choice < count else None

    def _resolve(self, schema: Any, walk: _Walk) -> tuple[Any, _Walk]:
        """Follow `$ref`s (a ref seen before makes the walk quiet, a third time impossible)."""
        for _ in range(32):
            if not isinstance(schema, dict):
                return schema, walk
            if "$ref" in schema:
                ref = schema["$ref"]
                if walk.refs.count(ref) >= 2:
                    raise _ImpossibleError
                quiet = walk.quiet or ref in walk.refs
                walk = _Walk(walk.depth, (*walk.refs, ref), walk.salt, quiet, walk.node)
                try:
                    schema = deref(self.root, schema, "#")
                except UnsupportedSchemaError:
                    raise _ImpossibleError from None
            elif "allOf" in schema:
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                for part in schema["allOf"]:
                    merged = merge(merged, part)
                schema = merged
            else:
                return schema, walk
        raise _ImpossibleError

    def _branches(
        self, keyword: str, schema: dict[str, Any], at: Location, plan: _Plan, walk: _Walk
    ) -> Built:
        base = {k: v for k, v in schema.items() if k != keyword}
        branches = [merge(base, part) for part in schema[keyword]]
        label = f"{_prefix(at)}{keyword}"
        return _first(
            self._pick((walk.node, keyword), len(branches), plan, walk),
            len(branches),
            lambda i: self.build(branches[i], at, plan, walk.branch(keyword, i)),
            lambda i: f"{label}[{i}]",
            (walk.node, keyword),
        )

    def _literal(
        self, values: list[Any], at: Location, kind: str, plan: _Plan, walk: _Walk
    ) -> Built:
        if not values:
            raise _ImpossibleError
        node: NodeId = (walk.node, kind)
        choice = self._pick(node, len(values), plan, walk)
        if choice is None:
            return copy.deepcopy(values[walk.salt % len(values)]), ()
        label = f"{where(at)}={_show(values[choice])}"
        return copy.deepcopy(values[choice]), ((node, choice, label),)

    def _typed(self, schema: dict[str, Any], at: Location, plan: _Plan, walk: _Walk) -> Built:
        kinds = _kinds(schema)
        if len(kinds) == 1:
            return self._kind(kinds[0], schema, at, plan, walk)
        node: NodeId = (walk.node, "type")
        return _first(
            self._pick(node, len(kinds), plan, walk),
            len(kinds),
            lambda i: self._kind(kinds[i], schema, at, plan, walk),
            lambda i: f"{_prefix(at)}type={kinds[i]}",
            node,
        )

    def _kind(
        self, kind: str, schema: dict[str, Any], at: Location, plan: _Plan, walk: _Walk
    ) -> Built:
        if kind == "null":
            return None, ()
        if kind == "boolean":
            return self._boolean(at, plan, walk)
        if kind in ("integer", "number"):
            return self._number(schema, kind == "integer", at, plan, walk)
        if kind == "string":
            return self._string(schema, at, plan, walk)
        if kind == "array":
            return self._array(schema, at, plan, walk)
        return self._object(schema, at, plan, walk)

    def _boolean(self, at: Location, plan: _Plan, walk: _Walk) -> Built:
        node: NodeId = (walk.node, "boolean")
        choice = self._pick(node, 2, plan, walk)
        if choice is None:
            return walk.salt % 2 == 0, ()
        return choice == 0, ((node, choice, f"{where(at)}={'true' if choice == 0 else 'false'}"),)

    def _number(
        self, schema: dict[str, Any], integral: bool, at: Location, plan: _Plan, walk: _Walk
    ) -> Built:
        low, high = _edge(schema, integral, upper=False), _edge(schema, integral, upper=True)
        if low is not None and high is not None and low > high:
            raise _ImpossibleError
        limits = [(v, name) for v, name in ((low, "min"), (high, "max")) if v is not None]
        node: NodeId = (walk.node, "bounds")
        choice = self._pick(node, len(limits), plan, walk)
        if choice is None:
            return _typical_number(schema, integral, low, high, walk.salt), ()
        value, name = limits[choice]
        return value, ((node, choice, f"{where(at)}={name}"),)

    def _string(self, schema: dict[str, Any], at: Location, plan: _Plan, walk: _Walk) -> Built:
        low, high = _count(schema, "minLength", 0), _count(schema, "maxLength", None)
        if high is not None and low > high:
            raise _ImpossibleError
        lengths = [n for key, n in (("minLength", low), ("maxLength", high)) if key in schema]
        lengths = [n for n in dict.fromkeys(lengths) if n is not None and n <= _MAX_TEXT]
        special = "pattern" in schema or "format" in schema
        if special:  # keep only the lengths a search can reach; skip the rest
            lengths = [n for n in lengths if _found_text(schema, n) is not None]
        node: NodeId = (walk.node, "length")
        choice = self._pick(node, len(lengths), plan, walk)
        if choice is not None:
            n = lengths[choice]
            text = _found_text(schema, n) if special else "x" * n
            return text, ((node, choice, f"{_prefix(at)}length={n}"),)
        if special:
            found = _found_text(schema, None)
            if found is None:
                raise _ImpossibleError
            return found, ()
        return _typical_text(walk.salt, low, high), ()

    def _array(self, schema: dict[str, Any], at: Location, plan: _Plan, walk: _Walk) -> Built:
        head, rest = _item_schemas(schema)
        low, high = _count(schema, "minItems", 0), _count(schema, "maxItems", None)
        if rest is False:
            high = len(head) if high is None else min(high, len(head))
        if high is not None and low > high:
            raise _ImpossibleError
        lengths = [low] + ([high] if high is not None and high != low and high <= _MAX_SIZE else [])
        if low == 0:  # the empty array last: it is a removing variation
            lengths = [*lengths[1:], 0]
        default = low if walk.quiet else max(low, min(len(head) or 1, _MAX_SIZE))
        default = default if high is None else min(default, high)
        node: NodeId = (walk.node, "items-empty" if low == 0 else "items")
        return _first(
            self._pick(node, len(lengths), plan, walk),
            len(lengths),
            lambda i: self._items(schema, head, rest, lengths[i], at, plan, walk),
            lambda i: f"{_prefix(at)}items={lengths[i]}",
            node,
            default=lambda: self._items(schema, head, rest, default, at, plan, walk),
        )

    def _items(
        self,
        schema: dict[str, Any],
        head: list[Any],
        rest: Any,
        length: int,
        at: Location,
        plan: _Plan,
        walk: _Walk,
    ) -> Built:
        values: list[Any] = []
        hits: list[Hit] = []
        for i in range(length):
            item = head[i] if i < len(head) else rest
            if i == 0 and "contains" in schema:
                item = merge(item, schema["contains"])
            value, found = self.build(item, (*at, i), plan, walk.down(min(i, len(head)), salt=i))
            values.append(value)
            hits.extend(found)
        return values, tuple(hits)

    def _object(self, schema: dict[str, Any], at: Location, plan: _Plan, walk: _Walk) -> Built:
        properties: dict[str, Any] = schema.get("properties", {})
        required = list(dict.fromkeys(schema.get("required", [])))
        optional = [k for k in properties if k not in required and properties[k] is not False]
        node: NodeId = (walk.node, "optional")
        choice = self._pick(node, 2 if optional else 0, plan, walk)
        wanted = [*required, *_wanted_optionals(schema, optional, required, choice, walk)]
        result: dict[str, Any] = {}
        hits: list[Hit] = []
        for key in _with_dependencies(schema, wanted):
            try:
                value, found = self.build(schema_for(schema, key), (*at, key), plan, walk.down(key))
            except _ImpossibleError:
                if key in required:
                    raise
                continue
            result[key] = value
            hits.extend(found)
        self._fill(schema, result, at, plan, walk)
        if choice is not None:
            hits.append((node, choice, _presence_label(at, optional, result)))
        return result, tuple(hits)

    def _fill(
        self, schema: dict[str, Any], result: dict[str, Any], at: Location, plan: _Plan, walk: _Walk
    ) -> None:
        """Add `extra_N` keys until `minProperties` holds, where additional keys are allowed."""
        extra = schema.get("additionalProperties", True)
        for n in range(_count(schema, "minProperties", 0) - len(result)):
            if extra is False:
                return
            key = f"extra_{n + 1}"
            result[key] = self.build(extra, (*at, key), _Plan(), walk.down(key))[0]


def _first(
    choice: int | None,
    count: int,
    make: Callable[[int], Built],
    label: Callable[[int], str],
    node: NodeId,
    default: Callable[[], Built] | None = None,
) -> Built:
    """Build the chosen variation, labelled; else the default, or the first one that builds."""
    if choice is not None:
        try:
            value, hits = make(choice)
        except _ImpossibleError:
            pass
        else:
            return value, ((node, choice, label(choice)), *hits)
    if default is not None:
        return default()
    for i in range(count):
        try:
            return make(i)
        except _ImpossibleError:
            continue
    raise _ImpossibleError


def _kinds(schema: dict[str, Any]) -> list[str]:
    """The types to build, in schema order; an untyped schema's type read from its keywords."""
    if "type" in schema:
        try:
            return types_of(schema, "#")
        except UnsupportedSchemaError:
            raise _ImpossibleError from None
    hints = {
        "object": ("properties", "required", "additionalProperties", "minProperties"),
        "array": ("items", "prefixItems", "minItems", "maxItems", "contains"),
        "string": ("minLength", "maxLength", "pattern", "format"),
        "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    }
    found = [kind for kind in TYPES if any(k in schema for k in hints.get(kind, ()))]
    return found or ["null"]


def _item_schemas(schema: dict[str, Any]) -> tuple[list[Any], Any]:
    """(the positional item schemas, the schema for the rest) in both drafts' spellings."""
    if "prefixItems" in schema:
        return list(schema["prefixItems"]), schema.get("items", True)
    items = schema.get("items", True)
    if isinstance(items, list):
        return items, schema.get("additionalItems", True)
    return [], items


def _wanted_optionals(
    schema: dict[str, Any],
    optional: list[str],
    required: list[str],
    choice: int | None,
    walk: _Walk,
) -> list[str]:
    """Optional keys to include: all (as room under maxProperties allows) unless absent or quiet."""
    if choice == 1 or (choice is None and walk.quiet):
        return []
    room = _count(schema, "maxProperties", None)
    if room is None:
        return optional
    return optional[: max(0, room - len(required))]


def _with_dependencies(schema: dict[str, Any], keys: list[str]) -> list[str]:
    """Close `keys` over `dependentRequired` and Draft 7's list-form `dependencies`."""
    rules = {**schema.get("dependencies", {}), **schema.get("dependentRequired", {})}
    result = list(dict.fromkeys(keys))
    for key in result:  # grows while iterating: dependencies of dependencies
        needs = rules.get(key)
        if isinstance(needs, list):
            result.extend(k for k in needs if k not in result)
    return result


def _presence_label(at: Location, optional: list[str], result: dict[str, Any]) -> str:
    if len(optional) <= _NAMED_OPTIONALS:
        return ", ".join(
            f"{where((*at, k))} {'present' if k in result else 'absent'}" for k in optional
        )
    present = sum(k in result for k in optional)
    return f"{_prefix(at)}{present} of {len(optional)} optional present"


def _prefix(at: Location) -> str:
    return f"{where(at)} " if at else ""


def _show(value: Any) -> str:
    """A value as a label shows it: `hard` for plain words, JSON otherwise, cut at 40 chars."""
    if isinstance(value, str) and _PLAIN.match(value) and value not in ("true", "false", "null"):
        text = value
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "\u2026"


def _count(schema: dict[str, Any], keyword: str, default: int | None) -> Any:
    value = schema.get(keyword, default)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# -- numbers ------------------------------------------------------------------------------------


def _step(schema: dict[str, Any]) -> Decimal | None:
    step = schema.get("multipleOf")
    if isinstance(step, bool) or not isinstance(step, int | float):
        return None
    if step <= 0 or not is_finite(step):
        return None
    return Decimal(repr(step)) if isinstance(step, float) else Decimal(step)


def _edge(schema: dict[str, Any], integral: bool, *, upper: bool) -> int | float | None:
    """The valid value nearest a bound: the bound, one step inside an exclusive one, or None."""
    low, high, low_x, high_x = bounds(schema)
    bound, exclusive = (high, high_x) if upper else (low, low_x)
    if bound is None or not is_number(bound) or not is_finite(bound):
        return None
    step = _step(schema)
    if step is not None:
        exact = Decimal(repr(bound)) / step
        k = math.floor(exact) if upper else math.ceil(exact)
        if exclusive and k == exact:
            k += -1 if upper else 1
        return _as_number(k * step, integral or step == step.to_integral_value())
    if integral:
        if upper:
            return math.ceil(bound) - 1 if exclusive else math.floor(bound)
        return math.floor(bound) + 1 if exclusive else math.ceil(bound)
    if exclusive and abs(bound) > sys.float_info.max:  # 10**400: no float near it, an integer is
        return bound - 1 if upper else bound + 1
    if exclusive:
        return math.nextafter(float(bound), -math.inf if upper else math.inf)
    return bound


def _as_number(value: Decimal, integral: bool) -> int | float:
    return int(value) if integral else float(value)


def _typical_number(
    schema: dict[str, Any], integral: bool, low: float | None, high: float | None, salt: int
) -> int | float:
    """The valid value nearest 0 (an integer where one fits; one step with a multipleOf),
    moved `salt` steps for variety."""
    step = _step(schema)
    unit = step if step is not None else Decimal(1)
    lo = None if low is None else Decimal(repr(low))
    hi = None if high is None else Decimal(repr(high))
    k = 0 if step is None else 1  # 0 is a multiple of every step: oneOf's branches would tie
    if lo is not None and lo > 0:
        k = math.ceil(lo / unit)
    elif hi is not None and hi < 0:
        k = math.floor(hi / unit)
    for candidate in (k + salt, k, 0):
        value = candidate * unit
        if (lo is None or value >= lo) and (hi is None or value <= hi):
            return _as_number(value, integral or unit == unit.to_integral_value())
    if low is not None and high is not None:  # no step fits inside: the middle of the range
        return (low + high) / 2
    return low if low is not None else high if high is not None else 0


# -- strings ------------------------------------------------------------------------------------


def _typical_text(salt: int, low: int, high: int | None) -> str:
    """`example`, `example-1`, ... padded or cut to fit; distinct per salt where room allows."""
    text = "example" if salt == 0 else f"example-{salt}"
    text += "x" * max(0, low - len(text))
    if high is not None and len(text) > high:
        text = text[len(text) - high :]
    return text


_STRING_KEYWORDS = ("type", "pattern", "format", "minLength", "maxLength")


def _found_text(schema: dict[str, Any], length: int | None) -> str | None:
    """A string under a pattern/format (of exactly `length` chars), found by hypothesis, or None."""
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and schema.get("format") not in KNOWN_FORMATS:
        if length is not None:
            # `^sg-[0-9a-z]*$` at 64 is built; for what is not (an alternation at exactly 200
            # characters) a search mostly fails after seconds, so that length is skipped.
            return class_text(pattern, length)
        low, high = _count(schema, "minLength", 0), _count(schema, "maxLength", None)
        for size in range(low, low + 16 if high is None else min(high, low + 15) + 1):
            built = class_text(pattern, size)  # the shortest a simple pattern allows
            if built is not None:
                return built
    leaf = {k: v for k, v in schema.items() if k in _STRING_KEYWORDS}
    leaf["type"] = "string"
    if length is not None:
        leaf["minLength"] = leaf["maxLength"] = length
    found = _found(json.dumps(leaf, sort_keys=True))
    return found[0] if found and isinstance(found[0], str) else None


@functools.lru_cache(maxsize=1024)
def _found(canonical: str) -> tuple[Any, ...]:
    """The simplest value hypothesis finds for a schema, derandomized: `()` if none.

    The search runs in a thread of its own: hypothesis keeps "a test is running" per thread, and
    `find` called from inside a caller's `@given` would fail the nested-given health check (and
    that failure would be cached here as "no value").
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_search, json.loads(canonical)).result()


def _search(schema: Any) -> tuple[Any, ...]:
    try:
        return (find(valid_strategy(schema), lambda _: True, settings=_FIND),)
    except (HypothesisException, UnsupportedSchemaError):
        return ()


# -- choosing payloads --------------------------------------------------------------------------


class _Collector:
    """Run rounds, then single variations for what rounds missed; keep what validates and adds."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.validator = PayloadValidator(schema)
        self.maker = _Constructor(schema)
        self.chosen: list[CoveragePayload] = []
        self.covered: set[tuple[NodeId, int]] = set()
        self.labels: set[str] = set()

    def collect(self) -> list[CoveragePayload]:
        # A probe with no variations: discovers the nodes and how wide the rounds go.
        with contextlib.suppress(_ImpossibleError):
            self.maker.build(self.schema, (), _Plan(), _Walk())
        rounds = min(self.maker.widest, _VALID_CAP)
        if not self._offer(_Plan(round=0, rounds=rounds)):
            self._typical_fallback()
        for r in range(1, rounds + self.maker.deepest + 1):
            if len(self.chosen) >= _VALID_CAP or self.maker.work > _WORK_BUDGET:
                break
            self._offer(_Plan(round=r, rounds=rounds))
        for target in self._missed():
            if len(self.chosen) >= _VALID_CAP or self.maker.work > _WORK_BUDGET:
                break
            # Alone first; else inside the round that reached it (a branch, a type, a length).
            if not self._offer(_Plan(target=target), target):
                found_in = self.maker.found_in.get(target[0])
                if found_in is not None:
                    self._offer(_Plan(round=found_in, rounds=rounds, target=target), target)
        return self.chosen

    def _missed(self) -> Iterator[tuple[NodeId, int]]:
        tried = 0
        for node, count in list(self.maker.offered.items()):
            for i in range(count):
                if (node, i) not in self.covered and tried < _SINGLES_CAP:
                    tried += 1
                    yield node, i

    def _offer(self, plan: _Plan, needed: tuple[NodeId, int] | None = None) -> bool:
        """Build under `plan`; keep the payload if it validates and covers something new."""
        try:
            value, hits = self.maker.build(self.schema, (), plan, _Walk())
        except _ImpossibleError:
            return False
        new = {(node, i) for node, i, _ in hits} - self.covered
        if needed is not None and needed not in new:
            return False
        if (self.chosen and not new) or not self.validator.is_valid(value):
            return False
        self.covered |= new
        # What this payload adds comes first, so a shortened label still says why it is here;
        # array items sharing a choice are named once, by the first of them.
        once: dict[tuple[NodeId, int], str] = {}
        for node, i, label in hits:
            once.setdefault((node, i), label)
        ordered = sorted(once.items(), key=lambda item: item[0] not in new)
        self._add(value, _joined([label for _, label in ordered if label]) or "typical")
        return True

    def _typical_fallback(self) -> None:
        """The constructor could not make a valid value: take hypothesis's simplest one."""
        found = _found(json.dumps(self.schema, sort_keys=True))
        if found and self.validator.is_valid(found[0]):
            self._add(found[0], "typical")

    def _add(self, value: Any, label: str) -> None:
        unique, n = label, 1
        while unique in self.labels:
            n += 1
            unique = f"{label} #{n}"
        self.labels.add(unique)
        self.chosen.append(CoveragePayload(value, unique))


def _joined(labels: list[str]) -> str:
    parts = [part for label in labels for part in label.split(", ")]
    if len(parts) <= _LISTED:
        return ", ".join(parts)
    return ", ".join(parts[:_LISTED]) + f", and {len(parts) - _LISTED} more"


# -- invalid payloads ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
@_guarded
def _invalid(canonical: str) -> tuple[InvalidPayload, ...]:
    schema = json.loads(canonical)
    if schema == {}:
        raise UnsupportedSchemaError("true", "#", "every JSON value is valid: nothing to break")
    if schema == {"not": {}}:  # `false`, as `_canonical` spells it
        return (InvalidPayload(None, "the schema is false"),)
    validator, breaker = PayloadValidator(schema), _EdgeBreaker(schema)
    found: dict[str, InvalidPayload] = {}
    values: set[str] = set()
    for base in _valid(canonical):
        for mutation in breaker.breaks(schema, base.value, (), 0):
            if mutation.reason in found:
                continue
            broken = apply(base.value, mutation)
            key = json.dumps(broken, sort_keys=True)
            if key in values or validator.is_valid(broken):
                continue
            values.add(key)
            found[mutation.reason] = InvalidPayload(broken, mutation.reason)
            if len(found) >= _INVALID_CAP:
                return tuple(found.values())
    return tuple(found.values())


class _EdgeBreaker(Breaker):
    """The `Breaker`, with numeric bounds broken by exactly one step (first, so they win)."""

    def leaf_breaks(self, schema: dict[str, Any], value: Any, at: Location) -> list[Mutation]:
        stepped = _step_breaks(schema, value, at)
        others = super().leaf_breaks(schema, value, at)
        if stepped:  # ours replace the Breaker's `bound +- 1` at this location
            others = [m for m in others if not _is_bound_break(m, at)]
        return stepped + others


def _is_bound_break(mutation: Mutation, at: Location) -> bool:
    return mutation.location == at and mutation.reason.startswith(
        (f"{subject(at)} below ", f"{subject(at)} above ")
    )


def _step_breaks(schema: dict[str, Any], value: Any, at: Location) -> list[Mutation]:
    """One step past each bound: integer +-1, multipleOf +-step, float `nextafter`."""
    if not is_number(value):
        return []
    kinds = as_set(schema.get("type", "number"))
    integral = "integer" in kinds and "number" not in kinds
    low, high, low_x, high_x = bounds(schema)
    found = []
    for bound, exclusive, upper in ((low, low_x, False), (high, high_x, True)):
        edge = _edge(schema, integral, upper=upper)
        if bound is None or edge is None:
            continue
        outside = _beyond(schema, edge, integral, upper=upper)
        limit = f"{'exclusive ' if exclusive else ''}{'maximum' if upper else 'minimum'} {bound}"
        side = "at" if outside == bound else "above" if upper else "below"
        found.append(Mutation(at, outside, f"{subject(at)} {side} {limit}"))
    return found


def _beyond(schema: dict[str, Any], edge: float, integral: bool, *, upper: bool) -> int | float:
    step = _step(schema)
    if step is None and integral:
        return int(edge) + (1 if upper else -1)
    if step is None:
        return math.nextafter(float(edge), math.inf if upper else -math.inf)
    moved = Decimal(repr(edge)) + (step if upper else -step)
    return _as_number(moved, integral or step == step.to_integral_value())


# -- coverage first, then random ----------------------------------------------------------------


def valid_with_coverage(schema: dict[str, Any] | bool) -> st.SearchStrategy[Any]:
    """`valid_strategy`, trying the coverage payloads before random values (cached per schema)."""
    return _valid_first(canonical(schema))


def invalid_with_coverage(schema: dict[str, Any] | bool) -> st.SearchStrategy[InvalidPayload]:
    """`invalid_strategy`, trying the boundary breaks before random ones (cached per schema)."""
    return _invalid_first(canonical(schema))


@functools.lru_cache(maxsize=512)
def _valid_first(canonical: str) -> st.SearchStrategy[Any]:
    random = valid_strategy(json.loads(canonical))  # raises here what from_schema raises
    return st.deferred(lambda: _first_then(_values_or_none(_valid, canonical), random))


@functools.lru_cache(maxsize=512)
def _invalid_first(canonical: str) -> st.SearchStrategy[InvalidPayload]:
    random = invalid_strategy(json.loads(canonical))
    return st.deferred(lambda: _first_then(_values_or_none(_invalid, canonical), random))


def _values_or_none(examples: Callable[[str], tuple[Any, ...]], canonical: str) -> tuple[Any, ...]:
    """The coverage examples, values only for valid ones; none where they cannot be made."""
    try:
        found = examples(canonical)
    except UnsupportedSchemaError:
        return ()  # random draws still work: coverage is a head start, not a precondition
    return tuple(e.value if isinstance(e, CoveragePayload) else e for e in found)


def _first_then(
    examples: tuple[Any, ...], random: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _drawn_first(examples, random) if examples else random


@st.composite
def _drawn_first(draw: Callable[[Any], Any], examples: tuple[Any, ...], random: Any) -> Any:
    """Draw one of `examples` or, at index len(examples), a random value.

    Hypothesis never repeats a finished choice sequence, so each example is drawn at most once and
    the uniform index reaches the random branch ever more often as examples run out: all n of
    them come within the first ~n + ln(n) draws, and shrinking ends on example 0, the most typical.
    """
    index = draw(st.integers(0, len(examples)))
    if index == len(examples):
        return draw(random)
    return copy.deepcopy(examples[index])  # a test may mutate what it is given
