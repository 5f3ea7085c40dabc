"""Read Confluent's wire framing off a Kafka record: which schema wrote it, and the JSON body.

Two forms, as confluent-kafka writes them: the classic prefix, byte `0x00` then the schema id as
4 bytes big-endian, then the JSON; and the newer GUID form, where the record's
`__value_schema_id` header (or the value's own prefix) holds byte `0x01` then a 16-byte GUID and
the value is bare JSON. A header wins over the prefix, as in confluent-kafka's deserializer.
Records come from outside: anything else is a `FramingError` saying what the bytes were.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = ["SCHEMA_ID_HEADER", "Framed", "FramingError", "Headers", "replayable", "unframe"]

SCHEMA_ID_HEADER = "__value_schema_id"
Headers = Mapping[str, bytes | None] | Iterable[tuple[str, bytes | None]]

_ID_PREFIX = 0x00
_BYTES_LIKE = (bytes, bytearray, memoryview)  # a tuple: isinstance reads it faster than a union
_GUID_PREFIX = 0x01


class FramingError(ValueError):
    """The record carries no schema id or GUID we can read."""


class Framed(NamedTuple):
    """The writer schema's id (or GUID, for the newer framing) and the JSON body.

    A named tuple, not a frozen dataclass: it is built per record, and a frozen dataclass sets
    each field through `object.__setattr__`, several times the cost.
    """

    schema_id: int | None
    guid: str | None
    body: bytes

    @property
    def writer(self) -> str:
        """Name the writer schema for messages: `id 7` or `guid 0e5f...`."""
        return f"id {self.schema_id}" if self.schema_id is not None else f"guid {self.guid}"


def unframe(value: object, headers: Headers | None = None) -> Framed:
    """Split a record value into the writer schema's id or GUID and the body, or raise."""
    data = _bytes(value, "a record value")
    header = _header(headers)
    if header is not None:
        schema_id, guid, _ = _prefix(header, "the __value_schema_id header")
        return Framed(schema_id, guid, data)
    schema_id, guid, length = _prefix(data, "the record")
    return Framed(schema_id, guid, data[length:])


def _prefix(data: bytes, where: str) -> tuple[int | None, str | None, int]:
    """Read `0x00 + id` or `0x01 + GUID` from the start of `data`: (id, guid, bytes used)."""
    if not data:
        raise FramingError(f"{where} is empty: no schema id to read")
    if data[0] == _ID_PREFIX and len(data) >= 5:
        return int.from_bytes(data[1:5], "big"), None, 5
    if data[0] == _GUID_PREFIX and len(data) >= 17:
        return None, str(uuid.UUID(bytes=data[1:17])), 17
    if data[0] in (_ID_PREFIX, _GUID_PREFIX):
        raise FramingError(f"{where} ends after {len(data)} bytes, inside its schema id")
    start = data[:1].hex()
    hint = " (JSON without framing?)" if data[:1] in (b"{", b"[", b'"') else ""
    raise FramingError(
        f"{where} starts with byte 0x{start}{hint}; Confluent framing starts with 0x00 and a "
        "4-byte schema id, or 0x01 and a 16-byte GUID"
    )


def replayable(headers: Headers | None) -> Headers | None:
    """Return headers that can be read twice: a one-shot iterator is read into a tuple."""
    if headers is None or isinstance(headers, Mapping | list | tuple):
        return headers
    try:
        return tuple(headers)
    except Exception as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: Exception) -> FramingError:
    why = f"{type(exc).__name__}: {exc}"[:200]
    return FramingError(f"record headers are not (key, bytes) pairs: {why}")


def _header(headers: Headers | None) -> bytes | None:
    """Return the `__value_schema_id` header's value, from a dict or a list of pairs.

    Headers come from the consumer library, lazily decoded or not: whatever reading them
    raises makes the record unreadable, never an exception out of the never-raising API.
    """
    if headers is None:
        return None
    try:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for key, value in pairs:
            if key == SCHEMA_ID_HEADER and value is not None:
                return _bytes(value, "the __value_schema_id header")
    except FramingError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from None
    return None


def _bytes(value: object, what: str) -> bytes:
    """Copy bytes-like `value`; refuse anything else (`bytes(2**62)` would allocate 2**62 bytes)."""
    if not isinstance(value, _BYTES_LIKE):
        raise FramingError(f"{what} is bytes, got {type(value).__name__}")
    try:
        return bytes(value)
    except ValueError as exc:  # a released memoryview
        raise FramingError(f"{what} cannot be read: {exc}") from None
