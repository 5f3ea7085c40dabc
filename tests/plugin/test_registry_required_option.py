"""--registry-required turns a missing registry from a skip into a failure."""

from __future__ import annotations

import pytest

from tests.helpers import TEST_NEEDING_A_REGISTRY


def test_registry_required_turns_the_skip_into_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest("--registry-required")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*no schema registry configured: pass --registry-url URL*"])
