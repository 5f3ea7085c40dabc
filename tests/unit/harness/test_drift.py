"""judge_drift: one compatibility check per changed schema, bounded in time, never a silent pass."""

from __future__ import annotations

from typing import Any

from pytest_schema_registry import CompatibilityVerdict, Incompatibility, SchemaCompileError
from pytest_schema_registry._harness.drift import CHECK_TIMEOUT, judge_drift, pending_contents
from pytest_schema_registry._harness.report import SessionReport

OLD = {"type": "integer"}
NEW = {"type": "integer", "minimum": 0}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def changed(name: str) -> dict[str, str]:
    return {"headline": f"{name} (v1): snapshot 1, registry 2", "diff": ""} | pending_contents(
        OLD, NEW
    )


def test_each_changed_schema_is_checked_once_within_the_budget() -> None:
    clock, calls = Clock(), []

    def check(old: Any, new: Any, **options: Any) -> CompatibilityVerdict:
        calls.append((old, new, options))
        clock.now += 20.0  # a slow check: the budget runs out after two
        return CompatibilityVerdict(True, "BACKWARD", "semantic")

    report = SessionReport(
        drift=[changed("a"), changed("b"), changed("c"), {"headline": "d (v1): new", "diff": ""}]
    )
    judge_drift(report, check=check, clock=clock, budget=30.0)

    assert [c[2] for c in calls] == [{"level": "BACKWARD", "timeout": CHECK_TIMEOUT}] * 2
    assert calls[0][:2] == (OLD, NEW)
    said = [d.get("compat", "") for d in report.drift]
    assert said[:2] == [said[0]] * 2 and said[0].startswith("BACKWARD compatible")
    assert said[2] == (
        "compatibility unknown: not checked, the run's 30 s for drift checks was spent on the others"
    )
    assert said[3] == ""  # a new schema has no snapshot to be compatible with
    assert all(set(d) <= {"headline", "diff", "compat", "compat_detail"} for d in report.drift)
    assert "not checked" in "\n".join(report.lines())


def test_the_last_check_gets_only_what_is_left_of_the_budget() -> None:
    clock, timeouts = Clock(), []

    def check(old: Any, new: Any, **options: Any) -> CompatibilityVerdict:
        timeouts.append(options["timeout"])
        clock.now += 25.0
        return CompatibilityVerdict(None, "BACKWARD", "semantic", reason="out of time")

    report = SessionReport(drift=[changed("a"), changed("b")])
    judge_drift(report, check=check, clock=clock, budget=30.0)

    assert timeouts == [CHECK_TIMEOUT, 5.0]
    assert report.drift[0]["compat"] == "compatibility unknown: out of time"


def test_a_break_without_a_payload_and_a_broken_schema_are_said_plainly() -> None:
    unproven = Incompatibility("TYPE_CHANGED", "#/", "changed", "backward")
    answers: list[Any] = [
        CompatibilityVerdict(False, "BACKWARD", "semantic", problems=(unproven,)),
        SchemaCompileError("bad regex"),
    ]

    def check(old: Any, new: Any, **options: Any) -> CompatibilityVerdict:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    report = SessionReport(drift=[changed("a"), changed("b")])
    judge_drift(report, check=check)

    assert report.drift[0]["compat"].startswith("BREAKS CONSUMERS")
    assert report.drift[0]["compat_detail"] == "no counterexample payload was found"
    assert report.drift[1]["compat"] == "compatibility unknown: bad regex"
