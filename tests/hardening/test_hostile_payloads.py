"""Issue #12, finding 10: a hostile payload costs bounded messages, linear walks, bounded regexes.

Each case here once cost far more than its size suggests: 60 MiB of error messages for one
20 MiB string, an exponential depth walk for 22 dicts, 40-150 ms of regex backtracking for a
31-character string.
"""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry._runtime.validation import check_payload
from tests.helpers import BACKENDS, RECURSIVE, nested, run_python

HUGE = "a" * (20 * 1024 * 1024)  # 20 MiB
LINE_CHARS = 400  # what one error line may cost, whatever the payload


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- huge values make short messages ---------------------------------------------------------------

# (keyword, schema, payload, what the message must still say about the rule, per backend)
HUGE_CASES: list[tuple[str, dict[str, Any], Any, tuple[str, str]]] = [
    ("maxLength", {"maxLength": 5}, HUGE, ("is longer than 5 characters", "is too long")),
    ("pattern", {"pattern": "^b"}, HUGE, ("does not match", "does not match")),
    ("enum", {"enum": ["x", "y"]}, HUGE, ('is not one of "x", "y"', 'is not one of "x", "y"')),
    ("const", {"const": "x"}, HUGE, ("was expected", "was expected")),
    ("type", {"type": "integer"}, HUGE, ('is not of type "integer"', "is not of type 'integer'")),
    ("format", {"format": "date"}, HUGE, ('is not a "date"', "is not a 'date'")),
    (
        "additionalProperties",
        {"properties": {"x": {}}, "additionalProperties": False},
        {HUGE: 1},
        ("was unexpected", "was unexpected"),
    ),
    (
        "propertyNames",
        {"propertyNames": {"maxLength": 3}},
        {HUGE: 1},
        ("is longer than 3 characters", "is too long"),
    ),
    ("enum of a huge object", {"enum": [1]}, {"k": [HUGE]}, ("is not one of 1", "is not one of 1")),
]


@pytest.mark.parametrize(
    ("keyword", "schema", "payload", "rule"), HUGE_CASES, ids=[c[0] for c in HUGE_CASES]
)
def test_a_huge_invalid_value_makes_a_short_error_that_still_names_the_rule(
    backend: str, keyword: str, schema: dict[str, Any], payload: Any, rule: tuple[str, str]
) -> None:
    valid, errors = PayloadValidator(schema, backend=backend).validate(payload)  # type: ignore[arg-type]

    assert not valid
    assert len(errors) == 1
    assert len(errors[0]) <= LINE_CHARS, f"{len(errors[0]):,} chars"
    assert rule[BACKENDS.index(backend)] in errors[0]
    if "a" * 50 in errors[0]:  # a message quoting the value says it was cut
        assert "chars cut]" in errors[0] or "…" in errors[0]


def test_every_error_of_a_huge_payload_is_short(backend: str) -> None:
    schema = {
        "properties": {
            "s": {"maxLength": 5, "pattern": "^b", "enum": ["x"]},
            "n": {"type": "integer"},
        },
        "additionalProperties": False,
        "required": ["s", "n"],
    }

    valid, errors = PayloadValidator(schema, backend=backend).validate(
        {"s": HUGE, "n": HUGE, HUGE: 1}
    )  # type: ignore[arg-type]

    assert not valid
    assert len(errors) == 5
    assert all(len(error) <= LINE_CHARS for error in errors), [len(e) for e in errors]


def test_a_huge_key_is_cut_in_the_path(backend: str) -> None:
    schema = {"additionalProperties": {"type": "integer"}}

    valid, errors = PayloadValidator(schema, backend=backend).validate({HUGE: "x"})  # type: ignore[arg-type]

    assert not valid
    assert errors[0].startswith("$['aaa")
    assert "chars cut]" in errors[0]
    assert errors[0].endswith('is not of type "integer"') or errors[0].endswith("'integer'")
    assert len(errors[0]) <= LINE_CHARS


def test_a_long_but_ordinary_key_is_not_cut(backend: str) -> None:
    key = "customer_reference_" * 5  # 95 characters
    schema = {"additionalProperties": {"type": "integer"}}

    valid, errors = PayloadValidator(schema, backend=backend).validate({key: "x"})  # type: ignore[arg-type]

    assert not valid
    assert errors[0].startswith(f"$.{key}: ")


def test_a_huge_key_json_cannot_carry_is_cut_too() -> None:
    problem = check_payload({"ok": {HUGE.encode(): 1}}, 256)

    assert problem is not None
    assert problem.startswith("$.ok: key b'aaa")
    assert problem.endswith("(bytes) is not a string, as JSON needs")
    assert len(problem) <= LINE_CHARS


# -- shared subtrees cost their distinct containers, not their paths ------------------------------

EXPANDS = (
    "$: payload expands to more than 1,000,000 values (the same containers are reached along "
    "many paths)"
)


def shared(levels: int, leaf: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return `levels` dicts each holding the next twice: 2**levels paths through `levels` dicts."""
    node: dict[str, Any] = {} if leaf is None else leaf
    for _ in range(levels):
        node = type(node)(l=node, r=node)
    return node


@contextmanager
def counting_items() -> Iterator[Callable[[], int]]:
    """Count calls to a mapping's `items()`: one per container walked, in either walk.

    A count, not a clock: the walk's cost is stated without timing anything.
    """
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "c_call" and getattr(arg, "__name__", "") == "items":
            calls += 1

    sys.setprofile(profile)
    try:
        yield lambda: calls
    finally:
        sys.setprofile(None)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda: shared(14), id="valid"),
        pytest.param(lambda: {"a": shared(14), "z": float("nan")}, id="bad value after it"),
        pytest.param(lambda: {"a": shared(14, OrderedDict()), "z": 1}, id="mapping subclass"),
    ],
)
def test_the_guard_walks_a_shared_subtree_once_per_container(payload: Callable[[], Any]) -> None:
    built = payload()

    with counting_items() as walked:
        check_payload(built, 256)

    # 15 or 16 containers; each of the two walks may see each once (the old walk: 2**15).
    assert walked() <= 2 * 16


def test_a_deep_shared_subtree_gets_its_verdict_at_once(backend: str) -> None:
    """200 levels are 2**200 paths: a walk that follows paths never returns, so run it in a child."""
    script = (
        "from pytest_schema_registry import PayloadValidator\n"
        "from pytest_schema_registry._runtime.validation import check_payload\n"
        "shared = {}\n"
        "for _ in range(200): shared = {'l': shared, 'r': shared}\n"
        f"print(PayloadValidator({{}}, backend={backend!r}).validate(shared))\n"
        "print(check_payload({'a': shared, 'z': float('inf')}, 256))\n"
    )
    result = run_python(script, timeout=60)

    verdict, first_problem = result.stdout.splitlines()
    assert verdict == f"(False, [{EXPANDS!r}])"  # the validators would walk every path
    assert first_problem == "$.z: inf is not a JSON number"


def test_a_shared_subtree_past_the_expansion_limit_is_refused_before_the_validator(
    backend: str,
) -> None:
    """jsonschema-rs took 3.1 s at 16 levels under a recursive schema, jsonschema 21.5 s at 18."""
    validator = PayloadValidator(RECURSIVE, backend=backend)
    started = time.perf_counter()

    verdict = validator.validate(shared(30, {"a": "not an object"}))

    assert verdict == (False, [EXPANDS])
    assert time.perf_counter() - started < 1.0


def test_a_payload_sharing_a_little_is_judged_as_usual(backend: str) -> None:
    point = {"x": 1}
    validator = PayloadValidator(RECURSIVE, backend=backend)

    assert validator.validate({"a": shared(10, {"a": {}})}) == (True, [])
    assert validator.validate({"a": {"a": point}, "b": point}) == (True, [])
    wrong = {"a": 5}
    valid, errors = validator.validate({"a": wrong, "b": wrong})
    assert not valid and errors[0].startswith("$.a.a: 5 is not of type")


@pytest.mark.parametrize("deep_first", [True, False])
def test_a_subtree_shared_shallow_and_deep_is_too_deep(deep_first: bool) -> None:
    """A container first walked near the top must be walked again when it also hangs deep down."""
    subtree = nested(200)
    deep = nested(100)
    bottom = deep
    while bottom.get("a"):
        bottom = bottom["a"]
    bottom["a"] = subtree
    payload = {"deep": deep, "top": subtree} if deep_first else {"top": subtree, "deep": deep}

    problem = check_payload(payload, 256)

    assert problem == "$.deep.a.a.a.a.a.a.a...: payload nests deeper than 256 levels"


def cycles() -> list[tuple[str, Any]]:
    itself: dict[str, Any] = {}
    itself["me"] = itself
    in_list: list[Any] = []
    in_list.append(in_list)
    first: dict[str, Any] = {}
    second = {"back": first}
    first["next"] = [second]
    return [("dict", itself), ("list", in_list), ("through two", {"start": first})]


@pytest.mark.parametrize(("case", "payload"), cycles(), ids=[case for case, _ in cycles()])
def test_a_cycle_is_still_too_deep(backend: str, case: str, payload: Any) -> None:
    valid, errors = PayloadValidator({}, backend=backend).validate(payload)

    assert not valid
    assert errors[0].endswith("...: payload nests deeper than 256 levels")


# -- a backtracking pattern gives up early, with a clear verdict -----------------------------------

# Lookaround and backreferences need fancy-regex's backtracking engine: exponential here.
HOSTILE_PATTERNS = [r"^((?=a)a+)+$", r"^(\w+(?!x))+$", r"^(?:(a+)\1?)+$", r"^(a+(?=a|$))+$"]


@pytest.mark.parametrize("pattern", HOSTILE_PATTERNS)
@pytest.mark.parametrize("length", [17, 30])
def test_a_backtracking_pattern_gives_up_early_with_a_clear_error(
    pattern: str, length: int
) -> None:
    # 17: under jsonschema-rs's default limit (1,000,000 steps) this ran to "does not match",
    # taking tens of milliseconds; 30: it hit the default and said "Error executing regex".
    validator = PayloadValidator({"properties": {"s": {"type": "string", "pattern": pattern}}})
    value = "a" * length + "!"

    valid, errors = validator.validate({"s": value})

    assert not valid
    assert errors == [
        f'$.s: "{value}" could not be checked against pattern: the regex needs more than '
        "50,000 backtracking steps, so the value is rejected"
    ]


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (r"^(?=.*[A-Z])(?=.*\d).{8,}$", "a" * 20_000 + "A1", "a" * 20_000 + "1"),
        (r"^(?:(?!\s).)+$", "x" * 20_000, "x" * 20_000 + " "),
        (r"^(\w+)(?:,\1)*$", ",".join(["abc"] * 5_000), ",".join(["abc"] * 5_000) + ",abd"),
    ],
    ids=["lookaheads", "negative lookahead per char", "backreference"],
)
def test_lookaround_patterns_still_answer_on_long_ordinary_strings(
    pattern: str, good: str, bad: str
) -> None:
    validator = PayloadValidator({"pattern": pattern})

    assert validator.validate(good) == (True, [])
    valid, errors = validator.validate(bad)
    assert not valid
    assert errors[0].endswith(f'does not match "{pattern}"')
