"""Contract-test JSON events against a schema registry, with the validator production runs.

The public API is loaded on first use (PEP 562): the pytest plugin imports this package in every
test session, so `import pytest_schema_registry` must cost next to nothing. The core never imports
pytest, hypothesis or vcrpy: services import it at runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same table, spelled out for type checkers (a test keeps them equal)
    from ._compat.check import (
        check_compatibility as check_compatibility,
    )
    from ._compat.seed_report import (
        verdict_of as verdict_of,
    )
    from ._compat.verdict import (
        CompatibilityVerdict as CompatibilityVerdict,
    )
    from ._compat.verdict import (
        Incompatibility as Incompatibility,
    )
    from ._core.config import (
        Backend as Backend,
    )
    from ._core.config import (
        Dialect as Dialect,
    )
    from ._core.config import (
        RegistryConfig as RegistryConfig,
    )
    from ._core.config import (
        ValidationMode as ValidationMode,
    )
    from ._core.errors import (
        CassetteError as CassetteError,
    )
    from ._core.errors import (
        CassetteMissError as CassetteMissError,
    )
    from ._core.errors import (
        ConfigError as ConfigError,
    )
    from ._core.errors import (
        DeadLetterError as DeadLetterError,
    )
    from ._core.errors import (
        MalformedRecordError as MalformedRecordError,
    )
    from ._core.errors import (
        RegistryAuthError as RegistryAuthError,
    )
    from ._core.errors import (
        RegistryNotConfiguredError as RegistryNotConfiguredError,
    )
    from ._core.errors import (
        RegistryRequestError as RegistryRequestError,
    )
    from ._core.errors import (
        RegistryResponseError as RegistryResponseError,
    )
    from ._core.errors import (
        RegistryUnavailableError as RegistryUnavailableError,
    )
    from ._core.errors import (
        SchemaCompileError as SchemaCompileError,
    )
    from ._core.errors import (
        SchemaIntegrityError as SchemaIntegrityError,
    )
    from ._core.errors import (
        SchemaNotFoundError as SchemaNotFoundError,
    )
    from ._core.errors import (
        SchemaRegistryError as SchemaRegistryError,
    )
    from ._core.errors import (
        SnapshotError as SnapshotError,
    )
    from ._core.errors import (
        UnsupportedSchemaError as UnsupportedSchemaError,
    )
    from ._core.errors import (
        UploadConflictError as UploadConflictError,
    )
    from ._core.models import (
        CompatibilityReport as CompatibilityReport,
    )
    from ._core.models import (
        DeadLetter as DeadLetter,
    )
    from ._core.models import (
        IndexEntry as IndexEntry,
    )
    from ._core.models import (
        Integrity as Integrity,
    )
    from ._core.models import (
        RegistryIndex as RegistryIndex,
    )
    from ._core.models import (
        SchemaDocument as SchemaDocument,
    )
    from ._core.models import (
        SchemaReference as SchemaReference,
    )
    from ._core.models import (
        SchemaVersionInfo as SchemaVersionInfo,
    )
    from ._core.models import (
        ValidationResult as ValidationResult,
    )
    from ._core.models import (
        content_sha256 as content_sha256,
    )
    from ._harness.contract import (
        SchemaContract as SchemaContract,
    )
    from ._runtime.gate import (
        Decision as Decision,
    )
    from ._runtime.gate import (
        GateResult as GateResult,
    )
    from ._runtime.gate import (
        ValidationGate as ValidationGate,
    )
    from ._runtime.manager import (
        SchemaManager as SchemaManager,
    )
    from ._runtime.metrics import (
        MetricsSink as MetricsSink,
    )
    from ._runtime.metrics import (
        NoMetrics as NoMetrics,
    )
    from ._runtime.metrics import (
        PrometheusMetrics as PrometheusMetrics,
    )
    from ._runtime.sinks import (
        DeadLetterSink as DeadLetterSink,
    )
    from ._runtime.sinks import (
        InMemoryDeadLetterSink as InMemoryDeadLetterSink,
    )
    from ._runtime.sinks import (
        JsonLinesDeadLetterSink as JsonLinesDeadLetterSink,
    )
    from ._runtime.sinks import (
        RedisStreamDeadLetterSink as RedisStreamDeadLetterSink,
    )
    from ._runtime.validation import (
        PayloadValidator as PayloadValidator,
    )
    from ._server.server import (
        Fault as Fault,
    )
    from ._server.server import (
        RecordedRequest as RecordedRequest,
    )
    from ._server.server import (
        RegistryServer as RegistryServer,
    )
    from ._wire.client import (
        RegistryClient as RegistryClient,
    )
    from ._wire.retry import (
        RetryPolicy as RetryPolicy,
    )

    __version__: str

# The one export table: each public name, by the private module that defines it.
_EXPORTED_FROM: dict[str, tuple[str, ...]] = {
    "_core.config": (
        "Backend",
        "Dialect",
        "RegistryConfig",
        "ValidationMode",
    ),
    "_core.errors": (
        "CassetteError",
        "CassetteMissError",
        "ConfigError",
        "DeadLetterError",
        "MalformedRecordError",
        "RegistryAuthError",
        "RegistryNotConfiguredError",
        "RegistryRequestError",
        "RegistryResponseError",
        "RegistryUnavailableError",
        "SchemaCompileError",
        "SchemaIntegrityError",
        "SchemaNotFoundError",
        "SchemaRegistryError",
        "SnapshotError",
        "UnsupportedSchemaError",
        "UploadConflictError",
    ),
    "_core.models": (
        "CompatibilityReport",
        "DeadLetter",
        "IndexEntry",
        "Integrity",
        "RegistryIndex",
        "SchemaDocument",
        "SchemaReference",
        "SchemaVersionInfo",
        "ValidationResult",
        "content_sha256",
    ),
    "_wire.client": ("RegistryClient",),
    "_wire.retry": ("RetryPolicy",),
    "_runtime.gate": (
        "Decision",
        "GateResult",
        "ValidationGate",
    ),
    "_runtime.manager": ("SchemaManager",),
    "_runtime.metrics": (
        "MetricsSink",
        "NoMetrics",
        "PrometheusMetrics",
    ),
    "_runtime.sinks": (
        "DeadLetterSink",
        "InMemoryDeadLetterSink",
        "JsonLinesDeadLetterSink",
        "RedisStreamDeadLetterSink",
    ),
    "_runtime.validation": ("PayloadValidator",),
    "_compat.check": ("check_compatibility",),
    "_compat.seed_report": ("verdict_of",),
    "_compat.verdict": (
        "CompatibilityVerdict",
        "Incompatibility",
    ),
    "_server.server": (
        "Fault",
        "RecordedRequest",
        "RegistryServer",
    ),
    "_harness.contract": ("SchemaContract",),
}
_EXPORTS = {name: module for module, names in _EXPORTED_FROM.items() for name in names}


__all__ = sorted([*_EXPORTS, "__version__"])


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
