"""Translate what the registry answered (or failed to) into the package's error tree.

Every message names the call (`GET url`), redacts credentials, and says what to do where there is
something to do (a wrong base URL, a redirect, a missing token).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .._core.errors import (
    RegistryAuthError,
    RegistryRequestError,
    RegistryResponseError,
    RegistryUnavailableError,
    SchemaNotFoundError,
    SchemaRegistryError,
    UnavailableReason,
)
from .._core.secrets import redact_text, redact_url
from .retry import RETRYABLE_STATUS, parse_retry_after

Secrets = tuple[str, ...]  # every credential this client holds: masked wherever text goes out

__all__ = [
    "Call",
    "Secrets",
    "about",
    "describe",
    "error_code",
    "response_error",
    "status_error",
    "unavailable",
]


@dataclass(frozen=True, slots=True)
class Call:
    """One logical request: what it is about, for error messages and metrics."""

    method: str
    url: str
    name: str | None = None
    track: str | None = None
    params: Mapping[str, str] | None = None
    json: Any = None
    schema_lookup: bool = False  # a 404 here means "no such schema", not "wrong base URL"

    @property
    def label(self) -> str:
        return f"{self.method} {redact_url(self.url)}"


# Confluent's codes for "no such subject / version / schema" (and their soft-deleted forms).
_CONFLUENT_NOT_FOUND = frozenset({40401, 40402, 40403, 40404, 40406})


def status_error(
    call: Call, response: httpx.Response, secrets: Secrets, credential: str = "token"
) -> SchemaRegistryError:
    """Map a non-2xx status (and a Confluent `error_code`) to the error a caller can act on.

    `credential` names what the request carried, for a 401/403: "token" or Basic auth's pair.
    """
    status = response.status_code
    code = error_code(response)
    where = {"name": call.name, "track": call.track, "url": redact_url(call.url)}
    if status in RETRYABLE_STATUS or (status >= 500 and status != 501):
        return RegistryUnavailableError(
            f"{call.label}: registry answered {status} {response.reason_phrase}"
            f"{_registry_message(response, secrets)}",
            error_type="server",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            status_code=status,
            error_code=code,
            **where,
        )
    if status == 404 and code in _CONFLUENT_NOT_FOUND:
        said = _registry_message(response, secrets)
        why = f"schema {about(call)} not found ({code}{said})"
        return SchemaNotFoundError(
            f"{call.label}: {why}", status_code=status, error_code=code, **where
        )
    error_class, why = _explain_refusal(call, response, secrets, credential)
    return error_class(f"{call.label}: {why}", status_code=status, error_code=code, **where)


def error_code(response: httpx.Response) -> int | None:
    """Return a Confluent-style `{"error_code": 40401, ...}` body's code, None for other bodies."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return None
    code = body.get("error_code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _explain_refusal(
    call: Call, response: httpx.Response, secrets: Secrets, credential: str
) -> tuple[type[SchemaRegistryError], str]:
    """Say what a 3xx or 4xx (or 501) answer means for this call."""
    status, said = response.status_code, _registry_message(response, secrets)
    if status == 404 and call.schema_lookup:
        return SchemaNotFoundError, f"schema {about(call)} not found (404)"
    if status in (401, 403):
        verb = (
            f"rejected the {credential}" if secrets else "needs credentials (a token or basic auth)"
        )
        return RegistryAuthError, f"registry {verb} ({status}){said}"
    if status == 404:
        hint = "is the base URL right (does it need a path such as /api/v1)?"
        return RegistryRequestError, f"answered 404{said}; {hint}"
    if 300 <= status < 400:
        target = redact_url(response.headers.get("Location", "?"))
        return RegistryRequestError, f"redirected ({status}) to {target}; use that as base URL"
    return RegistryRequestError, f"registry refused the request ({status}){said}"


def _registry_message(response: httpx.Response, secrets: Secrets) -> str:
    """Return the registry's own explanation, trimmed, as a suffix; never echo the token."""
    try:
        body = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested past reading: show the text
        body = response.text
    if isinstance(body, dict):
        body = body.get("detail") or body.get("message") or body.get("error") or ""
    text = redact_text(str(body).strip(), *secrets)[:200]
    return f": {text}" if text else ""


def unavailable(
    call: Call, kind: UnavailableReason, why: str, secrets: Secrets
) -> RegistryUnavailableError:
    return RegistryUnavailableError(
        f"{call.label}: registry unavailable ({kind}): {redact_text(why, *secrets)}",
        error_type=kind,
        name=call.name,
        track=call.track,
        url=redact_url(call.url),
    )


def response_error(call: Call, why: str, secrets: Secrets) -> RegistryResponseError:
    return RegistryResponseError(
        f"{call.label}: {redact_text(why, *secrets)}",
        name=call.name,
        track=call.track,
        url=redact_url(call.url),
    )


def about(call: Call) -> str:
    """Describe what a lookup was for: `'name' on track v1` or the id."""
    name = repr(call.name)
    if call.params and "version" in call.params:
        name += f" version {call.params['version']!r}"
    return f"{name} on track {call.track}" if call.track else name


def describe(exc: httpx.TransportError) -> str:
    """Name a transport failure briefly: its class and its first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
