"""Register, look up, check, delete and configure: the Confluent dialect's routes that judge.

A schema to register (or look up, or test) is read by `confluent_schema.candidate`. Every write
holds the upload lock, so a compatibility check and the write it allows are one step.
Compatibility is `compat.py`'s gate over `_compat`'s checker, with every referenced schema
embedded on both sides (`confluent_schema.bundled`): a verdict that is not proven refuses.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .._compat.verdict import LEVELS, CompatibilityVerdict, checked_level, version_named
from .._core.errors import ConfigError, SchemaCompileError
from .compat import Compatibility
from .confluent_http import (
    Call,
    effective_level,
    fail,
    flag,
    one_version,
    subject_versions,
    version_arg,
)
from .confluent_schema import Candidate, SubjectVersion, bundled, candidate
from .confluent_store import SubjectStore
from .folder import check_identifier

__all__ = [
    "check_all",
    "check_version",
    "delete_config",
    "delete_subject",
    "delete_version",
    "lookup",
    "put_config",
    "register",
]


# -- register and look up ------------------------------------------------------------------------


def register(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Store a new version, or answer the live one with the same schema; 409 if incompatible.

    "The same" counts metadata and rule set; what the body leaves out is inherited from the
    latest version first, as Confluent does, so re-sending a bare schema is no new version.
    """
    subject = _subject_to_write(call.args[0])
    sent = candidate(store, call.object())
    settings = call.compatibility
    deadline = time.monotonic() + settings.timeout
    with _writing(settings, deadline):
        for _ in range(3):  # another server sharing the folder may take the number we chose
            store.refresh()
            live = store.versions(subject)
            new = sent.inheriting(live[-1] if live else None)
            same = _holding(live, sent, new)
            if same is not None:
                return 200, same.response()
            _gate(store, subject, new, settings, deadline)
            with store.lock:
                stored = store.add(
                    subject,
                    new.schema,
                    new.references,
                    metadata=new.metadata,
                    rule_set=new.rule_set,
                )
            if stored is not None:
                return 200, stored.response()
    raise fail(500, 50001, "other writers kept taking the next version number; retry")


def lookup(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Answer the version of the subject holding this schema; 40401, 40403 when none does.

    As sent first, then with the metadata and rule set it left out taken from the latest live
    version (Confluent's second lookup, mirroring what registration would store).
    """
    versions = subject_versions(store, call.args[0], flag(call.query, "deleted"))
    sent = candidate(store, call.object())
    found = _holding(versions, sent, sent.inheriting(store.get(call.args[0], None)))
    if found is None:
        raise fail(404, 40403, "Schema not found")
    return 200, found.response()


def _holding(versions: Sequence[SubjectVersion], *candidates: Candidate) -> SubjectVersion | None:
    """Return the first version whose identity is a candidate's, trying candidates in order."""
    for wanted in candidates:
        found = next((v for v in versions if v.key == wanted.key), None)
        if found is not None:
            return found
    return None


def _subject_to_write(subject: str) -> str:
    try:
        return check_identifier("subject", subject)
    except ValueError as exc:
        raise fail(422, 42201, f"Invalid subject: {exc}") from None


@contextmanager
def _writing(settings: Compatibility, deadline: float) -> Iterator[None]:
    """Hold the upload lock: writes, and the checks that allow them, happen one at a time."""
    try:
        with settings.uploading(deadline):
            yield
    except TimeoutError as exc:
        raise fail(500, 50002, str(exc)) from None
    except PermissionError as exc:
        raise fail(500, 50001, f"the schema folder cannot be written: {exc}") from None


# -- compatibility -------------------------------------------------------------------------------


def _gate(
    store: SubjectStore,
    subject: str,
    new: Candidate,
    settings: Compatibility,
    deadline: float,
) -> None:
    """Refuse (409) a new version that does not provably keep the subject's level."""
    level = effective_level(store, subject, settings)
    olds = store.versions(subject)
    if level == "NONE" or not olds:
        return
    olds = olds if level.endswith("_TRANSITIVE") else olds[-1:]
    compatible, messages = _compare(store, olds, new, level, settings, deadline)
    if compatible:
        return
    verb = "is incompatible with" if compatible is False else "could not be proven compatible with"
    raise fail(
        409,
        409,
        f'Schema being registered {verb} an earlier schema for subject "{subject}", '
        f"details: {json.dumps(messages, ensure_ascii=False)}",
    )


def _compare(
    store: SubjectStore,
    olds: Sequence[SubjectVersion],
    new: Candidate,
    level: str,
    settings: Compatibility,
    deadline: float | None = None,
) -> tuple[bool | None, list[str]]:
    """Check `new` against `olds` at `level`; return the verdict and one message per problem.

    Both sides are compared with what they reference embedded.
    """
    try:
        documents = [bundled(store, old.schema, old.references) for old in olds]
        document = bundled(store, new.schema, new.references)
    except ValueError as exc:
        return None, [f"{level} compatibility cannot be checked: references: {exc}"]
    try:
        verdict = settings.check_schemas(
            documents, document, deadline=deadline, level=level, rules=settings.rules
        )
    except SchemaCompileError as exc:
        raise fail(
            422, 42201, f"Invalid schema: the compatibility check cannot use it: {exc}"
        ) from None
    except TimeoutError as exc:
        raise fail(500, 50002, str(exc)) from None
    return verdict.compatible, _messages(verdict, [str(old.version) for old in olds])


def _messages(verdict: CompatibilityVerdict, versions: Sequence[str]) -> list[str]:
    """Return one line per problem, with its counterexample as compact JSON when proven."""
    if verdict.compatible is None:
        return [f"{verdict.level} compatibility could not be proven either way: {verdict.reason}"]
    lines = []
    for problem in verdict.problems:
        against = version_named(problem.against, versions)
        where = f"{problem.direction}, against version {against}" if against else problem.direction
        line = f"{problem.kind} at {problem.path} ({where}): {problem.message}"
        if problem.proven:
            payload = json.dumps(problem.counterexample, separators=(",", ":"), ensure_ascii=False)
            line += f"; counterexample: {payload}"
        lines.append(line)
    if not lines and not verdict.compatible:
        lines.append(f"{verdict.level} incompatible: {verdict.reason or 'no reason given'}")
    return lines


def check_version(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Answer `is_compatible` against one version, or the latest (true for a new subject)."""
    subject, version = call.args
    new = candidate(store, call.object())
    level = effective_level(store, subject, call.compatibility)
    if version_arg(version) is None:
        olds = store.versions(subject)
        olds = olds if level.endswith("_TRANSITIVE") else olds[-1:]
    else:
        olds = [one_version(store, subject, version)]
    return 200, _verdict(store, olds, new, level, call)


def check_all(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Answer `is_compatible` against every live version (true for a new subject)."""
    new = candidate(store, call.object())
    level = effective_level(store, call.args[0], call.compatibility)
    return 200, _verdict(store, store.versions(call.args[0]), new, level, call)


def _verdict(
    store: SubjectStore,
    olds: Sequence[SubjectVersion],
    new: Candidate,
    level: str,
    call: Call,
) -> dict[str, Any]:
    """Confluent's answer: a subject without versions accepts anything (as since 6.1)."""
    compatible, messages = (
        (True, [])
        if level == "NONE" or not olds
        else _compare(store, olds, new, level, call.compatibility)
    )
    answer: dict[str, Any] = {"is_compatible": compatible is True}
    if flag(call.query, "verbose"):
        answer["messages"] = messages
    return answer


# -- deletes -------------------------------------------------------------------------------------


def delete_subject(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Soft-delete every live version, or (permanent) remove a soft-deleted subject's files."""
    subject = call.args[0]
    everything = store.versions(subject, deleted=True)
    live = [v for v in everything if not v.deleted]
    permanent = flag(call.query, "permanent")
    if not everything:
        raise fail(404, 40401, f"Subject '{subject}' not found.")
    if permanent and live:
        raise fail(
            404,
            40405,
            f"Subject '{subject}' was not deleted first before being permanently deleted",
        )
    if not permanent and not live:
        raise fail(
            404,
            40404,
            f"Subject '{subject}' was soft deleted.Set permanent=true to delete permanently",
        )
    doomed = everything if permanent else live
    with _writing(call.compatibility, time.monotonic() + call.compatibility.timeout):
        for version in doomed:
            _refuse_if_referenced(store, version)
        with store.lock:
            for version in doomed:
                _drop(store, version, permanent)
            if permanent and store.level(subject) is not None:
                store.set_level(subject, None)  # as Confluent drops a hard-deleted subject's config
    return 200, [v.version for v in doomed]


def delete_version(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Soft-delete one live version, or (permanent) remove a soft-deleted one's files."""
    subject, text = call.args
    permanent = flag(call.query, "permanent")
    # "latest" is the latest live version for a soft delete, the latest of all for a permanent one
    version = one_version(store, subject, text, deleted=permanent or version_arg(text) is not None)
    if not permanent and version.deleted:
        raise fail(
            404,
            40406,
            f"Subject '{subject}' Version {version.version} was soft deleted. Set "
            "permanent=true to delete permanently",
        )
    if permanent and not version.deleted:
        raise fail(
            404,
            40407,
            f"Subject '{subject}' Version {version.version} was not deleted first before "
            "being permanently deleted",
        )
    with _writing(call.compatibility, time.monotonic() + call.compatibility.timeout):
        _refuse_if_referenced(store, version)
        with store.lock:
            _drop(store, version, permanent)
    return 200, version.version


def _drop(store: SubjectStore, version: SubjectVersion, permanent: bool) -> None:
    if permanent:
        store.remove(version)
    else:
        store.mark_deleted(version)


def _refuse_if_referenced(store: SubjectStore, version: SubjectVersion) -> None:
    referrers = store.referrers(version.subject, version.version)
    if referrers:
        ids = sorted({v.id for v in referrers})
        raise fail(
            422,
            42206,
            f"One or more references exist to the schema {{subject={version.subject}, "
            f"version={version.version}}}: ids {ids}",
        )


# -- config --------------------------------------------------------------------------------------


def put_config(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Set the global level, or a subject's; answer `{"compatibility": L}`."""
    subject = _subject_to_write(call.args[0]) if call.args else None
    body = call.object()
    try:
        level = checked_level(body.get("compatibility", body.get("compatibilityLevel")))
    except ConfigError:
        raise fail(
            422,
            42203,
            f"Invalid compatibility level. Valid values are: {', '.join(LEVELS)}",
        ) from None
    with _writing(call.compatibility, time.monotonic() + call.compatibility.timeout):
        store.set_level(subject, level)
    return 200, {"compatibility": level}


def delete_config(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Forget the subject's level (or the global one); answer the level it had."""
    subject = call.args[0] if call.args else None
    before = store.level(subject) if subject else effective_level(store, None, call.compatibility)
    if before is None:
        raise fail(
            404,
            40408,
            f"Subject '{subject}' does not have subject-level compatibility configured",
        )
    with _writing(call.compatibility, time.monotonic() + call.compatibility.timeout):
        store.set_level(subject, None)
    return 200, {"compatibilityLevel": before}
