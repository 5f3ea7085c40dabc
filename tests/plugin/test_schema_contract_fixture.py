"""The schema_contract fixture: assertion messages a reader can act on."""

from __future__ import annotations

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import VALID_V2


def test_failing_assert_valid_lists_every_error_path_and_the_schema(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile("""
        def test_contract(schema_contract):
            schema_contract.assert_valid(
                "telemetry.FeedbackEvent",
                {"coordinator_id": 7, "queue_size": -1, "capacity": 0, "level": "meh"},
                track="v1",
            )
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: payload is invalid against telemetry.FeedbackEvent "
            "(track v1, version 1.1.2, sha256 *):",
            'E*  $: "ts" is a required property',
            "E*  $.capacity: 0 is less than or equal to the minimum of 0",
            'E*  $.coordinator_id: 7 is not of type "string"',
            'E*  $.level: "meh" is not one of "ok", "soft", "hard"',
            "E*  $.queue_size: -1 is less than the minimum of 0",
        ]
    )


def test_assert_invalid_with_match(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile(f"""
        import json

        def test_rejected_for_the_right_reason(schema_contract):
            schema_contract.assert_invalid("telemetry.FeedbackEvent", {{"level": "ok"}}, match="required")

        def test_wrong_reason(schema_contract):
            schema_contract.assert_invalid("telemetry.FeedbackEvent", {{}}, match="minimum")

        def test_unexpectedly_valid(schema_contract):
            schema_contract.assert_invalid("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))

        def test_validate_returns_the_result(schema_contract):
            result = schema_contract.validate("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))
            assert result and result.schema.version == "2.0.0"
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*payload is invalid, but no error matches 'minimum'; it is invalid against*",
            "*payload should be invalid but is valid against telemetry.FeedbackEvent (track v2*",
        ]
    )
