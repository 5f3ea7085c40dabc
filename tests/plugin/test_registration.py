"""The plugin registers itself: its option group in --help, and -p no:schema_registry."""

from __future__ import annotations

import pytest


def test_help_shows_the_group_with_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")

    text = result.stdout.str()
    assert "contract testing against a schema registry:" in text
    for flag in (
        "--registry-url=URL",
        "--registry-token=TOKEN",
        "--schema-track=TRACK",
        "--schema-fallback-track=TRACK",
        "--registry-timeout=SECONDS",
        "--registry-cache-ttl=SECONDS",
        "--registry-mode=MODE",
        "--registry-required",
        "--registry-record=WHAT",
        "--registry-cassette-dir=DIR",
        "--schema-snapshot-dir=DIR",
        "--schema-snapshot-update",
    ):
        assert flag in text
    assert "[env: REGISTRY_URL]" in text
    assert "registry_url (string)" in text  # the ini key


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")

    result = pytester.runpytest("-p", "no:schema_registry")

    result.assert_outcomes(passed=1)
