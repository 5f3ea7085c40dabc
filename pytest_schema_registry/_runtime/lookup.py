"""Answer a lookup from the cache, or fetch it: the manager's cache front, for names and ids.

Two resolvers share one client, clock, metrics and counters: names (negotiated over tracks,
admitted by the registry's index) and the writer schemas of Kafka records (fetched by id or
GUID, admitted by a budget, since nothing lists ids). A warm lookup is one dict read and one
clock read; past its TTL an entry keeps answering while one background refresh asks the
registry on the manager's home loop (stale-while-revalidate), so a warm schema never waits on
the network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Future

from .._core.config import RegistryConfig
from .._core.errors import SchemaNotFoundError, SchemaRegistryError
from .._core.loops import LoopAffinity
from .._core.models import SchemaDocument, schema_name_problem
from .._wire.client import RegistryClient
from .cache import Entry, Key, Stats
from .metrics import MetricsSink
from .resolver import Fetch, SchemaResolver, negotiated, writer_schema

__all__ = ["SchemaLookup"]


class SchemaLookup:
    """Find the entry for a (name, prefer, fallback) key or a writer id, fetching on a miss."""

    def __init__(
        self,
        config: RegistryConfig,
        client: Callable[[], Awaitable[RegistryClient]],
        *,
        clock: Callable[[], float],
        metrics: MetricsSink,
        stats: Stats,
        on_degraded: Callable[[str, SchemaRegistryError], None],
        affinity: LoopAffinity,
        count_warm: bool = False,
    ) -> None:
        def resolver(fetch: Fetch = negotiated, *, by_name: bool = True) -> SchemaResolver:
            return SchemaResolver(
                config,
                client,
                clock=clock,
                metrics=metrics,
                stats=stats,
                on_degraded=on_degraded,
                fetch=fetch,
                by_name=by_name,
                count_warm=count_warm and by_name,
            )

        self._names = resolver()
        self._writers = resolver(writer_schema, by_name=False)
        # Bound once for the warm path: one dict read and one clock read per message.
        self._name_entries, self._writer_entries = self._names.entries, self._writers.entries
        self.by_name = self._names.by_name  # the manager's warm path, for the configured tracks
        self._count_hit = metrics.cache_hit
        self._ttl = config.cache_ttl
        self._clock = clock
        self._metrics = metrics
        self._stats = stats
        self._affinity = affinity
        self._refreshes: set[Future[None]] = set()

    def __len__(self) -> int:
        return len(self._names.entries) + len(self._writers.entries)

    # -- the warm path: no I/O, any thread -------------------------------------------------------

    def warm(self, key: Key) -> Entry | None:
        """Return the cached entry for a name's key, counting the hit; None on a miss."""
        try:
            entry = self._name_entries.get(key)
        except Exception:  # a name from an envelope that cannot be hashed: `resolve` says why
            return None
        return None if entry is None else self._answer(key, entry, self._names, key[0])

    def warm_writer(self, key: Key) -> Entry | None:
        """Return the cached writer schema of a record, its hit counted under the schema's name."""
        entry = self._writer_entries.get(key)  # a key built from an id or GUID: always hashable
        if entry is None:
            return None
        # A writer's key is its id ("id:7"): its hits are labelled by name, as its validations.
        return self._answer(key, entry, self._writers, entry.document.name)

    def _answer(self, key: Key, entry: Entry, resolver: SchemaResolver, label: str) -> Entry | None:
        """Answer from a cached entry: fresh, refreshed behind the answer, stale, or not at all."""
        now = self._clock()
        if now >= entry.fresh_until:
            if not (self._ttl and self._revalidate(key, entry, now, resolver)):
                return None
            if entry.refresh_error is not None:  # the registry failed us: a stale serve
                return resolver.serve_stale(entry)
        self.hit(label)  # fresh, or being refreshed behind this answer as routine
        return entry

    def hit(self, label: str) -> None:
        """Count a cache hit: each answer from a cached entry (the warm path's invalid ones too)."""
        self._stats.hits += 1
        self._count_hit(label)

    def _revalidate(self, key: Key, entry: Entry, now: float, resolver: SchemaResolver) -> bool:
        """Make sure a refresh of `entry` runs or has just failed; False if none can start."""
        if now < entry.retry_at:
            return True  # refreshing now, or the last refresh failed and its back-off runs
        resolver.hold_refreshes(entry, now)  # before it starts: it may finish at once
        started = self._affinity.spawn(lambda: resolver.refresh(key, entry))
        if started is None:
            entry.retry_at = now
            return False  # no event loop to refresh on: the caller fetches the usual way
        self._refreshes.add(started)
        started.add_done_callback(self._refreshes.discard)
        return True

    async def wait_for_refreshes(self) -> None:
        """Wait for the background refreshes started so far (tests, a graceful shutdown)."""
        pending = [asyncio.wrap_future(started) for started in list(self._refreshes)]
        await asyncio.gather(*pending, return_exceptions=True)

    # -- misses: fetched on the home loop ---------------------------------------------------------

    async def resolve(self, key: Key) -> Entry:
        """Fetch what a name's key needs; refuse an unusable key before any count or request."""
        problem = _key_problem(key)
        if problem is not None:  # before any count, label or request: the key is untrusted
            raise SchemaNotFoundError(f"no schema can be looked up so: {problem}")
        self._stats.misses += 1
        try:
            return await self._affinity.run(lambda: self._names.resolve(key))
        finally:  # labelled once resolved: an unknown name must not become a series
            self._metrics.cache_miss(self.label(key[0]))

    async def resolve_writer(self, key: Key) -> Entry:
        """Fetch a record's writer schema by id or GUID."""
        self._stats.misses += 1
        return await self._affinity.run(lambda: self._writers.resolve(key))

    # -- what the manager asks of its cache ------------------------------------------------------

    def label(self, name: str) -> str:
        """Return the metrics label for `name`: itself once the registry knows it, else shared."""
        return self._names.admission.label(name)

    def trust(self, name: str) -> None:
        """Treat `name` as the service's own: labelled, and looked up without rationing."""
        self._names.admission.learn(name)

    def documents(self) -> list[SchemaDocument]:
        """Return the documents currently cached, sorted by name and track."""
        entries = [*self._names.entries.values(), *self._writers.entries.values()]
        documents = {(e.document.name, e.document.track): e.document for e in entries}
        return [documents[key] for key in sorted(documents)]

    def cancel_flights(self) -> None:
        self._names.cancel_flights()
        self._writers.cancel_flights()

    def forget_flights(self) -> None:
        self._names.forget_flights()
        self._writers.forget_flights()


def _key_problem(key: Key) -> str | None:
    """Say what makes a lookup key unusable (its name, or a track from an envelope or a call)."""
    name, prefer, fallback = key
    return (
        schema_name_problem(name)
        or schema_name_problem(prefer, "track")
        or (schema_name_problem(fallback, "track") if fallback is not None else None)
    )
