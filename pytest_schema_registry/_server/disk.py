"""Read and write the schema folder's files so that no file can hang, crash or escape the server.

What the folder holds is anyone's to write: a FIFO, a device, a symlink out of the folder, JSON
nested past the parser's recursion limit. `folder.py` reports such files as problems; the
checks themselves live here, with the exclusive writer that keeps two servers from both
publishing one version (issue #12, finding 10).
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from .._core.files import write_beside

__all__ = ["create_exclusively", "inside", "parse_json", "read_text", "whole_number"]

_MAX_FILE_BYTES = 10 * 1024 * 1024  # an upload's limit too; every scan reads each file whole
# The stdlib parser recurses: it fails short of Python's recursion limit (~1,000), how far short
# depending on the caller's stack. A fixed, lower bound answers alike everywhere; the runtime's
# payload depth guard defaults to 256 too.
_MAX_NESTING = 256


def read_text(path: Path, what: str, root: Path) -> str:
    """Read a regular file below `root` of at most `_MAX_FILE_BYTES` as UTF-8, or say why not.

    Opened without blocking, then checked: opening a FIFO would block the scan, and every request
    waiting for it, until something writes to it; a device could be read forever.
    """
    if not inside(root, path):
        raise ValueError(f"{what} leads outside the schema folder (a symlink?)")
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError(f"{what} is not a regular file")
        data = handle.read(_MAX_FILE_BYTES + 1)
    if len(data) > _MAX_FILE_BYTES:
        raise ValueError(f"{what} is larger than {_MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not UTF-8 text") from None


def inside(root: Path, path: Path) -> bool:
    """Say whether `path`, symlinks resolved, lies below `root` (itself resolved)."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return False


def parse_json(text: str | bytes, what: str) -> Any:
    """Parse strict JSON nested at most `_MAX_NESTING` deep, or raise ValueError saying why not.

    Strict: `NaN` and `Infinity` are refused, and so is a number too large for a float (`1e999`):
    Python's json reads them (the last as infinity), but they are not JSON, and we would serve them
    back as text no other parser accepts (or one reads as null).
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not UTF-8 text") from None
    except RecursionError:  # the stdlib parser recurses; a deep enough document exhausts it
        raise ValueError(f"{what} nests deeper than {_MAX_NESTING} levels") from None
    except ValueError as exc:
        raise ValueError(f"{what} is not valid JSON: {exc}") from None
    if _deeper_than(value, _MAX_NESTING):
        raise ValueError(f"{what} nests deeper than {_MAX_NESTING} levels")
    try:  # an escaped lone surrogate ("\ud800") parses, but no UTF-8 file or hash can hold it
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        why = "holds a lone surrogate escape, which UTF-8 cannot carry"
        raise ValueError(f"{what} {why}") from None
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a number we can serve back")
    return value


def whole_number(text: str, maximum: int) -> int | None:
    """Read a path or query value as a whole number from 0 to `maximum`; None if it is not one.

    ASCII digits only, and few of them: `str.isdigit` also accepts "²", which `int` refuses, and
    `int` of thousands of digits is refused (or slow) by Python itself.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


def _deeper_than(value: Any, limit: int) -> bool:
    """Say whether `value` nests objects and arrays more than `limit` deep, without recursing."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in node)
    return False


def create_exclusively(path: Path, text: str) -> bool:
    """Write `text` to `path` unless something is there already; say whether it was written.

    Written beside it, flushed, then hard-linked into place: readers never see half a file, and
    unlike a rename, a link fails when the name is taken.
    """
    temporary = write_beside(path, text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system (FAT, some mounts): exclusive, not atomic
        return _create_new(path, text)
    finally:
        os.unlink(temporary)
    return True


def _create_new(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it exists (open mode "x"); say whether it was written."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    return True
