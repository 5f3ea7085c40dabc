"""RegistryConfig: defaults, environment parsing at call time, and errors that say what to fix."""

from __future__ import annotations

import pytest

from pytest_schema_registry import ConfigError, RegistryConfig
from pytest_schema_registry._core.config import ENV_VARIABLES
from tests.helpers import ROOT, TOKEN


def test_defaults_match_the_seed() -> None:
    config = RegistryConfig.from_env({})

    assert config == RegistryConfig()
    assert (config.enabled, config.url, config.cache_ttl, config.timeout) == (
        False,
        None,
        300.0,
        30.0,
    )
    assert (config.prefer_track, config.fallback_track) == ("v2", "v1")
    assert (config.validation_mode, config.fail_open, config.backend) == (
        "log",
        True,
        "jsonschema-rs",
    )
    assert not config.active


def test_every_variable_is_read() -> None:
    config = RegistryConfig.from_env(
        {
            "REGISTRY_ENABLED": "true",
            "REGISTRY_URL": " http://registry.test/api/v1 ",
            "REGISTRY_TOKEN": TOKEN,
            "REGISTRY_CACHE_TTL": "60",
            "REGISTRY_TIMEOUT": "2.5",
            "SCHEMA_PREFER_TRACK": "v3",
            "SCHEMA_FALLBACK_TRACK": "v2",
            "REGISTRY_VALIDATION_MODE": "enforce",
            "REGISTRY_FAIL_OPEN": "no",
            "REGISTRY_MAX_DEPTH": "64",
            "REGISTRY_VALIDATOR": "jsonschema",
        }
    )

    assert config == RegistryConfig(
        enabled=True,
        url="http://registry.test/api/v1",
        token=TOKEN,
        cache_ttl=60.0,
        timeout=2.5,
        prefer_track="v3",
        fallback_track="v2",
        validation_mode="enforce",
        fail_open=False,
        max_depth=64,
        backend="jsonschema",
    )
    assert config.active


def test_environment_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "12")
    assert RegistryConfig.from_env().cache_ttl == 12.0
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "13")
    assert RegistryConfig.from_env().cache_ttl == 13.0


@pytest.mark.parametrize(
    ("environ", "mode"),
    [
        ({"REGISTRY_ENFORCEMENT": "warn"}, "log"),
        ({"REGISTRY_ENFORCEMENT": "STRICT"}, "enforce"),
        ({"REGISTRY_VALIDATION_MODE": "off", "REGISTRY_ENFORCEMENT": "strict"}, "off"),
    ],
)
def test_seed_enforcement_names_are_aliases(environ: dict[str, str], mode: str) -> None:
    assert RegistryConfig.from_env(environ).validation_mode == mode


def test_a_url_alone_enables_and_overrides_win() -> None:
    assert RegistryConfig.from_env({"REGISTRY_URL": "http://r.test"}).enabled
    assert not RegistryConfig.from_env(
        {"REGISTRY_URL": "http://r.test", "REGISTRY_ENABLED": "0"}
    ).enabled
    overridden = RegistryConfig.from_env({"REGISTRY_CACHE_TTL": "5"}, cache_ttl=7.0)
    assert overridden.cache_ttl == 7.0


def test_empty_fallback_disables_it() -> None:
    assert RegistryConfig.from_env({"SCHEMA_FALLBACK_TRACK": ""}).fallback_track is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "REGISTRY_CACHE_TTL",
            "abc",
            "REGISTRY_CACHE_TTL='abc': expected seconds as a number >= 0",
        ),
        ("REGISTRY_CACHE_TTL", "-1", "REGISTRY_CACHE_TTL='-1': expected seconds as a number >= 0"),
        ("REGISTRY_CACHE_TTL", "inf", "REGISTRY_CACHE_TTL='inf': expected seconds"),
        ("REGISTRY_TIMEOUT", "0", "REGISTRY_TIMEOUT='0': expected seconds as a number > 0"),
        ("REGISTRY_ENABLED", "maybe", "REGISTRY_ENABLED='maybe': expected true or false"),
        (
            "REGISTRY_VALIDATION_MODE",
            "loud",
            "REGISTRY_VALIDATION_MODE='loud': expected one of off, log, enforce, warn, strict",
        ),
        ("REGISTRY_ENFORCEMENT", "x", "REGISTRY_ENFORCEMENT='x': expected one of"),
        ("REGISTRY_MAX_DEPTH", "0", "REGISTRY_MAX_DEPTH='0': expected a whole number >= 1"),
        (
            "REGISTRY_VALIDATOR",
            "fast",
            "REGISTRY_VALIDATOR='fast': expected one of jsonschema-rs, jsonschema",
        ),
        ("SCHEMA_PREFER_TRACK", " ", "SCHEMA_PREFER_TRACK=' ': expected a track name"),
        ("REGISTRY_FAIL_OPEN", "2", "REGISTRY_FAIL_OPEN='2': expected true or false"),
    ],
)
def test_bad_values_name_the_variable_the_value_and_the_form(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        RegistryConfig.from_env({variable: value})
    assert str(caught.value).startswith(message)


def test_enabled_without_url_is_an_error() -> None:
    with pytest.raises(
        ConfigError, match=r"enabled=True without url: set the registry URL \(REGISTRY_URL\)"
    ):
        RegistryConfig.from_env({"REGISTRY_ENABLED": "yes"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cache_ttl": -1}, "cache_ttl=-1: expected seconds as a number >= 0"),
        ({"timeout": 0}, "timeout=0: expected seconds as a number > 0"),
        ({"timeout": "30"}, "timeout='30': expected seconds"),
        ({"validation_mode": "loud"}, "validation_mode='loud': expected one of off, log, enforce"),
        ({"backend": "fast"}, "backend='fast': expected one of jsonschema-rs, jsonschema"),
        ({"max_depth": 0}, "max_depth=0: expected a whole number >= 1"),
        ({"max_errors": True}, "max_errors=True: expected a whole number >= 1"),
        ({"prefer_track": ""}, "prefer_track='': expected a track name"),
    ],
)
def test_bad_arguments_are_config_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        RegistryConfig(**kwargs)  # type: ignore[arg-type]


def test_token_never_shows_in_repr_or_str() -> None:
    config = RegistryConfig(enabled=True, url="http://r.test", token=TOKEN)

    assert TOKEN not in repr(config) and TOKEN not in str(config)
    assert "token='***'" in repr(config)
    assert "token=None" in repr(RegistryConfig())


def test_config_is_frozen_and_copied_with_validation() -> None:
    config = RegistryConfig()
    with pytest.raises(AttributeError):
        config.cache_ttl = 1  # type: ignore[misc]
    assert config.with_changes(cache_ttl=1).cache_ttl == 1
    with pytest.raises(ConfigError):
        config.with_changes(cache_ttl=-5)


def test_env_example_lists_every_variable_with_its_default() -> None:

    text = (ROOT / "env.example").read_text()
    listed = {line.split("=", 1)[0].lstrip("# ") for line in text.splitlines() if "=" in line}

    assert set(ENV_VARIABLES) <= listed


def test_an_overridden_variable_is_not_parsed() -> None:
    """A value that loses precedence cannot fail: `--registry-cache-ttl 5` beats a bad variable."""
    config = RegistryConfig.from_env(
        {"REGISTRY_CACHE_TTL": "abc", "REGISTRY_TIMEOUT": "x"}, cache_ttl=5, timeout=2
    )

    assert (config.cache_ttl, config.timeout) == (5, 2)
