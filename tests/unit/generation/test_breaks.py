"""Single-constraint breaks: each labelled for a reader, each one the validator rejects."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry._generation.breaks import Breaker, Mutation, apply, where

FEEDBACK: dict[str, Any] = {
    "type": "object",
    "required": ["coordinator_id", "queue_size", "capacity", "level", "ts"],
    "properties": {
        "coordinator_id": {"type": "string", "minLength": 1},
        "queue_size": {"type": "integer", "minimum": 0},
        "capacity": {"type": "integer", "exclusiveMinimum": 0},
        "level": {"$ref": "#/$defs/BackpressureLevel"},
        "ts": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": True},
    },
    "$defs": {"BackpressureLevel": {"type": "string", "enum": ["ok", "soft", "hard"]}},
}
VALID = {
    "coordinator_id": "c-1",
    "queue_size": 3,
    "capacity": 10,
    "level": "ok",
    "ts": 1.5,
    "tags": ["a"],
}


def test_where_reads_like_a_path() -> None:
    assert where(()) == "$"
    assert where(("level",)) == "level"
    assert where(("components", 0, "state")) == "components[0].state"


def test_apply_copies_deeply_and_deletes_or_replaces() -> None:
    value = {"a": {"b": [1, 2]}, "c": 3}
    before = copy.deepcopy(value)

    replaced = apply(value, Mutation(("a", "b", 1), "x", "r"))
    whole = apply(value, Mutation((), None, "r"))

    assert replaced == {"a": {"b": [1, "x"]}, "c": 3}
    assert whole is None
    assert value == before


def test_the_breaker_labels_every_constraint_a_reader_would_name() -> None:
    labels = {m.reason for m in Breaker(FEEDBACK).breaks(FEEDBACK, VALID, (), 0)}

    assert {
        "missing required 'ts'",
        "missing required 'level'",
        "'level' not in enum",
        "'queue_size' below minimum 0",
        "'capacity' below exclusive minimum 0",
        "'coordinator_id' too short",
        "'tags' has duplicate items",
        "'tags' has more than 2 items",
        "'tags[0]' has the wrong type (expected string)",
    } <= labels


def test_every_break_is_rejected_by_the_validator() -> None:
    validator = PayloadValidator(FEEDBACK)
    assert validator.is_valid(VALID)

    mutations = Breaker(FEEDBACK).breaks(FEEDBACK, VALID, (), 0)

    assert len(mutations) >= 9
    for mutation in mutations:
        assert not validator.is_valid(apply(VALID, mutation)), mutation.reason


@pytest.mark.parametrize("combinator", ["anyOf", "oneOf"])
def test_a_combinator_at_the_root_is_broken_by_swapping_the_whole_value(combinator: str) -> None:
    schema = {combinator: [{"type": "string"}, {"type": "integer"}]}

    mutations = Breaker(schema).breaks(schema, "text", (), 0)
    rejected = [m for m in mutations if not PayloadValidator(schema).is_valid(apply("text", m))]

    assert {m.location for m in mutations} == {()}
    assert any(m.reason == f"the payload is null, which {combinator} rejects" for m in rejected)
