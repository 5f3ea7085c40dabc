"""Validate payloads against registry schemas in production: cached, negotiated, never down.

`SchemaManager` composes the client, the cache front (`lookup.py`, over `resolver.py`: fetch,
negotiate, compile, cache), the answers and their counting (`verdicts.py`) and metrics; its
methods for bytes and Kafka records live in `received.py`. Its promises:

* A warm validation does no I/O: compiled validators *and* negotiation results are cached for
  `cache_ttl` seconds, keyed by (name, preferred track, fallback track). A valid answer from a
  fresh schema under the configured tracks skips the cache front and counts with one increment
  (the warm path, spelled out in each `validate_*` method); everything else takes the full path.
* Concurrent misses of one key share one registry fetch (single-flight).
* Negotiation prefers `prefer_track`, falls back when it is missing (404), deprecated, or (with
  nothing cached) unavailable; a deprecated schema is still used when nothing better exists,
  with a warning.
* When the registry fails, the last good schema keeps serving past its TTL (stale-if-error), and
  the registry is asked again only after a short back-off, so an outage costs no latency per call.
  With nothing cached, validation degrades to "valid" with a warning, except in enforce mode with
  `fail_open=False`, which reports the payload as not validated.
* `validate_payload` never raises for registry or payload problems; nor do `validate_json`
  (JSON bytes as received) and `validate_message`, which reads a Kafka record's Confluent
  framing, resolves the writer schema by id (cached, like names) and validates the JSON body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from .._core.config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Backend,
    Dialect,
    RegistryConfig,
    ValidationMode,
)
from .._core.errors import (
    ConfigError,
    SchemaRegistryError,
)
from .._core.loops import LoopAffinity, LoopThread, call_on
from .._core.models import SchemaDocument, ValidationResult, schema_name_problem
from .._core.secrets import redact_url
from .._core.subjects import DEFAULT_SUBJECT_TEMPLATE
from .._wire.client import RegistryClient
from .cache import Entry, Key, Stats
from .lookup import SchemaLookup
from .metrics import MetricsSink, NoMetrics, PrometheusMetrics, metrics_sink
from .received import ReceivedBytes
from .validation import flat_json
from .verdicts import DegradationWatcher, Verdict, Verdicts

if TYPE_CHECKING:
    import httpx
    from prometheus_client import CollectorRegistry

__all__ = ["SchemaManager"]

log = logging.getLogger("pytest_schema_registry.manager")

Clock = Callable[[], float]
INVALID_NAME_LABEL = "__invalid__"  # the metrics label for names no schema can have
_T = TypeVar("_T")


class SchemaManager(ReceivedBytes):
    """Validate payloads against the registry's schemas, exactly as in production.

    Build it from keyword arguments (the seed's surface) or from a `RegistryConfig`. Use it as an
    async context manager, or call `start()` and `close()`; validating before `start()` starts it.
    `clock` (monotonic seconds) and `http_client` are injectable for tests; `metrics_registry`
    puts the Prometheus metrics on a registry of your own, `metrics=False` turns them off.
    """

    def __init__(
        self,
        registry_url: str | None = None,
        token: str | None = None,
        enabled: bool | None = None,
        cache_ttl: float = 300.0,
        timeout: float = 30.0,
        prefer_track: str = "v2",
        fallback_track: str | None = "v1",
        validation_mode: ValidationMode | str = "log",
        fail_open: bool = True,
        *,
        max_depth: int = 256,
        max_errors: int = 50,
        backend: Backend = "jsonschema-rs",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        dialect: Dialect = "seed",
        subject_template: str = DEFAULT_SUBJECT_TEMPLATE,
        basic_auth: str | None = None,
        config: RegistryConfig | None = None,
        client: RegistryClient | None = None,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock = time.monotonic,
        metrics: bool | MetricsSink = True,
        metrics_registry: CollectorRegistry | None = None,
    ) -> None:
        if registry_url is None and client is not None:
            registry_url = client.base_url
        self.config = config or RegistryConfig(
            enabled=bool(registry_url) if enabled is None else enabled,
            url=registry_url,
            token=token,
            cache_ttl=cache_ttl,
            timeout=timeout,
            prefer_track=prefer_track,
            fallback_track=fallback_track,
            validation_mode=validation_mode,  # type: ignore[arg-type]  # aliases are normalised
            fail_open=fail_open,
            max_depth=max_depth,
            max_errors=max_errors,
            backend=backend,
            max_response_bytes=max_response_bytes,
            dialect=dialect,
            subject_template=subject_template,
            basic_auth=basic_auth,
        )
        # Copied out of the config: attribute chains cost on a path that runs per message.
        self._active = self.config.active
        self._prefer, self._fallback = self.config.prefer_track, self.config.fallback_track
        self._max_depth = self.config.max_depth
        self._short_text = 2 * self._max_depth + 1  # each level opens and closes a bracket
        self._client = client
        self._owns_client = client is None
        self._http_client = http_client
        self._clock = clock
        self._metrics = (
            metrics_sink(metrics, metrics_registry) if self.config.active else NoMetrics()
        )
        self._stats = Stats()
        # The warm paths count a valid answer with one increment (`WarmCount`), which our own
        # sinks read back when scraped; a sink of the caller's own (a subclass of ours too, which
        # may override the counting) gets a call per answer.
        count_warm = type(self._metrics) in (PrometheusMetrics, NoMetrics)
        if type(self._metrics) is PrometheusMetrics:
            self._metrics.add_warm(self, self._stats.warm_counts)
        self._verdicts = Verdicts(self.config, self._stats, self._metrics, self.metric_label)
        # Bound once, as the lookups below: the per-message paths answer through these.
        self._judge, self._unreadable = self._verdicts.judge, self._verdicts.unreadable
        self._degrade = self._verdicts.degrade
        self._affinity = LoopAffinity(on_rehome=lambda: self._lookup.forget_flights())
        self._lookup = SchemaLookup(
            self.config,
            self._started_client,
            clock=clock,
            metrics=self._metrics,
            stats=self._stats,
            on_degraded=self.notify_degraded,
            affinity=self._affinity,
            count_warm=count_warm,
        )
        # Entries under the configured tracks, by name: what the warm paths read first.
        self._hot: dict[str, Entry] = self._lookup.by_name
        # Bound once: the warm path calls them per message.
        self._warm, self._resolve = self._lookup.warm, self._lookup.resolve
        self._warm_writer, self._resolve_writer = (
            self._lookup.warm_writer,
            self._lookup.resolve_writer,
        )
        self._thread: LoopThread | None = None

    @classmethod
    def from_config(cls, config: RegistryConfig, **kwargs: Any) -> SchemaManager:
        """Build a manager from settings: `SchemaManager.from_config(RegistryConfig.from_env())`."""
        return cls(config=config, **kwargs)

    def __repr__(self) -> str:
        url = self.config.url
        where = self._client.base_url if self._client else (redact_url(url) if url else None)
        state = self.config.validation_mode if self.config.active else "disabled"
        return f"SchemaManager(url={where!r}, mode={state!r}, cached={len(self._lookup)})"

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Open the registry client (idempotent); the calling loop becomes the manager's home.

        Calls from any other event loop do their I/O on the home loop, so one manager can serve
        a whole test session whose tests each run on a fresh loop.
        """
        if self._affinity.home is None:
            self._affinity.bind()
        if self._client is None and self._active and self.config.url:
            self._client = RegistryClient(
                self.config.url,
                token=self.config.token,
                timeout=self.config.timeout,
                http_client=self._http_client,
                max_response_bytes=self.config.max_response_bytes,
                dialect=self.config.dialect,
                subject_template=self.config.subject_template,
                basic_auth=self.config.basic_auth,
            )
        return self

    async def close(self) -> None:
        """Cancel fetches in flight and close the client, if this manager opened it."""
        await self._affinity.run(self._close_here)

    async def _close_here(self) -> None:
        self._lookup.cancel_flights()
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def start_in_thread(self) -> Self:
        """Start on an event loop of the manager's own, on a daemon thread, for `*_sync` calls."""
        if self._thread is None:
            self._thread = LoopThread(name="schema-manager")
            self._affinity.bind(self._thread.loop)
            self._thread.call(self.start())
        return self

    def close_sync(self) -> None:
        """Close the manager and stop the thread `start_in_thread()` started."""
        if self._thread is not None:
            self._thread.call(self.close())
            self._thread.stop()
            self._thread = None

    def watch_degradation(self, watcher: DegradationWatcher) -> None:
        """Call `watcher(name, error)` whenever an answer is given without a schema.

        Production degrades on purpose (a payload passes when the registry is down); a test
        harness watches, so that a contract test cannot pass on such an answer.
        """
        self._verdicts.watchers.append(watcher)

    def notify_degraded(self, name: str, error: SchemaRegistryError) -> None:
        """Tell the watchers an answer went out without a schema (the gate calls this too)."""
        self._verdicts.notify_degraded(name, error)

    def metric_label(self, name: object) -> str:
        """Return the `schema` label for `name`: itself if the registry knows it, else shared.

        Names come from untrusted messages; only names the registry served or lists become a
        series of their own, so a flood of invented names cannot grow the metrics.
        """
        if schema_name_problem(name) is not None:
            return INVALID_NAME_LABEL
        return self._lookup.label(name)  # type: ignore[arg-type]  # checked above

    @property
    def metrics(self) -> MetricsSink:
        """Return where this manager reports metrics (the gate reports there too)."""
        return self._metrics

    @property
    def client(self) -> RegistryClient | None:
        """Return the registry client, once started."""
        return self._client

    # -- the API --------------------------------------------------------------------------------

    async def validate_payload(
        self,
        name: str,
        payload: Any,
        prefer: str | None = None,
        fallback: str | None = None,
    ) -> tuple[bool, list[str]]:
        """Validate `payload` against schema `name`; return (valid, errors). Never raises.

        `prefer`/`fallback` default to the configured tracks; pass `fallback=prefer` to disable
        the fallback for this call.
        """
        # The warm path, spelled out here and in the sync twin (a shared helper call costs a
        # fifth of it): a fresh entry under the configured tracks and a flat dict of plain values
        # (all the payload guard would look at); a valid verdict is one increment, an invalid one
        # is explained without judging again. Anything else, or anything raised (a name's hash,
        # a value's type), takes the full path, which answers and counts it.
        if prefer is fallback is None and type(payload) is dict:
            judged = None
            try:
                entry = self._hot.get(name)
                if entry is not None and self._clock() < entry.fresh_until and flat_json(payload):
                    if entry.is_valid(payload):
                        entry.warm.valid += 1  # type: ignore[union-attr]  # set on `_hot` entries
                        return True, []
                    judged = entry
            except Exception:  # noqa: S110 - the full path answers it, saying why
                pass
            if judged is not None:
                return self._warm_invalid(judged, name, payload)
        return await self._validate_payload(name, payload, prefer, fallback)

    async def _validate_payload(
        self,
        name: str,
        payload: Any,
        prefer: str | None,
        fallback: str | None,
        checked: bool = False,
    ) -> Verdict:
        """The full path, for dicts and decoded text alike; `checked` as `decode_json` says."""
        if not self._active:
            return True, []
        key = self._key(name, prefer, fallback)
        try:
            entry = self._warm(key) or await self._resolve(key)
        except SchemaRegistryError as exc:
            return self._degrade(name, exc)
        return self._judge(entry, name, payload, checked)

    def _validate_payload_here(
        self, name: str, payload: Any, prefer: str | None, fallback: str | None, checked: bool
    ) -> Verdict:
        """The full path from synchronous code: a cached schema judges right here, a miss is
        fetched on the home loop."""
        entry = self._warm(self._key(name, prefer, fallback))
        if entry is not None:
            return self._judge(entry, name, payload, checked)
        return self.run_sync(self._validate_payload(name, payload, prefer, fallback, checked))

    def validate_payload_sync(
        self, name: str, payload: Any, prefer: str | None = None, fallback: str | None = None
    ) -> tuple[bool, list[str]]:
        """Validate from synchronous code: warm calls run right here, misses on the home loop."""
        if prefer is fallback is None and type(payload) is dict:  # as in `validate_payload`
            judged = None
            try:
                entry = self._hot.get(name)
                if entry is not None and self._clock() < entry.fresh_until and flat_json(payload):
                    if entry.is_valid(payload):
                        entry.warm.valid += 1  # type: ignore[union-attr]
                        return True, []
                    judged = entry
            except Exception:  # noqa: S110 - the full path answers it, saying why
                pass
            if judged is not None:
                return self._warm_invalid(judged, name, payload)
        if not self._active:
            return True, []
        return self._validate_payload_here(name, payload, prefer, fallback, False)

    async def check(
        self, name: str, payload: Any, prefer: str | None = None, fallback: str | None = None
    ) -> ValidationResult:
        """Validate and say against which schema; raise when no schema can be had.

        Where `validate_payload` degrades (a service must keep running), `check` raises the
        registry error: a contract test must not pass because the registry was down.
        """
        (valid, errors), schema = await self._judged(name, payload, prefer, fallback, False)
        return ValidationResult(valid, tuple(errors), schema)

    async def _judged(
        self, name: str, payload: Any, prefer: str | None, fallback: str | None, checked: bool
    ) -> tuple[Verdict, SchemaDocument]:
        """`check`'s verdict and schema, for the gate too; `checked` as `decode_json` says."""
        if not self._active:
            raise ConfigError("the SchemaManager is disabled: set enabled=True and a registry URL")
        key = self._key(name, prefer, fallback)
        entry = self._warm(key) or await self._resolve(key)
        return self._judge(entry, name, payload, checked), entry.document

    def check_sync(
        self, name: str, payload: Any, prefer: str | None = None, fallback: str | None = None
    ) -> ValidationResult:
        """`check` from synchronous code (needs `start_in_thread()` or a home loop elsewhere)."""
        return self.run_sync(self.check(name, payload, prefer, fallback))

    async def get_schema(
        self, name: str, prefer: str | None = None, fallback: str | None = None
    ) -> SchemaDocument:
        """Return the schema negotiation picks for `name` (cached like validation); may raise."""
        if not self._active:
            raise ConfigError("the SchemaManager is disabled: set enabled=True and a registry URL")
        key = self._key(name, prefer, fallback)
        return (self._warm(key) or await self._resolve(key)).document

    def get_schema_sync(
        self, name: str, prefer: str | None = None, fallback: str | None = None
    ) -> SchemaDocument:
        """`get_schema` from synchronous code."""
        return self.run_sync(self.get_schema(name, prefer, fallback))

    async def preload(self, names: Iterable[str]) -> dict[str, SchemaDocument]:
        """Fetch and compile schemas ahead of traffic; return those loaded, log the rest.

        The names are trusted as the service's own: they get a metrics series of their own even
        while the registry is down, and their lookups are never rationed.
        """
        names = list(dict.fromkeys(names))
        for name in names:  # the service's own names: trusted, labelled, never rationed
            if schema_name_problem(name) is None:
                self._lookup.trust(name)
        results = await asyncio.gather(
            *(self.get_schema(name) for name in names), return_exceptions=True
        )
        loaded: dict[str, SchemaDocument] = {}
        for name, result in zip(names, results, strict=True):
            if isinstance(result, SchemaDocument):
                loaded[name] = result
            elif isinstance(result, SchemaRegistryError):
                log.warning("preload of %r failed: %s", name, result)
            elif isinstance(result, BaseException):
                raise result
        return loaded

    def get_stats(self) -> dict[str, Any]:
        """Return counters for dashboards and test summaries (plain data, safe to serialize)."""
        warm = self._stats.warm_valid()  # each a cache hit and a success
        return {
            "enabled": self._active,
            "mode": self.config.validation_mode,
            "cache_hits": self._stats.hits + warm,
            "cache_misses": self._stats.misses,
            "cache_size": len(self._lookup),
            "stale_serves": self._stats.stale_serves,
            "validations": {
                "success": self._stats.validations["success"] + warm,
                "failure": self._stats.validations["failure"],
                "error": self._stats.validations["error"],
            },
            "registry_errors": dict(sorted(self._stats.registry_errors.items())),
        }

    def schemas_in_use(self) -> list[SchemaDocument]:
        """Return the documents currently cached, sorted by name and track."""
        return self._lookup.documents()

    async def wait_for_refreshes(self) -> None:
        """Wait for the background refreshes started so far (tests, a graceful shutdown)."""
        await self._lookup.wait_for_refreshes()

    # -- resolution -----------------------------------------------------------------------------

    def _warm_invalid(self, entry: Entry, name: str, payload: Any) -> Verdict:
        """Answer as the full path would for a payload the warm path found invalid: a cache hit,
        explained and counted as a failure, without deciding again."""
        self._lookup.hit(name)
        return self._verdicts.refuse(entry, name, payload)

    def _key(self, name: str, prefer: str | None, fallback: str | None) -> Key:
        """Return the cache key of a lookup: the name and the tracks it may be served from."""
        return (name, prefer or self._prefer, fallback or self._fallback)

    def run_sync(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run `coroutine` on the manager's home loop from synchronous code, and wait for it.

        Needs the home loop running on another thread (`start_in_thread()`); e.g.
        `manager.run_sync(manager.client.list_versions(name, track="v1"))`.
        """
        home = self._affinity.home
        if home is None or not home.is_running():
            coroutine.close()
            raise RuntimeError(
                "*_sync methods need the manager's event loop running on another thread: "
                "call manager.start_in_thread() first (the pytest plugin does), "
                "or await the async methods"
            )
        return call_on(home, coroutine)

    async def _started_client(self) -> RegistryClient:
        await self.start()
        if self._client is None:
            raise ConfigError("the SchemaManager is disabled: set enabled=True and a registry URL")
        return self._client
