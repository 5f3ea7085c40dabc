"""What the manager remembers between calls: resolved schemas, recent failures, counters.

Entries are keyed by (name, preferred track, fallback track), so a warm validation is one dict
lookup and one clock read. An entry past `fresh_until` may still serve while the registry fails
(stale-if-error) until `retry_at`; a failure with nothing cached is remembered until `until` so
an outage costs no request per message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .._core.errors import SchemaRegistryError
from .._core.models import SchemaDocument
from .validation import PayloadValidator

__all__ = ["Entry", "Failure", "Key", "Stats", "bare"]

Key = tuple[str, str, str | None]  # name, preferred track, fallback track


@dataclass(slots=True)
class Entry:
    """A resolved schema: the document negotiation chose and its compiled validator."""

    document: SchemaDocument
    validator: PayloadValidator
    fresh_until: float
    retry_at: float = 0.0  # after a failed refresh: serve stale without asking until then
    notes: tuple[str, ...] = ()
    # Why the last refresh failed: answers past the TTL are then stale serves, and a test
    # harness hears of each (the schema may have been deleted since, or the registry be down).
    refresh_error: SchemaRegistryError | None = None


@dataclass(slots=True)
class Failure:
    """A fetch that failed with nothing cached: remembered so an outage costs no I/O per call."""

    error: SchemaRegistryError
    until: float


@dataclass(slots=True)
class Stats:
    hits: int = 0
    misses: int = 0
    stale_serves: int = 0
    validations: Counter[str] = field(default_factory=Counter)
    registry_errors: Counter[str] = field(default_factory=Counter)


def bare(error: SchemaRegistryError) -> SchemaRegistryError:
    """Strip what a remembered error would otherwise keep alive: frames, locals, the response.

    A traceback holds every frame it passed through (an httpx response with its body among their
    locals), and `raise ... from None` still keeps the exception it replaced as `__context__`.
    """
    error.__traceback__ = None
    error.__context__ = None
    error.__cause__ = None
    return error
