"""Contract-test JSON events against a schema registry, with the validator production runs.

The package core imports neither pytest, hypothesis nor vcrpy: services import it at runtime.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._client import RegistryClient
from ._config import Backend, RegistryConfig, ValidationMode
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
from ._manager import SchemaManager
from ._metrics import MetricsSink, NoMetrics, PrometheusMetrics
from ._models import (
    CompatibilityReport,
    IndexEntry,
    Integrity,
    RegistryIndex,
    SchemaDocument,
    SchemaVersionInfo,
    content_sha256,
)
from ._retry import RetryPolicy
from ._server import Fault, RecordedRequest, RegistryServer
from ._validation import PayloadValidator

try:
    __version__ = version("pytest-schema-registry")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Backend",
    "CompatibilityReport",
    "ConfigError",
    "Fault",
    "IndexEntry",
    "Integrity",
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
    "SchemaDocument",
    "SchemaIntegrityError",
    "SchemaManager",
    "SchemaNotFoundError",
    "SchemaRegistryError",
    "SchemaVersionInfo",
    "ValidationMode",
    "__version__",
    "content_sha256",
]
