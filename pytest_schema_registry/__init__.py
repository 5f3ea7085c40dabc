"""Contract-test JSON events against a schema registry, with the validator production runs.

The public API is loaded on first use (PEP 562): the pytest plugin imports this package in every
test session, so `import pytest_schema_registry` must cost next to nothing. The core never imports
pytest, hypothesis or vcrpy: services import it at runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import RegistryClient
    from ._config import Backend, RegistryConfig, ValidationMode
    from ._contract import SchemaContract
    from ._errors import (
        ConfigError,
        RegistryAuthError,
        RegistryRequestError,
        RegistryResponseError,
        RegistryUnavailableError,
        SchemaCompileError,
        SchemaIntegrityError,
        SchemaNotFoundError,
        SchemaRegistryError,
    )
    from ._gate import (
        DeadLetter,
        DeadLetterError,
        DeadLetterSink,
        Decision,
        GateResult,
        InMemoryDeadLetterSink,
        JsonLinesDeadLetterSink,
        ValidationGate,
    )
    from ._manager import SchemaManager
    from ._metrics import MetricsSink, NoMetrics, PrometheusMetrics
    from ._models import (
        CompatibilityReport,
        IndexEntry,
        Integrity,
        RegistryIndex,
        SchemaDocument,
        SchemaVersionInfo,
        ValidationResult,
        content_sha256,
    )
    from ._retry import RetryPolicy
    from ._server import Fault, RecordedRequest, RegistryServer
    from ._validation import PayloadValidator

    __version__: str

_EXPORTS: dict[str, str] = {
    "Backend": "_config",
    "CompatibilityReport": "_models",
    "ConfigError": "_errors",
    "DeadLetter": "_gate",
    "DeadLetterError": "_gate",
    "DeadLetterSink": "_gate",
    "Decision": "_gate",
    "Fault": "_server",
    "GateResult": "_gate",
    "InMemoryDeadLetterSink": "_gate",
    "IndexEntry": "_models",
    "Integrity": "_models",
    "JsonLinesDeadLetterSink": "_gate",
    "MetricsSink": "_metrics",
    "NoMetrics": "_metrics",
    "PayloadValidator": "_validation",
    "PrometheusMetrics": "_metrics",
    "RecordedRequest": "_server",
    "RegistryAuthError": "_errors",
    "RegistryClient": "_client",
    "RegistryConfig": "_config",
    "RegistryIndex": "_models",
    "RegistryRequestError": "_errors",
    "RegistryResponseError": "_errors",
    "RegistryServer": "_server",
    "RegistryUnavailableError": "_errors",
    "RetryPolicy": "_retry",
    "SchemaCompileError": "_errors",
    "SchemaContract": "_contract",
    "SchemaDocument": "_models",
    "SchemaIntegrityError": "_errors",
    "SchemaManager": "_manager",
    "SchemaNotFoundError": "_errors",
    "SchemaRegistryError": "_errors",
    "SchemaVersionInfo": "_models",
    "ValidationGate": "_gate",
    "ValidationMode": "_config",
    "ValidationResult": "_models",
    "content_sha256": "_models",
}

__all__ = [
    "Backend",
    "CompatibilityReport",
    "ConfigError",
    "DeadLetter",
    "DeadLetterError",
    "DeadLetterSink",
    "Decision",
    "Fault",
    "GateResult",
    "InMemoryDeadLetterSink",
    "IndexEntry",
    "Integrity",
    "JsonLinesDeadLetterSink",
    "MetricsSink",
    "NoMetrics",
    "PayloadValidator",
    "PrometheusMetrics",
    "RecordedRequest",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryConfig",
    "RegistryIndex",
    "RegistryRequestError",
    "RegistryResponseError",
    "RegistryServer",
    "RegistryUnavailableError",
    "RetryPolicy",
    "SchemaCompileError",
    "SchemaContract",
    "SchemaDocument",
    "SchemaIntegrityError",
    "SchemaManager",
    "SchemaNotFoundError",
    "SchemaRegistryError",
    "SchemaVersionInfo",
    "ValidationGate",
    "ValidationMode",
    "ValidationResult",
    "__version__",
    "content_sha256",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its private module the first time it is asked for."""
    if name == "__version__":
        value: Any = _version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pytest-schema-registry")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
