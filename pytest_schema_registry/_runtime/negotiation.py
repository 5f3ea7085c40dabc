"""Choose the track whose schema judges a payload: preferred, unless missing, deprecated or down.

The seed's `negotiate()` fell back only on 404 (a 5xx on the preferred track raised at once) and
returned a deprecated fallback silently. Here the fallback also covers an unavailable preferred
track (when nothing is cached: a cached schema is better than a guess) and every compromise comes
back as a note for the caller to log.
"""

from __future__ import annotations

from collections.abc import Callable

from .._core.errors import (
    RegistryUnavailableError,
    SchemaNotFoundError,
    SchemaRegistryError,
)
from .._core.models import SchemaDocument
from .._wire.client import RegistryClient

__all__ = ["Notes", "negotiate"]

Notes = tuple[str, ...]


async def negotiate(
    client: RegistryClient,
    name: str,
    prefer: str,
    fallback: str | None,
    *,
    may_fail_over: bool,
    on_failover: Callable[[RegistryUnavailableError], None] | None = None,
) -> tuple[SchemaDocument, Notes]:
    """Return the document to validate `name` with, and notes on any compromise made.

    `on_failover` hears of a preferred track that was unavailable while the fallback served:
    production carries on with the fallback, a contract test must not.
    """
    preferred: SchemaDocument | None = None
    problem: SchemaRegistryError | None = None
    try:
        preferred = await client.fetch_schema(name, track=prefer)
    except SchemaNotFoundError as exc:
        problem = exc
    except RegistryUnavailableError as exc:
        if not may_fail_over or fallback in (None, prefer):
            raise
        problem = exc
    if preferred is not None and (not preferred.deprecated or fallback in (None, prefer)):
        return preferred, deprecation_notes(preferred)
    if fallback is None or fallback == prefer:
        raise problem or SchemaNotFoundError(f"schema {name!r} not found", name=name)
    try:
        chosen = await client.fetch_schema(name, track=fallback)
    except SchemaNotFoundError:
        if preferred is not None:  # deprecated, but the only one there is
            return preferred, deprecation_notes(preferred)
        raise SchemaNotFoundError(
            f"schema {name!r} not found on track {prefer} nor on fallback track {fallback}",
            name=name,
            track=prefer,
            url=problem.url if problem else None,
            status_code=404,
        ) from None
    notes = deprecation_notes(chosen)
    if isinstance(problem, RegistryUnavailableError):
        if on_failover is not None:
            on_failover(problem)
        notes += (
            f"track {prefer} of {name!r} unavailable ({problem.error_type}); "
            f"using track {fallback} until it answers",
        )
    return chosen, notes


def deprecation_notes(document: SchemaDocument) -> Notes:
    """Return a warning for a deprecated document, nothing for a current one."""
    if not document.deprecated:
        return ()
    note = f": {document.deprecation_note}" if document.deprecation_note else ""
    return (
        f"schema {document.name!r} {document.version} on track {document.track} "
        f"is deprecated{note}",
    )
