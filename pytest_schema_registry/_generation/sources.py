"""Where registry-bound strategies find schemas: set by the pytest plugin, read by strategies.

Kept apart from `strategies.py` so the plugin can register the session's source at start-up
without importing hypothesis, which most test sessions never need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._core.errors import RegistryNotConfiguredError

__all__ = [
    "SchemaSource",
    "pop_schema_source",
    "push_schema_source",
    "resolve_schema",
    "set_schema_source",
]

SchemaSource = Callable[[str, "str | None"], Mapping[str, Any]]
_source: list[SchemaSource] = []


def set_schema_source(source: SchemaSource | None) -> None:
    """Tell the registry-bound strategies where schemas come from (the pytest plugin does)."""
    _source[:] = [source] if source is not None else []


def push_schema_source(source: SchemaSource) -> None:
    """Make `source` current until it is popped (nested pytest sessions each push their own)."""
    _source.append(source)


def pop_schema_source(source: SchemaSource) -> None:
    """Remove `source`, making the one before it current again."""
    if source in _source:
        _source.remove(source)


def resolve_schema(name: str, track: str | None) -> Mapping[str, Any]:
    """Return the content of registry schema `name` from the current source."""
    if not _source:
        raise RegistryNotConfiguredError(
            f"registry_payloads({name!r}) has no schema source: run it under pytest with the "
            "schema-registry plugin (live, replay or snapshots), or call set_schema_source()"
        )
    return _source[-1](name, track)
