"""registry_coverage_payloads in a real session: parametrize at collection, readable test ids.

Resolved from the committed snapshots, from a cassette replayed with the registry gone, and
refused with the reason when neither has the schema (a green must never come from no cases).
"""

from __future__ import annotations

import json

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import EXAMPLES, readme_example, record, write_ini

FEEDBACK_V1 = json.loads((EXAMPLES / "v1/telemetry.FeedbackEvent/1.1.2.json").read_text())

CONTRACT_TESTS = """
    import pytest
    from pytest_schema_registry.strategies import (
        registry_coverage_invalid_payloads,
        registry_coverage_payloads,
    )

    @pytest.mark.parametrize("case", registry_coverage_payloads("telemetry.FeedbackEvent"))
    def test_the_consumer_takes(schema_contract, case):
        schema_contract.assert_valid("telemetry.FeedbackEvent", case.value)

    @pytest.mark.parametrize(
        "broken", registry_coverage_invalid_payloads("telemetry.FeedbackEvent")
    )
    def test_the_consumer_refuses(schema_contract, broken):
        schema_contract.assert_invalid("telemetry.FeedbackEvent", broken.value)
"""


OFFLINE_TESTS = """
    import pytest
    from pytest_schema_registry.strategies import (
        registry_coverage_invalid_payloads,
        registry_coverage_payloads,
    )

    def consume(event):
        return {"ok": 0, "soft": 1, "hard": 2}[event["level"]]

    @pytest.mark.parametrize("case", registry_coverage_payloads("telemetry.FeedbackEvent"))
    def test_the_consumer_takes(case):
        assert consume(case.value) in (0, 1, 2)

    @pytest.mark.parametrize(
        "broken", registry_coverage_invalid_payloads("telemetry.FeedbackEvent")
    )
    def test_each_break_is_labelled(broken):
        assert broken.reason
"""


def collected_ids(result: pytest.RunResult) -> list[str]:
    return [line.split("[", 1)[1].rstrip("]") for line in result.outlines if "::test_" in line]


def test_cases_come_from_the_snapshots_with_their_labels_as_ids(
    pytester: pytest.Pytester,
) -> None:
    snapshot = pytester.path / "tests/contracts/schemas/v1/telemetry.FeedbackEvent.json"
    snapshot.parent.mkdir(parents=True)
    snapshot.write_text(json.dumps(FEEDBACK_V1))
    write_ini(pytester, "schema_track = v1")
    pytester.makepyfile(OFFLINE_TESTS)

    listed = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    ran = pytester.runpytest("-p", "no:cacheprovider")

    ids = collected_ids(listed)
    assert {"level=soft", "level=hard", "source absent"} <= set(ids)
    assert "missing required 'ts'" in ids
    assert "'level' not in enum" in ids
    outcomes = ran.parseoutcomes()
    assert outcomes["passed"] == len(ids) >= 10
    assert "failed" not in outcomes


def test_cases_replay_from_the_cassette_with_the_registry_gone(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    write_ini(pytester, "schema_track = v1")
    pytester.makepyfile(CONTRACT_TESTS)
    recorded = record(pytester, server, "-p", "no:cacheprovider")
    recorded_outcomes = recorded.parseoutcomes()
    server.stop()

    replayed = pytester.runpytest("-p", "no:cacheprovider")

    assert replayed.parseoutcomes() == recorded_outcomes
    assert "failed" not in recorded_outcomes
    assert recorded_outcomes["passed"] >= 10


def test_without_snapshot_or_registry_the_module_is_skipped_with_the_reason(
    pytester: pytest.Pytester,
) -> None:
    write_ini(pytester, "schema_track = v1")
    pytester.makepyfile(CONTRACT_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")

    assert result.parseoutcomes() == {"skipped": 1}
    result.stdout.fnmatch_lines(["*no schema registry configured: pass --registry-url URL*"])


def test_a_required_registry_that_is_missing_fails_collection(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "schema_track = v1")
    pytester.makepyfile(CONTRACT_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider", "--registry-required")

    assert result.ret != 0
    assert "passed" not in result.parseoutcomes()
    result.stdout.fnmatch_lines(["*no schema registry configured*"])


def test_the_readme_example_records_and_replays(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    write_ini(pytester)
    pytester.makepyfile(test_coverage_cases=readme_example("tests/test_coverage_cases.py"))

    recorded = record(pytester, server, "-p", "no:cacheprovider")
    server.stop()
    replayed = pytester.runpytest("-p", "no:cacheprovider")

    for result in (recorded, replayed):
        outcomes = result.parseoutcomes()
        assert outcomes["passed"] >= 15, outcomes
        assert set(outcomes) == {"passed"}
