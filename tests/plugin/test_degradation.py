"""A test that meets an answer given without a schema fails, in one line that names the fix.

In production `validate_payload` degrades on purpose: registry down or schema unknown, the payload
passes (log mode). In a contract test that answer would be a green that lies.
"""

from __future__ import annotations

import re

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import dead_url

MANAGER_TESTS = """
import pytest

def test_garbage_is_valid(schema_manager):
    assert schema_manager.validate_payload_sync("{name}", {{"garbage": True}}) == (True, [])
"""


def failure_lines(result: pytest.RunResult, test: str) -> list[str]:
    """Return the lines of one test's failure section, without rulers and captured logs."""
    section = result.stdout.str().split(f"_ {test} _")[1].split("-- Captured")[0]
    section = section.split("=" * 10)[0]
    return [line.strip("_- ") for line in section.splitlines() if line.strip("_- ")]


def test_a_dead_registry_fails_the_test_that_passed_on_a_degraded_answer(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MANAGER_TESTS.format(name="telemetry.FeedbackEvent"))

    result = pytester.runpytest(f"--registry-url={dead_url()}", "--registry-timeout=2")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_garbage_is_valid")
    assert line.startswith(
        "the manager could not get the schema for 'telemetry.FeedbackEvent': "
        "RegistryUnavailableError: "
    )
    assert line.endswith("@pytest.mark.registry_degradation_expected")
    result.stdout.fnmatch_lines(
        [
            "FAILED: registry trouble failed 1 test",
            "schemas from *",
            "1 test failed on registry trouble (an error, or an answer without a schema):",
            "  *.py::test_garbage_is_valid",
        ]
    )


def test_a_typo_in_the_name_fails_with_the_nearest_names(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(MANAGER_TESTS.format(name="telemetry.FeedbakEvent"))

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_garbage_is_valid")
    assert "SchemaNotFoundError: " in line
    assert "did you mean 'telemetry.FeedbackEvent'?" in line


def test_a_typo_in_a_contract_assertion_suggests_the_name_too(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(
        """
        def test_contract(schema_contract):
            schema_contract.assert_valid("telemetry.HealthStats", {})
        """
    )

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_contract")
    assert line.startswith("SchemaNotFoundError: ")
    assert line.endswith("did you mean 'telemetry.HealthStatus'?")


def test_a_wrong_base_path_is_pointed_out(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """The example server lives under /api/v1; a URL without it 404s on every path."""
    root = server.url.removesuffix("/api/v1")
    pytester.makepyfile(MANAGER_TESTS.format(name="telemetry.FeedbackEvent"))

    result = pytester.runpytest(f"--registry-url={root}")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_garbage_is_valid")
    assert f"a registry answers at {root}/api/v1: check the base path" in line


def test_a_gate_letting_a_message_through_unvalidated_fails_the_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import asyncio
        from pytest_schema_registry import ValidationGate

        def test_gate(schema_manager):
            gate = ValidationGate(schema_manager, mode="log")
            envelope = {"meta": {"schema_id": "telemetry.FeedbackEvent"}, "payload": {}}
            assert schema_manager.run_sync(gate.check(envelope)).accepted
        """
    )

    result = pytester.runpytest(f"--registry-url={dead_url()}", "--registry-timeout=2")

    result.assert_outcomes(failed=1)
    assert "the manager could not get the schema for 'telemetry.FeedbackEvent'" in (
        result.stdout.str()
    )


def test_the_marker_lets_a_test_assert_degraded_behaviour(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.registry_degradation_expected
        def test_outage_lets_payloads_through(schema_manager):
            assert schema_manager.validate_payload_sync("telemetry.FeedbackEvent", {}) == (True, [])
        """
    )

    result = pytester.runpytest(
        f"--registry-url={dead_url()}", "--registry-timeout=2", "--strict-markers"
    )

    result.assert_outcomes(passed=1)


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(["@pytest.mark.registry_degradation_expected: the test exercises*"])


def test_the_suggested_name_is_the_fix(pytester: pytest.Pytester, server: RegistryServer) -> None:
    """Done when: the failure names the fix, and the run passes after it."""
    pytester.makepyfile(test_typo=MANAGER_TESTS.format(name="telemetry.FeedbakEvent"))
    failed = pytester.runpytest(f"--registry-url={server.url}")
    # A set: where the terminal is wide (CI), the short summary repeats the reason.
    (suggested,) = set(re.findall(r"did you mean '([^']+)'\? In production", failed.stdout.str()))

    pytester.makepyfile(
        test_typo=MANAGER_TESTS.format(name=suggested).replace("== (True, [])", "[0] is False")
    )
    fixed = pytester.runpytest(f"--registry-url={server.url}")

    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    fixed.assert_outcomes(passed=1)


def test_a_preferred_track_down_fails_the_test_the_fallback_would_have_passed(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """v2 answers 503: production falls back to v1; a v2 contract test must not pass on v1."""
    server.inject_fault("/schemas/v2/telemetry.FeedbackEvent", status=503, times=20)
    pytester.makepyfile(
        """
        V1_ONLY = {"coordinator_id": "c", "queue_size": 1, "capacity": 2, "level": "ok", "ts": 1.0}

        def test_v2_contract(schema_contract):
            schema_contract.assert_valid("telemetry.FeedbackEvent", V1_ONLY)
        """
    )

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_v2_contract")
    assert line.startswith(
        "the manager could not get the schema for 'telemetry.FeedbackEvent': "
        "RegistryUnavailableError: "
    )
    result.stdout.fnmatch_lines(["registry errors: 1 server"])


def test_degraded_answers_in_fixtures_fail_the_test_too(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture(scope="module")
        def verdict(schema_manager):
            return schema_manager.validate_payload_sync("telemetry.NoSuchEvent", {"x": 1})

        def test_setup(verdict):
            assert verdict == (True, [])

        def test_teardown(schema_manager, request):
            request.addfinalizer(lambda: schema_manager.validate_payload_sync("telemetry.Nope", {}))
        """
    )

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=1, errors=2)  # test_teardown's call passed; its teardown errored
    assert result.stdout.str().count("the manager could not get the schema for") >= 2


def test_an_assertion_on_a_degraded_answer_reports_the_registry_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_invalid_is_rejected(schema_manager):
            valid, errors = schema_manager.validate_payload_sync("telemetry.FeedbackEvent", {})
            assert not valid
        """
    )

    result = pytester.runpytest(f"--registry-url={dead_url()}", "--registry-timeout=2")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_invalid_is_rejected")
    assert "RegistryUnavailableError" in line
    result.stdout.fnmatch_lines(["  *::test_invalid_is_rejected"])


def test_validation_mode_off_cannot_turn_a_contract_run_green(
    pytester: pytest.Pytester, server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_VALIDATION_MODE", "off")
    pytester.makepyfile(MANAGER_TESTS.format(name="telemetry.FeedbackEvent"))

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["ConfigError: validation mode 'off' *a contract test cannot run*"])


def test_many_degraded_answers_are_counted_not_kept(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """A test hammering an unknown name costs a counter, not a list entry per call."""
    pytester.makepyfile(
        """
        def test_loop(schema_manager):
            for _ in range(300):
                schema_manager.validate_payload_sync("telemetry.Nope", {})
        """
    )

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(failed=1)
    (line,) = failure_lines(result, "test_loop")
    assert "'telemetry.Nope' (and 299 more such answer(s))" in line
