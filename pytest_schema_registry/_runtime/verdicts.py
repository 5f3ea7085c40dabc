"""Turn a lookup's outcome into the manager's answer, `(valid, errors)`, and count it.

Every answer `SchemaManager` gives comes from here: a payload judged by a resolved schema, bytes
that are not JSON, or no schema at all (degraded: let through with a warning, or refused in
enforce mode with `fail_open=False`). Each is counted once, in the manager's stats and metrics,
and an answer without a schema is told to the degradation watchers (a test harness fails on it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .._core.config import RegistryConfig
from .._core.errors import MalformedRecordError, SchemaRegistryError
from .._core.models import excerpt
from .cache import Entry, Stats, bare
from .metrics import MetricsSink

__all__ = ["DegradationWatcher", "Verdict", "Verdicts"]

log = logging.getLogger("pytest_schema_registry.manager")

DegradationWatcher = Callable[[str, SchemaRegistryError], None]
Verdict = tuple[bool, list[str]]


class Verdicts:
    """Answer and count, for one manager: its config, stats, metrics and watchers."""

    def __init__(
        self,
        config: RegistryConfig,
        stats: Stats,
        metrics: MetricsSink,
        label: Callable[[object], str],
    ) -> None:
        self._config = config
        self._stats = stats
        self._metrics = metrics
        self._label = label  # the metrics label a name from a message may have
        self.watchers: list[DegradationWatcher] = []
        # Bound once: every validation counts through these.
        self._validations = stats.validations
        self._count_validation = metrics.validation

    def judge(self, entry: Entry, name: str, payload: Any, checked: bool = False) -> Verdict:
        """Validate with a resolved entry and count the outcome; `checked` skips the guard.

        `checked` is for payloads `decode_json` vouched for: JSON by construction, nested
        within bounds, so the verdict comes straight from the validator.
        """
        validator = entry.validator
        if not checked:
            valid, errors = validator.validate(payload)
        else:  # the verdict alone first: the common answer, without a detour
            try:
                valid = validator.is_valid_decoded(payload) is True
            except Exception:  # `validate_decoded` says why, as an invalid payload
                valid, errors = validator.validate_decoded(payload)
            else:
                errors = [] if valid else validator.explain(payload)[1]
        if valid:
            self._validations["success"] += 1
            self._count_validation(name, "success")
            return True, []
        return self._invalid(name, errors)

    def refuse(self, entry: Entry, name: str, payload: Any) -> Verdict:
        """Explain and count a payload `entry`'s validator already found invalid (not guarded)."""
        return self._invalid(name, entry.validator.explain(payload)[1])

    def unreadable(self, label: str, error: MalformedRecordError) -> Verdict:
        """Count bytes that hold no JSON (or a record without framing): invalid, saying why."""
        return self._invalid(label, [str(error)])

    def _invalid(self, label: str, errors: list[str]) -> Verdict:
        self._validations["failure"] += 1
        self._count_validation(label, "failure")
        self._metrics.validation_failure(label, self._config.validation_mode)
        return False, errors

    def degrade(self, name: str, exc: SchemaRegistryError) -> Verdict:
        """Answer without a schema: let the payload through, unless enforce mode fails closed."""
        self.notify_degraded(name, exc)
        bare(exc)  # the resolver remembers it for a back-off: keep no frames alive meanwhile
        label = self._label(name)
        self._validations["error"] += 1
        self._count_validation(label, "error")
        if self._config.validation_mode == "enforce" and not self._config.fail_open:
            return False, [f"schema {excerpt(name)} unavailable: {exc}"]
        return True, []

    def notify_degraded(self, name: str, error: SchemaRegistryError) -> None:
        """Tell the watchers an answer went out without a schema."""
        for watcher in self.watchers:
            try:
                watcher(name, error)
            except Exception:  # a watcher must never break the never-raising API
                log.exception("degradation watcher failed")
