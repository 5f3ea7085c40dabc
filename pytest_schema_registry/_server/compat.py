"""Compare stored schema versions for `/compat/check`, and gate uploads on a compatibility level.

HTTP-free: `routes.py` turns the exceptions into answers (`LookupError` 404, `ConfigError` 400,
`SchemaCompileError` 422, `TimeoutError` 503). Checks run in `_compat`'s helper process, one at
a time per process. One deadline, `Compatibility.timeout` seconds from the request, covers the
waits (for the upload lock, for the checker: 503 when it passes, so the client retries rather
than reading "could not be proven") and the check itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .._compat.check import check_compatibility
from .._compat.seed_report import breaking_reasons, report_json
from .._compat.verdict import (
    LEVELS,
    CompatibilityVerdict,
    Level,
    Rules,
    checked_level,
    checked_policy,
    checked_rules,
)
from .._core.errors import ConfigError
from .._core.models import version_order
from .folder import SchemaFolder, StoredSchema, check_identifier

__all__ = ["Compatibility", "compare", "refusal"]

_CHECKING = threading.Lock()  # the helper process answers one check at a time anyway
_REQUIRED = ("name", "from_track", "to_track")
_QUERY = "name, from_track, to_track (from_version, to_version, level, rules, policy optional)"


@dataclass(frozen=True)
class Compatibility:
    """What uploads must keep (`level` NONE: anything goes) and how long one check may take."""

    level: Level = "NONE"
    rules: Rules = "semantic"
    timeout: float = 10.0
    uploads: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def of(cls, level: str, rules: str, timeout: float) -> Compatibility:
        """Check `RegistryServer`'s settings; a bad one raises `ConfigError` naming it."""
        try:
            checked = checked_level(level)
        except ConfigError:
            raise ConfigError(
                f"RegistryServer(compatibility={level!r:.60}): not a compatibility level; "
                f"use one of {', '.join(LEVELS)}"
            ) from None
        try:
            return cls(checked, checked_rules(rules), timeout)
        except ConfigError:
            raise ConfigError(
                f"RegistryServer(compatibility_rules={rules!r:.60}): use 'semantic' or 'confluent'"
            ) from None

    def check(
        self,
        olds: Sequence[StoredSchema],
        new: Mapping[str, Any],
        *,
        deadline: float | None = None,
        **options: str,
    ) -> CompatibilityVerdict:
        """Compare `new` with `olds` (oldest first) in the helper process, by `deadline`.

        Waiting for the checker counts against the same budget: one request never takes more
        than `timeout` seconds (plus the helper's start on first use).
        """
        return self.check_schemas([old.content for old in olds], new, deadline=deadline, **options)

    def check_schemas(
        self,
        olds: Sequence[Any],
        new: Any,
        *,
        deadline: float | None = None,
        **options: str,
    ) -> CompatibilityVerdict:
        """Compare the `new` schema document with the `olds` (oldest first), as `check` does."""
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        with _turn(_left(deadline)):
            return check_compatibility(list(olds), new, timeout=_left(deadline), **options)

    @contextmanager
    def uploading(self, deadline: float) -> Iterator[None]:
        """Hold the upload lock (check and write as one step), waiting no later than `deadline`."""
        if not self.uploads.acquire(timeout=_left(deadline)):
            raise TimeoutError(f"other uploads held the registry for {self.timeout:g} s; retry")
        try:
            yield
        finally:
            self.uploads.release()


def compare(folder: SchemaFolder, query: Mapping[str, str], settings: Compatibility) -> Any:
    """Answer `/compat/check`: the `to` version against the `from` one (and those before it).

    Missing versions are the latest of their track. A `*_TRANSITIVE` level compares with every
    version of `from_track` up to `from_version`, oldest first.
    """
    missing = [key for key in _REQUIRED if not query.get(key)]
    if missing:
        raise ConfigError(f"missing query parameter(s) {', '.join(missing)}; expected {_QUERY}")
    options = {
        "level": checked_level(query.get("level", "BACKWARD")),
        "rules": checked_rules(query.get("rules", "semantic")),
        "policy": checked_policy(query.get("policy", "STRICT")),
    }
    name = query["name"]
    old = _version(folder, name, query["from_track"], query.get("from_version"))
    new = _version(folder, name, query["to_track"], query.get("to_version"))
    olds = [old]
    if options["level"].endswith("_TRANSITIVE"):
        stored = folder.versions(name, track=old.track)
        olds = stored[: [s.version for s in stored].index(old.version) + 1]
    verdict = settings.check(
        olds, new.content, level=options["level"], rules=options["rules"], policy=options["policy"]
    )
    return report_json(verdict, [o.version for o in olds])


def refusal(
    folder: SchemaFolder,
    name: str,
    track: str,
    version: str,
    content: Mapping[str, Any],
    settings: Compatibility,
    deadline: float | None = None,
) -> dict[str, Any] | None:
    """Return why uploading `version` breaks `settings.level` (the 409 body), or None to accept.

    The first version of a (name, track) is always accepted, and so is a version already stored
    (the folder answers an identical re-upload, or refuses a changed one, itself). An unknown
    verdict refuses: the gate passes only what was proven.
    """
    for kind, value in (("track", track), ("name", name), ("version", version)):
        check_identifier(kind, value)  # ValueError: the upload is refused as unusable (422)
    if settings.level == "NONE":
        return None
    folder.refresh()  # a version written by hand since the last request counts too
    stored = folder.versions(name, track=track)
    if not stored or any(s.version == version for s in stored):
        return None
    if version_order(version) < version_order(stored[-1].version):
        return _out_of_order(name, track, version, stored[-1].version, settings)
    transitive = settings.level.endswith("_TRANSITIVE")
    olds = stored if transitive else stored[-1:]
    verdict = settings.check(
        olds, content, deadline=deadline, rules=settings.rules, level=settings.level
    )
    if verdict.compatible is True:
        return None
    versions = [s.version for s in olds]
    against = "every stored version" if transitive else olds[-1].version
    verb = "could not be proven" if verdict.compatible is None else "is not"
    first = breaking_reasons(verdict, versions)[0]
    detail = (
        f"{name} {version} on track {track} {verb} {settings.level} compatible with {against} "
        f"({settings.rules} rules): {first}"
    )
    return {"detail": detail, **report_json(verdict, versions)}


def _out_of_order(
    name: str, track: str, version: str, latest: str, settings: Compatibility
) -> dict[str, Any]:
    """Refuse a version that would slip in before the latest: nothing checked it against that."""
    reason = (
        f"{name} {version} sorts before the latest version {latest} on track {track}: a "
        f"registry gated on {settings.level} takes new versions after the latest only, where "
        "they are checked against the versions before them"
    )
    return {
        "detail": reason,
        "compatible": False,
        "breaking_reasons": [reason],
        "advice": [f"upload it as a version after {latest}"],
        "x_compat": None,
    }


def _left(deadline: float) -> float:
    return max(0.001, deadline - time.monotonic())


def _version(folder: SchemaFolder, name: str, track: str, version: str | None) -> StoredSchema:
    found = folder.get(name, track=track, version=version or None)
    if found is None:
        which = f" version {version!r}" if version else ""
        raise LookupError(f"schema {name!r}{which} not found on track {track!r}")
    return found


@contextmanager
def _turn(timeout: float) -> Iterator[None]:
    """Wait at most `timeout` seconds for the helper process; raise `TimeoutError` if busy."""
    if not _CHECKING.acquire(timeout=timeout):
        raise TimeoutError(
            f"another compatibility check held the checker for {timeout:g} s; retry shortly"
        )
    try:
        yield
    finally:
        _CHECKING.release()
