"""Properties of every verdict, over generated schema pairs: a break is a fact, compatible survives search.

* Every `False` verdict's counterexamples are valid under the writer's schema and invalid under
  the reader's, under both validator backends.
* Every `True` verdict survives a bounded search: no value drawn from the writer's schema is
  rejected by the reader's.
* `None` always says why.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from pytest_schema_registry import PayloadValidator, UnsupportedSchemaError
from pytest_schema_registry._compat.engine import evaluate
from pytest_schema_registry.strategies import from_schema
from tests.helpers import BACKENDS

NAMES = ("id", "level", "ts", "tags")

leaves = st.one_of(
    st.just({}),
    st.just({"type": "string"}),
    st.integers(0, 4).map(lambda n: {"type": "string", "maxLength": n}),
    st.integers(0, 2).map(lambda n: {"type": "string", "minLength": n}),
    st.just({"type": "string", "pattern": "^[a-c]+$"}),
    st.integers(-2, 2).map(lambda n: {"type": "integer", "minimum": n}),
    st.integers(-2, 2).map(lambda n: {"type": "number", "exclusiveMaximum": n}),
    st.sampled_from([0.5, 1, 1.5, 3]).map(lambda m: {"type": "number", "multipleOf": m}),
    st.lists(
        st.sampled_from(["soft", "hard", 1, None, True]), min_size=1, max_size=3, unique=True
    ).map(lambda values: {"enum": values}),
    st.sampled_from(["integer", "number", "null", "boolean"]).map(
        lambda t: {"type": ["string", t]}
    ),
    st.integers(0, 2).map(lambda n: {"type": "array", "items": {"type": "integer"}, "maxItems": n}),
)


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    properties = draw(st.dictionaries(st.sampled_from(NAMES), leaves, max_size=3))
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True))
    if required:
        schema["required"] = required
    closed = draw(st.sampled_from([None, False, {"type": "string"}]))
    if closed is not None:
        schema["additionalProperties"] = closed
    return schema


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Any, Any]:
    old = draw(objects())
    if draw(st.booleans()):
        return old, draw(objects())  # unrelated versions: mostly breaking
    new = json.loads(json.dumps(old))  # one property changed: the usual evolution step
    name = draw(st.sampled_from(NAMES))
    if draw(st.booleans()):
        new["properties"][name] = draw(leaves)
    else:
        new["properties"].pop(name, None)
    return old, new


def assert_breaks(payload: Any, writer: Any, reader: Any) -> None:
    for backend in BACKENDS:
        assert PayloadValidator(writer, backend=backend).is_valid(payload), (
            backend,
            payload,
            writer,
        )
        assert not PayloadValidator(reader, backend=backend).is_valid(payload), (
            backend,
            payload,
            reader,
        )


def assert_no_break_found(writer: Any, reader: Any) -> None:
    validator = PayloadValidator(reader)
    try:
        strategy = from_schema(writer)
        found = find(
            strategy,
            lambda value: not validator.is_valid(value),
            settings=settings(max_examples=150, database=None, derandomize=True, deadline=None),
        )
    except (NoSuchExample, UnsupportedSchemaError):
        return
    pytest.fail(f"said compatible, but {json.dumps(found)} breaks it:\n{writer}\n{reader}")


# One test per direction, so xdist runs them side by side (each check can take seconds).
@pytest.mark.parametrize("level", ["BACKWARD", "FORWARD"])
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(pair=pairs())
def test_every_verdict_is_a_fact(pair: tuple[Any, Any], level: str) -> None:
    old, new = pair
    verdict = evaluate(
        [old],
        new,
        level=level,
        rules="semantic",
        policy="STRICT",
        deadline=time.monotonic() + 3,  # type: ignore[arg-type]
    )
    writer, reader = (old, new) if level == "BACKWARD" else (new, old)

    if verdict.compatible is True:
        assert verdict.problems == ()
        assert_no_break_found(writer, reader)
    elif verdict.compatible is False:
        assert verdict.problems, str(verdict)
        for problem in verdict.problems:
            assert problem.proven, str(verdict)
            assert_breaks(problem.counterexample, writer, reader)
    else:
        assert verdict.reason, str(verdict)
