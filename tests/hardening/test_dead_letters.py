"""Issue #12, finding 8: a torn dead letter corrupts nothing; any message content can be stored."""

from __future__ import annotations

import base64
import math
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import DeadLetter, JsonLinesDeadLetterSink
from tests.helpers import ROOT, nested

pytestmark = pytest.mark.anyio


def letter(message: Any) -> DeadLetter:
    return DeadLetter(message, "invalid payload", ("$.x: bad",), "s", "v1", "1.0.0", "enforce")


async def test_a_torn_last_line_loses_neither_the_letters_before_nor_after(tmp_path: Path) -> None:
    sink = JsonLinesDeadLetterSink(tmp_path / "dlq.jsonl")
    await sink.put(letter({"n": 1}))
    with sink.path.open("a") as handle:  # a writer killed mid-line (kill -9) leaves this
        handle.write('{"message": {"n": 2}, "rea')

    await sink.put(letter({"n": 3}))
    letters = sink.read()

    assert [entry["message"] for entry in letters] == [{"n": 1}, {"n": 3}]
    assert sink.torn_lines == [2]


async def test_any_message_content_is_stored_faithfully(tmp_path: Path) -> None:
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    message = {
        "raw": b"\x00\xff bytes",
        "keys": {1: "int key", ("a", "b"): "tuple key"},
        "floats": [math.nan, math.inf, -math.inf, 1.5],
        "cycle": cyclic,
        "set": {3},
        "deep": nested(5_000),
    }
    sink = JsonLinesDeadLetterSink(tmp_path / "dlq.jsonl")

    await sink.put(letter(message))
    (stored,) = sink.read()

    encoded = stored["message"]
    assert base64.b64decode(encoded["raw"]["$bytes"]) == b"\x00\xff bytes"
    assert encoded["keys"] == {"$map": [[1, "int key"], [["a", "b"], "tuple key"]]}
    assert encoded["floats"] == [{"$float": "nan"}, {"$float": "inf"}, {"$float": "-inf"}, 1.5]
    assert encoded["cycle"] == [1, {"$cycle": True}]
    assert encoded["set"] == {"$repr": "{3}"}
    assert sink.torn_lines == []


def test_nesting_past_what_json_can_hold_is_cut_and_said() -> None:
    node = letter(nested(5_000)).to_json()

    assert '{"$truncated": "dict nested past 200 levels"}' in node


WRITER = """
import asyncio, os, sys, time
from pathlib import Path
from pytest_schema_registry import DeadLetter, JsonLinesDeadLetterSink

def letter(n):
    return DeadLetter({"n": n}, "invalid payload", (), "s", "v1", "1.0.0", "enforce")

class StallsMidLine:
    '''An append handle that writes half a line, makes it durable, then hangs: kill me now.'''
    def __init__(self, handle): self._handle = handle
    def __enter__(self): return self
    def __exit__(self, *exc): self._handle.close()
    def tell(self): return self._handle.tell()
    def fileno(self): return self._handle.fileno()
    def flush(self): self._handle.flush()
    def write(self, text):
        self._handle.write(text[: len(text) // 2])
        self._handle.flush()
        os.fsync(self._handle.fileno())
        print("mid-line", flush=True)
        time.sleep(60)

sink = JsonLinesDeadLetterSink(sys.argv[1])
asyncio.run(sink.put(letter(1)))
opened = Path.open
Path.open = lambda self, mode="r", *a, **k: (
    StallsMidLine(opened(self, mode, *a, **k)) if mode == "a" else opened(self, mode, *a, **k)
)
asyncio.run(sink.put(letter(2)))
"""


async def test_a_writer_killed_mid_line_loses_no_other_letter(tmp_path: Path) -> None:
    path = tmp_path / "dlq.jsonl"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "mid-line"
    writer.kill()  # SIGKILL: no cleanup, no flush, the line stays torn
    writer.wait(timeout=10)
    writer.stdout.close()

    sink = JsonLinesDeadLetterSink(path)
    await sink.put(letter({"n": 3}))
    letters = sink.read()

    assert writer.returncode == -signal.SIGKILL
    assert [entry["message"] for entry in letters] == [{"n": 1}, {"n": 3}]
    assert sink.torn_lines == [2]


def test_a_container_shared_along_many_paths_is_written_once_per_value_up_to_a_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """[x, x] doubled 20 times is a million paths through 21 lists: before, each was written
    (exponential time); now the letter stops at the value cap and says so."""
    from pytest_schema_registry._core import models

    monkeypatch.setattr(models, "_MAX_MESSAGE_VALUES", 1_000)
    shared: list[Any] = [1]
    for _ in range(20):
        shared = [shared, shared]

    encoded = letter(shared).to_json()

    assert len(encoded) < 100_000
    assert '"$truncated": "message holds more than 1,000 values"' in encoded


def test_whatever_the_interpreter_allows_a_letter_is_written() -> None:
    """A released view, an integer past a lowered digit limit, keys whose comparison raises."""

    class Unsortable(str):
        def __lt__(self, other: object) -> bool:
            raise TypeError("no order")

    released = memoryview(b"gone")
    released.release()
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1_000)  # decimal text of 10**2000 is refused from here on
    try:
        encoded = letter([released, 10**2000, {Unsortable("b"): 1, Unsortable("a"): 2}]).to_json()
    finally:
        sys.set_int_max_str_digits(limit)

    assert '{"$repr": "<released memoryview>"}' in encoded
    assert f'{{"$int": "{hex(10**2000)}"}}' in encoded
    assert '{"$map": [["b", 1], ["a", 2]]}' in encoded
