"""--registry-url: no registry says what to pass; a dead one fails in one clear line."""

from __future__ import annotations

import pytest

from tests.helpers import TEST_NEEDING_A_REGISTRY, dead_url


def test_without_a_registry_tests_that_need_one_skip_saying_what_to_pass(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest("-rs")

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*no schema registry configured: pass --registry-url URL, set "
            "REGISTRY_URL, or add registry_url to the [[]pytest[]] ini section*"
        ]
    )
    cassette = pytester.path / "cassettes" / "schema_registry.yaml"
    result.stdout.fnmatch_lines(
        [
            "*= schema registry =*",
            "skipped: 1 test needing a registry: no schema registry configured: pass "
            f"--registry-url URL, * none at {cassette} (record one with *",
        ]
    )


def test_a_dead_registry_fails_with_a_clear_message_and_no_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest(f"--registry-url={dead_url()}", "--registry-timeout=2")

    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    failure = text.split("_ test_needs_registry _")[1].split("-- Captured log call --")[0]
    lines = [line.strip("_- ") for line in failure.splitlines() if line.strip("_- ")]
    assert len(lines) == 1, failure  # the message alone: no traceback, no source
    assert lines[0].startswith("RegistryUnavailableError: GET http://127.0.0.1:")
    assert "registry unavailable (network): ConnectError" in lines[0]
    assert "registry errors: 1 network" in text


def test_every_skipped_test_is_counted_even_behind_a_session_fixture(
    pytester: pytest.Pytester,
) -> None:
    """pytest caches a session fixture's skip and re-raises it: each test still counts."""
    pytester.makepyfile(
        "def test_a(schema_manager): pass\n"
        "def test_b(schema_manager): pass\n"
        "def test_c(schema_manager): pass\n"
        "def test_d(registry_schema): pass\n"
    )

    result = pytester.runpytest()

    result.assert_outcomes(skipped=4)
    result.stdout.fnmatch_lines(["skipped: 4 tests needing a registry: *"])
