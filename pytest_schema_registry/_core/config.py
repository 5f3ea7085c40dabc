"""Hold every runtime setting in one frozen object, read from the environment only when asked.

The seed read its configuration at import time, so a test could not change it and a typo surfaced
as a crash far from its cause. Here `RegistryConfig.from_env()` reads when called, and every bad
value raises `ConfigError` naming the variable, the value and the accepted form.

This is the *runtime* configuration services use. The pytest plugin's own options (mode, cassette,
snapshots) are resolved in `_harness/options.py` into `PluginSettings`, which carries one of these.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, TypeVar, cast, get_args
from urllib.parse import urlsplit

from .errors import ConfigError
from .secrets import redact_url
from .subjects import DEFAULT_SUBJECT_TEMPLATE, SubjectTemplate

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ENV_VARIABLES",
    "Backend",
    "Dialect",
    "RegistryConfig",
    "ValidationMode",
    "check_basic_auth",
    "check_seconds",
    "check_token",
    "check_url",
    "check_whole",
    "normalize_validation_mode",
    "parse_boolean",
    "shown_value",
]

ValidationMode = Literal["off", "log", "enforce"]
Backend = Literal["jsonschema-rs", "jsonschema"]
Dialect = Literal["seed", "confluent"]

_VALIDATION_MODE_ALIASES: dict[str, ValidationMode] = {"warn": "log", "strict": "enforce"}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_T = TypeVar("_T")
# A registry answer past this is refused: the largest real schema answer is well under 1 MiB.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RegistryConfig:
    """Everything a `SchemaManager` needs to know, validated on construction.

    `validation_mode` decides what invalid payloads cost: `off` validates nothing, `log` reports
    and lets them through, `enforce` rejects them. `fail_open` decides what enforce mode does
    when no schema can be had: let the payload through (True, the seed's behaviour) or report it
    as not validated (False). `dialect` is the registry's API: "seed" (tracks) or "confluent"
    (Confluent, Karapace, Apicurio's ccompat, Redpanda), where `subject_template` maps a schema
    name and track onto a subject. `basic_auth` ("user:secret", a Confluent Cloud API key and
    secret) and `token` (Bearer) are the two ways to authenticate.
    """

    enabled: bool = False
    url: str | None = None
    token: str | None = None
    cache_ttl: float = 300.0
    timeout: float = 30.0
    prefer_track: str = "v2"
    fallback_track: str | None = "v1"
    validation_mode: ValidationMode = "log"
    fail_open: bool = True
    max_depth: int = 256
    max_errors: int = 50
    backend: Backend = "jsonschema-rs"
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    dialect: Dialect = "seed"
    subject_template: str = DEFAULT_SUBJECT_TEMPLATE
    basic_auth: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "validation_mode", normalize_validation_mode(self.validation_mode))
        object.__setattr__(self, "backend", _literal_value("backend", self.backend, Backend))
        object.__setattr__(self, "dialect", _literal_value("dialect", self.dialect, Dialect))
        SubjectTemplate.of(self.subject_template)
        object.__setattr__(self, "basic_auth", check_basic_auth(self.basic_auth))
        check_seconds("cache_ttl", self.cache_ttl, allow_zero=True)
        check_seconds("timeout", self.timeout, allow_zero=False)
        check_whole("max_depth", self.max_depth, minimum=1)
        check_whole("max_errors", self.max_errors, minimum=1)
        check_whole("max_response_bytes", self.max_response_bytes, minimum=1)
        if not self.prefer_track:
            raise ConfigError("prefer_track='': expected a track name such as v2")
        if self.fallback_track == "":
            object.__setattr__(self, "fallback_track", None)
        object.__setattr__(self, "token", check_token(self.token))
        if self.url is not None:
            object.__setattr__(self, "url", self.url.strip() or None)
        if self.url is not None:
            try:
                check_url(self.url)
            except ValueError as exc:
                raise ConfigError(f"url={redact_url(self.url)!r}: {exc}") from None
        if self.enabled and not self.url:
            raise ConfigError(
                "enabled=True without url: set the registry URL (REGISTRY_URL), "
                "e.g. https://registry.example.com/api/v1, or disable validation"
            )

    def __repr__(self) -> str:
        """Show every setting but secrets: no token, no URL password or `?token=` value."""
        shown = ", ".join(f"{f.name}={self._shown(f.name)}" for f in fields(self))
        return f"RegistryConfig({shown})"

    def _shown(self, name: str) -> str:
        value = getattr(self, name)
        return repr(value) if value is None else shown_value(name, value)

    @property
    def active(self) -> bool:
        """Say whether payloads get validated at all."""
        return self.enabled and self.validation_mode != "off"

    def with_changes(self, **changes: Any) -> RegistryConfig:
        """Return a copy with `changes` applied and validated."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> RegistryConfig:
        """Read the `REGISTRY_*` / `SCHEMA_*` variables now; `overrides` win over them."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for variable, (field_name, parse) in ENV_VARIABLES.items():
            raw = env.get(variable)
            # An overridden variable is not parsed: a value that loses precedence cannot fail.
            if raw is not None and field_name not in values and field_name not in overrides:
                values[field_name] = _parse_env(variable, raw, parse, field_name)
        values.update(overrides)
        if "enabled" not in values and values.get("url"):
            values["enabled"] = True  # a URL alone says "use this registry"
        return cls(**values)


def _parse_env(variable: str, raw: str, parse: Callable[[str, str], Any], field_name: str) -> Any:
    """Parse one variable, re-raising any complaint with the variable's name and value."""
    try:
        return parse(variable, raw)
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"{variable}={shown_value(field_name, raw)}: {exc}") from None


def shown_value(field_name: str, raw: object) -> str:
    """Render a setting's value for a message: never a token, never a URL's credentials."""
    if field_name in ("token", "basic_auth"):
        return "'***'"
    if field_name == "url" and isinstance(raw, str):
        return repr(redact_url(raw))
    return repr(raw)


def _text(variable: str, raw: str) -> str | None:
    return raw.strip() or None


def _url(variable: str, raw: str) -> str | None:
    return check_url(raw.strip()) if raw.strip() else None


def check_token(token: str | None) -> str | None:
    """Accept a token that can travel in a header: surrounding whitespace (a file's trailing
    newline) is dropped; anything else that is not printable ASCII is refused, unquoted."""
    if token is None:
        return None
    stripped = token.strip()
    if not all(" " < character < "\x7f" for character in stripped):
        raise ConfigError(
            f"token: {len(stripped)} characters, not all printable ASCII without spaces "
            "(it travels in an HTTP header); the value is not shown"
        )
    return stripped or None


def check_basic_auth(pair: str | None) -> str | None:
    """Accept `user:secret` for HTTP Basic auth (a Confluent Cloud API key and secret); never
    show it: the refusal says what is wrong, not what was given."""
    if pair is None:
        return None
    stripped = pair.strip()
    if not stripped:
        return None
    user, colon, _ = stripped.partition(":")
    if not colon or not user or not all(" " <= c < "\x7f" for c in stripped):
        raise ConfigError(
            f"basic_auth: {len(stripped)} characters, not 'user:secret' in printable ASCII "
            "(e.g. an API key and its secret joined by a colon); the value is not shown"
        )
    return stripped


def check_url(url: str) -> str:
    """Accept an absolute http(s) URL; complain in the form every caller prefixes with its name."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "expected an absolute http:// or https:// URL such as http://127.0.0.1:8081 "
            "or https://registry.example.com/api/v1"
        )
    return url


def parse_boolean(variable: str, raw: str) -> bool:
    """Read true/false (also 1/0, yes/no, on/off), case-insensitively."""
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true or false (also 1/0, yes/no, on/off)")


def _seconds_parser(*, allow_zero: bool) -> Callable[[str, str], float]:
    bound = ">= 0" if allow_zero else "> 0"

    def parse(variable: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            raise ValueError(f"expected seconds as a number {bound}")
        return value

    return parse


def _integer(variable: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError("expected a whole number >= 1")
    return value


def _track(variable: str, raw: str) -> str:
    if not raw.strip():
        raise ValueError("expected a track name such as v2")
    return raw.strip()


def _validation_mode(variable: str, raw: str) -> str:
    value = raw.strip().lower()
    accepted = [*get_args(ValidationMode), *_VALIDATION_MODE_ALIASES]
    if value not in accepted:
        raise ValueError(f"expected one of {', '.join(accepted)}")
    return value


def _dialect(variable: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in get_args(Dialect):
        raise ValueError(f"expected one of {', '.join(get_args(Dialect))}")
    return value


def _subject_template(variable: str, raw: str) -> str:
    try:
        return SubjectTemplate.of(raw.strip(), variable).text
    except ConfigError as exc:
        raise ValueError(str(exc).partition(": ")[2]) from None


def _backend(variable: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in get_args(Backend):
        raise ValueError(f"expected one of {', '.join(get_args(Backend))}")
    return value


# Variable -> (RegistryConfig field, parser). Earlier variables win when two name one field.
ENV_VARIABLES: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "REGISTRY_ENABLED": ("enabled", parse_boolean),
    "REGISTRY_URL": ("url", _url),
    "REGISTRY_TOKEN": ("token", _text),
    "REGISTRY_CACHE_TTL": ("cache_ttl", _seconds_parser(allow_zero=True)),
    "REGISTRY_TIMEOUT": ("timeout", _seconds_parser(allow_zero=False)),
    "SCHEMA_PREFER_TRACK": ("prefer_track", _track),
    "SCHEMA_FALLBACK_TRACK": ("fallback_track", _text),  # empty: no fallback
    "REGISTRY_VALIDATION_MODE": ("validation_mode", _validation_mode),
    "REGISTRY_ENFORCEMENT": ("validation_mode", _validation_mode),  # the seed's name for it
    "REGISTRY_FAIL_OPEN": ("fail_open", parse_boolean),
    "REGISTRY_MAX_DEPTH": ("max_depth", _integer),
    "REGISTRY_VALIDATOR": ("backend", _backend),
    "REGISTRY_MAX_RESPONSE_BYTES": ("max_response_bytes", _integer),
    "REGISTRY_DIALECT": ("dialect", _dialect),
    "REGISTRY_SUBJECT_TEMPLATE": ("subject_template", _subject_template),
    "REGISTRY_BASIC_AUTH": ("basic_auth", _text),
}


def _literal_value(name: str, value: object, options: Any) -> Any:
    accepted = get_args(options)
    if value not in accepted:
        raise ConfigError(f"{name}={value!r}: expected one of {', '.join(accepted)}")
    return value


def normalize_validation_mode(value: object, name: str = "validation_mode") -> ValidationMode:
    """Accept off/log/enforce, or the seed's warn/strict for log/enforce."""
    mode = _VALIDATION_MODE_ALIASES.get(str(value).lower(), value)
    return _literal_value(name, mode, ValidationMode)  # type: ignore[no-any-return]


def check_seconds(name: str, value: object, *, allow_zero: bool) -> float:
    """Accept a finite number of seconds (> 0, or >= 0 with `allow_zero`); return it as float."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    number = cast(float, value)
    if not ok or not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{name}={value!r}: expected seconds as a number {bound}")
    return float(number)


def check_whole(name: str, value: object, *, minimum: int) -> None:
    """Accept a whole number (not a bool) of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name}={value!r}: expected a whole number >= {minimum}")
