"""Confluent's record framing read off raw bytes: every shape a broker can deliver."""

from __future__ import annotations

import re
import uuid

import pytest

from pytest_schema_registry import MalformedRecordError
from pytest_schema_registry._runtime.framing import FramingError, unframe
from pytest_schema_registry._runtime.records import read_record

GUID = uuid.UUID("0e5f1c2a-3b4d-5e6f-8a9b-0c1d2e3f4a5b")
BODY = b'{"level": "ok"}'


def test_the_classic_prefix_carries_a_four_byte_big_endian_id() -> None:
    framed = unframe(b"\x00" + (300).to_bytes(4, "big") + BODY)

    assert (framed.schema_id, framed.guid, framed.body) == (300, None, BODY)
    assert unframe(b"\x00\xff\xff\xff\xff{}").schema_id == 2**32 - 1  # unsigned, as written


def test_a_guid_in_the_prefix_or_in_the_header_names_the_writer() -> None:
    in_value = unframe(b"\x01" + GUID.bytes + BODY)
    in_header_pairs = unframe(BODY, [("other", b"x"), ("__value_schema_id", b"\x01" + GUID.bytes)])
    in_header_dict = unframe(BODY, {"__value_schema_id": b"\x01" + GUID.bytes})
    id_in_header = unframe(BODY, {"__value_schema_id": b"\x00\x00\x00\x00\x07"})

    assert in_value.guid == in_header_pairs.guid == in_header_dict.guid == str(GUID)
    assert in_header_pairs.body == in_header_dict.body == BODY  # a header leaves the value bare
    assert (id_in_header.schema_id, id_in_header.body) == (7, BODY)


@pytest.mark.parametrize(
    ("value", "headers", "said"),
    [
        (BODY, None, "starts with byte 0x7b (JSON without framing?)"),
        (b"", None, "empty"),
        (b"\x00\x00\x01", None, "ends after 3 bytes"),
        (b"\x01" + GUID.bytes[:5], None, "ends after 6 bytes"),
        (b"\x05abc", None, "starts with byte 0x05"),
        ("a str", None, "is bytes, got str"),
        (BODY, {"__value_schema_id": b"\x09"}, "header starts with byte 0x09"),
        (BODY, [("__value_schema_id",)], "not (key, bytes) pairs"),
    ],
)
def test_anything_else_is_a_framing_error_saying_what_came(
    value: object, headers: object, said: str
) -> None:
    with pytest.raises(FramingError, match=re.escape(said)):
        unframe(value, headers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{nope", "not JSON"),
        (b'{"x": NaN}', "NaN is not a JSON value"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deep"),
    ],
)
def test_a_framed_body_that_is_not_json_is_a_record_error(body: bytes, said: str) -> None:
    with pytest.raises(MalformedRecordError, match=said):
        read_record(b"\x00\x00\x00\x00\x07" + body, None, 256)


def test_a_readable_record_gives_its_writer_key_and_payload() -> None:
    key, payload, checked = read_record(b"\x00\x00\x00\x00\x07" + BODY, None, 256)

    assert key == ("id:7", "", None) and payload == {"level": "ok"} and checked
    assert read_record(b"\x01" + GUID.bytes + b"1", None, 256)[0] == (f"guid:{GUID}", "", None)
