"""Issue #12, finding 8: a torn dead letter corrupts nothing; any message content can be stored."""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import DeadLetter, JsonLinesDeadLetterSink
from tests.helpers import nested

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
