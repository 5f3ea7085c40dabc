"""The README's examples are run, so they cannot rot."""

from __future__ import annotations

import re

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import ROOT

README = ROOT / "README.md"


def readme_example(marker: str) -> str:
    """Return the code block that follows `<!-- example: {marker} ... -->` in the README."""
    pattern = rf"<!-- example: {re.escape(marker)}[^>]*-->\s*```python\n(.*?)```"
    match = re.search(pattern, README.read_text(), re.DOTALL)
    assert match, f"no example {marker!r} in the README"
    return match.group(1)


def test_using_it_in_your_tests_example_passes(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(test_feedback_contract=readme_example("tests/test_feedback_contract.py"))

    result = pytester.runpytest(f"--registry-url={server.url}", "--strict-markers")

    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            "*= schema registry =*",
            "  telemetry.FeedbackEvent  v1   1.1.2        3ce836a69c62",
            "  telemetry.FeedbackEvent  v2   2.0.0        ????????????",
            "validations: 2 valid, 2 invalid, 0 without a schema",
            "cache: 3 hits, 1 miss",
            "registry errors: none",
        ]
    )
