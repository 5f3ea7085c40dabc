"""Every option from the command line, ini or environment: precedence and clear usage errors."""

from __future__ import annotations

import pytest

from pytest_schema_registry.plugin import SETTINGS_KEY
from tests.helpers import TEST_NEEDING_A_REGISTRY, write_ini


@pytest.mark.parametrize(
    ("cli", "ini", "env", "expected", "origin"),
    [
        ([], "", {}, (None, "v2", 300.0), None),
        (
            [],
            "",
            {"REGISTRY_URL": "http://env.test", "REGISTRY_CACHE_TTL": "7"},
            ("http://env.test", "v2", 7.0),
            "REGISTRY_URL",
        ),
        (
            [],
            "registry_url = http://ini.test\nregistry_cache_ttl = 8\nschema_track = v9",
            {"REGISTRY_URL": "http://env.test", "REGISTRY_CACHE_TTL": "7"},
            ("http://ini.test", "v9", 8.0),
            "ini registry_url",
        ),
        (
            ["--registry-url=http://cli.test", "--registry-cache-ttl=9"],
            "registry_url = http://ini.test\nregistry_cache_ttl = 8",
            {"REGISTRY_URL": "http://env.test", "SCHEMA_PREFER_TRACK": "v5"},
            ("http://cli.test", "v5", 9.0),
            "--registry-url",
        ),
    ],
    ids=["defaults", "environment", "ini-over-environment", "cli-over-ini"],
)
def test_precedence_is_cli_then_ini_then_environment_then_default(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    cli: list[str],
    ini: str,
    env: dict[str, str],
    expected: tuple[object, ...],
    origin: str | None,
) -> None:
    write_ini(pytester, ini)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    settings = pytester.parseconfigure(*cli).stash[SETTINGS_KEY]

    config = settings.config
    assert (config.url, config.prefer_track, config.cache_ttl) == expected
    assert config.enabled is (config.url is not None)
    if origin:
        assert settings.origins["registry_url"] == origin


def test_every_option_has_an_ini_key(pytester: pytest.Pytester) -> None:
    write_ini(
        pytester,
        "registry_url = http://ini.test\nregistry_token = t\nschema_track = v3\n"
        "schema_fallback_track = none\nregistry_timeout = 4\nregistry_cache_ttl = 5\n"
        "registry_mode = off\nregistry_required = true\n",
    )

    settings = pytester.parseconfigure().stash[SETTINGS_KEY]

    config = settings.config
    assert (config.url, config.token, config.prefer_track, config.fallback_track) == (
        "http://ini.test",
        "t",
        "v3",
        None,
    )
    assert (config.timeout, config.cache_ttl, settings.access, settings.required) == (
        4,
        5,
        "off",
        True,
    )
    assert not config.enabled and not settings.available


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--registry-timeout=abc"], "--registry-timeout='abc': expected seconds as a number > 0"),
        (
            ["--registry-url=localhost:8081"],
            "--registry-url='localhost:8081': expected an absolute",
        ),
        (
            ["--registry-mode=sometimes"],
            "--registry-mode='sometimes': expected one of auto, replay, record, live, off",
        ),
        (
            ["--registry-record=sometimes"],
            "--registry-record='sometimes': expected one of new, all",
        ),
    ],
)
def test_bad_values_stop_the_session_with_a_usage_error(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"schema registry: {message}" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_bad_ini_values_name_the_key(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "registry_required = perhaps")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "ini registry_required='perhaps': expected true or false" in result.stderr.str()


def test_a_bad_variable_warns_a_session_that_never_uses_the_registry(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment is shared with other tools: it must not stop an unrelated test run."""
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "abc")
    pytester.makepyfile("def test_unrelated():\n    pass\n")

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["warning: REGISTRY_CACHE_TTL='abc': expected seconds *"])


def test_a_bad_variable_does_not_stop_a_session_that_errors_on_warnings(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "abc")
    write_ini(pytester, "filterwarnings = error")
    pytester.makepyfile("def test_unrelated():\n    pass\n")

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)


def test_a_bad_variable_fails_the_tests_that_use_the_registry_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "abc")
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest("--registry-url=http://127.0.0.1:9")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["ConfigError: REGISTRY_CACHE_TTL='abc': expected seconds as a number >= 0"]
    )


def test_a_value_that_loses_precedence_is_not_validated(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "abc")

    config = pytester.parseconfigure("--registry-cache-ttl", "5")

    assert config.stash[SETTINGS_KEY].config.cache_ttl == 5.0
