"""Keep rejected messages safe: the dead-letter sinks `ValidationGate` writes to in enforce mode.

A sink's `put` must not return before the letter is safe; when it cannot store it, it raises and
the gate turns that into `DeadLetterError`, so the consumer does not acknowledge the message.
A new sink (a broker's dead-letter topic) goes here, beside these two.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from .._core.models import DeadLetter

__all__ = ["DeadLetterSink", "InMemoryDeadLetterSink", "JsonLinesDeadLetterSink"]

log = logging.getLogger("pytest_schema_registry.gate")


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
    """Append dead letters to a JSON-lines file, flushed and fsynced before `put` returns.

    A writer killed mid-line leaves a torn last line: the next letter starts on a fresh line,
    and `read()` skips the torn one (listing it in `torn_lines`) without losing the others.
    Messages are encoded with `encode_message`, so `put` fails only on I/O.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.torn_lines: list[int] = []  # 1-based line numbers `read()` could not parse

    async def put(self, letter: DeadLetter) -> None:
        await asyncio.to_thread(self._append, letter.to_json() + "\n")

    def _append(self, line: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                if handle.tell() and not _ends_with_newline(self.path):
                    handle.write("\n")  # seal a line a killed writer left torn
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())

    def read(self) -> list[dict[str, Any]]:
        """Return the letters written so far; a torn line is skipped and listed in `torn_lines`."""
        self.torn_lines = []
        if not self.path.exists():
            return []
        letters = []
        text = self.path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            try:
                letters.append(json.loads(line))
            except ValueError:
                self.torn_lines.append(number)
        if self.torn_lines:
            log.warning("%s: skipped torn line(s) %s", self.path, self.torn_lines)
        return letters


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
