"""Under pytest-xdist: one manager per worker, merged summaries, consistent files."""

from __future__ import annotations

import json

import pytest
import yaml

from pytest_schema_registry import RegistryServer
from tests.helpers import CASSETTE, LOCK, VALID_V2, record


def test_xdist_runs_one_manager_per_worker_and_merges_the_summary(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(
        **{
            f"test_part{i}": f"""
            import json

            def test_{i}(schema_contract):
                schema_contract.assert_valid("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))
        """
            for i in range(4)
        }
    )

    result = pytester.runpytest_subprocess(
        f"--registry-url={server.url}", "-n", "2", "-p", "no:cacheprovider"
    )

    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*= schema registry =*",
            "validations: 4 valid, 0 invalid, 0 without a schema",
            "cache: * hit*, * miss* (over 2 workers)",
        ]
    )
    assert 1 <= server.count("/schemas/v2/telemetry.FeedbackEvent") <= 2


@pytest.mark.usefixtures("contract_project")
def test_xdist_snapshot_and_cassette_writes_stay_consistent(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    names = ["telemetry.FeedbackEvent", "telemetry.HealthStatus", "telemetry.RateAdjustment"]
    for i in range(8):
        name, track = names[i % 3], ("v1", "v2")[i % 2]
        pytester.makepyfile(
            **{
                f"test_w{i}": f"""
            def test_{i}(registry_schema):
                assert registry_schema("{name}", track="{track}").name == "{name}"
        """
            }
        )

    result = record(pytester, server, "-n", "4", "--schema-snapshot-update", "-p", "no:randomly")

    result.assert_outcomes(passed=8 + 4)
    lock = json.loads((pytester.path / LOCK).read_text())
    expected = {(names[i % 3], ("v1", "v2")[i % 2]) for i in range(8)}
    assert {(e["name"], e["track"]) for e in lock["schemas"]} >= expected
    for name, track in expected:
        assert json.loads(
            (pytester.path / f"tests/contracts/schemas/{track}/{name}.json").read_text()
        )
    interactions = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]
    recorded = {tuple(i["request"]["uri"].rsplit("/", 2)[-2:]) for i in interactions}
    assert {(track, name) for name, track in expected} <= recorded
