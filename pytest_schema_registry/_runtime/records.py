"""Turn untrusted bytes into JSON: a Kafka record's value (writer key + payload) or a bare body.

The value comes from the broker, so from anyone who can produce to the topic: it may lack
framing, hold no JSON, or not even be UTF-8. Each is a `MalformedRecordError` with a reason a
dead-letter reader can act on; nothing here raises anything else.

`decode_json` is the fast path: msgspec's decoder (chosen by measurement over orjson, see
`benchmarks/bench_manager.py` and the README) yields only JSON's types, refuses `NaN`,
`Infinity`, numbers that overflow a double, lone surrogates and invalid UTF-8, and keeps
integers of any size exact, so what it returns needs no payload guard, once the nesting is
known to be within `max_depth`. Without msgspec (an interpreter it has no wheel for) the
standard library decodes and a walk refuses what it lets by (`_beyond_json`): slower, with the
same answers, but at two edges where msgspec is stricter: a duplicate key whose earlier value
overflows a double, and a negative integer of exactly 4,300 digits (both refused by msgspec).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from .._core.errors import MalformedRecordError
from .cache import Key
from .framing import FramingError, Headers, unframe
from .resolver import writer_key
from .validation import format_path

__all__ = [
    "MALFORMED_RECORD_LABEL",
    "decode_json",
    "few_brackets",
    "parse_json",
    "read_record",
    "refuse_json",
    "strict_decode",
    "view_bytes",
]

MALFORMED_RECORD_LABEL = "__malformed__"  # one metrics series for every unreadable record
_BODY = "record body"
_TEXT = (bytes, bytearray, memoryview, str)  # a tuple: isinstance reads it faster than a union


def read_record(value: object, headers: Headers | None, max_depth: int) -> tuple[Key, Any, bool]:
    """Return the writer schema's cache key, the decoded JSON body and whether it is checked.

    Checked means as `decode_json` says: JSON by construction, nested no deeper than allowed.
    """
    try:
        framed = unframe(value, headers)
    except FramingError as exc:
        raise MalformedRecordError(f"unreadable record: {exc}") from None
    try:
        payload, checked = decode_json(framed.body, _BODY, max_depth)
    except MalformedRecordError as exc:  # name the writer only when there is something to say
        named = str(exc).replace(_BODY, f"{_BODY} (writer {framed.writer})", 1)
        raise MalformedRecordError(named) from None
    return writer_key(framed.schema_id, framed.guid), payload, checked


def decode_json(data: object, what: str = "payload", max_depth: int = 256) -> tuple[Any, bool]:
    """Decode untrusted JSON text or bytes; return (value, checked) or raise `MalformedRecordError`.

    `checked` is True when the value needs no payload guard: it holds JSON's types and finite
    numbers only, shares no containers, and cannot nest deeper than `max_depth`. Refusals carry
    the standard library's reason and position where it has one, so every path says the same
    thing about the same bytes.
    """
    if not isinstance(data, _TEXT):
        raise MalformedRecordError(f"{what} is {type(data).__name__}, not JSON text or bytes")
    if isinstance(data, memoryview):  # its len() counts items of any shape and size: copy
        data = view_bytes(data, what)
    try:
        value = strict_decode(data)
    except (ValueError, RecursionError) as exc:  # msgspec's errors, Unicode ones included
        refuse_json(data, what, exc)
    # Each level opens a bracket and closes it, so short text cannot nest deep: the common
    # small event is vouched for by its length alone.
    return value, len(data) <= 2 * max_depth + 1 or few_brackets(data, max_depth)


def refuse_json(data: bytes | bytearray | str, what: str, error: BaseException) -> NoReturn:
    """Raise `MalformedRecordError` for text `strict_decode` refused with `error`, saying why.

    The standard library's reason and position where it refuses too; else what it let by
    (`_beyond_json`), else the decoder's own words.
    """
    problem = _beyond_json(parse_json(data, what)) or _own_words(error)
    raise MalformedRecordError(f"{what} is not JSON: {problem}") from None


def view_bytes(view: memoryview, what: str = "payload") -> bytes:
    """Copy a memoryview's bytes; a released view is unreadable, said as such."""
    try:
        return view.tobytes()
    except ValueError:
        raise MalformedRecordError(f"{what} cannot be read: the memoryview was released") from None


def few_brackets(data: bytes | bytearray | str, max_depth: int) -> bool:
    """Say whether text opens few enough brackets that it cannot nest past `max_depth`.

    Brackets inside strings count too: erring deep only sends the value through the guard.
    """
    if isinstance(data, str):
        return data.count("[") + data.count("{") <= max_depth
    return data.count(b"[") + data.count(b"{") <= max_depth


def parse_json(data: object, what: str = "payload") -> Any:
    """Decode untrusted JSON text or UTF-8 bytes; `MalformedRecordError` says why and where.

    `NaN` and `Infinity` are refused (JSON has no such values), as are bytes that are not UTF-8
    (with the offending byte's offset) and nesting too deep to read. Nothing else is raised.
    """
    if isinstance(data, memoryview):
        data = view_bytes(data, what)
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedRecordError(f"{what} is not UTF-8: byte {exc.start}") from None
    elif isinstance(data, str):
        text = data
    else:
        raise MalformedRecordError(f"{what} is {type(data).__name__}, not JSON text or bytes")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedRecordError(f"{what} is nested too deep") from None
    except ValueError as exc:  # JSONDecodeError says where: "line 1 column 9 (char 8)"
        raise MalformedRecordError(f"{what} is not JSON: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _beyond_json(value: Any) -> str | None:
    """Say what the standard library let through but JSON has no room for, and where.

    Two things: a string (or key) holding a lone surrogate (`"\\ud800"`), which is not Unicode
    text, and a number beyond a double's range (`1e999`), which it reads as infinity. msgspec
    refuses both; so does the fallback, by this walk, so both paths give the same answers.
    The walk keeps one iterator per level and builds a path only for what it reports: memory
    stays proportional to the depth, whatever the width (hostile bytes reach this path).
    """
    problem = _leaf_beyond_json(value)
    if problem is not None or not isinstance(value, dict | list):
        return None if problem is None else f"$: {problem}"
    path: list[str | int] = []  # the keys down to the container `levels[-1]` walks
    levels = [_items(value)]
    while levels:
        for key, child in levels[-1]:
            problem = _leaf_beyond_json(child)
            if isinstance(key, str) and problem is None and not _is_unicode(key):
                problem = "a key holding a lone surrogate, not Unicode text"
            if problem is not None:
                return f"{_shown([*path, key])}: {problem}"
            if isinstance(child, dict | list):
                path.append(key)
                levels.append(_items(child))
                break
        else:
            levels.pop()
            if path:
                path.pop()
    return None


def _items(node: dict[str, Any] | list[Any]) -> Iterator[tuple[str | int, Any]]:
    return iter(node.items()) if isinstance(node, dict) else enumerate(node)


def _leaf_beyond_json(node: Any) -> str | None:
    if isinstance(node, float) and not math.isfinite(node):
        return "a number beyond a double's range"
    if isinstance(node, str) and not _is_unicode(node):
        return "a string holding a lone surrogate, not Unicode text"
    return None


def _shown(path: list[str | int]) -> str:
    """A path for a message: the first levels only, as the payload guard shows them."""
    return format_path(path[:8]) + ("..." if len(path) > 8 else "")


def _own_words(exc: BaseException) -> str:
    """msgspec's reason, for what neither the standard library nor `_beyond_json` explained."""
    if isinstance(exc, RecursionError):
        return "it nests too deep to read"
    reason = str(exc).removeprefix("JSON is malformed: ")
    return reason[:1].lower() + reason[1:]


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _decode_standard(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode with the standard library, refusing what it lets by: msgspec's answers, slower."""
    try:
        value = parse_json(data)
    except MalformedRecordError as exc:  # `decode_json` words it, naming what was read
        raise ValueError(str(exc)) from None
    problem = _beyond_json(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _load_decoder(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode the first text, after putting the decoder in place for every later one.

    msgspec is imported on first use, not with the manager; where it has no wheel (another
    interpreter than CPython) the standard library decodes instead.
    """
    global strict_decode  # replaced once: later calls go straight to the decoder
    try:
        import msgspec.json
    except ImportError:
        strict_decode = _decode_standard
    else:
        strict_decode = msgspec.json.Decoder().decode
    return strict_decode(data)


# Decode JSON, refusing what JSON cannot hold; raises ValueError or RecursionError. Rebound on
# first use, so read it as `records.strict_decode` (an imported name would keep the loader).
# Depth is not bounded here: `decode_json` vouches for a value, or `few_brackets` does.
strict_decode: Callable[[bytes | bytearray | memoryview | str], Any] = _load_decoder
