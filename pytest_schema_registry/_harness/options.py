"""Turn the pytest plugin's options, ini keys and environment variables into `PluginSettings`.

These are the plugin's options, not the runtime configuration: `PluginSettings.config` is the
`RegistryConfig` (`_core/config.py`) a service would build; the rest says how the test run reaches
the registry and where its cassette and snapshots live.

Every plugin option is declared once here (flag, ini key, environment variable, help), so the
plugin registers them by looping and the precedence rule lives in one function:
**command line > ini file > environment > default**. A bad value raises `ConfigError` naming where
it came from (`--registry-timeout`, `ini registry_timeout` or `REGISTRY_TIMEOUT`), the value and
the accepted form. This module is pytest-free: the plugin only hands it three mappings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from .._core.config import ENV_VARIABLES, RegistryConfig, parse_boolean, shown_value
from .._core.errors import ConfigError
from .._core.secrets import redact_url

__all__ = [
    "ACCESS_CHOICES",
    "CASSETTE_NAME",
    "OPTIONS",
    "RECORD_SCOPES",
    "Access",
    "Option",
    "PluginSettings",
    "RecordScope",
    "resolve_settings",
]

# The cassette's file name; kept here so loading settings never imports vcrpy.
CASSETTE_NAME = "schema_registry.yaml"

# How this run reaches the registry (`--registry-mode`). `auto` settles into live (a URL), replay
# (a cassette) or, with neither, `none`: then tests that need a registry skip, saying why.
Access = Literal["replay", "record", "live", "off", "none"]
ACCESS_CHOICES = ("auto", "replay", "record", "live", "off")
# What `--registry-record` keeps in the cassette: `new` adds to it, `all` records it afresh.
RecordScope = Literal["new", "all"]
RECORD_SCOPES: tuple[RecordScope, ...] = get_args(RecordScope)


@dataclass(frozen=True, slots=True)
class Option:
    """One setting, as a command-line flag, an ini key and (maybe) an environment variable."""

    dest: str
    help: str
    metavar: str
    env: str | None = None
    default: str | None = None
    secret: bool = False
    flag_only: bool = False  # `--schema-snapshot-update`, no value (the ini key takes true/false)

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
        "bearer token for the registry (never printed or recorded; "
        "prefer the environment variable to the command line)",
        "TOKEN",
        env="REGISTRY_TOKEN",
        secret=True,
    ),
    Option(
        "registry_dialect",
        "the registry's API: seed (tracks) or confluent (subjects: Confluent, Karapace, "
        "Apicurio at /apis/ccompat/v7, Redpanda) (default: seed)",
        "DIALECT",
        env="REGISTRY_DIALECT",
        default="seed",
    ),
    Option(
        "registry_subject_template",
        "confluent dialect: the subject of a schema name and track, with {name} and optionally "
        "{track} (default: {name}-value)",
        "TEMPLATE",
        env="REGISTRY_SUBJECT_TEMPLATE",
        default="{name}-value",
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
        "auto: live with a URL, else replay if a cassette exists; "
        "replay: cassette only, no network; record: live, saved to the cassette; "
        "live: registry only; off: registry tests skip (default: auto)",
        "MODE",
        default="auto",
    ),
    Option(
        "registry_record",
        "what record mode keeps: new (update and add to the cassette) "
        "or all (re-record it from scratch) (default: new)",
        "WHAT",
        default="new",
    ),
    Option(
        "registry_cassette_dir",
        "folder of the registry cassette (default: cassettes)",
        "DIR",
        default="cassettes",
    ),
    Option(
        "schema_snapshot_dir",
        "folder of schema snapshots (default: tests/contracts/schemas)",
        "DIR",
        default="tests/contracts/schemas",
    ),
    Option(
        "schema_snapshot_update",
        "rewrite the snapshots from the registry instead of failing on drift",
        "",
        default="false",
        flag_only=True,
    ),
    Option(
        "schema_snapshot_prune",
        "delete the snapshots no test used; full runs only (never with -k, -m, deselected "
        "tests or test ids)",
        "",
        default="false",
        flag_only=True,
    ),
    Option(
        "registry_required",
        "fail, instead of skip, tests that need a registry when none is configured",
        "",
        default="false",
        flag_only=True,
    ),
)

# Option -> RegistryConfig field it sets (the rest of the config comes from the environment).
_FIELDS = {
    "registry_url": "url",
    "registry_token": "token",
    "registry_dialect": "dialect",
    "registry_subject_template": "subject_template",
    "schema_track": "prefer_track",
    "schema_fallback_track": "fallback_track",
    "registry_timeout": "timeout",
    "registry_cache_ttl": "cache_ttl",
}


@dataclass(frozen=True, slots=True)
class PluginSettings:
    """What the plugin runs with: runtime config, registry access, paths, and their origins."""

    config: RegistryConfig
    access: Access = "live"
    required: bool = False
    record_scope: RecordScope = "new"
    cassette_path: Path = Path("cassettes") / CASSETTE_NAME
    snapshot_dir: Path = Path("tests/contracts/schemas")
    snapshot_update: bool = False
    snapshot_prune: bool = False
    run_id: str = ""
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        """Say whether tests can reach a registry: live, or replayed from a cassette."""
        if self.access == "replay":
            return self.cassette_path.is_file()
        return self.access in ("live", "record") and self.config.url is not None

    @property
    def source(self) -> str:
        """Describe where schemas come from, without credentials."""
        if self.access == "replay":
            return f"{self.cassette_path} (replay)"
        if self.access == "record":
            return f"{redact_url(self.config.url or '')} (record to {self.cassette_path})"
        if self.access == "live" and self.config.url:
            return f"{redact_url(self.config.url)} (live)"
        return "nowhere"

    def record_command(self, recorded_url: str | None = None) -> str:
        """Return the command line that records the cassette (against `recorded_url` in replay)."""
        url = self.config.url or recorded_url
        shown = redact_url(url) if url else "URL"
        return f"pytest --registry-mode=record --registry-url={shown}{self._carried()}"

    def update_command(self, recorded_url: str | None = None) -> str:
        """Return the exact command that accepts drift: this run's registry, snapshots updated.

        With a cassette in the project, accepting drift re-records it too: otherwise the next
        offline run would find the cassette stale against the snapshots just accepted.
        """
        if self.access == "replay" or not self.config.url:
            return self.record_command(recorded_url) + " --schema-snapshot-update"
        recording = self.access == "record" or self.cassette_path.is_file()
        mode = "--registry-mode=record " if recording else ""
        url = redact_url(self.config.url)
        return f"pytest {mode}--registry-url={url}{self._carried()} --schema-snapshot-update"

    def _carried(self) -> str:
        """Repeat the command-line options a printed command needs to act on the same files."""
        carried = [
            f" {self.origins[dest]}={value}"
            for dest, value in self._carried_values()
            if self.origins.get(dest, "").startswith("--")
        ]
        return "".join(carried)

    def _carried_values(self) -> list[tuple[str, str]]:
        return [
            ("registry_cassette_dir", str(self.cassette_path.parent)),
            ("schema_snapshot_dir", str(self.snapshot_dir)),
            ("registry_dialect", self.config.dialect),
            ("registry_subject_template", self.config.subject_template),
            ("schema_track", self.config.prefer_track),
            ("schema_fallback_track", self.config.fallback_track or "none"),
        ]

    def missing_registry_message(self) -> str:
        """Say exactly what to pass when a test needs a registry and there is none."""
        if self.access == "off":
            return "schema registry disabled by --registry-mode=off"
        if self.access == "replay":
            return (
                f"no registry cassette at {self.cassette_path}: record one with "
                f"{self.record_command()}"
            )
        return (
            "no schema registry configured: pass --registry-url URL, set REGISTRY_URL, or add "
            "registry_url to the [pytest] ini section (try `schema-registry serve DIR` locally); "
            f"or replay a cassette: none at {self.cassette_path} (record one with "
            f"{self.record_command()})"
        )


def resolve_settings(
    cli: Mapping[str, Any],
    ini: Mapping[str, Any],
    environ: Mapping[str, str],
    *,
    rootdir: Path = Path(),
    run_id: str = "",
) -> PluginSettings:
    """Pick each option from the first of command line, ini, environment, default; validate all."""
    chosen: dict[str, str | None] = {}
    origins: dict[str, str] = {}
    for option in OPTIONS:
        chosen[option.dest], origins[option.dest] = _pick(option, cli, ini, environ)
    overrides = {
        field_name: _parse(option_dest, chosen[option_dest], origins[option_dest])
        for option_dest, field_name in _FIELDS.items()
        if chosen[option_dest] is not None
    }
    cassette_path = rootdir / (chosen["registry_cassette_dir"] or "cassettes") / CASSETTE_NAME
    access = _settle_access(
        chosen["registry_mode"], origins["registry_mode"], overrides.get("url"), cassette_path
    )
    overrides["enabled"] = access in ("live", "record") and bool(overrides.get("url"))
    scope = _one_of(chosen["registry_record"], origins["registry_record"], RECORD_SCOPES)
    return PluginSettings(
        config=RegistryConfig.from_env(environ, **overrides),
        access=access,
        required=_flag(chosen["registry_required"], origins["registry_required"]),
        record_scope=cast(RecordScope, scope),
        cassette_path=cassette_path,
        snapshot_dir=rootdir / (chosen["schema_snapshot_dir"] or "tests/contracts/schemas"),
        snapshot_update=_flag(chosen["schema_snapshot_update"], origins["schema_snapshot_update"]),
        snapshot_prune=_flag(chosen["schema_snapshot_prune"], origins["schema_snapshot_prune"]),
        run_id=run_id,
        origins=origins,
    )


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


def _settle_access(raw: str | None, origin: str, url: str | None, cassette: Path) -> Access:
    """Settle `--registry-mode`; an explicit mode that cannot be honoured stops the run."""
    access = _one_of(raw, origin, ACCESS_CHOICES)
    if access == "record" and not url:
        raise ConfigError(
            f"{origin}={raw!r} needs a registry to record from: pass --registry-url URL "
            "(or set REGISTRY_URL)"
        )
    if access == "live" and not url:
        raise ConfigError(
            f"{origin}={raw!r} needs a registry: pass --registry-url URL (or set REGISTRY_URL, "
            "or registry_url in the ini file)"
        )
    if access == "replay" and not cassette.is_file():
        raise ConfigError(
            f"{origin}={raw!r} needs a cassette and there is none at {cassette}: record one "
            "with pytest --registry-mode=record --registry-url URL (or point "
            "--registry-cassette-dir at it; relative paths start at the rootdir)"
        )
    if access == "auto":
        return "live" if url else ("replay" if cassette.is_file() else "none")
    return cast(Access, access)


def _one_of(raw: str | None, origin: str, options: tuple[str, ...]) -> str:
    value = (raw or options[0]).lower()
    if value not in options:
        raise ConfigError(f"{origin}={raw!r}: expected one of {', '.join(options)}")
    return value


def _flag(raw: str | None, origin: str) -> bool:
    try:
        return parse_boolean(origin, raw or "false")
    except ValueError as exc:
        raise ConfigError(f"{origin}={raw!r}: {exc}") from None


def _shown(dest: str, raw: str | None) -> str:
    return shown_value(_FIELDS[dest], raw)
