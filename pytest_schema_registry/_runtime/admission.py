"""Decide whether a schema name nobody has resolved yet may cost a registry request.

Names arrive from untrusted envelopes: a publisher writing random `meta.schema_id`s must not
turn each into a registry request, a cached failure and a metrics series. A name (and track) is
*known* once it resolved on that track or the registry's index lists it there (or the service
`preload`ed the name); known pairs are looked up freely, and only they get a metrics label.
Unknown ones draw on a small budget (a burst, then about one per second); past it, the registry's
index is fetched (at most once per `refresh_every` seconds) and decides: a name it lacks is "not
found" with no request of its own. If the index cannot be had either, the lookup is refused as
rate-limited until the budget refills.

So 10,000 distinct unknown names cost at most `burst` lookups plus one index request per
`refresh_every` seconds, whatever their number; the known set grows only with what the registry
holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .._core.errors import RegistryUnavailableError, SchemaNotFoundError, SchemaRegistryError
from .._core.models import RegistryIndex
from .._core.subjects import ANY_TRACK
from .cache import Key, bare
from .throttle import LogThrottle

__all__ = ["UNKNOWN_LABEL", "LookupAdmission"]

log = logging.getLogger("pytest_schema_registry.manager")

UNKNOWN_LABEL = "__unknown__"  # the metrics label shared by every name the registry does not know
_BURST = 20  # unknown names looked up at once, before the index is consulted
_REFILL_PER_SECOND = 1.0


class LookupAdmission:
    """Admit cold lookups of known names; ration the unknown ones, consulting the index."""

    def __init__(
        self,
        fetch_index: Callable[[], Awaitable[RegistryIndex]] | None,
        *,
        clock: Callable[[], float],
        refresh_every: float,
    ) -> None:
        self._fetch_index = fetch_index
        self._clock = clock
        self._refresh_every = refresh_every
        self.known_names: set[str] = set()  # for labels: served, listed or trusted
        self._known_pairs: set[tuple[str, str]] = set()  # (name, track) served or listed
        self._trusted: set[str] = set()  # the service's own names (`preload`): any track
        self._listed: frozenset[tuple[str, str]] | None = None  # (name, track) from the index
        self._listed_at = -float("inf")
        self._index_failure: tuple[SchemaRegistryError, float] | None = None
        self._index_flight: asyncio.Future[None] | None = None
        self._tokens = float(_BURST)
        self._tokens_at = clock()
        self._refusals = LogThrottle(log, window=refresh_every, clock=clock)

    def label(self, name: str) -> str:
        """Return the metrics label for `name`: itself once known, else one shared value."""
        return name if name in self.known_names else UNKNOWN_LABEL

    def learn(self, name: str, track: str | None = None) -> None:
        """Remember a name the registry served on `track`, or (no track) one the service named."""
        self.known_names.add(name)
        if track is None:
            self._trusted.add(name)
        else:
            self._known_pairs.add((name, track))

    def forget_flight(self) -> None:
        """Drop an index fetch bound to an event loop that is gone."""
        self._index_flight = None

    async def admit(self, key: Key) -> None:
        """Return if `key` may be looked up now; raise the answer the registry would give if not."""
        name, prefer, fallback = key
        tracks = {track for track in (prefer, fallback) if track}
        pairs = (*tracks, ANY_TRACK)  # a Confluent subject without {track} serves every track
        if name in self._trusted or any((name, track) in self._known_pairs for track in pairs):
            return
        if self._listed is not None and self._index_is_fresh():
            self._decide_by_index(self._listed, key, tracks)
            return
        if self._take_token():
            return
        if self._fetch_index is None:  # nothing lists what exists (writer ids): the budget decides
            self._refuse(name, None)
        await self._refresh_index()
        if self._listed is not None and self._index_is_fresh():  # an old index decides nothing
            self._decide_by_index(self._listed, key, tracks)
            return
        self._refuse(name, self._index_failure[0] if self._index_failure else None)

    def _decide_by_index(
        self, listed: frozenset[tuple[str, str]], key: Key, tracks: set[str]
    ) -> None:
        name = key[0]
        if any((name, track) in listed for track in (*tracks, ANY_TRACK)):
            return
        self._refusals.warning("no lookup for unknown schema %r: not in the registry's index", name)
        raise SchemaNotFoundError(
            f"schema {name!r} is not in the registry's index on track "
            f"{' or '.join(sorted(tracks))} (the index is at most "
            f"{self._refresh_every:g}s old; unknown names are not looked up one by one)",
            name=name,
            track=key[1],
        )

    def _refuse(self, name: str, cause: SchemaRegistryError | None) -> None:
        why = f"; the index is unavailable: {cause}" if cause else ""
        self._refusals.warning("no lookup for unknown schema %r: rate-limited", name)
        raise RegistryUnavailableError(
            f"schema {name!r} not looked up: too many unknown schema names at once{why}",
            error_type="rate_limited",
            name=name,
        )

    def _take_token(self) -> bool:
        now = self._clock()
        self._tokens = min(_BURST, self._tokens + (now - self._tokens_at) * _REFILL_PER_SECOND)
        self._tokens_at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def _index_is_fresh(self) -> bool:
        return self._clock() < self._listed_at + self._refresh_every

    async def _refresh_index(self) -> None:
        """Fetch the index unless fresh, or failed within the window; one fetch at a time."""
        now = self._clock()
        if self._listed is not None and self._index_is_fresh():
            return
        if self._index_failure is not None and now < self._index_failure[1]:
            return
        if self._index_flight is None or self._index_flight.done():
            self._index_flight = asyncio.ensure_future(self._load_index())
        flight = self._index_flight
        try:
            await asyncio.shield(flight)
        finally:
            if flight.done():
                self._index_flight = None

    async def _load_index(self) -> None:
        if self._fetch_index is None:
            return
        try:
            index = await self._fetch_index()
        except SchemaRegistryError as exc:
            self._index_failure = (bare(exc), self._clock() + self._refresh_every)
            log.warning("registry index unavailable; unknown names are rationed: %s", exc)
            return
        self._listed = frozenset((entry.name, entry.track) for entry in index.entries)
        self._listed_at = self._clock()
        self._index_failure = None
        for name, track in self._listed:
            self.learn(name, track)
