"""Walk two schemas side by side and list Confluent's differences as (kind, path) pairs.

The walk mirrors Confluent's `SchemaDiff.compare(original, update)`: shapes first (combined vs
single, class changes), then per-class keyword rules (`confluent_keywords`). Some rules need a
verdict on a sub-comparison (which `anyOf` branch fits, is a removed property covered): those run
in a scratch context judged by the policy's compatible kinds, as Confluent does. Recursive `$ref`s
end because a pair already being compared counts as compatible; `run` repeats the walk until no
such assumption turns out wrong (Confluent's fixed point).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .._core.errors import SchemaCompileError
from . import confluent_keywords as keywords
from .confluent_schema import (
    COMBINED,
    Node,
    as_dict,
    branches,
    canonical,
    deref,
    family,
    join,
    kind_of,
    value_key,
)

__all__ = ["MAX_DEPTH", "Walker", "run"]

# Nesting levels one walk follows. Each level costs a handful of Python frames; this keeps the
# deepest walk well inside the default recursion limit wherever the caller already stands.
MAX_DEPTH = 100

Pair = tuple[int, str | None, int, str | None]


@dataclass(slots=True)
class _Context:
    found: list[tuple[str, str]] = field(default_factory=list)
    poisoned: bool = False  # met a pair on the stack already known to be incompatible


def run(
    original: Any, update: Any, compatible: frozenset[str], tick: Callable[[], None]
) -> list[tuple[str, str]]:
    """Compare two documents; repeat until every "on the stack = compatible" guess held."""
    known_bad: set[Pair] = set()
    while True:
        walker = Walker(compatible, tick, known_bad)
        walker.compare(Node(original, original), Node(update, update), "#/")
        wrong = (walker.assumed & walker.bad) - known_bad
        if not wrong:
            return list(dict.fromkeys(walker.ctx.found))
        known_bad |= wrong


class Walker:
    """One pass of the comparison: the current context, the pairs on the stack, what went wrong."""

    def __init__(self, compatible: frozenset[str], tick: Callable[[], None], bad: set[Pair]):
        self.compatible_kinds = compatible
        self.tick = tick
        self.known_bad = bad
        self.ctx = _Context()
        self.stack: list[Pair] = []
        self.assumed: set[Pair] = set()
        self.bad: set[Pair] = set()
        # Finished pairs' differences, paths relative to the pair: shared subschemas (a `$ref`
        # used twice, branches compared pairwise) are walked once, not once per route to them.
        self.done: dict[Pair, list[tuple[str, str]]] = {}
        self.guesses = 0

    def add(self, kind: str, path: str) -> None:
        """Record one difference in the current context."""
        self.ctx.found.append((kind, path))

    @contextmanager
    def scratch(self) -> Iterator[_Context]:
        """Run a sub-comparison whose differences are kept apart, to be judged or merged."""
        outer, self.ctx = self.ctx, _Context()
        try:
            yield self.ctx
        finally:
            self.ctx = outer

    def fits(self, ctx: _Context) -> bool:
        """Judge a scratch context: compatible under the policy and not resting on a bad guess."""
        return not ctx.poisoned and all(kind in self.compatible_kinds for kind, _ in ctx.found)

    def merge(self, ctx: _Context) -> None:
        """Keep a judged scratch context's differences."""
        self.ctx.found.extend(ctx.found)
        self.ctx.poisoned |= ctx.poisoned

    def compare(self, original: Node | None, update: Node | None, path: str) -> None:
        """Confluent's `compare`: a missing side is SCHEMA_ADDED/REMOVED, else walk the pair."""
        if original is None or update is None:
            if original is not None or update is not None:
                self.add("SCHEMA_ADDED" if original is None else "SCHEMA_REMOVED", path)
            return
        self.tick()
        original, update = deref(original, path), deref(update, path)
        if original.value is update.value and original.doc is update.doc:
            return  # the very same schema in the very same document: nothing can differ
        pair = (id(original.value), original.kind, id(update.value), update.kind)
        if pair in self.done:
            self.ctx.found.extend((kind, join(path, rest)) for kind, rest in self.done[pair])
            return
        if pair in self.stack:
            self.assumed.add(pair)
            self.guesses += 1
            self.ctx.poisoned |= pair in self.known_bad
            return
        if len(self.stack) >= MAX_DEPTH:
            raise SchemaCompileError(f"{path}: schema nests deeper than {MAX_DEPTH} levels")
        self._guarded(pair, original, update, path)

    def _guarded(self, pair: Pair, original: Node, update: Node, path: str) -> None:
        ctx, start, guesses = self.ctx, len(self.ctx.found), self.guesses
        self.stack.append(pair)
        try:
            self._compare(original, update, path)
        finally:
            self.stack.pop()
        mine = _Context(ctx.found[start:], ctx.poisoned)
        if not self.fits(mine):
            self.bad.add(pair)
        if self.guesses == guesses:  # exact, not resting on any guess: reuse it wherever met
            self.done[pair] = [(kind, at[len(path) :].lstrip("/")) for kind, at in mine.found]

    def _compare(self, original: Node, update: Node, path: str) -> None:
        okind, ukind = kind_of(original), kind_of(update)
        if okind not in COMBINED and ukind in COMBINED and self._into(original, update, path):
            return
        if okind in COMBINED and ukind not in COMBINED and self._out_of(original, update, path):
            return
        if family(okind) != family(ukind):
            if not _unchanged_class(original, update, okind, ukind):
                self.add("TYPE_CHANGED", path)
            return
        if original.kind is None or update.kind is None:
            self._annotations(as_dict(original), as_dict(update), path)
        self._same_class(original, update, okind, ukind, path)

    def _into(self, original: Node, update: Node, path: str) -> bool:
        """Single schema to a combination: unwrap one branch, or find an any/oneOf branch."""
        criterion, found = branches(update)
        if len(found) == 1:
            self.compare(original, found[0][1], join(path, found[0][0]))
            return True
        if criterion == "allOf":
            return False
        for segment, branch in found:
            with self.scratch() as ctx:
                self.compare(original, branch, join(path, segment))
            if self.fits(ctx):
                self.merge(ctx)
                self.add("SUM_TYPE_EXTENDED", path)
                return True
        return False

    def _out_of(self, original: Node, update: Node, path: str) -> bool:
        """Combination to a single schema: unwrap one branch, or find an allOf branch that fits."""
        criterion, found = branches(original)
        if len(found) == 1:
            self.compare(found[0][1], update, join(path, found[0][0]))
            return True
        if criterion != "allOf":
            return False
        for segment, branch in found:
            with self.scratch() as ctx:
                self.compare(branch, update, join(path, segment))
            if self.fits(ctx):
                self.merge(ctx)
                self.add("PRODUCT_TYPE_NARROWED", path)
                return True
        return False

    def _annotations(self, original: dict[str, Any], update: dict[str, Any], path: str) -> None:
        for keyword, kind in _ANNOTATIONS:
            before, after = _annotation(original, keyword), _annotation(update, keyword)
            if before != after:
                self.add(kind, path)

    def _same_class(self, original: Node, update: Node, okind: str, ukind: str, path: str) -> None:
        group = family(okind)
        if group == "combined":
            self._combined(original, update, path)
        elif group == "not":
            self._not(original, update, path)
        elif group in ("enum", "const"):
            _values(self, as_dict(original), as_dict(update), group, path)
        else:
            keywords.compare_class(self, original, update, (okind, ukind), path)

    def _combined(self, original: Node, update: Node, path: str) -> None:
        (ocrit, obranches), (ucrit, ubranches) = branches(original), branches(update)
        if ocrit != ucrit:
            # Widening to anyOf, or leaving a one-branch combination, loosens; any other switch
            # (oneOf <-> allOf, anyOf -> oneOf) is a change Confluent refuses.
            widened = ucrit == "anyOf" or len(obranches) == 1
            self.add("COMBINED_TYPE_EXTENDED" if widened else "COMBINED_TYPE_CHANGED", path)
            if not widened:
                return
        self._branch_count(ocrit, ucrit, len(obranches), len(ubranches), path)
        edges = [self._fitting(o, ubranches, join(path, seg)) for seg, o in obranches]
        if _max_matching(edges, len(ubranches)) < min(len(obranches), len(ubranches)):
            self.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED", path)

    def _branch_count(self, ocrit: str, ucrit: str, before: int, after: int, path: str) -> None:
        if before < after:
            self.add("PRODUCT_TYPE_EXTENDED" if ucrit == "allOf" else "SUM_TYPE_EXTENDED", path)
        elif before > after:
            self.add("PRODUCT_TYPE_NARROWED" if ocrit == "allOf" else "SUM_TYPE_NARROWED", path)

    def _fitting(self, original: Node, updates: list[tuple[str, Node]], path: str) -> list[int]:
        """Return the update branches the original branch is compatible with."""
        fitting = []
        for index, (_, branch) in enumerate(updates):
            with self.scratch() as ctx:
                self.compare(original, branch, path)
            if self.fits(ctx):
                fitting.append(index)
        return fitting

    def _not(self, original: Node, update: Node, path: str) -> None:
        # `not` flips the direction: the new inner schema must fit inside the old one.
        inner = join(path, "not")
        before, after = as_dict(original)["not"], as_dict(update)["not"]
        with self.scratch() as ctx:
            self.compare(Node(after, update.doc), Node(before, original.doc), inner)
        if not self.fits(ctx):
            self.add("NOT_TYPE_EXTENDED", inner)
        elif ctx.found:
            self.add("NOT_TYPE_NARROWED", inner)


_ANNOTATIONS = (
    ("$id", "ID_CHANGED"),
    ("title", "TITLE_CHANGED"),
    ("description", "DESCRIPTION_CHANGED"),
    ("default", "DEFAULT_CHANGED"),
)


def _annotation(value: dict[str, Any], keyword: str) -> str | None:
    if keyword == "$id" and "$id" not in value:
        keyword = "id"  # Draft 4 spelling
    if keyword not in value:
        return None
    return canonical(value[keyword])


def _unchanged_class(original: Node, update: Node, okind: str, ukind: str) -> bool:
    """Class changes Confluent lets pass: nothing was valid before, or anything is valid now."""
    if okind == "false" or ukind in ("true", "empty"):
        return True
    bytes_type = [as_dict(side).get("connect.type") for side in (original, update)]
    return bytes_type == ["bytes", "bytes"]  # Kafka Connect's Decimal special case


def _values(
    walker: Walker, original: dict[str, Any], update: dict[str, Any], kind: str, path: str
) -> None:
    """Compare `enum` members as sets (linear, by canonical text) or `const` values."""
    if kind == "const":
        if canonical(original["const"]) != canonical(update["const"]):
            walker.add("ENUM_ARRAY_CHANGED", path)
        return
    before = {value_key(member) for member in original["enum"]}
    after = {value_key(member) for member in update["enum"]}
    if before == after:
        return
    if before <= after:
        walker.add("ENUM_ARRAY_EXTENDED", path)
    elif after <= before:
        walker.add("ENUM_ARRAY_NARROWED", path)
    else:
        walker.add("ENUM_ARRAY_CHANGED", path)


def _max_matching(edges: list[list[int]], right: int) -> int:
    """Return the size of a maximum bipartite matching, growing it by augmenting paths.

    Iterative (no recursion) so many branches cannot exhaust the stack.
    """
    match_left = [-1] * len(edges)
    match_right = [-1] * right
    size = 0
    for start in range(len(edges)):
        reached = _augmenting_path(edges, match_right, start)
        if reached is None:
            continue
        end, parent = reached
        while True:  # flip the path's edges: each left node takes the right node that led on
            left = parent[end]
            previous = match_left[left]
            match_left[left], match_right[end] = end, left
            if left == start:
                break
            end = previous
        size += 1
    return size


def _augmenting_path(
    edges: list[list[int]], match_right: list[int], start: int
) -> tuple[int, dict[int, int]] | None:
    parent: dict[int, int] = {}
    queue = [start]
    while queue:
        left = queue.pop()
        for right in edges[left]:
            if right in parent:
                continue
            parent[right] = left
            if match_right[right] < 0:
                return right, parent
            queue.append(match_right[right])
    return None
