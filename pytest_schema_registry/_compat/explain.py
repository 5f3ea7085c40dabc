"""Name each break the way Confluent users know it, each with its own payload where one exists.

A direction that breaks has one counterexample from `proof.prove`. Users act on differences, not
on payloads, so each difference Confluent's rules list gets a search of its own: a payload the
writer accepts and the reader rejects *at that difference's place in the schema* (matched on
the validator's schema path). A difference no payload can be found for is a rule's opinion, not a
break: semantic mode leaves it out, `rules="confluent"` says so in its message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .._generation.search import find_value
from .confluent import Difference, describe
from .proof import Outcome, Rejection, Side, breaks, rejections, sources
from .verdict import Direction, Incompatibility

__all__ = [
    "Attributed",
    "attribute",
    "covered",
    "keyword_kind",
    "problem_for",
    "split_path",
    "unexplained",
    "unnamed_problem",
    "why",
]

_TARGETED_EXAMPLES = 120  # candidates tried for one difference
_TARGETED_MAX = 16  # differences searched one by one; the rest share the main counterexample
_UNEXPLAINED_MAX = 8  # further breaks looked for at places no listed difference names
_UNEXPLAINED_EXAMPLES = 100  # the difference schema draws breaking values directly: few tries do
_ANNOTATIONS = frozenset({"ID_CHANGED", "TITLE_CHANGED", "DESCRIPTION_CHANGED", "DEFAULT_CHANGED"})
# When no listed difference sits where the reader rejects a payload, name the break after the
# keyword that rejected it, in the same vocabulary.
_KEYWORD_KINDS = {
    "required": "REQUIRED_ATTRIBUTE_ADDED",
    "enum": "ENUM_ARRAY_NARROWED",
    "const": "ENUM_ARRAY_CHANGED",
    "type": "TYPE_CHANGED",
    "maxLength": "MAX_LENGTH_DECREASED",
    "minLength": "MIN_LENGTH_INCREASED",
    "pattern": "PATTERN_CHANGED",
    "maximum": "MAXIMUM_DECREASED",
    "minimum": "MINIMUM_INCREASED",
    "exclusiveMaximum": "EXCLUSIVE_MAXIMUM_DECREASED",
    "exclusiveMinimum": "EXCLUSIVE_MINIMUM_INCREASED",
    "multipleOf": "MULTIPLE_OF_CHANGED",
    "maxItems": "MAX_ITEMS_DECREASED",
    "minItems": "MIN_ITEMS_INCREASED",
    "uniqueItems": "UNIQUE_ITEMS_ADDED",
    "maxProperties": "MAX_PROPERTIES_DECREASED",
    "minProperties": "MIN_PROPERTIES_INCREASED",
    "additionalProperties": "ADDITIONAL_PROPERTIES_NARROWED",
    "additionalItems": "ADDITIONAL_ITEMS_NARROWED",
    "dependencies": "DEPENDENCY_ARRAY_ADDED",
    "anyOf": "SUM_TYPE_NARROWED",
    "oneOf": "SUM_TYPE_NARROWED",
    "allOf": "PRODUCT_TYPE_EXTENDED",
    "not": "NOT_TYPE_EXTENDED",
    "false": "SCHEMA_REMOVED",
}


@dataclass(frozen=True, slots=True)
class Attributed:
    """A listed difference and the payload found for it (or None)."""

    difference: Difference
    outcome: Outcome


def attribute(
    writer: Side,
    reader: Side,
    outcome: Outcome,
    differences: Sequence[Difference],
    *,
    deadline: float,
) -> tuple[list[Attributed], bool]:
    """Pair each difference with a payload proving it; say whether the main one was used."""
    relevant = [d for d in differences if d.kind not in _ANNOTATIONS]
    main = rejections(reader, outcome.counterexample) if outcome.proven else []
    used_main, attributed = False, []
    for index, difference in enumerate(relevant):
        if _only(difference, main):
            used_main = True
            attributed.append(Attributed(difference, outcome))
        elif outcome.holds is True or index >= _TARGETED_MAX:
            attributed.append(Attributed(difference, Outcome(outcome.holds)))
        else:
            attributed.append(
                Attributed(difference, _proof_of(difference, writer, reader, deadline))
            )
    return attributed, used_main


def covered(reader: Side, value: Any, others: Sequence[Any]) -> bool:
    """Whether every reason the reader rejects `value` is shown by one of the `others` too."""
    shown = {_spot(r) for other in others for r in rejections(reader, other)}
    return {_spot(r) for r in rejections(reader, value)} <= shown


def unexplained(
    writer: Side, reader: Side, explained: Sequence[Any], *, deadline: float
) -> list[Outcome]:
    """Find breaks at places none of the `explained` payloads break, one payload per place.

    Each payload found fails only at new places, so it shows one break, not several at once.
    """
    known = {_spot(r) for value in explained for r in rejections(reader, value)}
    found: list[Outcome] = []
    while len(found) < _UNEXPLAINED_MAX and time.monotonic() < deadline:
        outcome = _search(
            writer,
            reader,
            deadline,
            lambda found_at: known.isdisjoint(map(_spot, found_at)),
            examples=_UNEXPLAINED_EXAMPLES,
        )
        if not outcome.proven:
            break
        found.append(outcome)
        known.update(_spot(r) for r in rejections(reader, outcome.counterexample))
    return found


def problem_for(
    attributed: Attributed, reader: Side, direction: Direction, against: str | None
) -> Incompatibility:
    """Turn a difference with its payload into an `Incompatibility`."""
    difference, outcome = attributed.difference, attributed.outcome
    message = describe(difference, verdict=not outcome.proven)
    if outcome.proven:
        found = rejections(reader, outcome.counterexample)
        chosen = [r for r in found if _explains(difference, r)] or found
        message += f"; {why(chosen[0].line, direction)}"
    return Incompatibility(
        kind=difference.kind,
        path=difference.path,
        message=message,
        direction=direction,
        counterexample=outcome.counterexample,
        proven=outcome.proven,
        against=against,
    )


def unnamed_problem(
    outcome: Outcome,
    reader: Side,
    direction: Direction,
    against: str | None,
    differences: Sequence[Difference] = (),
) -> Incompatibility:
    """Describe a break by the listed difference at its place, else by the keyword rejecting it."""
    if not outcome.proven:
        return Incompatibility(
            "VALUES_REJECTED", "#", outcome.reason or "", direction, against=against
        )
    rejection = rejections(reader, outcome.counterexample)[0]
    named = next(
        (d for d in differences if d.kind not in _ANNOTATIONS and _explains(d, rejection)), None
    )
    return Incompatibility(
        kind=keyword_kind(rejection.keyword) if named is None else named.kind,
        path=_pointer(rejection.place) if named is None else named.path,
        message=why(rejection.line, direction)
        if named is None
        else f"{describe(named, verdict=False)}; {why(rejection.line, direction)}",
        direction=direction,
        counterexample=outcome.counterexample,
        proven=True,
        against=against,
    )


def why(reason: str, direction: Direction) -> str:
    """Say who rejects the payload, and the validator's reason."""
    if direction == "backward":
        return f"readers on the new schema reject data the old one allows ({reason})"
    return f"readers on the old schema reject data the new one allows ({reason})"


def keyword_kind(keyword: str) -> str:
    """Return the Confluent-style name for a break found at `keyword`."""
    return _KEYWORD_KINDS.get(keyword, "VALUES_REJECTED")


def split_path(path: str) -> tuple[str, ...]:
    """Split "#/properties/a~1b" into ("properties", "a/b")."""
    body = path[1:] if path.startswith("#") else path
    parts = [p for p in body.split("/") if p]
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)


def _pointer(place: tuple[str, ...]) -> str:
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in place)
    return "/".join(("#", *escaped))


def _spot(rejection: Rejection) -> tuple[tuple[str, ...], str]:
    return rejection.place, rejection.keyword


def _explains(difference: Difference, rejection: Rejection) -> bool:
    """Whether `rejection` is the kind of break `difference` describes, at its place."""
    is_missing = rejection.keyword == "required"
    if is_missing != ("REQUIRED" in difference.kind) and not difference.kind.startswith(
        "REQUIRED_PROPERTY"
    ):
        return False  # a missing key proves "now required", not "now typed", and vice versa
    listed = split_path(difference.path)
    if listed[:1] == ("required",):  # Confluent's `#/required/<name>`: the property's place
        listed = ("properties", *listed[1:])
    shorter = min(len(listed), len(rejection.place))
    return listed[:shorter] == rejection.place[:shorter]


def _only(difference: Difference, found: list[Rejection]) -> bool:
    return bool(found) and all(_explains(difference, rejection) for rejection in found)


def _proof_of(difference: Difference, writer: Side, reader: Side, deadline: float) -> Outcome:
    """A payload failing only where `difference` is; failing there among others, if no such."""
    alone = _search(writer, reader, deadline, lambda found: _only(difference, found))
    if alone.proven:
        return alone
    return _search(
        writer, reader, deadline, lambda found: any(_explains(difference, r) for r in found)
    )


def _search(
    writer: Side,
    reader: Side,
    deadline: float,
    wanted: Callable[[list[Rejection]], bool],
    examples: int = _TARGETED_EXAMPLES,
) -> Outcome:
    """Look for a payload the writer accepts and the reader rejects for `wanted` reasons."""

    def breaks_there(value: Any) -> bool:
        return breaks(writer, reader, value) and wanted(rejections(reader, value))

    found, value = find_value(
        sources(writer, reader),
        breaks_there,
        deadline=min(deadline, time.monotonic() + 1.0),
        max_examples=examples,
    )
    return Outcome(False, value, proven=True) if found else Outcome(None)
