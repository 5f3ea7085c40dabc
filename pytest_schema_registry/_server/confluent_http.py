"""What the Confluent dialect's reads and writes share: errors, the routed call, path arguments.

`fail(status, code, message)` builds Confluent's `{"error_code", "message"}` answer (the handler
renders it); `Call` is one routed request; the rest parse versions and flags the way
Confluent's clients send them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .compat import Compatibility
from .confluent_ids import MAX_ID
from .confluent_schema import SubjectVersion
from .confluent_store import SubjectStore
from .disk import parse_json, whole_number
from .routes import HTTPError, Request

__all__ = [
    "Call",
    "Handler",
    "effective_level",
    "fail",
    "flag",
    "one_version",
    "subject_versions",
    "version_arg",
]


def fail(status: int, code: int, message: str) -> HTTPError:
    """Return the error to raise for a Confluent answer: `raise fail(404, 40401, "...")`."""
    return HTTPError(status, message, {"error_code": code})


@dataclass(frozen=True, slots=True)
class Call:
    """One routed request: the path's variable parts in order, the query, the store's settings."""

    args: tuple[str, ...]
    request: Request
    compatibility: Compatibility

    @property
    def query(self) -> dict[str, str]:
        return self.request.query

    def json(self) -> Any:
        """Decode the body; 400 when it is not JSON."""
        try:
            return parse_json(self.request.body or b"null", "request body")
        except ValueError as exc:
            raise fail(400, 400, str(exc)) from None

    def object(self) -> dict[str, Any]:
        """Decode a body that must be a JSON object; 422 otherwise."""
        body = self.json()
        if not isinstance(body, dict):
            raise fail(422, 422, "the request body should be a JSON object")
        return body


Handler = Callable[[SubjectStore, Call], tuple[int, Any]]


def flag(query: dict[str, str], name: str) -> bool:
    """Read a boolean query parameter: clients send `true`, `True` or `false`."""
    return query.get(name, "").strip().lower() == "true"


def version_arg(text: str) -> int | None:
    """Parse a version path segment: a number from 1 to 2**31-1, or None for latest (-1)."""
    if text in ("latest", "-1"):
        return None
    version = whole_number(text, MAX_ID)
    if version:
        return version
    raise fail(
        422,
        42202,
        f"The specified version '{text:.40}' is not a valid version id. Allowed values are "
        'between [1, 2^31-1] and the string "latest"',
    )


def subject_versions(store: SubjectStore, subject: str, deleted: bool) -> list[SubjectVersion]:
    """Return the subject's versions; 40401 when it has none (none live, without `deleted`)."""
    versions = store.versions(subject, deleted=deleted)
    if not versions:
        raise fail(404, 40401, f"Subject '{subject}' not found.")
    return versions


def one_version(
    store: SubjectStore, subject: str, text: str, deleted: bool = False
) -> SubjectVersion:
    """Return the version a path names; 42202 for a bad number, 40401/40402 when missing."""
    number = version_arg(text)
    versions = subject_versions(store, subject, deleted)
    if number is None:
        return versions[-1]
    found = next((v for v in versions if v.version == number), None)
    if found is None:
        raise fail(404, 40402, f"Version {number} not found.")
    return found


def effective_level(store: SubjectStore, subject: str | None, settings: Compatibility) -> str:
    """Return the level that applies: the subject's, else the global `config.json`, else ours."""
    return (subject and store.level(subject)) or store.level(None) or settings.level
