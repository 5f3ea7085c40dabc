"""What the manager remembers between calls: resolved schemas, recent failures, counters.

Entries are keyed by (name, preferred track, fallback track), so a warm validation is one dict
lookup and one clock read. An entry past `fresh_until` may still serve while the registry fails
(stale-if-error) until `retry_at`; a failure with nothing cached is remembered until `until` so
an outage costs no request per message.

The manager's warm paths count a valid answer with one increment of the entry's `WarmCount`
(shared by every entry a key has had); `Stats` and the Prometheus collector add those counts
in when read, as the cache hits and successful validations they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._core.errors import SchemaRegistryError
from .._core.models import SchemaDocument
from .validation import PayloadValidator

__all__ = ["Entry", "Failure", "Key", "Stats", "WarmCount", "bare"]

Key = tuple[str, str, str | None]  # name, preferred track, fallback track


@dataclass(slots=True)
class WarmCount:
    """Valid answers a cache key gave on the manager's warm path, each a hit and a success.

    One integer increment per answer instead of four counter updates (stats and metrics, hits
    and validations): on a small event those updates cost as much as validating it.
    """

    label: str  # the metrics `schema` label: the name looked up
    valid: int = 0


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
    # Counts the warm path's valid answers; None where they must be counted one by one (a
    # metrics sink of the caller's own wants a call per validation), which keeps it off.
    warm: WarmCount | None = None
    is_valid: Callable[[Any], bool] = field(init=False)  # the validator's bare verdict

    def __post_init__(self) -> None:
        self.is_valid = self.validator.is_valid_decoded


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
    warm: list[WarmCount] = field(default_factory=list)  # one per cache key, never dropped

    def warm_valid(self) -> int:
        """Valid answers counted on the warm path: add them to `hits` and to successes."""
        return sum(count.valid for count in list(self.warm))

    def warm_counts(self) -> list[tuple[str, int]]:
        """The warm path's valid answers by metrics label, for a scrape."""
        return [(count.label, count.valid) for count in list(self.warm)]


def bare(error: SchemaRegistryError) -> SchemaRegistryError:
    """Strip what a remembered error would otherwise keep alive: frames, locals, the response.

    A traceback holds every frame it passed through (an httpx response with its body among their
    locals), and `raise ... from None` still keeps the exception it replaced as `__context__`.
    """
    error.__traceback__ = None
    error.__context__ = None
    error.__cause__ = None
    return error
