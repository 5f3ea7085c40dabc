"""Keep a warning that untrusted traffic can repeat from flooding the log.

A message naming an invented schema, or every message during an outage, would each write a
line. A `LogThrottle` writes the first lines of each window, then one saying how long the rest
are held back; the metrics still count every one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["LogThrottle"]


class LogThrottle:
    """Write at most `per_window` warnings per `window` seconds through `logger`, then one note."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        per_window: int = 10,
        window: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._per_window = per_window
        self._window = window
        self._clock = clock
        self._written = 0
        self._ends = -float("inf")

    def warning(self, message: str, *args: object) -> None:
        """Log `message % args` as a warning, unless this window has had its share."""
        now = self._clock()
        if now >= self._ends:
            self._ends, self._written = now + self._window, 0
        self._written += 1
        if self._written <= self._per_window:
            self._logger.warning(message, *args)
        elif self._written == self._per_window + 1:
            self._logger.warning(
                "more warnings like the last ones; not logging them for %.0fs (metrics count them)",
                self._ends - now,
            )
