"""Draw the one exception tree every part of the package raises from.

```
SchemaRegistryError             catch this to catch everything we raise
├── SchemaNotFoundError         the registry has no such schema (404)
├── RegistryAuthError           the token is missing or rejected (401/403)
├── RegistryUnavailableError    connect error, timeout, 5xx; error_type: timeout|network|server
├── RegistryRequestError        the registry refused the request (other 4xx, 501)
├── RegistryResponseError       the answer breaks the API's promises (not JSON, wrong shape)
├── SchemaIntegrityError        content does not hash to the published sha256 (strict only)
├── SchemaCompileError          the schema itself is broken: bad regex, unknown dialect, bad $ref
└── ConfigError (a ValueError)  a setting we cannot use: names setting, value, accepted form
```

Errors carry what they are about as attributes (`name`, `track`, `url`, ...) so callers and metrics
need not parse messages. Messages and attributes never hold a token: URLs are stripped of userinfo
and secret query parameters before an error sees them.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ConfigError",
    "RegistryAuthError",
    "RegistryRequestError",
    "RegistryResponseError",
    "RegistryUnavailableError",
    "SchemaCompileError",
    "SchemaIntegrityError",
    "SchemaNotFoundError",
    "SchemaRegistryError",
    "UnavailableReason",
]

UnavailableReason = Literal["timeout", "network", "server"]


class SchemaRegistryError(Exception):
    """Root of every error this package raises on purpose.

    `error_type` is the label metrics and reports use for it (`not_found`, `timeout`, ...).
    """

    error_type: str = "error"

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        track: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.track = track
        self.url = url
        self.status_code = status_code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class SchemaNotFoundError(SchemaRegistryError):
    """Report that the registry has no schema under that name, track, version or id."""

    error_type = "not_found"


class RegistryAuthError(SchemaRegistryError):
    """Report that the registry wants a token, or rejected the one it was given."""

    error_type = "auth"


class RegistryUnavailableError(SchemaRegistryError):
    """Report that the registry could not answer: unreachable, too slow, or failing (5xx).

    `error_type` sorts the cause for metrics and degradation decisions: `timeout`, `network` or
    `server`. `retry_after` holds the delay the registry asked for, when it asked for one.
    """

    def __init__(
        self,
        message: str,
        *,
        error_type: UnavailableReason,
        name: str | None = None,
        track: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, name=name, track=track, url=url, status_code=status_code)
        self.error_type: UnavailableReason = error_type
        self.retry_after = retry_after


class RegistryRequestError(SchemaRegistryError):
    """Report that the registry understood the request and refused it (400, 409, 422, 501, ...)."""

    error_type = "request"


class RegistryResponseError(SchemaRegistryError):
    """Report an answer that breaks the API's promises: not JSON, wrong shape, a missing key."""

    error_type = "response"


class SchemaIntegrityError(SchemaRegistryError):
    """Report schema content whose sha256 differs from the one the registry published."""

    error_type = "integrity"

    def __init__(
        self,
        message: str,
        *,
        expected: str,
        actual: str,
        name: str | None = None,
        track: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, name=name, track=track, url=url)
        self.expected = expected
        self.actual = actual


class SchemaCompileError(SchemaRegistryError):
    """Report a schema that cannot be compiled into a validator; the message says why."""

    error_type = "invalid_schema"


class ConfigError(SchemaRegistryError, ValueError):
    """Report a setting we cannot use, naming the setting, the value and the accepted form."""

    error_type = "config"
