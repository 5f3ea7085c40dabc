"""Predict a Confluent registry's JSON Schema compatibility answer by listing its differences.

Users of Confluent-compatible registries know breaking changes by Confluent's names
(`REQUIRED_ATTRIBUTE_ADDED`, `TYPE_NARROWED`, ...) and get their verdicts from its rule list, not
from JSON Schema semantics. This module re-implements those rules in our own code (from the
facts in docs shared with the team: Confluent's code is not open source) so a test can say what
the registry will answer, and why, before anything is registered. A rule-based verdict is not a
proof: the semantic engine (`engine.py`) answers what is actually true.

Direction: Confluent's BACKWARD check is `differences(old, new)`, FORWARD is
`differences(new, old)`, FULL both. A pair is incompatible iff some difference's kind is outside
the policy's compatible set (`STRICT_COMPATIBLE`, the default, or `LENIENT_COMPATIBLE`).

Where the facts are silent we chose, and tests pin: `type: [a, b]` is an `anyOf` of single types
and a dict mixing parts (`type` with `enum`, `not`, a combinator) a synthetic `allOf`, as
Confluent's loader builds them; Draft 4's `exclusiveMaximum: true` reads as Draft 6's number
form; `$ref` siblings are ignored (Draft 7); `not` reports only NOT_TYPE_EXTENDED/NARROWED.
Not compared, as in Confluent: `format`, `if`/`then`/`else`, `propertyNames`; matched branches of
a combination are summarised (COMBINED_TYPE_SUBSCHEMAS_CHANGED), not itemised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .._core.errors import SchemaCompileError
from .confluent_diff import run

__all__ = [
    "KINDS",
    "LENIENT_COMPATIBLE",
    "STRICT_COMPATIBLE",
    "DiffDeadlineExceeded",
    "Difference",
    "confluent_compatible",
    "describe",
    "differences",
]


@dataclass(frozen=True, slots=True)
class Difference:
    """One change Confluent reports: its `Difference.Type` name and where in the schema it is."""

    kind: str  # e.g. "REQUIRED_ATTRIBUTE_ADDED"
    path: str  # e.g. "#/properties/level", as Confluent prints it

    @property
    def message(self) -> str:
        """Say the change in one sentence (see `describe`)."""
        return describe(self)


class DiffDeadlineExceeded(Exception):  # noqa: N818 - a signal, named for what happened
    """Raised when a comparison runs past its deadline; the caller turns it into "unknown".

    Some schema pairs (many combined branches, deep recursion) make the rule walk expensive;
    Confluent itself once hung for hours on one. A deadline keeps a test run bounded.
    """


def _kinds(names: str) -> frozenset[str]:
    """Read a whitespace-separated list of kinds (a table is easier to check against the facts)."""
    return frozenset(names.split())


STRICT_COMPATIBLE: frozenset[str] = _kinds(
    """
    ID_CHANGED DESCRIPTION_CHANGED TITLE_CHANGED DEFAULT_CHANGED SCHEMA_REMOVED TYPE_EXTENDED
    MAX_LENGTH_REMOVED MAX_LENGTH_INCREASED MIN_LENGTH_REMOVED MIN_LENGTH_DECREASED PATTERN_REMOVED
    MAXIMUM_REMOVED MAXIMUM_INCREASED MINIMUM_REMOVED MINIMUM_DECREASED EXCLUSIVE_MAXIMUM_REMOVED
    EXCLUSIVE_MAXIMUM_INCREASED EXCLUSIVE_MINIMUM_REMOVED EXCLUSIVE_MINIMUM_DECREASED
    MULTIPLE_OF_REMOVED MULTIPLE_OF_REDUCED REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED
    REQUIRED_ATTRIBUTE_REMOVED MAX_PROPERTIES_REMOVED MAX_PROPERTIES_INCREASED
    MIN_PROPERTIES_REMOVED MIN_PROPERTIES_DECREASED ADDITIONAL_PROPERTIES_ADDED
    ADDITIONAL_PROPERTIES_EXTENDED DEPENDENCY_ARRAY_REMOVED DEPENDENCY_ARRAY_NARROWED
    DEPENDENCY_SCHEMA_REMOVED PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL
    OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
    PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
    PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL UNEVALUATED_PROPERTIES_ADDED
    UNEVALUATED_PROPERTIES_EXTENDED MAX_ITEMS_REMOVED MAX_ITEMS_INCREASED MIN_ITEMS_REMOVED
    MIN_ITEMS_DECREASED MAX_CONTAINS_REMOVED MAX_CONTAINS_INCREASED MIN_CONTAINS_REMOVED
    MIN_CONTAINS_DECREASED UNIQUE_ITEMS_REMOVED ADDITIONAL_ITEMS_ADDED ADDITIONAL_ITEMS_EXTENDED
    UNEVALUATED_ITEMS_ADDED UNEVALUATED_ITEMS_EXTENDED
    ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
    ITEM_ADDED_TO_CLOSED_CONTENT_MODEL ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL
    ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
    ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL ENUM_ARRAY_EXTENDED
    COMBINED_TYPE_EXTENDED PRODUCT_TYPE_NARROWED SUM_TYPE_EXTENDED NOT_TYPE_NARROWED
    """
)

# LENIENT (Confluent's `compatibilityPolicy`) also lets old data with members the new schema no
# longer describes through, and new optional members into open objects.
LENIENT_COMPATIBLE: frozenset[str] = STRICT_COMPATIBLE | _kinds(
    """
    ADDITIONAL_PROPERTIES_NARROWED ADDITIONAL_PROPERTIES_REMOVED UNEVALUATED_PROPERTIES_NARROWED
    UNEVALUATED_PROPERTIES_REMOVED REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL
    OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    """
)

# Every other member of Confluent's Difference.Type: incompatible under both policies. Three are
# never emitted (PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL is deprecated, RESERVED_* come from
# elsewhere) but are listed so a kind read from a registry's answer is known.
KINDS: frozenset[str] = LENIENT_COMPATIBLE | _kinds(
    """
    SCHEMA_ADDED TYPE_NARROWED TYPE_CHANGED MAX_LENGTH_ADDED MAX_LENGTH_DECREASED MIN_LENGTH_ADDED
    MIN_LENGTH_INCREASED PATTERN_ADDED PATTERN_CHANGED MAXIMUM_ADDED MAXIMUM_DECREASED
    MINIMUM_ADDED MINIMUM_INCREASED EXCLUSIVE_MAXIMUM_ADDED EXCLUSIVE_MAXIMUM_DECREASED
    EXCLUSIVE_MINIMUM_ADDED EXCLUSIVE_MINIMUM_INCREASED MULTIPLE_OF_ADDED MULTIPLE_OF_EXPANDED
    MULTIPLE_OF_CHANGED REQUIRED_ATTRIBUTE_ADDED MAX_PROPERTIES_ADDED MAX_PROPERTIES_DECREASED
    MIN_PROPERTIES_ADDED MIN_PROPERTIES_INCREASED DEPENDENCY_ARRAY_ADDED DEPENDENCY_ARRAY_EXTENDED
    DEPENDENCY_ARRAY_CHANGED DEPENDENCY_SCHEMA_ADDED PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL
    REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL
    RESERVED_PROPERTY_REMOVED RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY MAX_ITEMS_ADDED
    MAX_ITEMS_DECREASED MIN_ITEMS_ADDED MIN_ITEMS_INCREASED MAX_CONTAINS_ADDED
    MAX_CONTAINS_DECREASED MIN_CONTAINS_ADDED MIN_CONTAINS_INCREASED UNIQUE_ITEMS_ADDED
    ADDITIONAL_ITEMS_REMOVED ADDITIONAL_ITEMS_NARROWED UNEVALUATED_ITEMS_REMOVED
    UNEVALUATED_ITEMS_NARROWED ITEM_ADDED_TO_OPEN_CONTENT_MODEL
    ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
    ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL ENUM_ARRAY_NARROWED ENUM_ARRAY_CHANGED
    COMBINED_TYPE_CHANGED PRODUCT_TYPE_EXTENDED SUM_TYPE_NARROWED COMBINED_TYPE_SUBSCHEMAS_CHANGED
    NOT_TYPE_EXTENDED
    """
)


def _compatible_set(policy: str) -> frozenset[str]:
    # Confluent treats any policy other than LENIENT as STRICT; so do we.
    return LENIENT_COMPATIBLE if policy.upper() == "LENIENT" else STRICT_COMPATIBLE


def differences(
    original: Any, update: Any, *, deadline: float | None = None, policy: str = "STRICT"
) -> list[Difference]:
    """List Confluent's differences from `original` to `update` (its `compare(original, update)`).

    `deadline` is a `time.monotonic()` value; past it, `DiffDeadlineExceeded` is raised.
    `policy` matters only inside: some rules judge a sub-comparison (which `anyOf` branch fits)
    by the policy's compatible set, as Confluent does. A `$ref` that does not resolve inside its
    own document, or nesting too deep to walk, raises `SchemaCompileError`.
    """
    try:
        found = run(original, update, _compatible_set(policy), _ticker(deadline))
    except RecursionError:  # a backstop: the walker's own depth guard should come first
        raise SchemaCompileError("schema nests too deeply to compare") from None
    return [Difference(kind, path) for kind, path in found]


def _ticker(deadline: float | None) -> Callable[[], None]:
    def tick() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise DiffDeadlineExceeded("the Confluent rule comparison ran past its deadline")

    return tick


def confluent_compatible(found: Iterable[Difference], policy: str = "STRICT") -> bool:
    """Give Confluent's verdict: compatible iff every difference is in the policy's set."""
    allowed = _compatible_set(policy)
    return all(difference.kind in allowed for difference in found)


# Sentences for the kinds whose meaning the generic "<keyword> <verb>" form would blur.
_SENTENCES = {
    "REQUIRED_ATTRIBUTE_ADDED": "'{name}' is now required ({path}): old writers may omit it",
    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED": "'{name}' is now required, with a default ({path})",
    "REQUIRED_ATTRIBUTE_REMOVED": "'{name}' is no longer required ({path})",
    "SCHEMA_ADDED": "a subschema was added at {path}: values it refuses were valid before",
    "SCHEMA_REMOVED": "the subschema at {path} was removed: anything goes there now",
    "TYPE_CHANGED": "the type at {path} changed: old values no longer match",
    "TYPE_EXTENDED": "integer widened to number at {path}",
    "TYPE_NARROWED": "number narrowed to integer at {path}: old fractions no longer match",
    "SUM_TYPE_EXTENDED": "a union at {path} gained a branch or took in the old schema",
    "SUM_TYPE_NARROWED": "the union at {path} lost a branch: values of it no longer match",
    "PRODUCT_TYPE_EXTENDED": "the allOf at {path} gained a branch: a new constraint",
    "PRODUCT_TYPE_NARROWED": "the allOf at {path} lost a branch: one constraint fewer",
    "COMBINED_TYPE_EXTENDED": "the combination at {path} became looser (anyOf)",
    "COMBINED_TYPE_CHANGED": "the combination keyword at {path} changed (anyOf/oneOf/allOf)",
    "COMBINED_TYPE_SUBSCHEMAS_CHANGED": "branches at {path} no longer pair up compatibly",
    "NOT_TYPE_EXTENDED": "the 'not' at {path} now excludes more values",
    "NOT_TYPE_NARROWED": "the 'not' at {path} now excludes fewer values",
}
_MEMBER = {"PROPERTY": "property '{name}'", "ITEM": "tuple item {name}"}
# Most specific first: "UNOPEN_CONTENT_MODEL" also ends with "OPEN_CONTENT_MODEL".
_MODELS = {
    "UNOPEN_CONTENT_MODEL": "a closed model",
    "PARTIALLY_OPEN_CONTENT_MODEL": "the pattern/additional schema",
    "CLOSED_CONTENT_MODEL": "a closed model",
    "OPEN_CONTENT_MODEL": "an open model",
}
_KEYWORDS = {
    "ID": "$id",
    "ENUM_ARRAY": "the enum",
    "DEPENDENCY_ARRAY": "the dependency list",
    "DEPENDENCY_SCHEMA": "the dependency schema",
}
_VERBS = {
    "ADDED": "was added",
    "REMOVED": "was removed",
    "INCREASED": "went up",
    "DECREASED": "went down",
    "CHANGED": "changed",
    "EXTENDED": "was widened",
    "NARROWED": "was narrowed",
    "EXPANDED": "grew: fewer numbers are multiples",
    "REDUCED": "shrank: more numbers are multiples",
}


def describe(difference: Difference, *, verdict: bool = True) -> str:
    """Say one difference in one sentence: what changed, where, and how Confluent judges it.

    `verdict=False` leaves Confluent's judgement off, for messages where a payload judges.
    """
    kind, path = difference.kind, difference.path
    name = path.rstrip("/").rsplit("/", 1)[-1]
    text = _SENTENCES.get(kind) or _member_sentence(kind) or _keyword_sentence(kind)
    return text.format(name=name, path=path) + (_verdict(kind) if verdict else "")


def _member_sentence(kind: str) -> str | None:
    """Phrase the content-model kinds: '<member> added to <model> (<path>)'."""
    for member, noun in _MEMBER.items():
        if member not in kind or "_CONTENT_MODEL" not in kind:
            continue
        model = next(text for key, text in _MODELS.items() if kind.endswith(key))
        how = "added to" if "_ADDED_" in kind else "removed from"
        if "COVERED" in kind:
            covered = "covered" if "_IS_COVERED" in kind else "not covered"
            how = f"{how.split()[0]}, {covered} by"
        extra = " (required)" if kind.startswith("REQUIRED") else ""
        extra += " (with a default)" if "WITH_DEFAULT" in kind else ""
        extra += " (schema false)" if "WITH_FALSE" in kind else ""
        extra += " (empty schema)" if "WITH_EMPTY" in kind else ""
        return f"{noun}{extra} {how} {model} ({{path}})"
    return None


def _keyword_sentence(kind: str) -> str:
    subject, _, verb = kind.rpartition("_")
    words = subject.lower().split("_")
    keyword = _KEYWORDS.get(subject) or words[0] + "".join(word.title() for word in words[1:])
    return f"{keyword} {_VERBS.get(verb, verb.lower())} at {{path}}"


def _verdict(kind: str) -> str:
    if kind in STRICT_COMPATIBLE:
        return ""
    if kind in LENIENT_COMPATIBLE:
        return "; breaking under STRICT, allowed under LENIENT"
    return "; breaking"
