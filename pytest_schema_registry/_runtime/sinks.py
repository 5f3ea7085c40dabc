"""Keep rejected messages safe: the dead-letter sinks `ValidationGate` writes to in enforce mode.

A sink's `put` must not return before the letter is safe; when it cannot store it, it raises and
the gate turns that into `DeadLetterError`, so the consumer does not acknowledge the message.
A new sink (a broker's dead-letter topic) goes here, beside these: `RedisStreamDeadLetterSink`
writes to a Redis stream through the `redis` extra's client, imported only by type checkers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._core.errors import ConfigError, DeadLetterError
from .._core.models import DeadLetter, excerpt
from .._core.secrets import redact_text

if TYPE_CHECKING:  # the `redis` extra: services without it import this module all the same
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline
    from redis.typing import EncodableT, FieldT

    Fields = dict[FieldT, EncodableT]  # what XADD takes

__all__ = [
    "DeadLetterSink",
    "InMemoryDeadLetterSink",
    "JsonLinesDeadLetterSink",
    "RedisStreamDeadLetterSink",
]

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


class RedisStreamDeadLetterSink:
    """Append dead letters to a Redis stream with `XADD`, on the `redis` client's asyncio API.

    Each entry holds the letter's fields: `message` (bytes or text as received, with
    `message_format` `raw`; any other message as JSON text through `encode_message`, with
    `message_format` `json`), `reason`, `errors` (a JSON list), `schema`, `track` and `version`
    (absent when unknown), `mode` and `rejected_at` (ISO 8601, UTC). `maxlen` caps the stream
    with `MAXLEN ~`: Redis trims whole nodes only, so the stream keeps at least `maxlen` entries
    and may hold about a hundred more. A failed write (refused connection, server error,
    timeout: set `socket_timeout` on the client) raises `DeadLetterError`, whose message
    never shows the client's password.
    """

    def __init__(
        self, client: Redis, stream: str = "events-dlq", maxlen: int | None = None
    ) -> None:
        if maxlen is not None and (type(maxlen) is not int or maxlen < 1):  # bool is no length
            raise ConfigError(f"maxlen must be a positive integer or None, got {excerpt(maxlen)}")
        self.client = client
        self.stream = stream
        self.maxlen = maxlen

    async def put(
        self, letter: DeadLetter, *, also: Callable[[Pipeline], object] | None = None
    ) -> None:
        """Write the letter; with `also`, queue more commands in the same `MULTI` transaction.

        `also` is how a consumer acknowledges the message (`XACK`) together with the letter:
        both are stored, or neither is, so a crash between them cannot dead-letter it twice.
        """
        try:
            if also is None:
                await self.client.xadd(self.stream, self.fields(letter), **self._trim())
            else:
                await self._put_with(letter, also)
        except Exception as exc:
            raise DeadLetterError(
                f"dead-letter stream {self.stream!r} did not take the letter "
                f"({type(exc).__name__}: {self._safe(exc)}); the message was not stored: "
                "do not acknowledge it",
                letter=letter,
            ) from None

    async def _put_with(self, letter: DeadLetter, also: Callable[[Pipeline], object]) -> None:
        """Run XADD and `also` in one MULTI, once the stream's key is known to hold a stream.

        Redis runs the rest of a transaction when one command fails: an XADD refused for the
        key's type would leave the XACK done and the message lost. WATCH makes the type check
        hold until EXEC (a change in between aborts the transaction: nothing is written).
        """
        async with self.client.pipeline(transaction=True) as transaction:
            await transaction.watch(self.stream)
            kind = await transaction.type(self.stream)
            if kind not in (b"stream", b"none", "stream", "none"):
                raise TypeError(f"the key holds a {kind!r}, not a stream")
            transaction.multi()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
            transaction.xadd(self.stream, self.fields(letter), **self._trim())
            also(transaction)
            await transaction.execute()

    def fields(self, letter: DeadLetter) -> Fields:
        """Return the stream entry's fields for `letter` (the class docstring lists them)."""
        encoded = letter.to_dict()
        entry = _message_fields(letter.message, encoded["message"])
        entry["errors"] = json.dumps(encoded["errors"])
        for name in ("reason", "schema", "track", "version", "mode", "rejected_at"):
            if encoded[name] is not None:  # a stream has no null: an unknown track is absent
                entry[name] = str(encoded[name]).encode("utf-8", "backslashreplace")
        return entry

    def _trim(self) -> dict[str, Any]:
        return {} if self.maxlen is None else {"maxlen": self.maxlen, "approximate": True}

    def _safe(self, exc: Exception) -> str:
        """Render the client's error without its password (a URL's, echoed by some errors)."""
        kwargs = getattr(getattr(self.client, "connection_pool", None), "connection_kwargs", {})
        password = kwargs.get("password") if isinstance(kwargs, dict) else None
        text = redact_text(str(exc), password)  # mask before cutting: a cut secret would show
        return text if len(text) <= 300 else text[:299] + "…"


def _message_fields(message: Any, encoded: Any) -> Fields:
    """Keep bytes and UTF-8 text as received; write anything else as JSON text."""
    if isinstance(message, bytes | bytearray | memoryview):
        with contextlib.suppress(ValueError):  # a released view: written as its tag instead
            return {"message": bytes(message), "message_format": "raw"}
    if isinstance(message, str):
        try:
            return {"message": message.encode("utf-8"), "message_format": "raw"}
        except UnicodeEncodeError:  # a lone surrogate: JSON escapes it, so nothing is lost
            pass
    return {"message": json.dumps(encoded, allow_nan=False), "message_format": "json"}
