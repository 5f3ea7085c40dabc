"""Turn pytest options, ini keys and environment variables into one frozen settings object.

Every plugin option is declared once here (flag, ini key, environment variable, help), so the
plugin registers them by looping and the precedence rule lives in one function:
**command line > ini file > environment > default**. A bad value raises `ConfigError` naming where
it came from (`--registry-timeout`, `ini registry_timeout` or `REGISTRY_TIMEOUT`), the value and
the accepted form. This module is pytest-free: the plugin only hands it three mappings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._config import ENV_VARIABLES, RegistryConfig
from ._errors import ConfigError
from ._secrets import redact_url

__all__ = ["MODES", "OPTIONS", "Option", "PluginSettings", "resolve_settings"]

MODES = ("auto", "live", "off")


@dataclass(frozen=True, slots=True)
class Option:
    """One setting, as a command-line flag, an ini key and (maybe) an environment variable."""

    dest: str
    help: str
    metavar: str
    env: str | None = None
    default: str | None = None
    secret: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.dest.replace("_", "-")

    @property
    def ini(self) -> str:
        return self.dest


OPTIONS: tuple[Option, ...] = (
    Option(
        "registry_url",
        "base URL of the schema registry, e.g. http://127.0.0.1:8081",
        "URL",
        env="REGISTRY_URL",
    ),
    Option(
        "registry_token",
        "bearer token for the registry (never printed; prefer the "
        "environment variable to the command line)",
        "TOKEN",
        env="REGISTRY_TOKEN",
        secret=True,
    ),
    Option(
        "schema_track",
        "track to prefer (default: v2)",
        "TRACK",
        env="SCHEMA_PREFER_TRACK",
        default="v2",
    ),
    Option(
        "schema_fallback_track",
        "track to fall back to, 'none' for none (default: v1)",
        "TRACK",
        env="SCHEMA_FALLBACK_TRACK",
        default="v1",
    ),
    Option(
        "registry_timeout",
        "seconds one registry request may take (default: 30)",
        "SECONDS",
        env="REGISTRY_TIMEOUT",
        default="30",
    ),
    Option(
        "registry_cache_ttl",
        "seconds a fetched schema stays fresh (default: 300)",
        "SECONDS",
        env="REGISTRY_CACHE_TTL",
        default="300",
    ),
    Option(
        "registry_mode",
        "auto: live when a URL is given; live: use the registry; "
        "off: no registry, registry tests skip (default: auto)",
        "MODE",
        default="auto",
    ),
    Option(
        "registry_required",
        "fail, instead of skip, tests that need a registry when none "
        "is configured (default: false)",
        "BOOL",
        default="false",
    ),
)

# Option -> RegistryConfig field it sets (the rest of the config comes from the environment).
_FIELDS = {
    "registry_url": "url",
    "registry_token": "token",
    "schema_track": "prefer_track",
    "schema_fallback_track": "fallback_track",
    "registry_timeout": "timeout",
    "registry_cache_ttl": "cache_ttl",
}


@dataclass(frozen=True, slots=True)
class PluginSettings:
    """What the plugin runs with: the runtime config, the mode, and where each value came from."""

    config: RegistryConfig
    mode: str = "auto"
    required: bool = False
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Say whether tests talk to a registry."""
        return self.mode != "off" and self.config.url is not None

    @property
    def source(self) -> str:
        """Describe where schemas come from, without credentials."""
        if self.mode == "off":
            return "nowhere (--registry-mode=off)"
        if self.config.url is None:
            return "nowhere (no registry URL)"
        return f"{redact_url(self.config.url)} (live)"

    def missing_registry_message(self) -> str:
        """Say exactly what to pass when a test needs a registry and there is none."""
        if self.mode == "off":
            return "schema registry disabled by --registry-mode=off"
        return (
            "no schema registry configured: pass --registry-url URL, set REGISTRY_URL, or add "
            "registry_url to the [pytest] ini section (try `schema-registry serve DIR` locally)"
        )


def resolve_settings(
    cli: Mapping[str, Any], ini: Mapping[str, Any], environ: Mapping[str, str]
) -> PluginSettings:
    """Pick each option from the first of command line, ini, environment, default; validate all."""
    chosen: dict[str, str | None] = {}
    origins: dict[str, str] = {}
    for option in OPTIONS:
        value, origin = _pick(option, cli, ini, environ)
        chosen[option.dest], origins[option.dest] = value, origin
    overrides = {
        field_name: _parse(option_dest, chosen[option_dest], origins[option_dest])
        for option_dest, field_name in _FIELDS.items()
        if chosen[option_dest] is not None
    }
    mode = _mode(chosen["registry_mode"], origins["registry_mode"])
    overrides["enabled"] = mode != "off" and bool(overrides.get("url"))
    config = RegistryConfig.from_env(environ, **overrides)
    required = _flag(chosen["registry_required"], origins["registry_required"])
    return PluginSettings(config=config, mode=mode, required=required, origins=origins)


def _pick(
    option: Option, cli: Mapping[str, Any], ini: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[str | None, str]:
    candidates: list[tuple[Any, str]] = [
        (cli.get(option.dest), option.flag),
        (ini.get(option.ini), f"ini {option.ini}"),
    ]
    if option.env:
        candidates.append((environ.get(option.env), option.env))
    for value, origin in candidates:
        if value is not None and str(value).strip() != "":
            return str(value).strip(), origin
    return option.default, "default"


def _parse(dest: str, raw: str | None, origin: str) -> Any:
    """Parse with the same parser the environment uses, naming `origin` in any complaint."""
    field_name = _FIELDS[dest]
    if field_name == "fallback_track" and raw is not None and raw.lower() == "none":
        return None
    parser: Callable[[str, str], Any] = next(
        parse for name, parse in ENV_VARIABLES.values() if name == field_name
    )
    try:
        return parser(origin, raw or "")
    except ValueError as exc:
        raise ConfigError(f"{origin}={_shown(dest, raw)}: {exc}") from None


def _mode(raw: str | None, origin: str) -> str:
    value = (raw or "auto").lower()
    if value not in MODES:
        raise ConfigError(f"{origin}={raw!r}: expected one of {', '.join(MODES)}")
    return value


def _flag(raw: str | None, origin: str) -> bool:
    value = (raw or "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError(f"{origin}={raw!r}: expected true or false")
    return value in ("true", "1", "yes")


def _shown(dest: str, raw: str | None) -> str:
    secret = next(o.secret for o in OPTIONS if o.dest == dest)
    return "'***'" if secret else repr(raw)
