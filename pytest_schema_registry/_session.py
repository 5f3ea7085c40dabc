"""Own the registry side of one test session: the manager, its thread, the contract, the report.

The plugin creates one `RegistrySession` per pytest session (so one per xdist worker) and asks it
for what fixtures hand out. Nothing is started until a test asks: a session that never touches
the registry costs nothing. The manager runs on a loop of its own on a daemon thread, so sync
tests, and async tests on any event loop, share one cache and one connection pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._contract import SchemaContract
from ._report import SessionReport
from ._settings import PluginSettings

if TYPE_CHECKING:
    from ._client import RegistryClient
    from ._manager import SchemaManager
    from ._models import SchemaDocument, ValidationResult

__all__ = ["RegistryNotConfiguredError", "RegistrySession"]


class RegistryNotConfiguredError(Exception):
    """A test needs a registry and the session has none; the message says what to pass."""


class RegistrySession:
    """Lazily start, share and finally close the session's `SchemaManager`."""

    def __init__(self, settings: PluginSettings) -> None:
        self.settings = settings
        self._manager: SchemaManager | None = None
        self._fetched: list[SchemaDocument] = []  # by the factory and the marker

    def manager(self) -> SchemaManager:
        """Return the started manager, starting it on first use."""
        if not self.settings.live:
            raise RegistryNotConfiguredError(self.settings.missing_registry_message())
        if self._manager is None:
            from prometheus_client import CollectorRegistry

            from ._manager import SchemaManager

            # A private metrics registry: the user's own metric assertions stay unpolluted.
            manager = SchemaManager.from_config(
                self.settings.config, metrics_registry=CollectorRegistry()
            )
            self._manager = manager.start_in_thread()
        return self._manager

    def client(self) -> RegistryClient:
        """Return the manager's registry client (usable from any event loop)."""
        client = self.manager().client
        if client is None:  # start_in_thread() opened it; only a disabled manager has none
            raise RegistryNotConfiguredError(self.settings.missing_registry_message())
        return client

    def fetch_schema(
        self, name: str, track: str | None = None, version: str | None = None
    ) -> SchemaDocument:
        """Return a schema: negotiated like validation, or exactly `track`/`version` if given."""
        manager = self.manager()
        if track is None and version is None:
            return manager.get_schema_sync(name)
        track = track or self.settings.config.prefer_track
        document = manager.run_sync(self.client().fetch_schema(track, name, version))
        self._fetched.append(document)
        return document

    def contract(self) -> SchemaContract:
        """Return a `SchemaContract` that judges with the session's manager."""
        return SchemaContract(self._check)

    def _check(
        self, name: str, payload: Any, prefer: str | None, fallback: str | None
    ) -> ValidationResult:
        return self.manager().check_sync(name, payload, prefer, fallback)

    def report(self) -> SessionReport:
        """Return this session's figures (empty when the registry was never used)."""
        report = SessionReport(source=self.settings.source)
        if self._manager is not None:
            report.record(self._manager)
        for document in self._fetched:
            report.add_schema(document)
        return report

    def close(self) -> None:
        """Close the manager and stop its thread, if it was ever started."""
        if self._manager is not None:
            self._manager.close_sync()
            self._manager = None
