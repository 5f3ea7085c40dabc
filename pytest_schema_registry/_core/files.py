"""Write files so that readers (and other xdist workers) see the old file or the new, never half."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = [
    "pretty_json",
    "private_path_for",
    "write_beside",
    "write_json_atomically",
    "write_text_atomically",
]


def write_text_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = write_beside(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_beside(path: Path, text: str) -> Path:
    """Write `text` to a new hidden file beside `path`, flushed to disk; return its path.

    The caller moves it into place (a rename replaces, a hard link refuses a taken name).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def private_path_for(path: Path, suffix: str) -> Path:
    """Return a file outside the project that belongs to `path` (its lock, its run marker).

    Folders users commit (`cassettes/`, the snapshots) must hold only what they review: nothing
    our bookkeeping leaves behind. The name derives from the resolved path, so every xdist
    worker on the machine finds the same file.
    """
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"pytest-schema-registry-{digest}-{path.name}{suffix}"


def pretty_json(data: Any) -> str:
    """Render JSON for files people review: indented, keys sorted, UTF-8, newline-terminated."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json_atomically(path: Path, data: Any) -> None:
    """Write `pretty_json(data)` atomically."""
    write_text_atomically(path, pretty_json(data))
