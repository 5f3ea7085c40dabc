"""Turn a cache key into a usable schema: fetched once, negotiated, compiled, kept for its TTL.

The manager's warm paths read `entries` (and `by_name`) directly; everything that may do I/O
lives here and runs on the manager's home loop:

* Concurrent misses of one key share one fetch (single-flight).
* A validator is compiled once per (track, name, version, sha256): re-negotiating costs nothing.
* When the registry fails, the last good entry serves past its TTL (stale-if-error) and the
  registry is asked again only after a back-off; with nothing cached, the failure is remembered
  for that back-off, so an outage costs no request per message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .._core.config import RegistryConfig
from .._core.errors import (
    RegistryResponseError,
    RegistryUnavailableError,
    SchemaCompileError,
    SchemaRegistryError,
)
from .._core.models import RegistryIndex, SchemaDocument
from .._wire.client import RegistryClient
from .admission import LookupAdmission
from .cache import Entry, Failure, Key, Stats, WarmCount, bare
from .metrics import MetricsSink
from .negotiation import Notes, negotiate
from .validation import PayloadValidator

__all__ = ["Fetch", "SchemaResolver", "negotiated", "writer_key", "writer_schema"]

# How a key becomes a document: (client, key, may_fail_over, on_failover) -> (document, notes).
Fetch = Callable[
    [RegistryClient, Key, bool, Callable[[RegistryUnavailableError], None]],
    Awaitable[tuple[SchemaDocument, Notes]],
]


async def negotiated(
    client: RegistryClient,
    key: Key,
    may_fail_over: bool,
    on_failover: Callable[[RegistryUnavailableError], None],
) -> tuple[SchemaDocument, Notes]:
    """Fetch a (name, prefer, fallback) key's schema by negotiating tracks."""
    return await negotiate(client, *key, may_fail_over=may_fail_over, on_failover=on_failover)


def writer_key(schema_id: int | None, guid: str | None) -> Key:
    """Return the cache key of a record's writer schema: `("id:7", "", None)` or a GUID's."""
    return (f"id:{schema_id}" if schema_id is not None else f"guid:{guid}", "", None)


async def writer_schema(
    client: RegistryClient,
    key: Key,
    may_fail_over: bool,
    on_failover: Callable[[RegistryUnavailableError], None],
) -> tuple[SchemaDocument, Notes]:
    """Fetch the schema a framed record names by id or GUID: immutable, nothing to negotiate."""
    kind, _, reference = key[0].partition(":")
    if kind == "id":
        return await client.fetch_schema_by_id(reference), ()
    return await client.fetch_schema_by_guid(reference), ()


log = logging.getLogger("pytest_schema_registry.manager")

# After a failed fetch, wait this long (at most the TTL) before asking the registry again.
_FAILURE_BACKOFF = 30.0
_MAX_COMPILED = 1024  # validators kept for reuse across re-negotiations
_MAX_FAILURES = 1024  # failures remembered; each is small (no traceback), but names are untrusted


class SchemaResolver:
    """Resolve (name, prefer, fallback) keys into cached entries for one `SchemaManager`.

    `fetch` turns a key into a document: `negotiated` (the default) for names and tracks,
    `writer_schema` for the writer ids of framed Kafka records. Writer ids have no index to
    consult, so `by_name=False` rations unknown ones by the lookup budget alone.

    With `count_warm`, each name's entry under the configured tracks is also in `by_name`, keyed
    by the name alone, and carries its key's `WarmCount`: the manager's warm path for calls
    that name no tracks, which reads one dict by a string and counts with one increment.
    """

    def __init__(
        self,
        config: RegistryConfig,
        client: Callable[[], Awaitable[RegistryClient]],
        *,
        clock: Callable[[], float],
        metrics: MetricsSink,
        stats: Stats,
        on_degraded: Callable[[str, SchemaRegistryError], None] = lambda name, error: None,
        fetch: Fetch = negotiated,
        by_name: bool = True,
        count_warm: bool = False,
    ) -> None:
        self._on_degraded = on_degraded
        self._fetch = fetch
        self._by_name = by_name
        self.entries: dict[Key, Entry] = {}
        self.by_name: dict[str, Entry] = {}  # with `count_warm`: the configured tracks' entries
        self._warm_tracks = (config.prefer_track, config.fallback_track) if count_warm else None
        self._config = config
        self._client = client
        self._clock = clock
        self._metrics = metrics
        self._stats = stats
        self._failures: dict[Key, Failure] = {}
        self._compiled: dict[tuple[str, str, str, str], PayloadValidator] = {}
        self._inflight: dict[Key, asyncio.Future[Entry]] = {}
        self._closed = False  # after close, only a caller's own lookup may reopen the client
        self.admission = LookupAdmission(
            self._fetch_index if by_name else None,
            clock=clock,
            refresh_every=max(1.0, min(_FAILURE_BACKOFF, config.cache_ttl)),
        )

    def cancel_flights(self) -> None:
        """Cancel the fetches in flight (the manager is closing); start no background refresh."""
        self._closed = True
        for task in list(self._inflight.values()):
            task.cancel()

    def forget_flights(self) -> None:
        """Drop the fetches in flight without awaiting them (their loop is gone)."""
        self._inflight.clear()
        self.admission.forget_flight()

    async def resolve(self, key: Key) -> Entry:
        """Return a usable entry for `key`: fetched, stale-if-error, or raise the failure."""
        self._closed = False
        now = self._clock()
        stale = self.entries.get(key)
        if stale is not None and now < stale.fresh_until:
            return stale  # another caller refreshed it while this one hopped here
        if stale is not None and now < stale.retry_at:
            return self.serve_stale(stale)
        failure = self._failures.get(key)
        if failure is not None and now < failure.until:
            raise failure.error.with_traceback(None)  # a re-raise would grow its traceback
        if stale is None and key not in self._inflight:
            await self._admit(key)
        entry = await self._single_flight(key, lambda: self._load(key, stale))
        return self.serve_stale(entry) if entry is stale else entry

    async def _admit(self, key: Key) -> None:
        """Let a cold lookup through, or count and raise why an unknown name gets none."""
        try:
            await self.admission.admit(key)
        except SchemaRegistryError as exc:
            self._count_registry_error(key[0], exc)
            raise

    async def _fetch_index(self) -> RegistryIndex:
        return await (await self._client()).index()

    async def refresh(self, key: Key, stale: Entry) -> None:
        """Ask the registry for `key` again while callers keep being served `stale`.

        Never raises: a failed refresh keeps `stale` (see `_load`); anything unexpected is
        logged, and the next refresh waits for the back-off.
        """
        if self._closed:
            return  # scheduled just before the manager closed: reopening it would leak a pool
        try:
            await self._single_flight(key, lambda: self._load(key, stale))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            stale.retry_at = self._clock() + self._backoff()
            why = f"refreshing {key[0]!r} failed unexpectedly: {type(exc).__name__}: {exc}"
            stale.refresh_error = RegistryResponseError(why, name=key[0])
            log.exception("background refresh of %r failed", key[0])

    def hold_refreshes(self, entry: Entry, now: float) -> None:
        """Start no other refresh of `entry` for a back-off (single-flight joins any extra)."""
        entry.retry_at = now + max(self._backoff(), self._config.timeout)

    def serve_stale(self, entry: Entry) -> Entry:
        """Count an answer given with `entry` past its TTL, and return it.

        After a failed refresh the watchers hear of it too: production carries on with the
        last good schema, but a contract test must not pass on one the registry may have
        deleted since.
        """
        self._stats.stale_serves += 1
        self._metrics.stale_serve(entry.document.name)
        if entry.refresh_error is not None:
            self._on_degraded(entry.document.name, entry.refresh_error)
        return entry

    async def _single_flight(self, key: Key, load: Callable[[], Awaitable[Entry]]) -> Entry:
        """Run one `load()` per key at a time; every concurrent caller awaits the same result."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(load())
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finish_flight(key, done))
        return await asyncio.shield(task)

    def _finish_flight(self, key: Key, task: asyncio.Future[Entry]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # mark retrieved: every caller may have been cancelled meanwhile

    async def _load(self, key: Key, stale: Entry | None) -> Entry:
        """Negotiate and compile; on registry failure fall back to `stale` or remember why."""
        name = key[0]
        try:
            document, notes = await self._fetch(
                await self._client(),
                key,
                stale is None,
                lambda error: self._failed_over(name, error),
            )
            validator = self._compile(document)
        except SchemaRegistryError as exc:
            self._count_registry_error(name, exc)
            if stale is not None:  # any failure: the last good schema beats none, or a guess
                stale.retry_at = self._clock() + self._backoff()
                stale.refresh_error = bare(exc)
                log.warning("refresh of %r failed; serving the cached schema: %s", name, exc)
                return stale
            self._remember_failure(key, Failure(bare(exc), self._clock() + self._backoff()))
            log.warning("no schema for %r: %s", name, exc)
            raise
        for note in notes:
            log.warning("%s", note)
        fresh_for = (
            self._config.cache_ttl if not notes else min(self._config.cache_ttl, self._backoff())
        )
        self.admission.learn(name, document.track if self._by_name else None)
        entry = Entry(document, validator, self._clock() + fresh_for, notes=notes)
        self._store(key, entry)
        self._failures.pop(key, None)
        self._metrics.cache_size(len(self.entries))
        return entry

    def _store(self, key: Key, entry: Entry) -> None:
        """Cache `entry`; under the configured tracks, also by name, keeping the key's count."""
        if key[1:] == self._warm_tracks:
            previous = self.entries.get(key)
            if previous is not None and previous.warm is not None:
                entry.warm = previous.warm  # a refresh: the key's answers go on being counted
            else:
                entry.warm = WarmCount(key[0])
                self._stats.warm.append(entry.warm)
            self.by_name[key[0]] = entry
        self.entries[key] = entry

    def _compile(self, document: SchemaDocument) -> PayloadValidator:
        """Compile once per (track, name, version, sha): re-negotiating costs no recompile."""
        key = (document.track, document.name, document.version, document.sha256)
        validator = self._compiled.get(key)
        if validator is None:
            try:
                validator = PayloadValidator(
                    document.content,
                    backend=self._config.backend,
                    max_depth=self._config.max_depth,
                    max_errors=self._config.max_errors,
                )
            except SchemaCompileError as exc:
                raise SchemaCompileError(
                    f"schema {document.name!r} ({document.track} {document.version}): {exc}",
                    name=document.name,
                    track=document.track,
                ) from None
            if len(self._compiled) >= _MAX_COMPILED:  # each answer may carry new content
                del self._compiled[next(iter(self._compiled))]  # the oldest; entries keep theirs
            self._compiled[key] = validator
        return validator

    def _failed_over(self, name: str, error: SchemaRegistryError) -> None:
        """Count the preferred track's outage, and tell the manager the answer is a compromise."""
        self._count_registry_error(name, error)
        self._on_degraded(name, error)

    def _remember_failure(self, key: Key, failure: Failure) -> None:
        """Remember why `key` failed, keeping at most `_MAX_FAILURES` (expired ones go first)."""
        if len(self._failures) >= _MAX_FAILURES:
            now = self._clock()
            for expired in [k for k, f in self._failures.items() if f.until <= now]:
                del self._failures[expired]
        while len(self._failures) >= _MAX_FAILURES:
            del self._failures[next(iter(self._failures))]  # the oldest
        self._failures[key] = failure

    def _backoff(self) -> float:
        return min(_FAILURE_BACKOFF, self._config.cache_ttl) if self._config.cache_ttl else 0.0

    def _count_registry_error(self, name: str, exc: SchemaRegistryError) -> None:
        kind = exc.error_type
        self._stats.registry_errors[kind] += 1
        self._metrics.registry_error(self.admission.label(name), kind)
