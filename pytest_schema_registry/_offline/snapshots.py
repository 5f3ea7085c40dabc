"""Keep reviewable copies of registry schemas, and say how the registry has drifted from them.

```
tests/contracts/schemas/
  registry.lock.json                    name, track, version, schema id, sha256, fetch time
  v1/telemetry.FeedbackEvent.json       the content, pretty-printed with sorted keys
  v2/telemetry.FeedbackEvent.json
```

Everything is sorted and pretty-printed so a schema change reads as a small diff in review. Names
come from the registry, so they are never trusted as paths: every character outside
`[A-Za-z0-9._@+-]` is percent-encoded, and so are leading dots (no `..`, no hidden files); the
final path is still checked to sit inside the snapshot folder. Writes take a file lock, re-read
the lock file and merge, and replace files atomically, so `pytest -n 4 --schema-snapshot-update`
loses nothing.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from filelock import FileLock

from .._core.errors import SnapshotError
from .._core.files import pretty_json, write_json_atomically
from .._core.models import SchemaDocument

__all__ = ["LOCK_NAME", "Drift", "SnapshotStore"]

LOCK_NAME = "registry.lock.json"
_SAFE = "._@+-"
_DIFF_LINES = 40


@dataclass(frozen=True, slots=True)
class Drift:
    """How one schema the run used differs from its snapshot."""

    name: str
    track: str
    kind: Literal["new", "changed"]
    snapshot_version: str | None
    registry_version: str
    diff: str

    def headline(self) -> str:
        if self.kind == "new":
            return (
                f"{self.name} ({self.track}): not in the snapshots "
                f"(registry has {self.registry_version})"
            )
        return (
            f"{self.name} ({self.track}): snapshot {self.snapshot_version}, "
            f"registry {self.registry_version}"
        )


class SnapshotStore:
    """The snapshot folder: read entries, compare documents, write updates."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def lock_path(self) -> Path:
        return self.directory / LOCK_NAME

    def exists(self) -> bool:
        """Say whether the folder holds a lock file at all."""
        return self.lock_path.is_file()

    def entries(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Return the lock file's entries keyed by (name, track); none when there is no file."""
        if not self.lock_path.is_file():
            return {}
        try:
            data = json.loads(self.lock_path.read_text(encoding="utf-8"))
            return {(e["name"], e["track"]): e for e in data["schemas"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"{self.lock_path} is not a snapshot lock file: {exc}") from None

    def content(self, name: str, track: str) -> dict[str, Any] | None:
        """Return a snapshot's content, or None when it has none."""
        path = self.path_for(name, track)
        if not path.is_file():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def path_for(self, name: str, track: str) -> Path:
        """Return where a schema's content lives; a name can never leave the folder."""
        path = self.directory / _encode(track) / f"{_encode(name)}.json"
        root = self.directory.resolve()
        if root not in path.resolve().parents:
            raise SnapshotError(
                f"schema {name!r} on track {track!r} would be stored outside {root}"
            )
        return path

    def compare(self, documents: list[SchemaDocument]) -> list[Drift]:
        """Return how `documents` differ from the snapshots, sorted by name and track."""
        entries = self.entries()
        drifts = []
        for document in sorted(documents, key=lambda d: (d.name, d.track)):
            entry = entries.get((document.name, document.track))
            if entry is None:
                drifts.append(self._drift(document, None, "new"))
            elif entry["sha256"] != document.sha256:
                drifts.append(self._drift(document, entry, "changed"))
        return drifts

    def _drift(
        self,
        document: SchemaDocument,
        entry: dict[str, Any] | None,
        kind: Literal["new", "changed"],
    ) -> Drift:
        before = self.content(document.name, document.track) if entry else None
        return Drift(
            name=document.name,
            track=document.track,
            kind=kind,
            snapshot_version=entry["version"] if entry else None,
            registry_version=document.version,
            diff=_diff(before, document.content, document.name, document.track),
        )

    def write(self, documents: list[SchemaDocument], *, now: datetime | None = None) -> int:
        """Write `documents` (merging with the lock file under a lock); return how many changed."""
        fetched_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        self.directory.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.directory / f".{LOCK_NAME}.lock")):
            entries = self.entries()
            changed = 0
            for document in documents:
                key = (document.name, document.track)
                if entries.get(key, {}).get("sha256") == document.sha256:
                    continue  # unchanged: keep the old fetch time, so the diff stays quiet
                write_json_atomically(self.path_for(*key), document.content)
                entries[key] = _entry(document, fetched_at)
                changed += 1
            if changed:
                schemas = [entries[key] for key in sorted(entries)]
                write_json_atomically(self.lock_path, {"schemas": schemas})
        return changed


def _encode(part: str) -> str:
    """Percent-encode a name for use as a file name; leading dots too (no `..`, no hidden files)."""
    encoded = quote(part, safe=_SAFE)
    undotted = encoded.lstrip(".")
    return "%2E" * (len(encoded) - len(undotted)) + undotted or "%00"


def _entry(document: SchemaDocument, fetched_at: str) -> dict[str, Any]:
    return {
        "name": document.name,
        "track": document.track,
        "version": document.version,
        "schema_id": document.schema_id,
        "sha256": document.sha256,
        "fetched_at": fetched_at,
    }


def _diff(before: dict[str, Any] | None, after: dict[str, Any], name: str, track: str) -> str:
    old = pretty_json(before).splitlines() if before is not None else []
    lines = list(
        difflib.unified_diff(
            old,
            pretty_json(after).splitlines(),
            f"snapshot/{track}/{name}",
            f"registry/{track}/{name}",
            lineterm="",
            n=2,
        )
    )
    if len(lines) > _DIFF_LINES:
        lines = [*lines[:_DIFF_LINES], f"... {len(lines) - _DIFF_LINES} more diff lines"]
    return "\n".join(lines)
