"""The README's examples are run, so they cannot rot."""

from __future__ import annotations

import re

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import README, readme_example


def test_using_it_in_your_tests_example_passes(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(test_feedback_contract=readme_example("tests/test_feedback_contract.py"))

    result = pytester.runpytest(f"--registry-url={server.url}", "--strict-markers")

    result.assert_outcomes(passed=5)
    # The summary the README shows, line by line (its host, port and folder are the reader's).
    shown = readme_console_summary()
    expected = [
        re.sub(r"http://127.0.0.1:8081|tests/contracts/schemas", "*", line) for line in shown
    ]
    result.stdout.fnmatch_lines(["*= schema registry =*", *expected])
    assert len(shown) == 8


def readme_console_summary() -> list[str]:
    """Return the lines after the summary header in the README's console example."""
    block = README.read_text().split("```console\n$ pytest --registry-url", 1)[1].split("```")[0]
    return block.split("schema registry ===============================\n", 1)[1].splitlines()
