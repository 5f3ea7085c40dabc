"""registry_strategies and registry_payloads in a real session: st.data() draws, offline from snapshots."""

from __future__ import annotations

import json

import pytest

from tests.helpers import EXAMPLES, write_ini

FEEDBACK_V1 = json.loads((EXAMPLES / "v1/telemetry.FeedbackEvent/1.1.2.json").read_text())


def test_data_draws_compose(pytester: pytest.Pytester) -> None:
    """st.data() with the fixture form, offline from snapshots only (no registry, no cassette)."""
    snapshot = pytester.path / "tests/contracts/schemas/v1/telemetry.FeedbackEvent.json"
    snapshot.parent.mkdir(parents=True)
    snapshot.write_text(json.dumps(FEEDBACK_V1))
    write_ini(pytester, "schema_track = v1")
    pytester.makepyfile("""
        from hypothesis import given, settings, strategies as st
        from pytest_schema_registry.strategies import registry_invalid_payloads, registry_payloads

        @settings(max_examples=20, deadline=None)
        @given(registry_payloads("telemetry.FeedbackEvent"))
        def test_given(event):
            assert event["level"] in ("ok", "soft", "hard")

        @settings(max_examples=20, deadline=None)
        @given(registry_invalid_payloads("telemetry.FeedbackEvent"))
        def test_invalid(broken):
            assert broken.reason

        @settings(max_examples=10, deadline=None)
        @given(data=st.data())
        def test_data(registry_strategies, data):
            event = data.draw(registry_strategies.valid("telemetry.FeedbackEvent"))
            assert "ts" in event
    """)

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=3)
