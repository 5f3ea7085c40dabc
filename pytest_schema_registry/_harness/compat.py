"""Resolve two registry versions of a schema, judge their compatibility, and say why it failed.

`SchemaContract.assert_compatible` drives this: both sides come from the session's registry (live,
or replayed from the cassette), the verdict from `check_compatibility`. A failure message carries
every problem as JSON, counterexample included, so a CI log alone is enough to reproduce it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._compat.check import check_compatibility
from .._compat.verdict import (
    CompatibilityVerdict,
    Level,
    checked_level,
    checked_rules,
    version_named,
)
from .._core.errors import ConfigError
from .._core.models import SchemaDocument, version_order

__all__ = ["Fetch", "ListVersions", "Pair", "failure_message", "judge", "resolve_pair"]

Fetch = Callable[[str, str, str | None], SchemaDocument]  # name, track, version (None: latest)
ListVersions = Callable[[str, str], list[str]]  # name, track -> every published version


@dataclass(frozen=True, slots=True)
class Pair:
    """The versions a check compares: `olds` oldest first (one unless transitive), and `new`."""

    olds: tuple[SchemaDocument, ...]
    new: SchemaDocument
    level: Level
    rules: str


def resolve_pair(
    fetch: Fetch,
    versions: ListVersions,
    name: str,
    sides: tuple[str, str | None, str, str | None],
    level: str,
    rules: str,
) -> Pair:
    """Fetch `sides` (from track, from version, to track, to version) for a check at `level`.

    A transitive level compares with every version of the from track up to the from version.
    Raises ValueError for arguments no check can use, so a typo never reads as registry trouble.
    """
    checked, checked_rule = _arguments(level, rules)
    from_track, from_version, to_track, to_version = sides
    new = fetch(name, to_track, to_version)
    old = fetch(name, from_track, from_version)
    if (old.track, old.version) == (new.track, new.version):
        raise ValueError(
            f"assert_compatible compares {_label(new)} with itself: give from_version or "
            "to_version (or another track) so two versions are compared"
        )
    olds = [old]
    if checked.endswith("_TRANSITIVE"):
        olds = [*_earlier(fetch, versions, name, old), old]
    return Pair(tuple(olds), new, checked, checked_rule)


def judge(pair: Pair) -> CompatibilityVerdict:
    """Run the check on the pair's contents."""
    olds = [document.content for document in pair.olds]
    return check_compatibility(
        olds if len(olds) > 1 else olds[0], pair.new.content, level=pair.level, rules=pair.rules
    )


def failure_message(pair: Pair, verdict: CompatibilityVerdict) -> str:
    """Say what was compared, the verdict, and each problem with its counterexample, as JSON."""
    compared = f"{pair.new.name}: {_history(pair.olds)} -> {_label(pair.new)}"
    if verdict.compatible is None:
        return (
            f"{compared}: {_headline(verdict)}\n"
            "a check that cannot decide never passes; simplify the schemas, or pass "
            "allow_unknown=True to accept an unknown verdict"
        )
    problems = [_problem_json(problem.to_json(), pair.olds) for problem in verdict.problems]
    legend = (
        "each counterexample is valid against the writer's schema and rejected by the reader's: "
        "backward = written under the old version, read with the new; forward = the reverse"
    )
    shown = json.dumps(problems, indent=2, sort_keys=True, ensure_ascii=False, default=repr)
    return f"{compared}: {_headline(verdict)}\n{legend}\n{shown}"


def _headline(verdict: CompatibilityVerdict) -> str:
    return str(verdict).partition("\n")[0]


def _arguments(level: str, rules: str) -> tuple[Level, str]:
    try:
        return checked_level(level), checked_rules(rules)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def _earlier(
    fetch: Fetch, versions: ListVersions, name: str, old: SchemaDocument
) -> list[SchemaDocument]:
    """Return every version of `old`'s track published before it, oldest first."""
    listed = sorted(set(versions(name, old.track)), key=version_order)
    if old.version not in listed:
        raise ValueError(
            f"{_label(old)} is not among the versions the registry lists for {name} on "
            f"{old.track} ({', '.join(listed) or 'none'}): cannot tell which came before it"
        )
    return [fetch(name, old.track, v) for v in listed[: listed.index(old.version)]]


def _problem_json(problem: dict[str, Any], olds: tuple[SchemaDocument, ...]) -> dict[str, Any]:
    """Name the earlier version a transitive problem is about by its track and version."""
    labels = [_label(old) for old in olds]
    if len(olds) == 1:
        problem["against"] = labels[0]
    else:
        problem["against"] = version_named(problem.get("against"), labels)
    return problem


def _history(olds: tuple[SchemaDocument, ...]) -> str:
    if len(olds) == 1:
        return _label(olds[0])
    return f"{olds[0].track} {', '.join(d.version for d in olds)}"


def _label(document: SchemaDocument) -> str:
    return f"{document.track} {document.version} (sha256 {document.short_sha})"
