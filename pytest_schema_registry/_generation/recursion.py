"""How deep a value must nest before it is finite: one number per reference, per subschema.

A schema with hundreds of definitions referencing each other has more paths through it than
anyone can build, so the builder builds each reference once and lets cycles close through
`st.deferred`. Two questions then need answers no single path gives: does a reference allow a
finite value at all (a required key that is the reference itself does not), and which branch of a
choice ends soonest (what a draw takes once it is deep). `Ranks` answers both: a schema's rank is
the least nesting of draws a value under it needs (each `$ref` hop, object and array, weighted
by what drawing it costs), infinite when none suffices, computed as a fixed point over the
references (every rank only ever decreases, so it settles).

Pure, no hypothesis: the builder stands on it, and it can be tested without it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from .._core.errors import UnsupportedSchemaError
from .schema_tools import deref, merge, ref_siblings, schema_for, types_of

__all__ = [
    "ARRAY_DEPTH",
    "COMBINATORS",
    "OBJECT_DEPTH",
    "REFERENCE_DEPTH",
    "Ranks",
    "branches",
    "ref_key",
]

# How many nested hypothesis draws each level of a value costs the builder's strategies: a
# reference is a deferred strategy, an object a composite drawing its values, an array a
# composite, a list and its elements. Hypothesis gives up on draws nested about 100 deep.
REFERENCE_DEPTH, OBJECT_DEPTH, ARRAY_DEPTH = 1, 2, 3

COMBINATORS = ("allOf", "anyOf", "oneOf", "if")
_MAX_ROUNDS = (
    10_000  # a guard, never reached: each round lowers at least one of finitely many ranks
)


def ref_key(schema: dict[str, Any]) -> str:
    """Name a `$ref` use by its target and the sibling keywords merged into it."""
    siblings = ref_siblings(schema)
    if not siblings:
        return str(schema["$ref"])
    return f"{schema['$ref']}\x00{json.dumps(siblings, sort_keys=True, default=repr)}"


def branches(keyword: str, schema: dict[str, Any]) -> list[Any]:
    """Return the schemas a value under `schema` may satisfy instead, one per branch.

    `allOf` is one branch (its parts merged); `if` is two (if + then, else); `anyOf`/`oneOf` one
    per part. The keywords outside the combinator are merged into every branch.
    """
    base = {k: v for k, v in schema.items() if k not in (keyword, "then", "else")}
    if keyword == "allOf":
        merged = base
        for part in schema["allOf"]:
            merged = merge(merged, part)  # a $ref part stays a $ref: the builder bounds it
        return [merged]
    if keyword == "if":
        return [
            merge(merge(base, schema["if"]), schema.get("then", {})),
            merge(base, schema.get("else", {})),
        ]
    return [merge(base, part) for part in schema[keyword]]


class Ranks:
    """The least `$ref` depth a finite value needs, per reference and per subschema."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._table: dict[str, float] = {}
        self._targets: dict[str, Any] = {}
        self._unsettled = False  # a reference was met since the ranks last settled
        self._unread: list[Any] = []  # targets of references met but not walked yet
        self._known: dict[int, tuple[Any, float]] = {}  # settled ranks by identity (kept alive)
        self._branches: dict[int, tuple[Any, list[Any]]] = {}  # merged branches, by identity
        self.rounds = 0  # fixed-point rounds so far, for tests that bound the work

    def of(self, schema: Any) -> float:
        """Return the rank of `schema`: 0 for a scalar, `math.inf` when no finite value exists."""
        known = self._known.get(id(schema))
        if known is not None:
            return known[1]
        rank = self._rank(schema)
        while self._unsettled:  # it met references not ranked yet
            self._settle()
            rank = self._rank(schema)
        self._known[id(schema)] = (schema, rank)
        return rank

    def _settle(self) -> None:
        """Lower the references' ranks until none changes (new references start at infinity)."""
        changed = True
        while changed and self.rounds < _MAX_ROUNDS:
            self._discover()
            self.rounds += 1
            self._known.clear()  # ranks may fall this round
            self._unsettled = changed = False
            for key in reversed(list(self._table)):  # found last, deepest first: fewer rounds
                rank = self._rank(self._targets[key])
                if rank < self._table[key]:
                    self._table[key] = rank
                    changed = True
            changed = changed or self._unsettled

    def _rank(self, schema: Any) -> float:
        if isinstance(schema, dict) and schema:
            known = self._known.get(id(schema))
            if known is not None:
                return known[1]
            rank = self._rank_of(schema)
            self._known[id(schema)] = (schema, rank)  # stale values are upper bounds: still settles
            return rank
        return self._rank_of(schema)

    def _rank_of(self, schema: Any) -> float:
        if schema is True or schema == {}:
            return 0
        if not isinstance(schema, dict):
            return math.inf if schema is False else 0  # a wrong shape: the builder names it
        if "$ref" in schema:
            return REFERENCE_DEPTH + self._reference(schema)
        if schema.get("not") in (True, {}):
            return math.inf
        for keyword in COMBINATORS:
            if keyword in schema:
                options = self.branches(keyword, schema)
                return min((self._rank(b) for b in options), default=math.inf)
        if "const" in schema:
            return 0
        if "enum" in schema:
            return 0 if schema["enum"] else math.inf
        return min((self._typed(kind, schema) for kind in _kinds(schema)), default=math.inf)

    def branches(self, keyword: str, schema: dict[str, Any]) -> list[Any]:
        """`branches(keyword, schema)`, made once per schema: the merged branches keep their
        identity, so their ranks (and the builder's strategies) are computed once too."""
        made = self._branches.get(id(schema))
        if made is None:
            made = self._branches[id(schema)] = (schema, branches(keyword, schema))
        return made[1]

    def _discover(self) -> None:
        """Walk every reference's target once, so a round sees the whole graph (a chain of
        three thousand references would otherwise cost three thousand rounds)."""
        while self._unread:
            self._rank(self._unread.pop())

    def of_type(self, kind: str, schema: dict[str, Any]) -> float:
        """Return the rank of `schema`'s values of one JSON type (`object`, `array`, ...)."""
        rank = self._typed(kind, schema)
        while self._unsettled:
            self._settle()
            rank = self._typed(kind, schema)
        return rank

    def _reference(self, schema: dict[str, Any]) -> float:
        key = ref_key(schema)
        if key not in self._table:
            try:
                self._targets[key] = deref(self.root, schema, "#")
            except UnsupportedSchemaError:
                return 0  # the builder reports it with its path
            self._table[key] = math.inf
            self._unread.append(self._targets[key])
            self._unsettled = True
        return self._table[key]

    def _typed(self, kind: str, schema: dict[str, Any]) -> float:
        if kind == "array":
            return ARRAY_DEPTH + max(self._array_parts(schema), default=0)
        if kind == "object":
            return OBJECT_DEPTH + self._object(schema)
        return 0

    def _object(self, schema: dict[str, Any]) -> float:
        """Rank the required keys; rank the optional ones too, to meet their references now."""
        required = schema.get("required", [])
        required = required if isinstance(required, list) else []
        for optional in _optional_parts(schema, required):
            self._rank(optional)
        return max((self._rank(schema_for(schema, key)) for key in required), default=0)

    def _array_parts(self, schema: dict[str, Any]) -> Iterator[float]:
        """Yield the ranks of the items every array under `schema` must hold."""
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(prefix, list):
            yield from (self._rank(part) for part in prefix)
        elif isinstance(items, list):
            yield from (self._rank(part) for part in items)
        else:
            rank = self._rank(items)  # ranked even when optional, to meet its references now
            if schema.get("minItems", 0):
                yield rank
        if "contains" in schema:
            yield self._rank(schema["contains"])


def _optional_parts(schema: dict[str, Any], required: list[Any]) -> Iterator[Any]:
    properties = schema.get("properties", {})
    if isinstance(properties, dict):
        yield from (sub for key, sub in properties.items() if key not in required)
    patterns = schema.get("patternProperties", {})
    if isinstance(patterns, dict):
        yield from patterns.values()
    yield schema.get("additionalProperties", True)


def _kinds(schema: dict[str, Any]) -> list[str]:
    try:
        return types_of(schema, "#")
    except UnsupportedSchemaError:
        return ["null"]  # an unknown type: the builder reports it with its path
