"""Search for one small value that passes a test, drawn from schemas, within a time budget.

The compatibility checker asks: "is there a payload the old schema accepts and the new one
rejects?" Hypothesis's `find` answers that and then shrinks the payload to the smallest it can,
which is what a person reading a counterexample wants. Two things it does not do are added here:
a wall-clock deadline (a hostile schema pair must not keep a CI job or a request waiting) and
keeping the best value seen when the deadline cuts the shrinking short.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from .._core.errors import UnsupportedSchemaError
from .builder import Strategy
from .payloads import invalid_strategy, valid_strategy

__all__ = ["Source", "find_value"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where candidate values come from: values valid under `schema`, or values that break it."""

    schema: Any
    breaking: bool = False


@dataclass(slots=True)
class _Search:
    keep: Callable[[Any], bool]
    deadline: float
    best: list[Any] = field(default_factory=list)

    def __call__(self, value: Any) -> bool:
        if time.monotonic() > self.deadline:
            raise _OutOfTimeError
        if not self.keep(value):
            return False
        self.best[:] = [value]  # hypothesis only offers smaller values after the first
        return True


class _OutOfTimeError(BaseException):
    """Raised inside the search when the deadline passes; ends it with the best value so far.

    A `BaseException`, like `KeyboardInterrupt`: hypothesis takes an `Exception` raised by the
    condition for a failure to shrink, and went on calling it (and failing) for a minute.
    """


def find_value(
    sources: Sequence[Source],
    keep: Callable[[Any], bool],
    *,
    deadline: float,
    max_examples: int = 300,
) -> tuple[bool, Any]:
    """Return (True, the smallest value found that `keep` accepts), or (False, None).

    Sources the generator cannot draw from are left out; `deadline` is a `time.monotonic()` value.
    """
    search = _Search(keep, deadline)
    usable = list(sources)
    while usable and time.monotonic() < deadline:
        strategy = _candidates(usable)
        if strategy is None:
            break
        try:
            return True, find(strategy, search, settings=_settings(max_examples))
        except (NoSuchExample, _OutOfTimeError):
            break
        except UnsupportedSchemaError:
            usable = _fewer(usable)  # a source failed while drawing; search again without it
        except Exception:  # e.g. hypothesis's Flaky, when a replay met the deadline
            break
    return (True, search.best[0]) if search.best else (False, None)


def _fewer(sources: list[Source]) -> list[Source]:
    """Drop the sources that break values (they fail when a value has nothing left to break)."""
    plain = [source for source in sources if not source.breaking]
    return plain if len(plain) < len(sources) else plain[:-1]


def _candidates(sources: Sequence[Source]) -> Strategy | None:
    strategies = []
    for source in sources:
        try:
            if source.breaking:
                strategies.append(invalid_strategy(source.schema).map(_value_of))
            else:
                strategies.append(valid_strategy(source.schema))
        except UnsupportedSchemaError:
            continue  # another source may still draw what this one cannot
    return st.one_of(strategies) if strategies else None


def _value_of(invalid: Any) -> Any:
    return invalid.value


def _settings(max_examples: int) -> settings:
    # Deterministic (the same pair gives the same counterexample on every run and machine), no
    # example database (a library call must not write `.hypothesis/` into the caller's folder),
    # no health checks (slow or filtered sources are expected here, not a test's mistake).
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
    )
