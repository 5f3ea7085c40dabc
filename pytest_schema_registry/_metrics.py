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

Metrics live on a `CollectorRegistry` (the process-wide default unless one is passed in). Managers
that share a registry share the metric objects instead of colliding on registration. Label children
are cached per label tuple: `labels()` costs about a microsecond, too much for the hot path.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = ["MetricsSink", "NoMetrics", "PrometheusMetrics"]


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


_DEFINITIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "validation": ("counter", "schema_validation_total", ("schema", "outcome")),
    "cache_hit": ("counter", "schema_cache_hits_total", ("schema",)),
    "cache_miss": ("counter", "schema_cache_misses_total", ("schema",)),
    "cache_size": ("gauge", "schema_cache_size", ()),
    "registry_error": ("counter", "schema_registry_errors_total", ("schema", "error_type")),
    "stale_serve": ("counter", "schema_stale_serves_total", ("schema",)),
    "validation_failure": ("counter", "schema_validation_failures_total", ("schema", "mode")),
    "enforcement_action": (
        "counter",
        "schema_enforcement_actions_total",
        ("schema", "severity", "action"),
    ),
}
_HELP = {
    "validation": "Payload validations by schema and outcome (success, failure, error).",
    "cache_hit": "Validations served by a cached compiled validator.",
    "cache_miss": "Validations that needed a registry fetch.",
    "cache_size": "Schemas held in the validator cache.",
    "registry_error": "Registry requests that failed, by error type.",
    "stale_serve": "Validations served by an expired schema because the registry failed.",
    "validation_failure": "Invalid payloads, by validation mode.",
    "enforcement_action": "What enforcement did with a payload, by severity and action.",
}

_shared: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_shared_lock = threading.Lock()


def _metric_objects(registry: CollectorRegistry) -> dict[str, Any]:
    """Create the metrics on `registry` once; later callers get the same objects."""
    from prometheus_client import Counter, Gauge

    with _shared_lock:
        existing = _shared.get(registry)
        if existing is None:
            existing = {}
            for key, (kind, name, labels) in _DEFINITIONS.items():
                cls = Counter if kind == "counter" else Gauge
                existing[key] = cls(name, _HELP[key], labels, registry=registry)
            _shared[registry] = existing
        return existing


class PrometheusMetrics:
    """Report to Prometheus on `registry` (default: the process-wide one that `/metrics` serves)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        if registry is None:
            from prometheus_client import REGISTRY

            registry = REGISTRY
        self.registry = registry
        self._metrics = _metric_objects(registry)
        self._children: dict[tuple[str, ...], Any] = {}

    def _inc(self, key: str, *labels: str) -> None:
        child = self._children.get((key, *labels))
        if child is None:
            child = self._metrics[key].labels(*labels)
            self._children[(key, *labels)] = child
        child.inc()

    def validation(self, schema: str, outcome: str) -> None:
        self._inc("validation", schema, outcome)

    def cache_hit(self, schema: str) -> None:
        self._inc("cache_hit", schema)

    def cache_miss(self, schema: str) -> None:
        self._inc("cache_miss", schema)

    def cache_size(self, size: int) -> None:
        self._metrics["cache_size"].set(size)

    def registry_error(self, schema: str, error_type: str) -> None:
        self._inc("registry_error", schema, error_type)

    def stale_serve(self, schema: str) -> None:
        self._inc("stale_serve", schema)

    def validation_failure(self, schema: str, mode: str) -> None:
        self._inc("validation_failure", schema, mode)

    def enforcement_action(self, schema: str, severity: str, action: str) -> None:
        self._inc("enforcement_action", schema, severity, action)
