"""Tell whether drift breaks consumers: is the new schema BACKWARD compatible with the snapshot?

Drift that breaks consumers reads differently from drift that does not. The check runs once per
drifted schema, where the workers' reports are merged (so once per run, not once per worker), each
under a timeout and all under one budget: a run that drifted everywhere still ends in bounded time.
An undecided check says "compatibility unknown" and why; it never reads as compatible.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core.errors import SchemaRegistryError

if TYPE_CHECKING:
    from .._compat.verdict import CompatibilityVerdict, Incompatibility
    from .report import SessionReport

__all__ = ["CHECK_TIMEOUT", "TOTAL_BUDGET", "judge_drift", "pending_contents"]

CHECK_TIMEOUT = 10.0  # seconds per drifted schema (most answer in well under one)
TOTAL_BUDGET = 30.0  # seconds for all of a run's drift checks together
_SHOWN_CHARS = 300  # a longer counterexample is cut in the summary
_SNAPSHOT, _REGISTRY = "snapshot_content", "registry_content"  # carried from worker to controller

Check = Callable[..., "CompatibilityVerdict"]


def pending_contents(snapshot: Any, registry: Any) -> dict[str, str]:
    """Return the drift entry's fields that carry both contents to where the check runs."""
    return {_SNAPSHOT: json.dumps(snapshot), _REGISTRY: json.dumps(registry)}


def judge_drift(
    report: SessionReport,
    *,
    check: Check | None = None,
    clock: Callable[[], float] = time.monotonic,
    budget: float | None = None,
) -> None:
    """Say, on each changed schema's drift entry, whether the change breaks consumers.

    `budget` (default `TOTAL_BUDGET`) bounds all checks together; each gets `CHECK_TIMEOUT`.
    """
    budget = TOTAL_BUDGET if budget is None else budget
    if check is None:
        from .._compat.check import check_compatibility

        check = check_compatibility
    deadline = clock() + budget
    for drift in report.drift:
        if _SNAPSHOT not in drift or _REGISTRY not in drift:
            continue
        old, new = json.loads(drift.pop(_SNAPSHOT)), json.loads(drift.pop(_REGISTRY))
        left = deadline - clock()
        if left <= 0:
            drift["compat"] = (
                f"compatibility unknown: not checked, the run's {budget:g} s for drift checks "
                "was spent on the others"
            )
            continue
        drift["compat"], drift["compat_detail"] = _said(old, new, check, min(CHECK_TIMEOUT, left))


def _said(old: Any, new: Any, check: Check, timeout: float) -> tuple[str, str]:
    try:
        verdict = check(old, new, level="BACKWARD", timeout=timeout)
    except SchemaRegistryError as exc:  # e.g. a schema that does not compile
        return f"compatibility unknown: {exc}", ""
    except Exception as exc:  # a line of the summary must not end the session
        return f"compatibility unknown: the check failed ({type(exc).__name__}: {exc})", ""
    if verdict.compatible is None:
        return f"compatibility unknown: {verdict.reason}", ""
    if verdict.compatible:
        return (
            "BACKWARD compatible: consumers on the registry's schema read what the snapshot allows",
            "",
        )
    proven = next((p for p in verdict.problems if p.proven), None)
    return "BREAKS CONSUMERS: not BACKWARD compatible with the snapshot", _example(proven)


def _example(problem: Incompatibility | None) -> str:
    if problem is None:
        return "no counterexample payload was found"
    payload = json.dumps(problem.counterexample, sort_keys=True, ensure_ascii=False)
    if len(payload) > _SHOWN_CHARS:
        payload = f"{payload[:_SHOWN_CHARS]}... ({len(payload)} chars)"
    return (
        f"counterexample, valid against the snapshot, rejected by the registry's schema: "
        f"{payload}\n({problem.kind} at {problem.path})"
    )
