"""Turn untrusted bytes into JSON: a Kafka record's value (writer key + payload) or a bare body.

The value comes from the broker, so from anyone who can produce to the topic: it may lack
framing, hold no JSON, or not even be UTF-8. Each is a `MalformedRecordError` with a reason a
dead-letter reader can act on; nothing here raises anything else.
"""

from __future__ import annotations

import json
from typing import Any

from .._core.errors import MalformedRecordError
from .cache import Key
from .framing import FramingError, Headers, unframe
from .resolver import writer_key

__all__ = ["MALFORMED_RECORD_LABEL", "parse_json", "read_record"]

MALFORMED_RECORD_LABEL = "__malformed__"  # one metrics series for every unreadable record


def read_record(value: object, headers: Headers | None) -> tuple[Key, Any]:
    """Return the writer schema's cache key and the decoded JSON body."""
    try:
        framed = unframe(value, headers)
    except FramingError as exc:
        raise MalformedRecordError(f"unreadable record: {exc}") from None
    payload = parse_json(framed.body, f"record body (writer {framed.writer})")
    return writer_key(framed.schema_id, framed.guid), payload


def parse_json(data: object, what: str = "payload") -> Any:
    """Decode untrusted JSON text or UTF-8 bytes; `MalformedRecordError` says why and where.

    `NaN` and `Infinity` are refused (JSON has no such values), as are bytes that are not UTF-8
    (with the offending byte's offset) and nesting too deep to read. Nothing else is raised.
    """
    if isinstance(data, bytes | bytearray | memoryview):
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
