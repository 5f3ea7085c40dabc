"""The `/compat/check` report built from a verdict, and the verdict read back from a report."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_schema_registry import (
    CompatibilityReport,
    CompatibilityVerdict,
    Incompatibility,
    RegistryResponseError,
    verdict_of,
)
from pytest_schema_registry._compat.seed_report import advice, breaking_reasons, report_json

TYPE_CHANGED = Incompatibility(
    "TYPE_CHANGED",
    "#/properties/id",
    "the type at #/properties/id changed",
    "backward",
    counterexample={"id": 1},
    proven=True,
    against="version 1 of 2",
)
BROKEN = CompatibilityVerdict(False, "BACKWARD_TRANSITIVE", "semantic", (TYPE_CHANGED,))
UNKNOWN = CompatibilityVerdict(None, "FULL", "semantic", reason="ran out of time")


def test_a_verdict_round_trips_through_the_report() -> None:
    body = report_json(BROKEN, ["1.0.0", "1.1.0"])
    report = CompatibilityReport.from_json(body, url="http://registry/compat/check")

    assert verdict_of(report) == BROKEN
    assert report.breaking_reasons == (
        "TYPE_CHANGED at #/properties/id (backward, against 1.0.0): "
        "the type at #/properties/id changed",
    )
    assert report.advice == (
        "accept the old type(s) at #/properties/id too (e.g. with anyOf) until every writer moved",
    )


def test_an_unknown_verdict_reports_false_and_keeps_null_inside() -> None:
    body = report_json(UNKNOWN)

    assert body["compatible"] is False
    assert body["x_compat"]["compatible"] is None
    assert body["breaking_reasons"] == [
        "FULL compatibility could not be proven either way: ran out of time"
    ]
    assert verdict_of(CompatibilityReport.from_json(body, url="u")) == UNKNOWN


def test_without_names_the_engine_label_stays() -> None:
    assert breaking_reasons(BROKEN)[0].startswith(
        "TYPE_CHANGED at #/properties/id (backward, against version 1 of 2): "
    )


@pytest.mark.parametrize(
    ("kind", "path", "direction", "starts"),
    [
        ("REQUIRED_ATTRIBUTE_ADDED", "#/properties/n", "backward", "make 'n' optional"),
        (
            "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
            "#/properties/x",
            "backward",
            "the old object was open",
        ),
        ("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/properties/x", "backward", "keep 'x'"),
        ("ENUM_ARRAY_NARROWED", "#/", "backward", "keep the old enum values at the top level"),
        ("MAX_LENGTH_ADDED", "#/properties/s", "backward", "loosen #/properties/s"),
        ("ENUM_ARRAY_EXTENDED", "#/properties/s", "forward", "readers still on the old version"),
    ],
)
def test_each_kind_of_break_gets_advice(kind: str, path: str, direction: Any, starts: str) -> None:
    problem = Incompatibility(kind, path, "m", direction)
    verdict = CompatibilityVerdict(False, "FULL", "semantic", (problem, problem))

    lines = advice(verdict)

    assert len(lines) == 1  # the same advice twice is said once
    assert lines[0].startswith(starts)


def test_a_green_confluent_answer_that_a_payload_breaks_is_flagged() -> None:
    semantic = CompatibilityVerdict(False, "BACKWARD", "semantic", (TYPE_CHANGED,))
    verdict = CompatibilityVerdict(
        True, "BACKWARD", "confluent", policy="STRICT", semantic=semantic
    )

    assert advice(verdict) == [
        "Confluent's rules accept this change, yet a payload breaks it: "
        "see x_compat.semantic before relying on the registry's answer"
    ]


@pytest.mark.parametrize("x_compat", [None, {}, {"note": "another registry's own object"}])
def test_a_report_without_our_verdict_has_none(x_compat: Any) -> None:
    report = CompatibilityReport(compatible=True, x_compat=x_compat)

    assert verdict_of(report) is None


@pytest.mark.parametrize(
    "x_compat",
    [
        {"compatible": True, "level": "BACKWARD", "rules": "semantic", "problems": [{"kind": 1}]},
        {"compatible": "yes", "level": "BACKWARD", "rules": "semantic"},
    ],
)
def test_a_broken_verdict_is_a_response_error(x_compat: dict[str, Any]) -> None:
    report = CompatibilityReport(compatible=True, x_compat=x_compat)

    with pytest.raises(RegistryResponseError, match="x_compat"):
        verdict_of(report)
