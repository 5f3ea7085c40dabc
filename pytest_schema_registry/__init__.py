"""Contract-test JSON events against a schema registry, with the validator production runs.

The package core imports neither pytest, hypothesis nor vcrpy: services import it at runtime.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._client import RegistryClient
from ._errors import (
    ConfigError,
    RegistryAuthError,
    RegistryRequestError,
    RegistryResponseError,
    RegistryUnavailableError,
    SchemaIntegrityError,
    SchemaNotFoundError,
    SchemaRegistryError,
)
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

try:
    __version__ = version("pytest-schema-registry")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "CompatibilityReport",
    "ConfigError",
    "Fault",
    "IndexEntry",
    "Integrity",
    "RecordedRequest",
    "RegistryAuthError",
    "RegistryClient",
    "RegistryIndex",
    "RegistryRequestError",
    "RegistryResponseError",
    "RegistryServer",
    "RegistryUnavailableError",
    "RetryPolicy",
    "SchemaDocument",
    "SchemaIntegrityError",
    "SchemaNotFoundError",
    "SchemaRegistryError",
    "SchemaVersionInfo",
    "__version__",
    "content_sha256",
]
