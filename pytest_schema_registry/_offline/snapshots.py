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
final path is still checked to sit inside the snapshot folder.

A name too long for a file name (the limit is 255 bytes, and the atomic write's temporary file
adds 14) keeps a readable prefix and ends in `%~` and a hash of the whole name: `%~` is nothing
percent-encoding ever writes, so such a file can never be another name's. The lock file records
the whole name, and maps the file back to it.

Writes take a file lock (kept outside the folder, which holds only what people review), re-read
the lock file and merge, and replace files atomically, so `pytest -n 4
--schema-snapshot-update` loses nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote

from filelock import FileLock

from .._core.errors import SnapshotError
from .._core.files import pretty_json, private_path_for, write_json_atomically
from .._core.models import SchemaDocument

__all__ = ["LOCK_NAME", "Drift", "DriftKind", "SnapshotStore"]

LOCK_NAME = "registry.lock.json"
_SAFE = "._@+-"
_DIFF_LINES = 40
# Longest encoded name kept as is: `.{stem}.json.XXXXXXXX.tmp`, the atomic write's temporary
# file, must fit in 255 bytes. Names that fitted before keep their file.
_STEM_CHARS = 236
_FOLDER_CHARS = 255  # a track's folder is made directly, with no temporary name
_PREFIX_CHARS = 100  # of a long name, kept readable in front of its hash
_LONG = "%~"  # percent-encoding writes `%` only before two hex digits: never this


DriftKind = Literal["new", "missing", "changed", "unreadable", "lock"]


@dataclass(frozen=True, slots=True)
class Drift:
    """How one schema the run used differs from its snapshot file (the contract)."""

    name: str
    track: str
    kind: DriftKind
    snapshot_version: str | None
    registry_version: str
    diff: str
    file: str = ""

    def headline(self) -> str:
        """Say in one line what differs, for the summary."""
        where = f"{self.name} ({self.track})"
        if self.kind == "new":
            return f"{where}: not in the snapshots (registry has {self.registry_version})"
        if self.kind == "missing":
            registry = f"registry has {self.registry_version}"
            return f"{where}: snapshot file {self.file} is missing ({registry})"
        if self.kind == "unreadable":
            return f"{where}: snapshot file {self.file} is not a JSON object"
        if self.kind == "lock":
            return f"{where}: {LOCK_NAME} does not describe snapshot file {self.file}"
        snapshot = self.snapshot_version or "without a lock entry"
        return f"{where}: snapshot {snapshot}, registry {self.registry_version}"


class SnapshotStore:
    """The snapshot folder: read entries, compare documents, write updates.

    The snapshot *files* are the contract: a schema drifts when the registry's content differs
    from its file's (compared as canonical JSON), when the file is missing or unreadable, or when
    the lock file does not describe the file. The lock only records where each file came from.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def lock_path(self) -> Path:
        return self.directory / LOCK_NAME

    def exists(self) -> bool:
        """Say whether the folder holds any snapshot: a lock file, or a snapshot file."""
        return self.lock_path.is_file() or any(self._files())

    def keys(self) -> list[tuple[str, str]]:
        """Return every (name, track) the folder knows of: lock entries and files alike."""
        return sorted(set(self._owners().values()) | set(self.entries()))

    def _owners(self) -> dict[Path, tuple[str, str]]:
        """Map each snapshot file to its (name, track): through the lock, else by decoding.

        A shortened name cannot be decoded; the lock knows it. Without a lock entry, such a
        file is listed under its decoded file name, which `remove` still deletes.
        """
        described = {self.path_for(*key): key for key in self.entries()}
        return {path: described.get(path) or _decoded_key(path) for path in self._files()}

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob("*/*.json") if p.is_file())

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
        """Return a snapshot's content, or None when it has no readable file."""
        path = self.path_for(name, track)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None

    def path_for(self, name: str, track: str) -> Path:
        """Return where a schema's content lives; a name can never leave the folder."""
        folder = _shortened(_encode(track), _FOLDER_CHARS)
        path = self.directory / folder / f"{_shortened(_encode(name), _STEM_CHARS)}.json"
        root = self.directory.resolve()
        if root not in path.resolve().parents:
            raise SnapshotError(
                f"schema {name!r} on track {track!r} would be stored outside {root}"
            )
        return path

    def compare(self, documents: list[SchemaDocument]) -> list[Drift]:
        """Return how `documents` differ from the snapshot files, sorted by name and track."""
        entries = self.entries()
        found = []
        for document in sorted(documents, key=lambda d: (d.name, d.track)):
            drift = self._drift(document, entries.get((document.name, document.track)))
            if drift is not None:
                found.append(drift)
        return found

    def unused(self, used: set[tuple[str, str]]) -> list[tuple[str, str]]:
        """Return the snapshots (lock entries or files) no schema of `used` accounts for."""
        return [key for key in self.keys() if key not in used]

    def remove(self, keys: list[tuple[str, str]]) -> int:
        """Delete these snapshots (files and lock entries) under the lock; return how many."""
        with FileLock(private_path_for(self.lock_path, ".lock")):
            entries = self.entries()
            # A file is also deleted under the key `keys()` listed it by (a shortened name
            # without its lock entry cannot be found from its name).
            wanted = set(keys)
            listed = [path for path, key in self._owners().items() if key in wanted]
            for path in [*(self.path_for(*key) for key in keys), *listed]:
                path.unlink(missing_ok=True)
            for key in keys:
                entries.pop(key, None)
            self._write_lock(entries)
        return len(keys)

    def _drift(self, document: SchemaDocument, entry: dict[str, Any] | None) -> Drift | None:
        path = self.path_for(document.name, document.track)
        file = str(path.relative_to(self.directory))
        if not path.is_file():
            kind: DriftKind = "new" if entry is None else "missing"
            return self._make(document, entry, kind, None, file)
        before = self.content(document.name, document.track)
        if before is None:
            return self._make(document, entry, "unreadable", None, file)
        if _canonical(before) != _canonical(document.content):
            return self._make(document, entry, "changed", before, file)
        if not _same_entry(entry, _entry(document, "")):  # the file is right; its lock entry not
            return self._make(document, entry, "lock", before, file)
        return None

    def _make(
        self,
        document: SchemaDocument,
        entry: dict[str, Any] | None,
        kind: DriftKind,
        before: dict[str, Any] | None,
        file: str,
    ) -> Drift:
        return Drift(
            name=document.name,
            track=document.track,
            kind=kind,
            snapshot_version=entry.get("version") if entry else None,
            registry_version=document.version,
            diff="" if kind == "lock" else _diff(before, document),
            file=file,
        )

    def write(self, documents: list[SchemaDocument], *, now: datetime | None = None) -> int:
        """Write what differs (files, lock entries), merging under a lock; return how many.

        A file edited or deleted by hand is rewritten; an unchanged schema keeps its fetch time,
        so the lock file's diff stays quiet.
        """
        fetched_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        self.directory.mkdir(parents=True, exist_ok=True)
        with FileLock(private_path_for(self.lock_path, ".lock")):
            try:
                entries = self.entries()
            except SnapshotError:  # a broken lock is one more thing the update rewrites
                entries = {}
            changed = 0
            for document in documents:
                key = (document.name, document.track)
                fresh = _entry(document, fetched_at)
                if self._drift(document, entries.get(key)) is None and _same_entry(
                    entries.get(key), fresh
                ):
                    continue
                write_json_atomically(self.path_for(*key), document.content)
                entries[key] = fresh
                changed += 1
            if changed:
                self._write_lock(entries)
        return changed

    def _write_lock(self, entries: dict[tuple[str, str], dict[str, Any]]) -> None:
        write_json_atomically(self.lock_path, {"schemas": [entries[k] for k in sorted(entries)]})


def _canonical(content: Any) -> str:
    """Compare schemas as JSON, not as files: key order and whitespace do not matter."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _same_entry(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Say whether a lock entry already says what `new` says (its fetch time aside)."""
    return old is not None and all(old.get(k) == v for k, v in new.items() if k != "fetched_at")


def _decoded_key(path: Path) -> tuple[str, str]:
    return _decode(path.stem), _decode(path.parent.name)


def _shortened(encoded: str, limit: int) -> str:
    """Return an encoded name that fits `limit`: itself, or a prefix, `%~` and its hash.

    The hash covers the whole encoded name, which encoding made unique, so two long names
    share a file only if SHA-256 collides in its first 128 bits.
    """
    if len(encoded) <= limit:
        return encoded
    digest = hashlib.sha256(encoded.encode("ascii")).hexdigest()[:32]
    prefix = re.sub(r"%[0-9A-F]?\Z", "", encoded[:_PREFIX_CHARS])  # no torn escape
    return f"{prefix}{_LONG}{digest}"


def _decode(part: str) -> str:
    """Invert `_encode` for a name read back from the folder."""
    return "" if part == "%00" else unquote(part)


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


def _diff(before: dict[str, Any] | None, document: SchemaDocument) -> str:
    """Return a unified diff from the snapshot file to the registry's content, capped."""
    old = pretty_json(before).splitlines() if before is not None else []
    lines = list(
        difflib.unified_diff(
            old,
            pretty_json(document.content).splitlines(),
            f"snapshot/{document.track}/{document.name}",
            f"registry/{document.track}/{document.name}",
            lineterm="",
            n=2,
        )
    )
    if len(lines) > _DIFF_LINES:
        lines = [*lines[:_DIFF_LINES], f"... {len(lines) - _DIFF_LINES} more diff lines"]
    return "\n".join(lines)
