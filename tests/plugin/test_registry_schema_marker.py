"""The registry_schema marker and the schema fixture it binds."""

from __future__ import annotations

import pytest

from pytest_schema_registry import RegistryServer


def test_markers_are_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(["@pytest.mark.registry_schema(name, track=None, version=None): *"])


def test_marker_binds_the_schema_fixture(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.registry_schema("telemetry.FeedbackEvent", track="v1")
        def test_v1(schema):
            assert (schema.track, schema.version) == ("v1", "1.1.2")

        @pytest.mark.registry_schema("telemetry.HealthStatus")
        def test_negotiated(schema):
            assert schema.track == "v1"  # v2 is deprecated

        @pytest.mark.registry_schema(name="telemetry.FeedbackEvent", track="v1", version="1.1.0")
        def test_pinned(schema):
            assert schema.version == "1.1.0"
    """)

    result = pytester.runpytest(f"--registry-url={server.url}", "--strict-markers")

    result.assert_outcomes(passed=3)


def test_bad_marker_use_fails_with_usage(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.registry_schema()
        def test_no_name(schema):
            pass

        @pytest.mark.registry_schema("x", colour="red")
        def test_unknown_argument(schema):
            pass

        @pytest.mark.registry_schema("x", track=2)
        def test_bad_track(schema):
            pass

        def test_no_marker(schema):
            pass
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(errors=4)
    text = result.stdout.str()
    assert (
        "registry_schema marker: bad arguments () {}; usage: @pytest.mark.registry_schema(" in text
    )
    assert "unknown argument(s) colour" in text
    assert "registry_schema marker: track=2 is not a string" in text
    assert "the `schema` fixture needs a marker" in text
