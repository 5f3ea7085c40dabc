"""Turn a Kafka record's value into (writer schema key, JSON payload), or say why it cannot be.

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

__all__ = ["MALFORMED_RECORD_LABEL", "read_record"]

MALFORMED_RECORD_LABEL = "__malformed__"  # one metrics series for every unreadable record


def read_record(value: object, headers: Headers | None) -> tuple[Key, Any]:
    """Return the writer schema's cache key and the decoded JSON body."""
    try:
        framed = unframe(value, headers)
    except FramingError as exc:
        raise MalformedRecordError(f"unreadable record: {exc}") from None
    try:
        payload = json.loads(framed.body.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise MalformedRecordError(
            f"record body (writer {framed.writer}) is not UTF-8: byte {exc.start}"
        ) from None
    except RecursionError:
        raise MalformedRecordError(
            f"record body (writer {framed.writer}) is nested too deep"
        ) from None
    except ValueError as exc:
        raise MalformedRecordError(
            f"record body (writer {framed.writer}) is not JSON: {exc}"
        ) from None
    return writer_key(framed.schema_id, framed.guid), payload


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
