"""Render a verdict for a person at a terminal: a headline, then each break with its payload.

`str(verdict)` is one line per problem, cut to fit a log; this is the long form the CLI prints.
Each counterexample is written whole, as compact JSON on a line of its own, so it can be copied
into a test or piped to a producer. Under Confluent's rules, when the prediction and the
semantic verdict disagree, the report says which way and why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .verdict import CompatibilityVerdict, Incompatibility

__all__ = ["compact_json", "render_verdict"]

_DIRECTIONS = {
    "backward": "new readers reject old data",
    "forward": "old readers reject new data",
}


def render_verdict(verdict: CompatibilityVerdict, *, sources: Sequence[str] = ()) -> str:
    """Return the verdict as lines of text: headline, problems, and Confluent's disagreement.

    `sources` are lines naming what was compared (e.g. "old: v1/orders@1.0.0"), shown under
    the headline.
    """
    lines = [_headline(verdict), *(f"  {source}" for source in sources)]
    lines += _problems(verdict.problems, indent="  ")
    semantic = verdict.semantic
    if semantic is not None and semantic.compatible is not verdict.compatible:
        lines += _disagreement(verdict, semantic)
    elif semantic is not None:
        lines += _also_broken(verdict, semantic)
    return "\n".join(lines)


def compact_json(value: Any) -> str:
    """Return `value` as one line of JSON without spaces, non-ASCII text kept readable."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr)


def _headline(verdict: CompatibilityVerdict) -> str:
    rules = "semantic rules"
    if verdict.rules == "confluent":
        rules = f"Confluent's rules, {verdict.policy or 'STRICT'}"
    what = f"{verdict.level} ({rules})"
    if verdict.compatible is None:
        return f"UNKNOWN: {what} could not be decided: {verdict.reason}"
    if verdict.compatible:
        because = f": {verdict.reason}" if verdict.reason else ""
        return f"compatible: {what}{because}"
    count = len(verdict.problems)
    return f"INCOMPATIBLE: {what}, {count} problem{'' if count == 1 else 's'}"


def _problems(problems: tuple[Incompatibility, ...], *, indent: str) -> list[str]:
    lines = []
    for number, problem in enumerate(problems, 1):
        against = f", against {problem.against}" if problem.against else ""
        direction = _DIRECTIONS.get(problem.direction, problem.direction)
        body = indent + " " * (len(str(number)) + 2)
        lines.append(
            f"{indent}{number}. {problem.kind} at {problem.path} "
            f"({problem.direction}: {direction}{against})"
        )
        lines.append(f"{body}{problem.message}")
        if problem.proven:
            lines.append(f"{body}counterexample: {compact_json(problem.counterexample)}")
        else:
            lines.append(f"{body}counterexample: none found")
    return lines


def _also_broken(verdict: CompatibilityVerdict, semantic: CompatibilityVerdict) -> list[str]:
    """Breaks a payload proves at places Confluent's rules let through, when both say no."""
    refused = {(p.kind, p.path, p.direction) for p in verdict.problems}
    missed = tuple(p for p in semantic.problems if (p.kind, p.path, p.direction) not in refused)
    if not missed:
        return []
    return [
        "  Confluent's rules let these through, but a payload breaks them:",
        *_problems(missed, indent="    "),
    ]


def _disagreement(verdict: CompatibilityVerdict, semantic: CompatibilityVerdict) -> list[str]:
    """Say how Confluent's predicted answer and what payloads show differ."""
    if semantic.compatible is None:
        return [f"  Whether a payload breaks is unknown: {semantic.reason}"]
    if verdict.compatible is None:
        return [
            f"  Semantically: {_headline(semantic)}",
            *_problems(semantic.problems, indent="    "),
        ]
    if semantic.compatible:
        return ["  Confluent will refuse this, though no payload breaks: its rule is syntactic."]
    return [
        "  Confluent will accept this, but a payload breaks:",
        *_problems(semantic.problems, indent="    "),
    ]
