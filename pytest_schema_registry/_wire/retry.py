"""Decide when a failed registry request is worth another try, and how long to wait first.

Retries are bounded and only for failures that a second attempt can plausibly fix: a connection
that never opened, or the registry saying "not now" (429, 502, 503, 504). A 4xx is an answer, not a
hiccup, and is never retried. The wait grows exponentially with full jitter, so a fleet of services
restarting together does not hammer a recovering registry in lockstep; a `Retry-After` the registry
sends wins over our own guess, up to a cap.
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio

from .._core.config import check_seconds, check_whole

__all__ = ["RETRYABLE_STATUS", "RetryPolicy", "parse_retry_after"]

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bound and pace retries of one registry request.

    `attempts` counts the first try: 3 means at most two retries. Backoff before retry n (from 0)
    is uniform in [0, min(max_delay, base_delay * 2**n)]. A `Retry-After` longer than
    `max_retry_after` is not waited for: the request fails at once with the delay attached, so a
    caller serving stale data is not blocked for minutes. `sleep` is injectable so tests wait for
    nothing; `random` so tests can pin the jitter.
    """

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0
    max_retry_after: float = 30.0
    sleep: Sleep = field(default=anyio.sleep, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_whole("RetryPolicy.attempts", self.attempts, minimum=1)
        for name in ("base_delay", "max_delay", "max_retry_after"):
            check_seconds(f"RetryPolicy.{name}", getattr(self, name), allow_zero=True)

    def backoff(self, retry_number: int) -> float:
        """Return the jittered delay before retry `retry_number` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry_number)
        return ceiling * self.random()

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Return how long to wait before the next try, or None when the registry asks too much."""
        if retry_after is None:
            return self.backoff(retry_number)
        if retry_after > self.max_retry_after:
            return None
        return retry_after


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Turn a `Retry-After` header (seconds or an HTTP date) into seconds from now; None if absent.

    A malformed value is treated as absent rather than as an error: the registry's hint is advice.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until_http_date(value, now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until_http_date(value: str, now: datetime | None) -> float | None:
    """Return seconds until an IMF-fixdate such as `Wed, 21 Oct 2026 07:28:00 GMT`."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
