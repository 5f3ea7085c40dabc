"""Count what the manager does under the seed's Prometheus names, or count nothing at all.

Metric names and labels are the seed's, exactly, so existing dashboards and alerts keep working:

| metric | labels |
|---|---|
| `schema_validation_total` | schema, outcome (success, failure, error) |
| `schema_cache_hits_total`, `schema_cache_misses_total` | schema |
| `schema_cache_size` (gauge) | |
| `schema_registry_errors_total` | schema, error_type (not_found, timeout, network, server, ...) |
| `schema_validation_failures_total` | schema, mode |
| `schema_enforcement_actions_total` | schema, severity, action |
| `schema_stale_serves_total` (ours) | schema |

Metrics live on a `CollectorRegistry` (the process-wide default unless one is passed in). The hot
path only bumps plain dict counters, or a manager's warm counts (`add_warm`); a collector reads
them when Prometheus scrapes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = ["MetricsSink", "NoMetrics", "PrometheusMetrics", "metrics_sink"]


class MetricsSink(Protocol):
    """What the manager reports; implement it to send metrics elsewhere."""

    def validation(self, schema: str, outcome: str) -> None: ...
    def cache_hit(self, schema: str) -> None: ...
    def cache_miss(self, schema: str) -> None: ...
    def cache_size(self, size: int) -> None: ...
    def registry_error(self, schema: str, error_type: str) -> None: ...
    def stale_serve(self, schema: str) -> None: ...
    def validation_failure(self, schema: str, mode: str) -> None: ...
    def enforcement_action(self, schema: str, severity: str, action: str) -> None: ...


class NoMetrics:
    """Report nothing, at the cost of a method call."""

    def validation(self, schema: str, outcome: str) -> None:
        pass

    def cache_hit(self, schema: str) -> None:
        pass

    def cache_miss(self, schema: str) -> None:
        pass

    def cache_size(self, size: int) -> None:
        pass

    def registry_error(self, schema: str, error_type: str) -> None:
        pass

    def stale_serve(self, schema: str) -> None:
        pass

    def validation_failure(self, schema: str, mode: str) -> None:
        pass

    def enforcement_action(self, schema: str, severity: str, action: str) -> None:
        pass


_DEFINITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "validation": ("schema_validation_total", ("schema", "outcome")),
    "cache_hit": ("schema_cache_hits_total", ("schema",)),
    "cache_miss": ("schema_cache_misses_total", ("schema",)),
    "registry_error": ("schema_registry_errors_total", ("schema", "error_type")),
    "stale_serve": ("schema_stale_serves_total", ("schema",)),
    "validation_failure": ("schema_validation_failures_total", ("schema", "mode")),
    "enforcement_action": ("schema_enforcement_actions_total", ("schema", "severity", "action")),
}
# A warm valid answer is a cache hit and a successful validation: the labels after `schema`.
_WARM_OUTCOME: dict[str, tuple[str, ...]] = {"validation": ("success",), "cache_hit": ()}
_GAUGE = ("schema_cache_size", "Schemas held in the validator cache.")
_HELP = {
    "validation": "Payload validations by schema and outcome (success, failure, error).",
    "cache_hit": "Validations served by a cached compiled validator.",
    "cache_miss": "Validations that needed a registry fetch.",
    "registry_error": "Registry requests that failed, by error type.",
    "stale_serve": "Validations served by an expired schema because the registry failed.",
    "validation_failure": "Invalid payloads, by validation mode.",
    "enforcement_action": "What enforcement did with a payload, by severity and action.",
}


class PrometheusMetrics:
    """Count in plain dicts; turn the counts into Prometheus metrics only when scraped.

    Incrementing a `prometheus_client` counter takes a lock (~0.3 us); a dict increment in place
    costs a quarter of that and, with the GIL, loses no count to a thread switch. The full path
    makes two per validation, the warm path none (`add_warm`). Every sink on a registry feeds one
    shared collector, which sums them at scrape time, so two managers never collide.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        if registry is None:
            from prometheus_client import REGISTRY

            registry = REGISTRY
        self.registry = registry
        self.counts: dict[str, dict[tuple[str, ...], int]] = {key: {} for key in _DEFINITIONS}
        self.size = 0
        self._validation = self.counts["validation"]
        self._hits = self.counts["cache_hit"]
        self._warm: list[Callable[[], Iterable[tuple[str, int]]]] = []
        self._warm_lock = threading.Lock()  # a scrape and a retiring source, never the hot path
        _collector_for(registry).sinks.add(self)

    def add_warm(self, owner: object, counts: Callable[[], Iterable[tuple[str, int]]]) -> None:
        """Read `(schema, n)` pairs at scrape time: n cache hits that each validated a payload.

        A manager's warm path counts its valid answers so, with one increment per answer, and
        they are reported as the hits and successes they are. Once `owner` is gone its last
        counts become this sink's own, as its other counts stay: nothing is kept per owner.
        """
        with self._warm_lock:
            self._warm.append(counts)
        weakref.finalize(owner, self._retire, counts).atexit = False

    def _retire(self, counts: Callable[[], Iterable[tuple[str, int]]]) -> None:
        with self._warm_lock:
            self._warm.remove(counts)
            for schema, valid in counts():
                for key, suffix in _WARM_OUTCOME.items():
                    totals, labels = self.counts[key], (schema, *suffix)
                    totals[labels] = totals.get(labels, 0) + valid

    def snapshot(self, key: str) -> dict[tuple[str, ...], int]:
        """Return one metric's counts by label values, the warm counts added in."""
        with self._warm_lock:
            counts = self.counts[key].copy()
            sources = list(self._warm) if key in _WARM_OUTCOME else []
        suffix = _WARM_OUTCOME.get(key, ())
        for source in sources:
            for schema, valid in source():
                if valid:
                    labels = (schema, *suffix)
                    counts[labels] = counts.get(labels, 0) + valid
        return counts

    @staticmethod
    def _inc(counts: dict[tuple[str, ...], int], labels: tuple[str, ...]) -> None:
        counts.setdefault(labels, 0)  # atomic: of two first counts, neither is lost
        counts[labels] += 1

    # The two counts most validations make, spelled out: one call each, not two. An increment
    # in place (`+=` on a subscript) runs no Python code between its read and its write, so a
    # thread switch cannot fall between them; `counts.get(labels, 0) + 1` lost counts there.
    def validation(self, schema: str, outcome: str) -> None:
        try:
            self._validation[schema, outcome] += 1
        except KeyError:  # the label's first count: two threads may both get here
            self._inc(self._validation, (schema, outcome))

    def cache_hit(self, schema: str) -> None:
        try:
            self._hits[(schema,)] += 1
        except KeyError:
            self._inc(self._hits, (schema,))

    def cache_miss(self, schema: str) -> None:
        self._inc(self.counts["cache_miss"], (schema,))

    def cache_size(self, size: int) -> None:
        self.size = size

    def registry_error(self, schema: str, error_type: str) -> None:
        self._inc(self.counts["registry_error"], (schema, error_type))

    def stale_serve(self, schema: str) -> None:
        self._inc(self.counts["stale_serve"], (schema,))

    def validation_failure(self, schema: str, mode: str) -> None:
        self._inc(self.counts["validation_failure"], (schema, mode))

    def enforcement_action(self, schema: str, severity: str, action: str) -> None:
        self._inc(self.counts["enforcement_action"], (schema, severity, action))


class _Collector:
    """Sum the counts of every live sink on one registry into metric families, at scrape time."""

    def __init__(self) -> None:
        self.sinks: weakref.WeakSet[PrometheusMetrics] = weakref.WeakSet()

    def describe(self) -> list[Any]:
        return self._families(with_samples=False)

    def collect(self) -> list[Any]:
        return self._families(with_samples=True)

    def _families(self, *, with_samples: bool) -> list[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        sinks = list(self.sinks) if with_samples else []
        families: list[Any] = []
        for key, (name, labels) in _DEFINITIONS.items():
            family = CounterMetricFamily(name, _HELP[key], labels=labels)
            totals: dict[tuple[str, ...], int] = {}
            for sink in sinks:
                for label_values, count in sink.snapshot(key).items():
                    totals[label_values] = totals.get(label_values, 0) + count
            for label_values, count in sorted(totals.items()):
                family.add_metric(label_values, count)
            families.append(family)
        gauge = GaugeMetricFamily(*_GAUGE)
        if with_samples:
            gauge.add_metric([], sum(sink.size for sink in sinks))
        families.append(gauge)
        return families


_collectors: weakref.WeakKeyDictionary[Any, _Collector] = weakref.WeakKeyDictionary()
_collectors_lock = threading.Lock()


def _collector_for(registry: CollectorRegistry) -> _Collector:
    """Register one collector per registry, on first use."""
    with _collectors_lock:
        collector = _collectors.get(registry)
        if collector is None:
            collector = _collectors[registry] = _Collector()
            registry.register(collector)
        return collector


def metrics_sink(metrics: bool | MetricsSink, registry: CollectorRegistry | None) -> MetricsSink:
    """Turn the manager's `metrics=` argument into a sink."""
    if metrics is True:
        return PrometheusMetrics(registry)
    if metrics is False:
        return NoMetrics()
    return metrics
