"""The bytes fast path: what the decoder guarantees, so that skipping the payload guard is safe.

`decode_json` hands the validator values the guard is skipped for. Each promise the guard kept
for Python values is proved here for decoded ones: only JSON's types, no `NaN` or infinities,
integers exact at any size (a float would change `multipleOf`, `const` and bound verdicts),
duplicate keys as the standard library reads them, nesting within `max_depth`, text that is
Unicode. Verdicts are compared with `validate_payload` on the standard library's value, through
the fast decoder and through the standard-library fallback (an interpreter without msgspec).
"""

from __future__ import annotations

import json
import math
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_schema_registry import SchemaManager, ValidationGate
from pytest_schema_registry._core.errors import MalformedRecordError
from pytest_schema_registry._runtime import records, validation
from pytest_schema_registry._runtime.records import decode_json
from pytest_schema_registry._runtime.validation import PayloadValidator
from pytest_schema_registry.strategies import coverage_invalid_payloads, coverage_payloads
from tests.helpers import FEEDBACK, V2_EVENT, ManagerFactory, nested

BIG_INTEGERS = [2**64, -(2**63) - 1, 2**70, 10**400, -(10**300) - 1]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(params=["msgspec", "stdlib"])
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through msgspec and through the fallback an interpreter without it takes."""
    if request.param == "stdlib":
        monkeypatch.setattr(records, "strict_decode", records._decode_standard)
    return str(request.param)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 != 1.0 here) and the same zero signs."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ensure_ascii=st.booleans(), indent=st.sampled_from([None, 0, 2]))
def test_the_fast_decoder_reads_what_the_standard_library_reads(
    value: Any, ensure_ascii: bool, indent: int | None
) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)

    for data in (text, text.encode()):
        decoded, checked = decode_json(data)
        assert same(decoded, json.loads(text))
        assert checked  # hypothesis's values nest far less than 256 levels


@pytest.mark.parametrize("number", BIG_INTEGERS, ids=str)
def test_integers_stay_exact_at_any_size(number: int) -> None:
    decoded, checked = decode_json(f'{{"n": {number}}}'.encode())

    assert checked and type(decoded["n"]) is int and decoded["n"] == number


@pytest.mark.parametrize(
    ("schema", "number", "valid"),
    [
        ({"multipleOf": 2}, -(2**63) - 1, False),  # odd; as a double it would be even
        ({"const": 2**70 + 1}, 2**70, False),  # the same double as 2**70 + 1
        ({"maximum": 2**64}, 2**64 + 1, False),  # rounds down to the bound as a double
        ({"type": "integer", "minimum": 10**400}, 10**400, True),  # a double would overflow
    ],
)
def test_big_integer_verdicts_match_the_exact_value(
    schema: dict[str, Any], number: int, valid: bool, decoder: str
) -> None:
    validator = PayloadValidator(schema)
    value, _ = decode_json(str(number).encode())

    assert validator.validate(number)[0] is valid
    assert validator.validate(value) == validator.validate(number)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"ts": NaN}', "payload is not JSON: NaN is not a JSON value"),
        (b'{"ts": Infinity}', "payload is not JSON: Infinity is not a JSON value"),
        (b"[-Infinity]", "payload is not JSON: -Infinity is not a JSON value"),
        (b'{"ts": 1e999}', "payload is not JSON: $.ts: a number beyond a double's range"),
        (b"[0, -1e400]", "payload is not JSON: $[1]: a number beyond a double's range"),
        (b'{"id": "\\ud800"}', "payload is not JSON: $.id: a string holding a lone surrogate"),
        (b'["\\udc00x"]', "payload is not JSON: $[0]: a string holding a lone surrogate"),
        ('{"id": "\ud800"}', "payload is not JSON: $.id: a string holding a lone surrogate"),
        (b'{"id": "\xff\xfe"}', "payload is not UTF-8: byte 8"),
        (b'{"id": "\xed\xa0\x80"}', "payload is not UTF-8: byte 8"),  # an encoded surrogate
        (b"\xef\xbb\xbf{}", "payload is not JSON: Unexpected UTF-8 BOM"),
        (b'{"a": 1} {"b": 2}', "payload is not JSON: Extra data: line 1 column 10 (char 9)"),
        (b"[" * 100_000, "payload is nested too deep"),
        (b'{"\\ud800": 1}', "payload is not JSON: $['\\ud800']: a key holding a lone surrogate"),
        (b"", "payload is not JSON: Expecting value: line 1 column 1 (char 0)"),
    ],
)
def test_what_json_has_no_room_for_is_refused_with_where(
    data: bytes | str, reason: str, decoder: str
) -> None:
    with pytest.raises(MalformedRecordError) as raised:
        decode_json(data)

    assert str(raised.value).startswith(reason)


def test_duplicate_keys_keep_the_last_value_as_the_standard_library_does(decoder: str) -> None:
    data = b'{"level": "ok", "level": "panic"}'

    assert decode_json(data)[0] == json.loads(data) == {"level": "panic"}


@pytest.mark.parametrize("depth", [3, 4, 255, 256, 257, 300])
def test_nesting_beyond_max_depth_is_never_vouched_for(depth: int, decoder: str) -> None:
    """Past `max_depth` the guard must run, so the verdict names the depth as for a dict."""
    data = json.dumps(nested(depth)).encode()
    value, checked = decode_json(data, max_depth=256)

    assert value == nested(depth)
    if depth > 256:
        assert not checked
    else:
        assert checked
    # Long but shallow text is vouched for too: the bracket count bounds the depth.
    assert decode_json(json.dumps({"events": [V2_EVENT] * 200}).encode())[1]


def test_decoded_values_go_around_the_guard_and_python_values_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path skips the guard; a value from Python code never does."""
    validator = PayloadValidator({"type": "object"})
    guarded: list[Any] = []

    def guard(payload: Any, max_depth: int) -> str | None:
        guarded.append(payload)
        return None

    monkeypatch.setattr(validation, "check_payload", guard)
    value, checked = decode_json(json.dumps(V2_EVENT).encode())

    assert checked and validator.validate_decoded(value) == (True, [])
    assert guarded == []
    assert validator.validate(V2_EVENT) == (True, [])
    assert guarded == [V2_EVENT]


@pytest.mark.anyio
async def test_every_coverage_case_gets_the_same_verdict_as_bytes_and_as_a_dict(
    make_manager: ManagerFactory, decoder: str
) -> None:
    manager = make_manager()
    schema = (await manager.get_schema(FEEDBACK)).content
    values = [case.value for case in coverage_payloads(schema)]
    values += [case.value for case in coverage_invalid_payloads(schema)]
    assert len(values) > 20

    for value in values:
        expected = await manager.validate_payload(FEEDBACK, value)
        assert await manager.validate_json(FEEDBACK, json.dumps(value).encode()) == expected


@pytest.mark.anyio
async def test_a_small_max_depth_holds_on_the_bytes_path(
    make_manager: ManagerFactory, decoder: str
) -> None:
    """`max_depth=3`: four levels are refused with the guard's words, bytes or dict alike."""
    manager: SchemaManager = make_manager(max_depth=3)
    deep = {**V2_EVENT, "extra": {"a": {"b": {}}}}

    expected = await manager.validate_payload(FEEDBACK, deep)
    assert expected == (False, ["$.extra.a.b: payload nests deeper than 3 levels"])
    assert await manager.validate_json(FEEDBACK, json.dumps(deep).encode()) == expected
    gate = ValidationGate(manager)
    result = await gate.check_json(json.dumps(deep), schema=FEEDBACK)
    assert result.errors == tuple(expected[1])


def test_a_refusal_costs_memory_by_depth_not_by_width(decoder: str) -> None:
    """Hostile bytes reach the slow explanation: 800 levels around 100,000 items stay cheap.

    Before, the walk queued every child with its own copy of the path: this input took
    hundreds of MiB and seconds; the message named all 800 levels.
    """
    data = b"[" * 800 + b'["\\ud800"' + b",0" * 100_000 + b"]" + b"]" * 800
    tracemalloc.start()
    try:
        with pytest.raises(MalformedRecordError) as raised:
            decode_json(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert str(raised.value) == (
        "payload is not JSON: $[0][0][0][0][0][0][0][0]...: a string holding a lone surrogate, "
        "not Unicode text"
    )


@pytest.mark.anyio
async def test_a_memoryview_of_any_shape_is_read_as_its_bytes(
    make_manager: ManagerFactory,
) -> None:
    """len() of a 2-D or cast view counts items, not bytes: depth must come from the bytes."""
    manager = make_manager(max_depth=3)
    deep = {**V2_EVENT, "extra": {"a": {"b": {"c": {}}}}}
    data = json.dumps(deep).encode()
    data += b" " * (-len(data) % 8)  # whitespace: the same JSON, cast-able to 8-byte items

    expected = await manager.validate_payload(FEEDBACK, deep)
    assert not expected[0]
    for view in (memoryview(data).cast("B", shape=[2, len(data) // 2]), memoryview(data).cast("Q")):
        assert await manager.validate_json(FEEDBACK, view) == expected  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_released_view_is_unreadable_not_an_exception(make_manager: ManagerFactory) -> None:
    """Its bytes are gone: the answer says so, and the gate dead-letters what is left of it."""
    released = memoryview(b"{}")
    released.release()
    manager = make_manager()

    with pytest.raises(MalformedRecordError, match="the memoryview was released"):
        decode_json(released)
    assert await manager.validate_json(FEEDBACK, released) == (  # type: ignore[arg-type]
        False,
        ["payload cannot be read: the memoryview was released"],
    )
    result = await ValidationGate(manager).check_json(released)  # type: ignore[arg-type]
    assert result.errors == ("message cannot be read: the memoryview was released",)
