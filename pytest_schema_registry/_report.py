"""Build the "schema registry" section of the test summary, mergeable across xdist workers.

The report is plain data (`to_dict`/`from_dict`), so each worker ships its figures to the
controller, which merges them and prints one section. The plugin only prints `lines()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._manager import SchemaManager
    from ._models import SchemaDocument

__all__ = ["SessionReport"]

_OUTCOMES = ("success", "failure", "error")


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

    @property
    def used(self) -> bool:
        """Say whether anything happened worth reporting."""
        return bool(self.schemas or self.cache_misses or self.registry_errors)

    def record(self, manager: SchemaManager) -> None:
        """Take a manager's figures and the schemas it used."""
        stats = manager.get_stats()
        self.cache_hits += stats["cache_hits"]
        self.cache_misses += stats["cache_misses"]
        self.stale_serves += stats["stale_serves"]
        _add(self.validations, stats["validations"])
        _add(self.registry_errors, stats["registry_errors"])
        for document in manager.schemas_in_use():
            self.add_schema(document)

    def add_schema(self, document: SchemaDocument) -> None:
        """List a schema the session used (one line per name, track and version)."""
        self.schemas[f"{document.name}@{document.track}@{document.version}"] = {
            "name": document.name,
            "track": document.track,
            "version": document.version,
            "sha": document.short_sha,
            "deprecated": document.deprecated,
        }

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

    def to_dict(self) -> dict[str, Any]:
        """Return plain data, safe to send between processes."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionReport:
        """Rebuild a report from `to_dict()` output, ignoring keys it does not know."""
        return cls(**{k: v for k, v in data.items() if k in cls.__slots__})

    def lines(self) -> list[str]:
        """Return the summary section's lines."""
        lines = [f"schemas from {self.source}"]
        if self.schemas:
            width = max(len(s["name"]) for s in self.schemas.values())
            for key in sorted(self.schemas):
                lines.append(_schema_line(self.schemas[key], width))
        else:
            lines.append("  no schema was used")
        v = self.validations
        lines.append(
            f"validations: {v.get('success', 0)} valid, {v.get('failure', 0)} invalid, "
            f"{v.get('error', 0)} without a schema"
        )
        cache = (
            f"cache: {_count(self.cache_hits, 'hit', 'hits')}, "
            f"{_count(self.cache_misses, 'miss', 'misses')}"
        )
        if self.stale_serves:
            cache += f", {_count(self.stale_serves, 'stale serve', 'stale serves')}"
        if self.workers > 1:
            cache += f" (over {self.workers} workers)"
        lines.append(cache)
        errors = ", ".join(f"{n} {kind}" for kind, n in sorted(self.registry_errors.items()))
        lines.append(f"registry errors: {errors or 'none'}")
        return lines


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
