"""Keep rejected messages safe: the dead-letter sinks `ValidationGate` writes to in enforce mode.

A sink's `put` must not return before the letter is safe; when it cannot store it, it raises and
the gate turns that into `DeadLetterError`, so the consumer does not acknowledge the message.
A new sink (a broker's dead-letter topic) goes here, beside these two.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from .._core.models import DeadLetter

__all__ = ["DeadLetterSink", "InMemoryDeadLetterSink", "JsonLinesDeadLetterSink"]


class DeadLetterSink(Protocol):
    """Where rejected messages go. `put` must not return before the letter is safe."""

    async def put(self, letter: DeadLetter) -> None: ...


class InMemoryDeadLetterSink:
    """Keep dead letters in a list: for tests and examples."""

    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    async def put(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


class JsonLinesDeadLetterSink:
    """Append dead letters to a JSON-lines file, flushed and fsynced before `put` returns."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    async def put(self, letter: DeadLetter) -> None:
        await asyncio.to_thread(self._append, letter.to_json() + "\n")

    def _append(self, line: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

    def read(self) -> list[dict[str, Any]]:
        """Return the letters written so far (for inspection and tests)."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]
