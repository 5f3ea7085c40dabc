"""Read and write a folder of schemas laid out the way the embedded registry serves them.

```
DIR/
  subjects/                             reserved: the Confluent dialect's (`confluent_store.py`)
  v1/                                   a track
    telemetry.FeedbackEvent/            a schema name
      1.1.2.json                        one version: the JSON Schema exactly as served
      1.1.2.meta.json                   optional: {"deprecated", "deprecation_note",
                                                   "schema_id", "created_at"}
  v2/
    ...
```

The file name is the version. The latest version is the highest by PEP 440 ordering (`v1.2.7`
and `2.0.0-dev` parse; anything else sorts below every parseable version, by text). The schema id is
the content's `$schema_id`, else the metadata's `schema_id`, else `{name}@{track}`. A file that
cannot be served is reported with its path and reason and left out; the rest are served. That
includes what is not a regular file (a FIFO would block every scan), files over 10 MiB, JSON
nested deeper than 256 levels, and files whose path, symlinks resolved, leads outside `DIR`: a
symlink may share a file within the folder, never expose or overwrite one elsewhere.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._core.errors import UploadConflictError
from .._core.files import pretty_json, write_json_atomically
from .._core.models import content_sha256, version_order
from .disk import create_exclusively, inside, parse_json, read_text

__all__ = ["FolderProblem", "Rescan", "SchemaFolder", "StoredSchema", "check_identifier"]

log = logging.getLogger("pytest_schema_registry.server")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+:~-]{0,199}")
_META_SUFFIX = ".meta.json"
# Track names the folder cannot hold: the seed API's /schemas/by-id/ route, and the Confluent
# dialect's subjects (`confluent_store.py`), which this scanner skips without a word.
_RESERVED_TRACKS = {
    "by-id": "reserved by the API's /schemas/by-id/ route",
    "subjects": "reserved for the Confluent dialect's subjects (DIR/subjects/)",
}


def check_identifier(kind: str, value: object) -> str:
    """Accept a track, name or version that is safe as one file name; say why anything else is not.

    Letters, digits and `. _ @ + : ~ -`, starting with a letter or digit, at most 200 characters:
    enough for every name and version seen in the wild, and never `..`, `/` or a hidden file.
    """
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ValueError(
            f"{kind} {value!r}: expected 1-200 letters, digits or . _ @ + : ~ -, "
            "starting with a letter or digit"
        )
    if kind == "version" and value.endswith(".meta"):
        raise ValueError(f"version {value!r}: must not end in '.meta' (reserved for metadata)")
    return value


def _check_identifiers(name: object, track: object, version: object) -> None:
    """Check a schema's track, name and version as file names, naming the first bad one."""
    for kind, value in (("track", track), ("name", name), ("version", version)):
        check_identifier(kind, value)


@dataclass(frozen=True, slots=True)
class StoredSchema:
    """One version of one schema as found on disk, with everything the API serves about it."""

    track: str
    name: str
    version: str
    content: dict[str, Any] = field(hash=False)
    sha256: str
    schema_id: str
    deprecated: bool
    deprecation_note: str | None
    created_at: str

    def response(self) -> dict[str, Any]:
        """Return the seed API's `SchemaResponse` body."""
        return {
            "name": self.name,
            "track": self.track,
            "core_version": self.version,
            "sha256": self.sha256,
            "$schema_id": self.schema_id,
            "content": self.content,
            "deprecated": self.deprecated,
            "deprecation_note": self.deprecation_note,
        }

    def version_info(self) -> dict[str, Any]:
        """Return one element of the seed API's `/versions` array."""
        return {
            "core_version": self.version,
            "sha256": self.sha256,
            "created_at": self.created_at,
            "deprecated": self.deprecated,
        }


@dataclass(frozen=True, slots=True)
class FolderProblem:
    """A file the folder could not serve, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class SchemaFolder:
    """Serve the schemas below `root`, rescanning whenever a file there changes.

    Thread-safe: the embedded server answers from many threads, and uploads write through here.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._real_root = self.root.resolve()  # what every path must lie below, symlinks resolved
        if not self.root.is_dir():
            raise FileNotFoundError(f"schema folder {str(self.root)!r} does not exist")
        self._lock = threading.RLock()
        self._rescan = Rescan()
        self._schemas: dict[tuple[str, str], list[StoredSchema]] = {}
        self.problems: list[FolderProblem] = []
        self.refresh()

    # -- reading --------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Rescan the folder if any schema file changed since the last scan; say whether it did."""
        with self._lock:
            return self._rescan.run(sorted(self._schema_files()), self._reload)

    def _reload(self, files: list[Path]) -> list[FolderProblem]:
        self._schemas, self.problems = _load(self._real_root, files)
        return self.problems

    def tracks(self) -> list[str]:
        """Return every track that holds at least one servable schema, sorted."""
        with self._lock:
            return sorted({track for track, _ in self._schemas})

    def names(self, track: str) -> list[str]:
        """Return the schema names on `track`, sorted."""
        with self._lock:
            return sorted(name for t, name in self._schemas if t == track)

    def versions(self, name: str, *, track: str) -> list[StoredSchema]:
        """Return every version of `name` on `track`, oldest first (empty if unknown)."""
        with self._lock:
            return list(self._schemas.get((track, name), []))

    def get(self, name: str, *, track: str, version: str | None = None) -> StoredSchema | None:
        """Return one version, or the latest when `version` is None; None if there is none."""
        versions = self.versions(name, track=track)
        if version is None:
            return versions[-1] if versions else None
        return next((s for s in versions if s.version == version), None)

    def by_id(self, schema_id: str, track: str | None = None) -> list[tuple[str, str]]:
        """Return the (track, name) pairs whose latest version carries `schema_id`, by track."""
        with self._lock:
            return sorted(
                key
                for key, versions in self._schemas.items()
                if versions[-1].schema_id == schema_id and (track is None or key[0] == track)
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._schemas)

    def _schema_files(self) -> list[Path]:
        """List `root/track/name/*.json`, metadata sidecars included, hidden entries skipped.

        `DIR/subjects/` holds the Confluent dialect's subjects, not a track: skipped too.
        """
        return [
            path
            for path in self.root.glob("*/*/*.json")
            if not any(part.startswith((".", "_")) for part in path.relative_to(self.root).parts)
            and path.relative_to(self.root).parts[0] != "subjects"
        ]

    # -- writing --------------------------------------------------------------------------------

    def add(
        self,
        name: str,
        *,
        track: str,
        version: str,
        content: dict[str, Any],
        meta: dict[str, Any],
    ) -> tuple[StoredSchema, bool]:
        """Write a new version atomically; return it and whether it was new.

        Re-uploading identical content is a no-op, so a retried upload is safe; different content
        under an existing version raises `UploadConflictError`, since consumers cache by version.
        That holds across servers sharing the folder: the version file is created exclusively.
        """
        _check_identifiers(name, track, version)
        with self._lock:
            self.refresh()
            existing = self.get(name, track=track, version=version)
            if existing is None:
                meta = {k: v for k, v in meta.items() if v not in (None, False, "")}
                meta.setdefault("created_at", _now_iso())
                stored = _build(name, track, version, content, _check_meta(meta, "upload"))
                if self._publish(stored, meta):
                    self.refresh()
                    return stored, True
                existing = self._written_meanwhile(stored)
            if existing.sha256 != content_sha256(content):
                raise UploadConflictError(
                    f"{name} {version} on track {track} already exists with other content "
                    f"(sha256 {existing.sha256[:12]}); publish a new version instead"
                )
            return existing, False

    def _publish(self, stored: StoredSchema, meta: dict[str, Any]) -> bool:
        """Write a new version's files unless its version file exists; say whether they were.

        The version file comes first and is the claim: of two servers sharing the folder, only
        one creates it, and the other must not touch the winner's metadata. So the metadata comes
        second, and a rescan in between serves the version with default metadata for an instant.
        """
        folder = self.root / stored.track / stored.name
        if not inside(self._real_root, folder):
            raise PermissionError(
                f"{stored.track}/{stored.name} leads outside the schema folder (a symlink?)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        if not create_exclusively(folder / f"{stored.version}.json", pretty_json(stored.content)):
            return False
        write_json_atomically(folder / f"{stored.version}{_META_SUFFIX}", meta)
        return True

    def _written_meanwhile(self, stored: StoredSchema) -> StoredSchema:
        """Read the version another writer created since our scan (another server, say)."""
        path = self.root / stored.track / stored.name / f"{stored.version}.json"
        try:
            return _load_version(path, self._real_root)
        except (OSError, ValueError) as exc:
            raise UploadConflictError(
                f"{stored.name} {stored.version} on track {stored.track} already exists but "
                f"cannot be served ({exc}); publish a new version instead"
            ) from None


class Rescan:
    """Rebuild a folder's view when any of its files changed (path, mtime or size).

    Problems found by the first scan are the caller's to report (the CLI prints them at start);
    later ones are logged once, when they first appear.
    """

    def __init__(self) -> None:
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._reported: set[str] | None = None

    def run(self, files: list[Path], load: Callable[[list[Path]], list[FolderProblem]]) -> bool:
        """Call `load(files)` if they changed since the last run; say whether it was called."""
        signature = tuple(_stat_signature(path) for path in files)
        if signature == self._signature:
            return False
        problems = load(files)
        self._signature = signature
        for problem in problems:
            if self._reported is not None and str(problem) not in self._reported:
                log.warning("skipped %s", problem)
        self._reported = {str(problem) for problem in problems}
        return True


def _stat_signature(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _load(
    root: Path, files: list[Path]
) -> tuple[dict[tuple[str, str], list[StoredSchema]], list[FolderProblem]]:
    """Parse every version file below `root` (resolved); collect what could not be, with reasons."""
    schemas: dict[tuple[str, str], list[StoredSchema]] = {}
    problems: list[FolderProblem] = []
    for path in files:
        if path.name.endswith(_META_SUFFIX):
            if not path.with_name(path.name.removesuffix(_META_SUFFIX) + ".json").exists():
                problems.append(FolderProblem(path, "metadata without a version file beside it"))
            continue
        try:
            stored = _load_version(path, root)
        except (OSError, ValueError) as exc:
            problems.append(FolderProblem(path, str(exc)))
            continue
        schemas.setdefault((stored.track, stored.name), []).append(stored)
    for versions in schemas.values():
        versions.sort(key=lambda s: version_order(s.version))
    return schemas, problems


def _load_version(path: Path, root: Path) -> StoredSchema:
    """Parse one `DIR/track/name/version.json` and its optional metadata sidecar."""
    track, name, version = path.parent.parent.name, path.parent.name, path.name[: -len(".json")]
    _check_identifiers(name, track, version)
    content = _read_json_object(path, "schema", root)
    meta_path = path.with_name(version + _META_SUFFIX)
    meta = (
        _check_meta(_read_json_object(meta_path, "metadata", root), meta_path.name)
        if (meta_path.exists())
        else {}
    )
    meta.setdefault("created_at", _mtime_iso(path))
    return _build(name, track, version, content, meta)


def _build(
    name: str, track: str, version: str, content: dict[str, Any], meta: dict[str, Any]
) -> StoredSchema:
    """Assemble what the API serves about one version, refusing contradictions."""
    if track in _RESERVED_TRACKS:
        raise ValueError(f"track {track!r} is {_RESERVED_TRACKS[track]}")
    _check_embedded(content, "$core_version", version)
    _check_embedded(content, "$track", track)
    schema_id = content.get("$schema_id") or meta.get("schema_id") or f"{name}@{track}"
    if not isinstance(schema_id, str):
        raise ValueError(f"$schema_id should be a string, got {schema_id!r}")
    return StoredSchema(
        track=track,
        name=name,
        version=version,
        content=content,
        sha256=content_sha256(content),
        schema_id=schema_id,
        deprecated=bool(meta.get("deprecated", False)),
        deprecation_note=meta.get("deprecation_note"),
        created_at=meta["created_at"],
    )


_META_KEYS: dict[str, type] = {
    "deprecated": bool,
    "deprecation_note": str,
    "schema_id": str,
    "created_at": str,
}


def _check_meta(meta: dict[str, Any], where: str) -> dict[str, Any]:
    """Check every metadata key's name and type; return `meta` for chaining."""
    for key, value in meta.items():
        expected = _META_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(_META_KEYS))
            raise ValueError(f"{where}: unknown metadata key {key!r} (known: {known})")
        if value is not None and not isinstance(value, expected):
            raise ValueError(f"{where}: {key!r} should be a {expected.__name__}, got {value!r:.40}")
    if meta.get("created_at"):
        try:
            datetime.fromisoformat(meta["created_at"])
        except ValueError:
            raise ValueError(
                f"{where}: created_at {meta['created_at']!r} is not an ISO-8601 timestamp"
            ) from None
    return meta


def _read_json_object(path: Path, what: str, root: Path) -> dict[str, Any]:
    """Read a file below `root` holding one JSON object, or say precisely why it does not."""
    data = parse_json(read_text(path, f"{what} file", root), f"{what} file")
    if not isinstance(data, dict):
        raise ValueError(f"{what} file should hold a JSON object, found {type(data).__name__}")
    return data


def _check_embedded(content: dict[str, Any], key: str, expected: str) -> None:
    """Refuse content whose embedded registry metadata contradicts its place in the folder."""
    if key in content and content[key] != expected:
        raise ValueError(f"content says {key}={content[key]!r} but the file says {expected!r}")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _mtime_iso(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
