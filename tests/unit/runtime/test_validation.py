"""PayloadValidator: verdicts, readable errors, and no payload that can crash or escape it.

Every verdict case runs through both backends (jsonschema-rs and the pure-Python jsonschema),
which must agree.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import PayloadValidator, SchemaCompileError
from pytest_schema_registry._runtime.validation import check_payload, format_path
from tests.helpers import BACKENDS, EXAMPLES, RECURSIVE, V1_EVENT, nested, run_python

FEEDBACK_V1 = json.loads((EXAMPLES / "v1/telemetry.FeedbackEvent/1.1.2.json").read_text())
FEEDBACK_V2 = json.loads((EXAMPLES / "v2/telemetry.FeedbackEvent/2.0.0.json").read_text())
HEALTH_V1 = json.loads((EXAMPLES / "v1/telemetry.HealthStatus/1.0.0.json").read_text())
EVENT = V1_EVENT


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- verdicts, identical across backends -----------------------------------------------------------

CASES: list[tuple[str, dict[str, Any], Any, bool]] = [
    ("feedback valid", FEEDBACK_V1, EVENT, True),
    (
        "feedback extra keys (open model)",
        FEEDBACK_V1,
        {**EVENT, "reason": "queue_high_watermark"},
        True,
    ),
    ("feedback source default not required", FEEDBACK_V1, {**EVENT, "source": "store"}, True),
    ("feedback missing ts", FEEDBACK_V1, {k: v for k, v in EVENT.items() if k != "ts"}, False),
    ("feedback level not in enum", FEEDBACK_V1, {**EVENT, "level": "meh"}, False),
    ("feedback queue_size negative", FEEDBACK_V1, {**EVENT, "queue_size": -1}, False),
    ("feedback capacity zero (exclusive)", FEEDBACK_V1, {**EVENT, "capacity": 0}, False),
    ("feedback queue_size float", FEEDBACK_V1, {**EVENT, "queue_size": 1.5}, False),
    ("feedback integral float is integer", FEEDBACK_V1, {**EVENT, "queue_size": 2.0}, True),
    ("feedback bool is not integer", FEEDBACK_V1, {**EVENT, "queue_size": True}, False),
    ("feedback not an object", FEEDBACK_V1, [EVENT], False),
    ("v2 needs schema_version", FEEDBACK_V2, EVENT, False),
    ("v2 valid", FEEDBACK_V2, {**EVENT, "schema_version": "2.0.1", "reason": "x"}, True),
    ("v2 pattern is ascii digits only", FEEDBACK_V2, {**EVENT, "schema_version": "2.٣.0"}, False),
    ("v2 empty reason", FEEDBACK_V2, {**EVENT, "schema_version": "2.0.0", "reason": ""}, False),
    (
        "health components",
        HEALTH_V1,
        {
            "service": "s",
            "state": "healthy",
            "version": "1",
            "ts": 1,
            "components": [{"name": "db", "state": "degraded"}],
        },
        True,
    ),
    (
        "health bad component",
        HEALTH_V1,
        {
            "service": "s",
            "state": "healthy",
            "version": "1",
            "ts": 1,
            "components": [{"name": "db"}],
        },
        False,
    ),
    ("format email", {"format": "email"}, "someone@example.com", True),
    ("format email bad", {"format": "email"}, "nobody", False),
    ("format ipv4 bad", {"format": "ipv4"}, "999.1.1.1", False),
    ("format ipv6", {"format": "ipv6"}, "::1", True),
    ("format date bad", {"format": "date"}, "2026-13-40", False),
    ("format on non-string ignored", {"format": "email"}, 42, True),
    (
        "metadata keys ignored",
        {
            "$schema_id": "x",
            "$core_version": "1",
            "$track": "v1",
            "x-deprecated": True,
            "type": "string",
        },
        "s",
        True,
    ),
    ("draft 7 if/then", {"if": {"type": "integer"}, "then": {"minimum": 5}}, 3, False),
    ("draft 7 dependencies", {"dependencies": {"a": ["b"]}}, {"a": 1}, False),
    (
        "local ref through definitions",
        {"definitions": {"n": {"type": "number"}}, "$ref": "#/definitions/n"},
        "x",
        False,
    ),
    (
        "draft 4 exclusiveMaximum boolean",
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "maximum": 5,
            "exclusiveMaximum": True,
        },
        5,
        False,
    ),
    (
        "2020-12 prefixItems",
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "prefixItems": [{"type": "string"}],
        },
        [1],
        False,
    ),
]


@pytest.mark.parametrize(
    ("schema", "payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_both_backends_agree_on_every_verdict(
    schema: dict[str, Any], payload: Any, expected: bool
) -> None:
    verdicts = {b: PayloadValidator(schema, backend=b).validate(payload)[0] for b in BACKENDS}  # type: ignore[arg-type]

    assert verdicts == dict.fromkeys(BACKENDS, expected)


@pytest.mark.parametrize(
    ("schema", "payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_both_backends_point_at_the_same_places(
    schema: dict[str, Any], payload: Any, expected: bool
) -> None:
    paths = {
        b: sorted(
            e.split(": ", 1)[0] for e in PayloadValidator(schema, backend=b).validate(payload)[1]
        )  # type: ignore[arg-type]
        for b in BACKENDS
    }

    assert paths["jsonschema-rs"] == paths["jsonschema"]


# -- error messages --------------------------------------------------------------------------------


def test_every_error_is_reported_with_its_path_in_a_stable_order(backend: str) -> None:
    validator = PayloadValidator(FEEDBACK_V1, backend=backend)  # type: ignore[arg-type]
    payload = {"coordinator_id": 7, "queue_size": -1, "capacity": 0, "level": "meh"}

    valid, errors = validator.validate(payload)

    assert not valid
    assert [e.split(":", 1)[0] for e in errors] == [
        "$",
        "$.capacity",
        "$.coordinator_id",
        "$.level",
        "$.queue_size",
    ]
    assert "'ts' is a required property" in errors[0] or '"ts" is a required property' in errors[0]
    assert validator.validate(payload) == (valid, errors)


def test_nested_paths_use_indices_and_quoted_odd_keys() -> None:
    schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"odd key": {"type": "string"}}},
            }
        },
    }

    _, errors = PayloadValidator(schema).validate({"items": [{}, {"odd key": 1}]})

    assert errors == ["$.items[1]['odd key']: 1 is not of type \"string\""]


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    validator = PayloadValidator({"type": "array", "items": {"type": "string"}}, max_errors=3)

    _, errors = validator.validate(list(range(10)))

    assert errors[:3] == [
        '$[0]: 0 is not of type "string"',
        '$[1]: 1 is not of type "string"',
        '$[2]: 2 is not of type "string"',
    ]
    assert errors[3:] == ["... and 7 more"]


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ((), "$"),
        (("a", 0, "b"), "$.a[0].b"),
        (("a-b",), "$['a-b']"),
        (("0",), "$['0']"),
        (("_x1",), "$._x1"),
        (("it's",), '$["it\'s"]'),
    ],
)
def test_format_path(path: tuple[str | int, ...], rendered: str) -> None:
    assert format_path(path) == rendered


# -- payloads that must not crash or slip through --------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"ts": float("nan")}, "$.ts: nan is not a JSON number"),
        ({"ts": math.inf}, "$.ts: inf is not a JSON number"),
        ([1, [-math.inf]], "$[1][0]: -inf is not a JSON number"),
        (float("nan"), "$: nan is not a JSON number"),
        ({"reason": b"bytes"}, "$.reason: bytes is not a JSON value"),
        ({"tags": {"a", "b"}}, "$.tags: set is not a JSON value"),
        ({"at": datetime.datetime(2026, 1, 1)}, "$.at: datetime is not a JSON value"),
        ({"amount": Decimal("1.5")}, "$.amount: Decimal is not a JSON value"),
        ({1: "x"}, "$: key 1 (int) is not a string, as JSON needs"),
        ({"a": [{None: 1}]}, "$.a[0]: key None (NoneType) is not a string, as JSON needs"),
        (object(), "$: object is not a JSON value"),
        # A flat event is answered by a shorter loop than the full walk: each of these hides
        # its one bad value among good ones, in a dict or a list of dicts.
        ({"a": 1.5, "b": "x", "c": -math.inf, "d": 2.5}, "$.c: -inf is not a JSON number"),
        ({"a": math.inf, "b": -math.inf}, "$.a: inf is not a JSON number"),
        ([{"q": 1}, {"q": 1.0, "ts": float("nan")}], "$[1].ts: nan is not a JSON number"),
        ([0.5, "x", float("nan"), None], "$[2]: nan is not a JSON number"),
        ({"a": 1, "b": True, "c": None, "d": b"x"}, "$.d: bytes is not a JSON value"),
    ],
)
def test_values_json_cannot_carry_are_invalid_with_their_location(
    backend: str, payload: Any, message: str
) -> None:
    # An empty schema accepts every JSON value: only the payload guard can say no.
    assert PayloadValidator({}, backend=backend).validate(payload) == (False, [message])  # type: ignore[arg-type]


def test_integers_too_long_for_decimal_text_are_refused_not_misjudged(backend: str) -> None:
    """jsonschema-rs reads big integers through str(), refused past 4,300 digits: it then let
    -(10**5000) pass `minimum: 0`. Such a number is now refused before it gets there."""
    validator = PayloadValidator({"minimum": 0}, backend=backend)  # type: ignore[arg-type]

    assert not validator.validate(-(10**4299))[0]  # 4,300 digits: still read, still judged
    assert validator.validate({"n": [1, -(10**5000)]}) == (
        False,
        ["$.n[1]: an integer of more than 4,300 digits, past what is checked"],
    )
    assert validator.validate(10**4299) == (True, [])


def test_the_digit_limit_followed_is_the_interpreters(backend: str) -> None:
    """Lowered (or lifted) at run time, the limit moves what jsonschema-rs can read: so does
    the guard. Comparisons run as int's own: a subclass's operators are never called."""

    class Touchy(int):
        def __lt__(self, other: object) -> bool:
            raise ZeroDivisionError

        __gt__ = __lt__

    validator = PayloadValidator({"minimum": 0}, backend=backend)  # type: ignore[arg-type]
    limit = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(1_000)
        assert validator.validate({"n": -(10**2000)}) == (
            False,
            ["$.n: an integer of more than 1,000 digits, past what is checked"],
        )
        sys.set_int_max_str_digits(0)  # no limit: jsonschema-rs reads any integer
        assert not validator.validate(-(10**5000))[0]
    finally:
        sys.set_int_max_str_digits(limit)
    assert PayloadValidator({}).validate({"a": Touchy(5)}) == (True, [])


def test_floats_near_the_largest_double_are_json(backend: str) -> None:
    """Values near the largest double are JSON: the guard's number bounds must let them by."""
    payload = {"a": 1.7e308, "b": 1.7e308, "c": [1.7e308, 1.7e308, "x"]}

    assert PayloadValidator({}, backend=backend).validate(payload) == (True, [])  # type: ignore[arg-type]


def test_subclasses_of_json_types_are_json() -> None:
    import enum
    from collections import OrderedDict

    class Level(enum.StrEnum):
        OK = "ok"

    payload = OrderedDict(coordinator_id="c", queue_size=1, capacity=2, level=Level.OK, ts=1.0)

    assert PayloadValidator(FEEDBACK_V1).validate(payload) == (True, [])
    assert PayloadValidator({"type": "array"}).validate((1, 2)) == (True, [])


@pytest.mark.parametrize("depth", [257, 1000, 100_000])
def test_deep_payloads_are_invalid_not_a_crash(backend: str, depth: int) -> None:
    valid, errors = PayloadValidator(RECURSIVE, backend=backend).validate(nested(depth))  # type: ignore[arg-type]

    assert not valid
    assert errors == ["$.a.a.a.a.a.a.a.a...: payload nests deeper than 256 levels"]


def test_depth_limit_is_inclusive_and_configurable() -> None:
    assert check_payload(nested(256), 256) is None
    assert check_payload(nested(257), 256) is not None
    assert check_payload([[[]]], 3) is None
    assert check_payload([[[[]]]], 3) == "$[0][0][0]: payload nests deeper than 3 levels"
    assert PayloadValidator({}, max_depth=2).validate({"a": {"b": {}}})[0] is False


def test_a_deep_payload_cannot_crash_the_process() -> None:
    """The raw validator segfaults here; run in a child so a regression cannot kill the suite."""
    script = (
        "from pytest_schema_registry import PayloadValidator\n"
        "from tests.helpers import RECURSIVE, nested\n"
        "print(PayloadValidator(RECURSIVE).validate(nested(100_000))[0])\n"
    )
    result = run_python(script)

    assert (result.returncode, result.stdout.strip()) == (0, "False"), result.stderr


def test_a_5mb_payload_gets_a_verdict(backend: str) -> None:
    schema = {
        "type": "object",
        "properties": {"events": {"type": "array", "items": FEEDBACK_V1}},
        "definitions": FEEDBACK_V1.get("definitions", {}),
        "$defs": FEEDBACK_V1["$defs"],
    }
    payload = {"events": [dict(EVENT, coordinator_id="c" * 64) for _ in range(40_000)]}
    payload["events"][-1] = {**EVENT, "level": "meh"}
    assert len(json.dumps(payload)) > 5_000_000

    valid, errors = PayloadValidator(schema, backend=backend).validate(payload)  # type: ignore[arg-type]

    assert not valid
    assert len(errors) == 1 and errors[0].startswith("$.events[39999].level:")


# -- schemas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$schema": "http://example.com/my-dialect"}, "names no dialect we support"),
        ({"type": "string", "pattern": "(unclosed"}, "schema does not compile"),
        ({"type": 12}, "schema does not compile"),
        ([], "a schema must be a JSON object, got list"),
    ],
)
def test_broken_schemas_raise_a_compile_error(backend: str, schema: Any, message: str) -> None:
    with pytest.raises(SchemaCompileError, match=message):
        PayloadValidator(schema, backend=backend)  # type: ignore[arg-type]


def test_remote_and_file_references_are_never_fetched(tmp_path: Path) -> None:
    target = tmp_path / "other.json"
    target.write_text('{"type": "string"}')
    file_ref = {"$ref": target.as_uri()}
    remote_ref = {"$ref": "http://127.0.0.1:9/never.json"}

    for schema in (file_ref, remote_ref):
        with pytest.raises(SchemaCompileError, match=r"[Rr]etriev"):
            PayloadValidator(schema)
    python = PayloadValidator(file_ref, backend="jsonschema")
    valid, errors = python.validate(42)
    assert not valid and "unresolvable reference" in errors[0]


def test_an_enum_violation_lists_the_allowed_values(backend: str) -> None:
    """jsonschema-rs named two values and 'N other candidates': the one a producer needed hid."""
    schema = {
        "properties": {
            "level": {"enum": ["ok", "soft", "hard", "critical"]},
            "code": {"enum": list(range(13))},
            "blob": {"enum": ["x" * 100]},
        }
    }

    valid, errors = PayloadValidator(schema, backend=backend).validate(  # type: ignore[arg-type]
        {"level": "panic", "code": 99, "blob": "y"}
    )

    assert not valid
    assert errors == [
        '$.blob: "y" is not one of "' + "x" * 58 + "…",
        "$.code: 99 is not one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 3 more",
        '$.level: "panic" is not one of "ok", "soft", "hard", "critical"',
    ]
