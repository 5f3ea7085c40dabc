"""Keep the Confluent dialect's subjects in the schema folder, beside the seed's tracks.

```
DIR/
  config.json                        optional: {"compatibilityLevel": "FULL",
                                                 "subjects": {"orders-value": "NONE"}}
  .config.lock                       created to lock config.json while a server changes it
  subjects/                          reserved: the seed dialect never lists it
    orders-value/                    a subject (a file name: letters, digits, . _ @ + : ~ -)
      1.json                         version 1: the JSON Schema document as registered
      1.meta.json                    optional: {"id", "guid", "references", "deleted",
                                                "created_at", "metadata", "ruleSet"}
      2.json
  v1/telemetry.FeedbackEvent/...     the seed dialect's tracks, untouched
```

Versions are positive integers (`3.json`, no leading zeros). A hand-written `1.json` without
metadata is served: its id and GUID derive from its canonical form (`confluent_ids.py`), so
they are the same on every machine and after every restart. Registration numbers the new
version after the highest version file name in the subject's folder, files it skipped included
(an unusable number, or a skipped file in the way, is refused naming the file), writes the version
file exclusively (two servers sharing the folder never overwrite each other) and then its
metadata atomically, with the id it was given (and the version's Confluent `metadata` and
`ruleSet`, when it has them: write them by hand too, e.g. `{"metadata": {"properties":
{"track": "v2"}}}`, to keep tracks in one subject). A soft delete sets `"deleted": true` in the
metadata; a permanent delete removes both files. `PUT /config` rereads `config.json`, changes
it and replaces it atomically, all under a lock on `DIR/.config.lock` that other servers sharing
the folder take too. An entry of `config.json` that is not a level is reported and skipped,
the rest served; while the file cannot be read at all, level changes are refused, not written
over it. Every request rescans when a file's size or time changed, so hand edits show up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

from .._compat.verdict import LEVELS, checked_level
from .._core.errors import ConfigError
from .._core.files import write_json_atomically
from .confluent_ids import MAX_ID, Identity, assign, canonical_key
from .confluent_schema import Reference, SubjectVersion, checked_metadata, checked_rule_set
from .disk import create_exclusively, inside, parse_json, read_text
from .folder import FolderProblem, Rescan, check_identifier

__all__ = ["SUBJECTS", "SubjectStore"]

log = logging.getLogger("pytest_schema_registry.server")
SUBJECTS = "subjects"  # the folder's reserved top-level directory
_CONFIG_LOCK = ".config.lock"  # every server sharing the folder locks it to change config.json
_VERSION_FILE = re.compile(r"([1-9][0-9]{0,9})(\.meta)?\.json")
_NOT_A_LEVEL = f"not a compatibility level (one of {', '.join(LEVELS)}); ignored"
_META_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": int,
    "guid": str,
    "references": list,
    "deleted": bool,
    "created_at": str,
    "metadata": dict,
    "ruleSet": dict,
}


class SubjectStore:
    """Serve and write `DIR/subjects` and `DIR/config.json`; thread-safe, rescanning on change."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"schema folder {str(self.root)!r} does not exist")
        self._real_root = self.root.resolve()
        self.lock = threading.RLock()
        self._rescan = Rescan()
        self._versions: dict[str, list[SubjectVersion]] = {}
        self._identity = Identity({}, {})
        self.config: dict[str, Any] = {}
        self.problems: list[FolderProblem] = []
        self.refresh()

    # -- reading --------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Rescan if any file changed since the last scan; say whether it did."""
        with self.lock:
            return self._rescan.run(sorted(self._files()), self._reload)

    def _reload(self, files: list[Path]) -> list[FolderProblem]:
        self._load(files)
        return self.problems

    def subjects(self, *, deleted: bool = False) -> list[str]:
        """Return the subjects with a live version (any version, with `deleted`), sorted."""
        with self.lock:
            return sorted(s for s in self._versions if self.versions(s, deleted=deleted))

    def versions(self, subject: str, *, deleted: bool = False) -> list[SubjectVersion]:
        """Return the live versions (soft-deleted ones too with `deleted`), oldest first."""
        with self.lock:
            found = self._versions.get(subject, [])
            return [v for v in found if deleted or not v.deleted]

    def get(
        self, subject: str, version: int | None, *, deleted: bool = False
    ) -> SubjectVersion | None:
        """Return one version, or the latest when `version` is None; None if there is none."""
        found = self.versions(subject, deleted=deleted)
        if version is None:
            return found[-1] if found else None
        return next((v for v in found if v.version == version), None)

    def with_id(self, schema_id: int) -> list[SubjectVersion]:
        """Return every version, soft-deleted ones included, whose schema has `schema_id`."""
        with self.lock:
            key = self._identity.keys_by_id.get(schema_id)
            return [] if key is None else self._with_key(key)

    def with_guid(self, guid: str) -> list[SubjectVersion]:
        """Return every version, soft-deleted ones included, whose schema has `guid`."""
        with self.lock:
            key = self._identity.keys_by_guid.get(guid.lower())
            return [] if key is None else self._with_key(key)

    def referrers(self, subject: str, version: int) -> list[SubjectVersion]:
        """Return the versions (soft-deleted ones too) whose references name this version."""
        with self.lock:
            return [
                v
                for versions in self._versions.values()
                for v in versions
                if any(r.subject == subject and r.version == version for r in v.references)
            ]

    def identity(self, key: str) -> tuple[int, str]:
        """Return the id and GUID a schema with this canonical key has, or would get."""
        with self.lock:
            return self._identity.id_for(key), self._identity.guid_for(key)

    def level(self, subject: str | None) -> str | None:
        """Return the level `config.json` sets for `subject` (None: the global one), if any."""
        with self.lock:
            if subject is None:
                level = self.config.get("compatibilityLevel")
            else:
                level = self.config.get("subjects", {}).get(subject)
            return level if isinstance(level, str) else None

    def __len__(self) -> int:
        return len(self.subjects())

    def _with_key(self, key: str) -> list[SubjectVersion]:
        return [v for versions in self._versions.values() for v in versions if v.key == key]

    # -- writing --------------------------------------------------------------------------------

    def add(
        self,
        subject: str,
        schema: Any,
        references: tuple[Reference, ...],
        *,
        metadata: dict[str, Any] | None = None,
        rule_set: dict[str, Any] | None = None,
    ) -> SubjectVersion | None:
        """Write the subject's next version; None if another writer took that number first.

        The caller holds `lock`, has refreshed, and checked everything else.
        """
        folder = self._subject_folder(subject)
        number = self._next_number(folder)
        metadata, rule_set = metadata or None, rule_set or None
        key = canonical_key(schema, [r.to_json() for r in references], metadata, rule_set)
        schema_id, guid = self.identity(key)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        stored = SubjectVersion(
            subject, number, schema, references, schema_id, guid, False, created, metadata, rule_set
        )
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        path = folder / f"{number}.json"
        if not create_exclusively(path, text):
            self.refresh()
            problem = self._problem_with(path)
            if problem is not None:  # not another writer's version: retrying cannot help
                raise PermissionError(f"{path} is in the way of version {number}: {problem}")
            return None
        write_json_atomically(folder / f"{number}.meta.json", _meta_of(stored))
        self.refresh()
        return stored

    def _next_number(self, folder: Path) -> int:
        """Return one more than the highest version file name in `folder`, unreadable ones too.

        Counting only the versions that loaded would pick the number of a file that is there
        but skipped, and every registration would collide with it.
        """
        highest: tuple[int, Path] | None = None
        with contextlib.suppress(FileNotFoundError):
            for name in os.listdir(folder):
                match = _VERSION_FILE.fullmatch(name)
                if match is not None and (highest is None or int(match[1]) > highest[0]):
                    highest = int(match[1]), folder / name
        loaded = self._versions.get(folder.name, [])
        number = max(highest[0] if highest else 0, loaded[-1].version if loaded else 0) + 1
        if number > MAX_ID and highest is not None:
            why = self._problem_with(highest[1]) or f"no version follows {MAX_ID}"
            raise PermissionError(f"{highest[1]} leaves no version number to register: {why}")
        return number

    def _problem_with(self, path: Path) -> str | None:
        """Return why the last scan skipped `path`, if it did."""
        return next((p.reason for p in self.problems if p.path == path), None)

    def mark_deleted(self, version: SubjectVersion) -> None:
        """Soft-delete one version: its metadata says so (and pins its id and GUID)."""
        folder = self._subject_folder(version.subject)
        write_json_atomically(
            folder / f"{version.version}.meta.json", _meta_of(replace(version, deleted=True))
        )

    def remove(self, version: SubjectVersion) -> None:
        """Delete one version's files for good; the subject's folder goes when it is empty."""
        folder = self._subject_folder(version.subject)
        for name in (f"{version.version}.json", f"{version.version}.meta.json"):
            (folder / name).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()

    def set_level(self, subject: str | None, level: str | None) -> None:
        """Write `config.json` with the (global, or the subject's) level set or, None, removed.

        Read, changed and replaced under a lock on `.config.lock` that every server sharing the
        folder takes: changes made through another server between our scan and this write stay.
        """
        with self.lock, _locked(self.root / _CONFIG_LOCK):
            path = self.root / "config.json"
            try:
                config = self._read_config()
            except (OSError, ValueError) as exc:  # replacing it would lose every level it holds
                raise PermissionError(
                    f"{path} cannot be read ({exc}); fix or remove it to change levels"
                ) from None
            if subject is not None and not isinstance(config.get("subjects", {}), dict):
                raise PermissionError(
                    f'{path}: "subjects" should be an object of levels; fix it to change levels'
                )
            if subject is None:
                config.pop("compatibilityLevel", None)
                if level is not None:
                    config["compatibilityLevel"] = level
            else:
                subjects = config.setdefault("subjects", {})
                subjects.pop(subject, None)
                if level is not None:
                    subjects[subject] = level
                if not subjects:
                    del config["subjects"]
            write_json_atomically(self.root / "config.json", config)
        self.refresh()

    def _subject_folder(self, subject: str) -> Path:
        check_identifier("subject", subject)
        folder = self.root / SUBJECTS / subject
        if not inside(self._real_root, folder):
            raise PermissionError(
                f"subject {subject!r} leads outside the schema folder (a symlink?)"
            )
        return folder

    # -- scanning -------------------------------------------------------------------------------

    def _files(self) -> Iterator[Path]:
        yield self.root / "config.json"
        for path in (self.root / SUBJECTS).glob("*/*.json"):
            if not any(part.startswith((".", "_")) for part in path.relative_to(self.root).parts):
                yield path

    def _load(self, files: list[Path]) -> None:
        """Parse every file; collect what cannot be served, with reasons; then assign ids."""
        self.problems = []
        self.config = self._load_config()
        raw: list[tuple[str, int, Any, dict[str, Any]]] = []
        for path in files:
            if path.parent.parent.name != SUBJECTS:
                continue
            try:
                loaded = self._load_version(path)
            except (OSError, ValueError) as exc:
                self.problems.append(FolderProblem(path, str(exc)))
                continue
            if loaded is not None:
                raw.append(loaded)
        self._build(raw)

    def _read_config(self) -> dict[str, Any]:
        """Read `config.json` as it is on disk now, unchecked; {} when there is none.

        Raises OSError or ValueError when it is not a JSON object.
        """
        path = self.root / "config.json"
        if not path.exists():
            return {}
        config = parse_json(read_text(path, "config file", self._real_root), "config file")
        if not isinstance(config, dict):
            raise ValueError(
                'config file should hold {"compatibilityLevel": L, "subjects": {...}}, found '
                f"{type(config).__name__}"
            )
        return config

    def _load_config(self) -> dict[str, Any]:
        """Serve the entries of `config.json` that are good, reporting the others as problems."""
        path = self.root / "config.json"
        try:
            config, bad = _checked_config(self._read_config())
        except (OSError, ValueError) as exc:
            self.problems.append(FolderProblem(path, str(exc)))
            return {}
        self.problems.extend(FolderProblem(path, reason) for reason in bad)
        return config

    def _load_version(self, path: Path) -> tuple[str, int, Any, dict[str, Any]] | None:
        """Parse one `subjects/{s}/{v}.json` and its metadata; None for a metadata file."""
        subject = check_identifier("subject", path.parent.name)
        match = _VERSION_FILE.fullmatch(path.name)
        if match is None or int(match[1]) > MAX_ID:
            raise ValueError("expected a version file named N.json or N.meta.json, N from 1")
        if match[2]:
            if not path.with_name(f"{match[1]}.json").exists():
                raise ValueError("metadata without a version file beside it")
            return None
        schema = parse_json(read_text(path, "schema file", self._real_root), "schema file")
        if not isinstance(schema, dict | bool):
            raise ValueError(
                f"schema file should hold a JSON object or boolean, found {type(schema).__name__}"
            )
        meta_path = path.with_name(f"{match[1]}.meta.json")
        meta: dict[str, Any] = {}
        if meta_path.exists():
            meta = _checked_meta(
                parse_json(read_text(meta_path, "metadata", self._real_root), "metadata")
            )
        meta.setdefault("created_at", _mtime_iso(path))
        return subject, int(match[1]), schema, meta

    def _build(self, raw: list[tuple[str, int, Any, dict[str, Any]]]) -> None:
        """Assign ids and GUIDs to what was read, then assemble the versions, oldest first."""
        keys = [
            canonical_key(
                schema, meta.get("references", []), meta.get("metadata"), meta.get("ruleSet")
            )
            for _, _, schema, meta in raw
        ]
        pinned_ids: dict[str, list[int]] = {key: [] for key in keys}
        pinned_guids: dict[str, list[str]] = {key: [] for key in keys}
        for key, (_, _, _, meta) in zip(keys, raw, strict=True):
            if "id" in meta:
                pinned_ids[key].append(meta["id"])
            if "guid" in meta:
                pinned_guids[key].append(meta["guid"].lower())
        self._identity, overruled = assign(pinned_ids, pinned_guids)
        for reason in overruled:
            self.problems.append(
                FolderProblem(self.root / SUBJECTS, f"{reason}; a new id was derived")
            )
        self._versions = {}
        for key, (subject, number, schema, meta) in zip(keys, raw, strict=True):
            references = tuple(Reference(**r) for r in meta.get("references", []))
            version = SubjectVersion(
                subject,
                number,
                schema,
                references,
                self._identity.ids[key],
                self._identity.guids[key],
                bool(meta.get("deleted", False)),
                meta["created_at"],
                meta.get("metadata") or None,
                meta.get("ruleSet") or None,
            )
            self._versions.setdefault(subject, []).append(version)
        for versions in self._versions.values():
            versions.sort(key=lambda v: v.version)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) that other processes respect."""
    with path.open("a+b") as handle:
        if sys.platform == "win32":
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _meta_of(version: SubjectVersion) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": version.id,
        "guid": version.guid,
        "created_at": version.created_at,
    }
    if version.references:
        meta["references"] = [r.to_json() for r in version.references]
    if version.deleted:
        meta["deleted"] = True
    return {**meta, **version.contract()}


def _checked_meta(meta: Any) -> dict[str, Any]:
    """Check a metadata file's keys and types; return it."""
    if not isinstance(meta, dict):
        raise ValueError("metadata should hold a JSON object")
    for key, value in meta.items():
        expected = _META_TYPES.get(key)
        if expected is None:
            raise ValueError(f"unknown metadata key {key!r} (known: {', '.join(_META_TYPES)})")
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ValueError(f"metadata {key!r} should be a {expected}, got {value!r:.40}")
    if "id" in meta and not 1 <= meta["id"] <= MAX_ID:
        raise ValueError(f"metadata id {meta['id']} is not from 1 to {MAX_ID}")
    for key, check in (("metadata", checked_metadata), ("ruleSet", checked_rule_set)):
        try:
            meta[key] = check(meta.get(key))
        except ValueError as exc:
            raise ValueError(f"metadata {key!r}: {exc}") from None
    for ref in meta.get("references", []):
        if not (
            isinstance(ref, dict)
            and set(ref) == {"name", "subject", "version"}
            and isinstance(ref["name"], str)
            and isinstance(ref["subject"], str)
            and isinstance(ref["version"], int)
        ):
            raise ValueError(f"metadata reference {ref!r:.80} should be {{name, subject, version}}")
    return meta


def _checked_config(config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return `config.json`'s good levels, upper-cased as `PUT /config` takes them, and the others.

    An entry that is not a level is skipped with its reason, never the whole file.
    """
    checked: dict[str, Any] = {}
    bad: list[str] = []
    if "compatibilityLevel" in config:
        try:
            checked["compatibilityLevel"] = checked_level(config["compatibilityLevel"])
        except ConfigError:
            bad.append(f"global level {config['compatibilityLevel']!r:.40} is {_NOT_A_LEVEL}")
    subjects = config.get("subjects", {})
    if not isinstance(subjects, dict):
        bad.append(f'"subjects" should be an object of levels, found {type(subjects).__name__}')
        return checked, bad
    for subject, level in subjects.items():
        try:
            checked.setdefault("subjects", {})[subject] = checked_level(level)
        except ConfigError:
            bad.append(f"subject {subject!r:.80} level {level!r:.40} is {_NOT_A_LEVEL}")
    return checked, bad


def _mtime_iso(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
