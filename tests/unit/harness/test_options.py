"""Resolving the plugin's options from plain mappings: precedence, settling access, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_schema_registry import ConfigError
from pytest_schema_registry._harness.options import resolve_settings


def test_command_line_beats_ini_beats_environment_beats_default(tmp_path: Path) -> None:
    settings = resolve_settings(
        {"registry_url": "http://cli.test", "registry_timeout": None},
        {"registry_url": "http://ini.test", "registry_timeout": "7", "registry_cache_ttl": " "},
        {"REGISTRY_URL": "http://env.test", "REGISTRY_TIMEOUT": "9", "REGISTRY_CACHE_TTL": "12"},
        rootdir=tmp_path,
    )

    assert (settings.config.url, settings.config.timeout, settings.config.cache_ttl) == (
        "http://cli.test",
        7.0,
        12.0,  # a blank ini value does not count
    )
    assert settings.origins["registry_url"] == "--registry-url"
    assert settings.origins["registry_timeout"] == "ini registry_timeout"
    assert settings.origins["registry_cache_ttl"] == "REGISTRY_CACHE_TTL"
    assert settings.origins["schema_track"] == "default"


@pytest.mark.parametrize(
    ("mode", "url", "cassette", "access"),
    [
        ("auto", "http://r.test", True, "live"),
        ("auto", None, True, "replay"),
        ("auto", None, False, "none"),
        ("replay", "http://r.test", True, "replay"),
        ("live", "http://r.test", True, "live"),
        ("record", "http://r.test", True, "record"),
        ("off", "http://r.test", True, "off"),
    ],
)
def test_registry_mode_settles_into_one_access(
    tmp_path: Path, mode: str, url: str | None, cassette: bool, access: str
) -> None:
    if cassette:
        (tmp_path / "cassettes").mkdir()
        (tmp_path / "cassettes" / "schema_registry.yaml").write_text("interactions: []\n")

    settings = resolve_settings(
        {"registry_mode": mode, "registry_url": url}, {}, {}, rootdir=tmp_path
    )

    assert settings.access == access
    assert settings.config.enabled == (access in ("live", "record") and url is not None)


def test_record_scope_and_paths_are_resolved_against_the_rootdir(tmp_path: Path) -> None:
    settings = resolve_settings(
        {"registry_record": "ALL", "registry_cassette_dir": "rec"},
        {"schema_snapshot_dir": "snaps"},
        {},
        rootdir=tmp_path,
    )

    assert settings.record_scope == "all"
    assert settings.cassette_path == tmp_path / "rec" / "schema_registry.yaml"
    assert settings.snapshot_dir == tmp_path / "snaps"


@pytest.mark.parametrize(
    ("cli", "ini", "environ", "message"),
    [
        (
            {"registry_mode": "sometimes"},
            {},
            {},
            "--registry-mode='sometimes': expected one of auto, replay, record, live, off",
        ),
        (
            {},
            {"registry_record": "some"},
            {},
            "ini registry_record='some': expected one of new, all",
        ),
        (
            {"registry_mode": "record"},
            {},
            {},
            "--registry-mode='record' needs a registry to record from",
        ),
        (
            {"registry_mode": "live"},
            {},
            {"REGISTRY_URL": ""},
            "--registry-mode='live' needs a registry: pass --registry-url",
        ),
        (
            {},
            {"registry_mode": "replay"},
            {},
            "ini registry_mode='replay' needs a cassette and there is none at ",
        ),
        (
            {},
            {},
            {"REGISTRY_TIMEOUT": "0"},
            "REGISTRY_TIMEOUT='0': expected seconds as a number > 0",
        ),
    ],
)
def test_bad_values_name_their_origin(
    tmp_path: Path, cli: dict[str, str], ini: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(cli, ini, environ, rootdir=tmp_path)

    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("where", ["cli", "ini", "environment"])
def test_a_bad_url_is_shown_without_its_credentials(tmp_path: Path, where: str) -> None:
    url = "ftp://user:S3CRET@registry.example.com/api?token=TOK123"
    sources: dict[str, dict[str, str]] = {"cli": {}, "ini": {}, "environment": {}}
    key = "REGISTRY_URL" if where == "environment" else "registry_url"
    sources[where][key] = url

    with pytest.raises(ConfigError) as caught:
        resolve_settings(sources["cli"], sources["ini"], sources["environment"], rootdir=tmp_path)

    message = str(caught.value)
    assert "S3CRET" not in message and "TOK123" not in message
    assert "ftp://registry.example.com/api?token=***" in message
