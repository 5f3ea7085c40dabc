"""The hints a failing registry test prints: nearest names, and where a base path may be wrong."""

from __future__ import annotations

import pytest

from pytest_schema_registry._harness.advice import base_path_candidates, did_you_mean, nearest_names

KNOWN = ["telemetry.FeedbackEvent", "telemetry.HealthStatus", "telemetry.RateAdjustment"]


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("telemetry.FeedbakEvent", ["telemetry.FeedbackEvent"]),
        ("telemetry.feedbackevent", ["telemetry.FeedbackEvent"]),
        ("FeedbackEvent", ["telemetry.FeedbackEvent"]),
        ("telemetry.HealthStats", ["telemetry.HealthStatus"]),
        ("orders.OrderPlaced", []),
    ],
)
def test_nearest_names(typed: str, suggested: list[str]) -> None:
    assert nearest_names(typed, KNOWN) == suggested


def test_did_you_mean_reads_as_a_sentence_tail() -> None:
    assert did_you_mean([]) == ""
    assert did_you_mean(["a", "b"]) == "; did you mean 'a' or 'b'?"


@pytest.mark.parametrize(
    ("url", "candidates"),
    [
        ("http://r.test", ["http://r.test/api/v1"]),
        ("http://r.test/", ["http://r.test/api/v1"]),
        ("http://r.test/registry", ["http://r.test", "http://r.test/registry/api/v1"]),
        ("http://r.test/api/v1", ["http://r.test/api"]),
    ],
)
def test_base_path_candidates(url: str, candidates: list[str]) -> None:
    assert base_path_candidates(url) == candidates
