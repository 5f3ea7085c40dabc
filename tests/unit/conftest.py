"""Unit tests run no inner pytest sessions: those belong in tests/plugin/."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_inner_sessions(request: pytest.FixtureRequest) -> None:
    """Fail a pytester test placed here, where it would hide among the fast ones."""
    if "pytester" in request.fixturenames:
        pytest.fail("this test runs inner pytest sessions: move it to tests/plugin/", pytrace=False)
