"""Evaluate a compatibility level over schema versions, in this process, against a deadline.

Levels mean what they mean to Confluent: BACKWARD (readers on the new schema read data written
under the old), FORWARD (the reverse), FULL (both), `*_TRANSITIVE` (against every earlier version,
not just the latest), NONE (no promise). `rules="semantic"` answers from JSON Schema's meaning,
with a payload for every break; `rules="confluent"` predicts the answer of a Confluent-compatible
registry from its rules, and keeps the semantic verdict beside it.

This module runs the check; `isolation.py` runs it in a helper process that can be stopped at the
deadline, which is how callers reach it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .._core.errors import SchemaCompileError
from .confluent import (
    DiffDeadlineExceeded,
    Difference,
    confluent_compatible,
    describe,
    differences,
)
from .explain import Attributed, attribute, covered, problem_for, unexplained, unnamed_problem
from .proof import Outcome, Side, prove
from .verdict import (
    CompatibilityVerdict,
    Direction,
    Incompatibility,
    Level,
    Policy,
    Rules,
    old_label,
)
from .verdict import against as earlier

__all__ = ["evaluate"]

_EXPLAINING_SECONDS = 4.0  # per direction, for payloads beyond the first
_DIRECTIONS: dict[str, tuple[Direction, ...]] = {
    "BACKWARD": ("backward",),
    "FORWARD": ("forward",),
    "FULL": ("backward", "forward"),
}


@dataclass(frozen=True, slots=True)
class _Pair:
    """One direction against one earlier version: who writes, who reads, what differs."""

    direction: Direction
    writer: Side
    reader: Side
    against: str | None
    differences: list[Difference] | None  # None: the rule engine could not list them
    unlisted: str | None = None  # why not


def evaluate(
    olds: Sequence[Any],
    new: Any,
    *,
    level: Level,
    rules: Rules,
    policy: Policy,
    deadline: float,
) -> CompatibilityVerdict:
    """Return the verdict for `new` against `olds` (earlier versions, oldest first)."""
    started = time.monotonic()
    if level == "NONE":
        return CompatibilityVerdict(True, level, rules, reason="level NONE promises nothing")
    new_side = Side.of(new, "new")
    compared = list(enumerate(olds))
    if not level.endswith("_TRANSITIVE"):
        compared = compared[-1:]
    listing = _Listing(policy, deadline)
    sides = [(index, Side.of(old, old_label(index, len(olds)))) for index, old in compared]
    pairs = [
        listing.pair(direction, old_side, new_side, index, len(olds))
        for index, old_side in sides  # prepared once, used by both directions of FULL
        for direction in _DIRECTIONS[level.removesuffix("_TRANSITIVE")]
    ]
    semantic, findings = _semantic(pairs, level, deadline)
    if rules == "semantic":
        return _timed(semantic, started)
    confluent = _confluent(pairs, findings, level, policy)
    return _timed(replace(confluent, semantic=semantic), started)


@dataclass(frozen=True, slots=True)
class _Listing:
    """Lists Confluent's differences for each pair, under one policy and deadline."""

    policy: Policy
    deadline: float

    def pair(self, direction: Direction, old: Side, new: Side, index: int, count: int) -> _Pair:
        writer, reader = (old, new) if direction == "backward" else (new, old)
        against = earlier(index, count)
        try:
            # Confluent compares (original, update) = (writer, reader) in both directions.
            listed = differences(
                writer.schema, reader.schema, deadline=self.deadline, policy=self.policy
            )
        except DiffDeadlineExceeded:
            return _Pair(direction, writer, reader, against, None, "its rules ran out of time")
        except SchemaCompileError as exc:  # e.g. nesting Confluent's walk will not follow
            return _Pair(direction, writer, reader, against, None, str(exc))
        return _Pair(direction, writer, reader, against, listed)


@dataclass(frozen=True, slots=True)
class _Finding:
    """What one pair came to: the direction's outcome and each difference's own payload."""

    outcome: Outcome
    attributed: list[Attributed]
    used_main: bool
    unnamed: list[Outcome]  # breaks no listed difference explains, the main one first if so


def _semantic(
    pairs: list[_Pair], level: Level, deadline: float
) -> tuple[CompatibilityVerdict, list[_Finding]]:
    findings = [_find(pair, deadline) for pair in pairs]
    problems = [
        problem for pair, f in zip(pairs, findings, strict=True) for problem in _broken(pair, f)
    ]
    holds = [finding.outcome.holds for finding in findings]
    compatible = False if False in holds else None if None in holds else True
    reason = next((f.outcome.reason for f in findings if f.outcome.holds is None), None)
    verdict = CompatibilityVerdict(compatible, level, "semantic", tuple(problems), reason)
    return verdict, findings


def _find(pair: _Pair, deadline: float) -> _Finding:
    outcome = prove(pair.writer, pair.reader, deadline=deadline)
    if outcome.holds is not False:
        return _Finding(outcome, [], used_main=False, unnamed=[])
    # Naming each break is worth a little time, not the whole budget: the verdict is known.
    deadline = min(deadline, time.monotonic() + _EXPLAINING_SECONDS)
    attributed, used_main = attribute(
        pair.writer, pair.reader, outcome, pair.differences or [], deadline=deadline
    )
    named = [a.outcome.counterexample for a in attributed if a.outcome.proven]
    # The first payload found may fail for several reasons at once; when the named payloads
    # show each of them separately, it adds nothing.
    if not outcome.proven:
        return _Finding(outcome, attributed, used_main, [] if named else [outcome])
    unnamed = [] if used_main or covered(pair.reader, outcome.counterexample, named) else [outcome]
    shown = [outcome.counterexample, *named]
    unnamed += unexplained(pair.writer, pair.reader, shown, deadline=deadline)
    return _Finding(outcome, attributed, used_main, unnamed)


def _broken(pair: _Pair, finding: _Finding) -> list[Incompatibility]:
    """The proven breaks of one pair, each under the name of the difference it sits at."""
    if finding.outcome.holds is not False:
        return []
    problems = [
        problem_for(item, pair.reader, pair.direction, pair.against)
        for item in finding.attributed
        if item.outcome.proven
    ]
    unnamed = [
        unnamed_problem(outcome, pair.reader, pair.direction, pair.against, pair.differences or ())
        for outcome in finding.unnamed
    ]
    return problems + unnamed


def _confluent(
    pairs: list[_Pair], findings: list[_Finding], level: Level, policy: Policy
) -> CompatibilityVerdict:
    problems: list[Incompatibility] = []
    for pair, finding in zip(pairs, findings, strict=True):
        if pair.differences is None:
            reason = f"Confluent's rules could not be applied: {pair.unlisted}"
            return CompatibilityVerdict(None, level, "confluent", reason=reason, policy=policy)
        refused = [d for d in pair.differences if not confluent_compatible([d], policy)]
        problems += [_predicted(pair, finding, difference) for difference in refused]
    return CompatibilityVerdict(not problems, level, "confluent", tuple(problems), policy=policy)


def _predicted(pair: _Pair, finding: _Finding, difference: Difference) -> Incompatibility:
    """A difference Confluent refuses, with a payload showing it is right, or saying it is not."""
    for item in finding.attributed:
        if item.difference is difference and item.outcome.proven:
            problem = problem_for(item, pair.reader, pair.direction, pair.against)
            message = f"Confluent refuses this, and the payload shows why: {problem.message}"
            return replace(problem, message=message)
    note = (
        "Confluent refuses this, though no payload breaks: its rule is syntactic"
        if finding.outcome.holds is True
        else "Confluent refuses this; no payload was found that breaks at this place"
    )
    message = f"{describe(difference)}. {note}"
    return Incompatibility(
        difference.kind, difference.path, message, pair.direction, against=pair.against
    )


def _timed(verdict: CompatibilityVerdict, started: float) -> CompatibilityVerdict:
    return replace(verdict, seconds=time.monotonic() - started)
