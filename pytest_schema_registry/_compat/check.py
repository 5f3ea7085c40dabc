"""`check_compatibility`: the one entry point the CLI, the embedded registry and plugin share."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from typing import Any

from .._core.errors import ConfigError, SchemaCompileError
from .isolation import WorkerCrashedError, WorkerTimedOutError, run_isolated
from .verdict import (
    CompatibilityVerdict,
    Level,
    checked_level,
    checked_policy,
    checked_rules,
    old_label,
)

__all__ = ["DEFAULT_TIMEOUT", "check_compatibility"]

DEFAULT_TIMEOUT = 10.0  # seconds; most pairs answer in milliseconds, a proof search in ~1 s


def check_compatibility(
    old_schema: Any,
    new_schema: Any,
    *,
    level: str = "BACKWARD",
    rules: str = "semantic",
    policy: str = "STRICT",
    timeout: float = DEFAULT_TIMEOUT,
) -> CompatibilityVerdict:
    """Say whether `new_schema` keeps `level`'s promise to `old_schema`, with a payload per break.

    `old_schema` is the previous version, or a list of all earlier versions (oldest first) for a
    `*_TRANSITIVE` level; a plain level compares with the last of them. `rules="semantic"` judges
    by what the schemas accept; `rules="confluent"` predicts a Confluent registry's answer
    (`policy` STRICT, its default, or LENIENT) and keeps the semantic verdict in `.semantic`.

    Under semantic rules the verdict's `compatible` is True only when proven, False with a
    counterexample payload checked by the validator, None (unknown) with `.reason` when neither
    could be shown within `timeout` seconds. Under Confluent's rules it is the predicted answer:
    read `.semantic` for what payloads show (True there is proven, as above). Raises
    `ConfigError` for a bad level, rules, policy or timeout, and
    `SchemaCompileError` when either side is not a usable schema.
    """
    started, seconds = time.monotonic(), _checked_timeout(timeout)
    checked = checked_level(level)
    request = {
        "olds": _versions(old_schema),
        "new": _json(new_schema, "new"),
        "level": checked,
        "rules": checked_rules(rules),
        "policy": checked_policy(policy),
    }
    if checked == "NONE":
        return CompatibilityVerdict(
            True, checked, request["rules"], reason="level NONE promises nothing"
        )
    left = seconds - (time.monotonic() - started)  # a 50 MB schema takes seconds to prepare
    try:
        answer = run_isolated(request, left)
    except WorkerTimedOutError:
        return _unknown(checked, request, f"the check did not finish within {timeout:g} s")
    except WorkerCrashedError as exc:
        return _unknown(checked, request, f"the check could not finish: {exc}")
    if answer.get("error") == "internal":
        return _unknown(checked, request, f"the check failed: {answer.get('message')}")
    if "error" in answer:
        raise SchemaCompileError(str(answer.get("message")))
    return CompatibilityVerdict.from_json(answer["verdict"])


def _versions(old_schema: Any) -> list[Any]:
    versions = (
        list(old_schema)
        if isinstance(old_schema, Sequence) and not isinstance(old_schema, str | bytes)
        else [old_schema]
    )
    if not versions:
        raise ConfigError("old_schema is an empty list; give at least one earlier version")
    return [_json(v, old_label(i, len(versions))) for i, v in enumerate(versions)]


def _json(schema: Any, label: str) -> Any:
    """Return `schema` as plain JSON, or raise `SchemaCompileError` saying why it is not."""
    try:
        return json.loads(json.dumps(schema, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as exc:
        raise SchemaCompileError(f"the {label} schema is not JSON: {exc}") from None


def _checked_timeout(timeout: object) -> float:
    if (
        isinstance(timeout, int | float)
        and not isinstance(timeout, bool)
        and 0 < timeout <= 3600  # before isfinite: 10**400 overflows a float
        and math.isfinite(timeout)
    ):
        return float(timeout)
    raise ConfigError(
        f"timeout={timeout!r:.60} is not usable; give seconds, more than 0, at most 3600"
    )


def _unknown(level: Level, request: dict[str, Any], reason: str) -> CompatibilityVerdict:
    policy = request["policy"] if request["rules"] == "confluent" else None
    return CompatibilityVerdict(None, level, request["rules"], reason=reason, policy=policy)
