"""Own the registry side of one test session: manager, cassette, snapshots, contract, report.

The plugin creates one `RegistrySession` per pytest session (so one per xdist worker) when a test
first asks for a registry fixture. The manager runs on a loop of its own on a daemon thread, so
sync tests, and async tests on any event loop, share one cache and one connection pool. In
replay and record its HTTP goes through the cassette's transport, and only its.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._core.errors import (
    ConfigError,
    RegistryNotConfiguredError,
    SchemaNotFoundError,
    SchemaRegistryError,
    SnapshotError,
)
from .._core.secrets import basic_auth_secrets, redact_url, split_credentials
from .._offline.snapshots import Drift, SnapshotStore
from .advice import (
    base_path_candidates,
    degradation_reason,
    did_you_mean,
    first_answering,
    nearest_names,
)
from .contract import SchemaContract
from .drift import pending_contents
from .options import PluginSettings
from .report import SessionReport

if TYPE_CHECKING:
    import httpx

    from .._core.config import RegistryConfig
    from .._core.models import SchemaDocument, ValidationResult
    from .._offline.cassettes import CassetteUse, RegistryCassette
    from .._runtime.manager import SchemaManager
    from .._wire.client import RegistryClient

__all__ = ["RegistrySession", "settle_unused_snapshots"]

_REPLAY_PLACEHOLDER = "http://registry.invalid"  # a replayed registry's host is never contacted


class RegistrySession:
    """Lazily start, share and finally close the session's `SchemaManager`."""

    def __init__(self, settings: PluginSettings) -> None:
        self.settings = settings
        self._manager: SchemaManager | None = None
        self._cassette: RegistryCassette | None = None
        self._http: httpx.AsyncClient | None = None
        self._fetched: list[SchemaDocument] = []  # latest versions, by the factory and the marker
        self._pinned: list[SchemaDocument] = []  # exact versions asked for: listed, not snapshotted
        # Answers the manager (or a gate) gave without a schema; the plugin fails the test
        # that met one. Appended from the manager's thread, read between tests.
        # The first answer given without a schema since the last reset, and how many: bounded
        # however often a test calls a dead registry. Written from the manager's thread.
        self._first_degraded: tuple[str, SchemaRegistryError] | None = None
        self._degraded_count = 0
        self._known_names: list[str] | None = None  # the index, fetched once for suggestions
        self._hints: dict[str, str] = {}  # base-path probes cost requests: once per session
        self.registry_failures: list[str] = []  # tests failed by registry trouble (node ids)
        self.skipped_tests = 0  # tests the plugin skipped for want of a registry

    def manager(self) -> SchemaManager:
        """Return the started manager, starting it on first use."""
        if not self.settings.available:
            raise RegistryNotConfiguredError(self.settings.missing_registry_message())
        if self.settings.config.validation_mode == "off":
            raise ConfigError(
                "validation mode 'off' (REGISTRY_VALIDATION_MODE or REGISTRY_ENFORCEMENT) answers "
                "every payload valid: a contract test cannot run with it; unset it, or use log or "
                "enforce"
            )
        if self._manager is None:
            from prometheus_client import CollectorRegistry

            from .._runtime.manager import SchemaManager

            config = self.settings.config
            if self.settings.access in ("replay", "record"):
                config = self._wire_cassette()
            # A private metrics registry: the user's own metric assertions stay unpolluted.
            manager = SchemaManager.from_config(
                config, http_client=self._http, metrics_registry=CollectorRegistry()
            )
            manager.watch_degradation(self._degraded)
            self._manager = manager.start_in_thread()
        return self._manager

    def _wire_cassette(self) -> Any:
        """Open the cassette and give the manager an HTTP client that goes through it only."""
        import httpx

        from .._offline.cassettes import RegistryCassette

        settings = self.settings
        use: CassetteUse = "replay"
        if settings.access == "record":
            use = "rerecord" if settings.record_scope == "all" else "record"
        self._cassette = RegistryCassette(
            settings.cassette_path,
            use,
            secrets=(
                settings.config.token,
                *basic_auth_secrets(settings.config.basic_auth),
                *split_credentials(settings.config.url or "").secrets,
            ),
            run_id=settings.run_id or None,
        )
        self._cassette.record_command = settings.record_command(self._cassette.recorded_url)
        recorded = self._cassette.recorded_url or _REPLAY_PLACEHOLDER
        url = recorded if use == "replay" else (settings.config.url or recorded)
        self._http = httpx.AsyncClient(
            transport=self._cassette.transport(url), timeout=settings.config.timeout
        )
        return settings.config.with_changes(enabled=True, url=url)

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
        document = manager.run_sync(self.client().fetch_schema(name, track=track, version=version))
        (self._fetched if version is None else self._pinned).append(document)
        return document

    def contract(self) -> SchemaContract:
        """Return a `SchemaContract` that judges with the session's manager."""
        return SchemaContract(self._check, fetch=self._fetch_exactly, versions=self._versions)

    def _fetch_exactly(self, name: str, track: str, version: str | None) -> SchemaDocument:
        return self.fetch_schema(name, track=track, version=version)

    def _versions(self, name: str, track: str) -> list[str]:
        """Return every version of `name` the registry lists on `track`."""
        listed = self.manager().run_sync(self.client().list_versions(name, track=track))
        return [info.version for info in listed]

    def _check(
        self, name: str, payload: Any, prefer: str | None, fallback: str | None
    ) -> ValidationResult:
        return self.manager().check_sync(name, payload, prefer, fallback)

    def _degraded(self, name: str, error: SchemaRegistryError) -> None:
        if self._first_degraded is None:
            self._first_degraded = (name, error)
        self._degraded_count += 1

    def reset_degradation(self) -> None:
        """Forget earlier answers given without a schema (a new test phase starts)."""
        self._first_degraded, self._degraded_count = None, 0

    def degradation_failure(self) -> str | None:
        """Say why the answers given without a schema since the reset fail a test; None if none."""
        if self._first_degraded is None:
            return None
        name, error = self._first_degraded
        return degradation_reason(name, error, self._degraded_count, self.hint_for(error))

    def hint_for(self, error: SchemaRegistryError) -> str:
        """Suggest the fix for a schema not found: a near name in the index, or the base path."""
        if not isinstance(error, SchemaNotFoundError) or self._manager is None:
            return ""
        try:
            names = self._index_names(self._manager)
        except SchemaRegistryError as exc:  # a 404 on the index too: the base path may be wrong
            if "base_path" not in self._hints:
                found = self._base_path_hint(self._manager) if exc.status_code == 404 else ""
                self._hints["base_path"] = found
            return self._hints["base_path"]
        return did_you_mean(nearest_names(error.name or "", names))

    def _index_names(self, manager: SchemaManager) -> list[str]:
        if self._known_names is None:
            self._known_names = manager.run_sync(self.client().index()).names()
        return self._known_names

    def _base_path_hint(self, manager: SchemaManager) -> str:
        url = self.settings.config.url
        if self.settings.access not in ("live", "record") or not url:
            return ""  # a replayed registry has no other paths to try

        def answers(base_url: str) -> bool:
            return _answers_at(manager, base_url, self.settings.config)

        found = first_answering(base_path_candidates(url), answers)
        return f"; a registry answers at {redact_url(found)}: check the base path" if found else ""

    def finish(self, *, partial_run: str = "") -> SessionReport:
        """Close everything, save the cassette, check or update snapshots; return the report.

        `partial_run` says why this run did not run every test (`-k`, ...), or is empty.
        """
        report = SessionReport(source=self.settings.source, partial_run=partial_run)
        if self.skipped_tests:
            report.registry_skips = self.skipped_tests
            report.skip_reason = self.settings.missing_registry_message()
        if self._manager is None:
            return report
        report.record(self._manager)
        report.registry_failures = list(self.registry_failures)
        current = self._current(self._manager)
        for document in [*current, *self._pinned]:
            report.add_schema(document)
        self._close()
        try:
            if self._cassette is not None:
                saved = self._cassette.save(partial=bool(partial_run))
                report.add_cassette(self._cassette, saved=saved)
                if partial_run and self.settings.record_scope == "all":
                    report.problems_noted.append(
                        f"--registry-record=all on a partial run ({partial_run}) kept the "
                        "recordings of the tests that did not run: re-record all on a full run"
                    )
            self._check_snapshots(report, current)
        except (OSError, ValueError, SchemaRegistryError) as exc:  # say it; never INTERNALERROR
            fix = f"; rewrite it with {self.settings.update_command()}"
            report.problems.append(
                f"{type(exc).__name__}: {exc}{fix if isinstance(exc, SnapshotError) else ''}"
            )
        return report

    def _recorded_url(self) -> str | None:
        return self._cassette.recorded_url if self._cassette is not None else None

    def _current(self, manager: SchemaManager) -> list[SchemaDocument]:
        """Return the latest document of each (name, track) the run used, the manager's last.

        What the manager holds now is what validation used; a pinned version (`registry_schema(
        ..., version=...)`) is not the contract the snapshots keep.
        """
        latest = {(d.name, d.track): d for d in self._fetched}
        latest.update({(d.name, d.track): d for d in manager.schemas_in_use()})
        return [latest[key] for key in sorted(latest)]

    def _check_snapshots(self, report: SessionReport, documents: list[SchemaDocument]) -> None:
        """Live and record runs compare with (or update) snapshots; replay must agree with them."""
        store = SnapshotStore(self.settings.snapshot_dir)
        used = documents
        report.snapshot_dir = str(self.settings.snapshot_dir)
        report.update_hint = self.settings.update_command(self._recorded_url())
        if not used:  # nothing fetched, nothing compared: never say "no drift" then
            if store.exists():
                report.snapshot_note = (
                    f"snapshots: not checked, no schema was fetched ({store.directory})"
                )
            return
        if self.settings.access == "replay":
            if store.exists():
                report.stale = [drift.headline() for drift in store.compare(used)]
                report.stale_hint = self.settings.update_command(self._recorded_url())
                report.snapshots_checked = True
            return
        if self.settings.snapshot_update:
            report.snapshot_updates += store.write(used)
            report.snapshots_checked = True
        elif store.exists():
            report.drift = [_drift_entry(store, d, used) for d in store.compare(used)]
            report.snapshots_checked = True
        else:
            report.snapshot_note = (
                f"snapshots: none in {store.directory}; write them with {report.update_hint}"
            )

    def _close(self) -> None:
        manager, self._manager = self._manager, None
        if manager is None:
            return
        if self._http is not None:
            manager.run_sync(self._http.aclose())
        manager.close_sync()


def _drift_entry(store: SnapshotStore, drift: Drift, used: list[SchemaDocument]) -> dict[str, str]:
    """Return the report's entry for one drift; a changed schema carries both contents along.

    Where the reports are merged, `judge_drift` checks them once for compatibility.
    """
    entry = {"headline": drift.headline(), "diff": drift.diff}
    snapshot = store.content(drift.name, drift.track) if drift.kind == "changed" else None
    if snapshot is not None:
        document = next(d for d in used if (d.name, d.track) == (drift.name, drift.track))
        entry.update(pending_contents(snapshot, document.content))
    return entry


def _answers_at(manager: SchemaManager, base_url: str, config: RegistryConfig) -> bool:
    """Say whether a registry index answers at `base_url` (one quick try, no retries)."""
    from .._wire.client import RegistryClient
    from .._wire.retry import RetryPolicy

    async def probe() -> None:
        async with RegistryClient(
            base_url,
            token=config.token,
            basic_auth=config.basic_auth,
            dialect=config.dialect,
            subject_template=config.subject_template,
            timeout=2.0,
            retry=RetryPolicy(attempts=1),
        ) as client:
            await client.index()

    try:
        manager.run_sync(probe())
    except SchemaRegistryError:
        return False
    return True


def settle_unused_snapshots(report: SessionReport, settings: PluginSettings) -> None:
    """List (or, on request, remove) the snapshots no test of this whole run used.

    Runs once, where the workers' reports are merged. A partial run (`-k`, deselected tests, ...)
    cannot tell what is unused, so it lists nothing and removes nothing.
    """
    if not report.snapshots_checked or report.stale or report.drift:
        return
    if report.partial_run:
        if settings.snapshot_prune:
            report.prune_note = (
                f"snapshots: not pruned, this is a partial run ({report.partial_run}): "
                "prune on a full run"
            )
        return
    store = SnapshotStore(settings.snapshot_dir)
    unused = store.unused({(s["name"], s["track"]) for s in report.schemas.values()})
    if settings.snapshot_prune:
        report.removed_snapshots = store.remove(unused) if unused else 0
    else:
        report.unused_snapshots = [f"{name} ({track})" for name, track in unused]
