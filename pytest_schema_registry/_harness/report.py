"""Build the "schema registry" section of the test summary, mergeable across xdist workers.

The report is plain data (`to_dict`/`from_dict`), so each worker ships its figures to the
controller, which merges them, prints one section and decides the exit status. The plugin only
prints `lines()` and reads `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._core.models import SchemaDocument
    from .._offline.cassettes import RegistryCassette
    from .._runtime.manager import SchemaManager

__all__ = ["SessionReport"]

_OUTCOMES = ("success", "failure", "error")
_LISTED = 10  # unused interactions listed by name before "... and N more"


@dataclass(slots=True)
class SessionReport:
    """What one session (or several workers, merged) did with the registry."""

    source: str = ""
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0
    stale_serves: int = 0
    validations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_OUTCOMES, 0))
    registry_errors: dict[str, int] = field(default_factory=dict)
    workers: int = 1
    cassette: str = ""
    cassette_saved: int = 0
    recorded: list[str] = field(default_factory=list)
    unused: list[str] | None = None  # None: no replay happened here
    drift: list[dict[str, str]] = field(default_factory=list)
    snapshots_checked: bool = False
    snapshot_dir: str = ""
    snapshot_updates: int = 0
    stale: list[str] = field(default_factory=list)
    stale_hint: str = ""
    update_hint: str = ""  # the exact command that accepts drift
    snapshot_note: str = ""  # why snapshots were not compared, when they were not
    partial_run: str = ""  # why this run cannot tell which snapshots are unused (-k, ...)
    unused_snapshots: list[str] = field(default_factory=list)
    removed_snapshots: int = 0
    prune_note: str = ""
    problems: list[str] = field(default_factory=list)  # e.g. a snapshot folder we could not write
    problems_noted: list[str] = field(default_factory=list)  # worth saying, not worth failing
    registry_failures: list[str] = field(default_factory=list)  # tests failed by registry trouble
    registry_skips: int = 0  # tests skipped for want of a registry
    skip_reason: str = ""

    @property
    def used(self) -> bool:
        """Say whether anything happened worth reporting."""
        return bool(
            self.schemas
            or self.cache_misses
            or self.registry_errors
            or self.cassette
            or self.problems
            or self.registry_skips
            or self.snapshot_note
        )

    @property
    def failed(self) -> bool:
        """Say whether the session must fail: drift not accepted, or a stale cassette."""
        return bool(self.drift or self.stale or self.problems)

    def record(self, manager: SchemaManager) -> None:
        """Take a manager's figures (the session lists the schemas it used, with `add_schema`)."""
        stats = manager.get_stats()
        self.cache_hits += stats["cache_hits"]
        self.cache_misses += stats["cache_misses"]
        self.stale_serves += stats["stale_serves"]
        _add(self.validations, stats["validations"])
        _add(self.registry_errors, stats["registry_errors"])

    def add_schema(self, document: SchemaDocument) -> None:
        """List a schema the session used (one line per name, track and version)."""
        self.schemas[f"{document.name}@{document.track}@{document.version}"] = {
            "name": document.name,
            "track": document.track,
            "version": document.version,
            "sha": document.short_sha,
            "deprecated": document.deprecated,
        }

    def add_cassette(self, cassette: RegistryCassette, *, saved: int) -> None:
        """Take what the cassette recorded, saved, or left unplayed."""
        self.cassette = str(cassette.path)
        self.cassette_saved = saved
        self.recorded = cassette.recorded()
        if cassette.use == "replay":
            self.unused = cassette.unused()

    def merge(self, other: SessionReport) -> None:
        """Add another session's figures (an xdist worker's) to this one."""
        self.source = self.source or other.source
        self.schemas.update(other.schemas)
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        self.stale_serves += other.stale_serves
        _add(self.validations, other.validations)
        _add(self.registry_errors, other.registry_errors)
        self.workers += other.workers
        self.cassette = self.cassette or other.cassette
        self.cassette_saved = max(self.cassette_saved, other.cassette_saved)
        self.recorded = sorted(set(self.recorded) | set(other.recorded))
        if other.unused is not None:  # unused only if no worker played it
            self.unused = (
                other.unused
                if self.unused is None
                else sorted(set(self.unused) & set(other.unused))
            )
        self.drift = _unique(self.drift + other.drift)
        self.snapshots_checked = self.snapshots_checked or other.snapshots_checked
        self.snapshot_dir = self.snapshot_dir or other.snapshot_dir
        self.snapshot_updates += other.snapshot_updates
        self.stale = sorted(set(self.stale) | set(other.stale))
        self.stale_hint = self.stale_hint or other.stale_hint
        self.update_hint = self.update_hint or other.update_hint
        self.partial_run = self.partial_run or other.partial_run
        if not self.snapshots_checked:
            self.snapshot_note = self.snapshot_note or other.snapshot_note
        self.problems = sorted(set(self.problems) | set(other.problems))
        self.problems_noted = sorted(set(self.problems_noted) | set(other.problems_noted))
        self.registry_failures = sorted(set(self.registry_failures) | set(other.registry_failures))
        self.registry_skips += other.registry_skips
        self.skip_reason = self.skip_reason or other.skip_reason

    def to_dict(self) -> dict[str, Any]:
        """Return plain data, safe to send between processes."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionReport:
        """Rebuild a report from `to_dict()` output, ignoring keys it does not know."""
        return cls(**{k: v for k, v in data.items() if k in cls.__slots__})

    def lines(self) -> list[str]:
        """Return the summary section's lines."""
        if self.registry_skips and not self.schemas and not self.cache_misses:
            return [self._skip_line()]  # nothing reached a registry: only the skips to explain
        return [
            self._outcome_line(),
            f"schemas from {self.source}",
            *self._schema_lines(),
            self._validation_line(),
            self._cache_line(),
            self._error_line(),
            *self._degraded_lines(),
            *([self._skip_line()] if self.registry_skips else []),
            *self._cassette_lines(),
            *self._snapshot_lines(),
            *(f"note: {note}" for note in self.problems_noted),
            *(f"ERROR: {problem}" for problem in self.problems),
        ]

    def _schema_lines(self) -> list[str]:
        if not self.schemas:
            return ["  no schema was used"]
        width = max(len(s["name"]) for s in self.schemas.values())
        return [_schema_line(self.schemas[key], width) for key in sorted(self.schemas)]

    def _validation_line(self) -> str:
        v = self.validations
        return (
            f"validations: {v.get('success', 0)} valid, {v.get('failure', 0)} invalid, "
            f"{v.get('error', 0)} without a schema"
        )

    def _cache_line(self) -> str:
        line = (
            f"cache: {_count(self.cache_hits, 'hit', 'hits')}, "
            f"{_count(self.cache_misses, 'miss', 'misses')}"
        )
        if self.stale_serves:
            line += f", {_count(self.stale_serves, 'stale serve', 'stale serves')}"
        if self.workers > 1:
            line += f" (over {self.workers} workers)"
        return line

    def _error_line(self) -> str:
        errors = ", ".join(f"{n} {kind}" for kind, n in sorted(self.registry_errors.items()))
        return f"registry errors: {errors or 'none'}"

    def _outcome_line(self) -> str:
        """State the outcome first: what failed, or what held."""
        failures = [
            (
                self.drift,
                f"{_count(len(self.drift), 'schema', 'schemas')} drifted from the snapshots",
            ),
            (self.stale, f"the cassette is stale ({_count(len(self.stale), 'schema', 'schemas')})"),
            (
                self.registry_failures,
                f"registry trouble failed {_count(len(self.registry_failures), 'test', 'tests')}",
            ),
            (self.problems, _count(len(self.problems), "problem", "problems")),
        ]
        said = [text for present, text in failures if present]
        if said:
            return "FAILED: " + "; ".join(said)
        if self.registry_errors and not self.schemas:
            return "registry unavailable: no schema was fetched"
        checked = "; snapshots match" if self.snapshots_checked else ""
        return f"ok: {_count(len(self.schemas), 'schema', 'schemas')} used{checked}"

    def _skip_line(self) -> str:
        count = _count(self.registry_skips, "test", "tests")
        return f"skipped: {count} needing a registry: {self.skip_reason}"

    def _degraded_lines(self) -> list[str]:
        if not self.registry_failures:
            return []
        count = _count(len(self.registry_failures), "test", "tests")
        lines = [f"{count} failed on registry trouble (an error, or an answer without a schema):"]
        lines += [f"  {node}" for node in self.registry_failures[:_LISTED]]
        if len(self.registry_failures) > _LISTED:
            lines.append(f"  ... and {len(self.registry_failures) - _LISTED} more")
        return lines

    def _cassette_lines(self) -> list[str]:
        if not self.cassette:
            return []
        if self.unused is None:
            recorded = _count(len(self.recorded), "request", "requests")
            return [f"cassette: recorded {recorded}; {self.cassette} holds {self.cassette_saved}"]
        if not self.unused:
            return [f"cassette: every recorded request was replayed ({self.cassette})"]
        lines = [
            f"cassette: {_count(len(self.unused), 'recorded request', 'recorded requests')} "
            f"never replayed ({self.cassette}):"
        ]
        lines += [f"  {label}" for label in self.unused[:_LISTED]]
        if len(self.unused) > _LISTED:
            lines.append(f"  ... and {len(self.unused) - _LISTED} more")
        return lines

    def _snapshot_lines(self) -> list[str]:
        if self.stale:
            return [
                "STALE CASSETTE: the replayed schemas differ from the snapshots:",
                *(f"  {headline}" for headline in self.stale),
                f"re-record with: {self.stale_hint}",
            ]
        if self.snapshot_updates:
            return [f"snapshots: updated {self.snapshot_updates} in {self.snapshot_dir}"]
        if self.drift:
            lines = [f"SCHEMA DRIFT against the snapshots in {self.snapshot_dir}:"]
            for drift in self.drift:
                compat = f"; {drift['compat']}" if drift.get("compat") else ""
                lines.append(f"  {drift['headline']}{compat}")
                lines += [f"    {line}" for line in drift.get("compat_detail", "").splitlines()]
                lines += [f"    {line}" for line in drift["diff"].splitlines()]
            lines.append(f"accept it with: {self.update_hint} (then review the diff)")
            return lines
        if self.snapshots_checked:
            return [f"snapshots: no drift ({self.snapshot_dir})", *self._unused_lines()]
        return [self.snapshot_note] if self.snapshot_note else []

    def _unused_lines(self) -> list[str]:
        if self.removed_snapshots:
            return [f"snapshots: removed {self.removed_snapshots} that no test used"]
        if self.prune_note:
            return [self.prune_note]
        if not self.unused_snapshots:
            return []
        count = _count(len(self.unused_snapshots), "snapshot", "snapshots")
        listed = ", ".join(self.unused_snapshots[:_LISTED])
        more = (
            f" and {len(self.unused_snapshots) - _LISTED} more"
            if len(self.unused_snapshots) > _LISTED
            else ""
        )
        return [f"{count} unused: {listed}{more} (remove with --schema-snapshot-prune)"]


def _schema_line(schema: dict[str, Any], width: int) -> str:
    flag = "  (deprecated)" if schema.get("deprecated") else ""
    return (
        f"  {schema['name']:<{width}}  {schema['track']:<4} {schema['version']:<12} "
        f"{schema['sha']}{flag}"
    )


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _add(total: dict[str, int], more: dict[str, int]) -> None:
    for key, count in more.items():
        total[key] = total.get(key, 0) + count


def _unique(drifts: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for drift in drifts:
        seen.setdefault(drift["headline"], drift)
    return [seen[key] for key in sorted(seen)]
