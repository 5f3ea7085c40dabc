"""Every test here runs real pytest sessions (pytester) in an isolated inner project."""

from __future__ import annotations

import pytest

from pytest_schema_registry._harness import drift
from tests.helpers import CONTRACT_TESTS


@pytest.fixture(autouse=True)
def _isolated(inner_project: pytest.Pytester) -> None:
    """Give every inner session its own ini and a clean environment (see `inner_project`)."""


@pytest.fixture
def contract_project(inner_project: pytest.Pytester) -> pytest.Pytester:
    """Return the inner project with four contract tests that use the registry fixtures."""
    inner_project.makepyfile(test_contracts=CONTRACT_TESTS)
    return inner_project


@pytest.fixture
def patient_drift_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give drift's compatibility checks time on a busy machine: tests read verdicts, not deadlines.

    The checks run where the reports merge: in this process, for in-process inner sessions.
    """
    monkeypatch.setattr(drift, "CHECK_TIMEOUT", 60.0)
    monkeypatch.setattr(drift, "TOTAL_BUDGET", 240.0)
