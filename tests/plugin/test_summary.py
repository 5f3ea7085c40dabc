"""The schema registry section of the test summary."""

from __future__ import annotations

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import VALID_V2


def test_summary_section(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile(f"""
        import json

        def test_a(schema_contract):
            schema_contract.assert_valid("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))
            schema_contract.assert_invalid("telemetry.FeedbackEvent", {{}})

        def test_b(schema_contract):
            schema_contract.assert_valid("telemetry.HealthStatus",
                {{"service": "s", "state": "healthy", "version": "1", "ts": 1}})
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*= schema registry =*",
            f"schemas from {server.url} (live)",
            "  telemetry.FeedbackEvent  v2   2.0.0        ????????????",
            "  telemetry.HealthStatus   v1   1.0.0        ????????????",
            "validations: 2 valid, 1 invalid, 0 without a schema",
            "cache: 1 hit, 2 misses",
            "registry errors: none",
        ]
    )


def test_no_summary_when_the_registry_is_not_used(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=1)
    assert "schema registry" not in result.stdout.str()
    assert server.requests == []
