"""Draw the one exception tree every part of the package raises from.

```
SchemaRegistryError             catch this to catch everything we raise
├── SchemaNotFoundError         the registry has no such schema (404)
├── RegistryAuthError           the token is missing or rejected (401/403)
├── RegistryUnavailableError    connect error, timeout, 5xx, a rationed lookup (rate_limited)
├── RegistryRequestError        the registry refused the request (other 4xx, 501)
├── RegistryResponseError       the answer breaks the API's promises (not JSON, wrong shape)
├── SchemaIntegrityError        content does not hash to the published sha256 (strict only)
├── SchemaCompileError          the schema itself is broken: bad regex, unknown dialect, bad $ref
├── UnsupportedSchemaError      the payload generator cannot draw values for this (part of a) schema
├── DeadLetterError             the dead-letter sink failed: the message was not stored, do not ack
├── MalformedRecordError        a Kafka record has no Confluent framing, or its body is not JSON
├── RegistryNotConfiguredError  a test needs a registry (or a schema source) and has none
├── CassetteError               the registry cassette cannot be read
│   └── CassetteMissError       replay met a request the cassette never recorded
├── SnapshotError               the snapshot folder cannot be read, or a name cannot live in it
├── UploadConflictError         the embedded registry already holds that version, with other content
└── ConfigError (a ValueError)  a setting we cannot use: names setting, value, accepted form
```

Nothing raises the root itself: every error says what kind of trouble it is.

Errors carry what they are about as attributes (`name`, `track`, `url`, `status_code`, and a
Confluent-compatible registry's `error_code` such as 40401) so callers and metrics need not parse
messages. Messages and attributes never hold a token: URLs are stripped of userinfo
and secret query parameters before an error sees them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .models import DeadLetter

__all__ = [
    "CassetteError",
    "CassetteMissError",
    "ConfigError",
    "DeadLetterError",
    "MalformedRecordError",
    "RegistryAuthError",
    "RegistryNotConfiguredError",
    "RegistryRequestError",
    "RegistryResponseError",
    "RegistryUnavailableError",
    "SchemaCompileError",
    "SchemaIntegrityError",
    "SchemaNotFoundError",
    "SchemaRegistryError",
    "SnapshotError",
    "UnavailableReason",
    "UnsupportedSchemaError",
    "UploadConflictError",
]

UnavailableReason = Literal["timeout", "network", "server", "rate_limited"]


class SchemaRegistryError(Exception):
    """Root of every error this package raises on purpose; catch it to catch them all.

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
        error_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.track = track
        self.url = url
        self.status_code = status_code
        self.error_code = error_code  # a Confluent-compatible registry's own code, e.g. 40401

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class SchemaNotFoundError(SchemaRegistryError):
    """Raised when the registry has no schema under that name, track, version or id (404)."""

    error_type = "not_found"


class RegistryAuthError(SchemaRegistryError):
    """Raised when the registry wants a token, or rejected the one it was given (401/403)."""

    error_type = "auth"


class RegistryUnavailableError(SchemaRegistryError):
    """Raised when the registry could not answer: unreachable, too slow, or failing (5xx).

    `error_type` sorts the cause for metrics and degradation decisions: `timeout`, `network`,
    `server`, or `rate_limited` (a lookup of an unknown name the manager chose not to make:
    see `_runtime/admission.py`). `retry_after` holds the delay the registry asked for, when it
    asked for one.
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
        error_code: int | None = None,
    ) -> None:
        super().__init__(
            message,
            name=name,
            track=track,
            url=url,
            status_code=status_code,
            error_code=error_code,
        )
        self.error_type: UnavailableReason = error_type
        self.retry_after = retry_after


class RegistryRequestError(SchemaRegistryError):
    """Raised when the registry understood the request and refused it (400, 409, 422, 501, ...)."""

    error_type = "request"


class RegistryResponseError(SchemaRegistryError):
    """Raised when an answer breaks the API's promises: not JSON, wrong shape, a missing key."""

    error_type = "response"


class SchemaIntegrityError(SchemaRegistryError):
    """Raised when schema content does not hash to the sha256 the registry published (strict)."""

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
    """Raised when a schema cannot be compiled into a validator; the message says why."""

    error_type = "invalid_schema"


class UnsupportedSchemaError(SchemaRegistryError):
    """Raised when the generator cannot draw values for a schema; says which keyword and where."""

    error_type = "unsupported_schema"

    def __init__(self, keyword: str, path: str, why: str) -> None:
        super().__init__(f"{path}: cannot generate from {keyword!r}: {why}")
        self.keyword = keyword
        self.path = path


class DeadLetterError(SchemaRegistryError):
    """Raised when the dead-letter sink failed: do not acknowledge the message; it was not stored.

    `letter` holds the `DeadLetter` that could not be written, so nothing is lost.
    """

    error_type = "dead_letter_failed"

    def __init__(self, message: str, *, letter: DeadLetter) -> None:
        super().__init__(message, name=letter.schema, track=letter.track)
        self.letter = letter


class MalformedRecordError(SchemaRegistryError, ValueError):
    """Raised when a Kafka record names no writer schema (no Confluent framing) or holds no JSON.

    The record came from the broker, so from anyone who can produce to the topic; the message
    says what the bytes were, for the dead-letter reader.
    """

    error_type = "malformed"


class RegistryNotConfiguredError(SchemaRegistryError):
    """Raised when a test needs a registry or a schema source and has none; says what to pass."""

    error_type = "not_configured"


class CassetteError(SchemaRegistryError):
    """Raised when the registry cassette cannot be read; names the file and the reason."""

    error_type = "cassette"


class CassetteMissError(CassetteError):
    """Raised when replay meets a request the cassette never recorded; says how to record it."""

    error_type = "not_recorded"


class SnapshotError(SchemaRegistryError):
    """Raised when the snapshot folder cannot be read or a schema name cannot be stored in it."""

    error_type = "snapshot"


class UploadConflictError(SchemaRegistryError):
    """Raised when the embedded registry already holds that version with other content.

    Versions are immutable: consumers cache schemas by version.
    """

    error_type = "conflict"


class ConfigError(SchemaRegistryError, ValueError):
    """Raised for a setting we cannot use; names the setting, the value and the accepted form."""

    error_type = "config"
