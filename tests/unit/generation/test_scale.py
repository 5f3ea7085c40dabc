"""Large `$ref` graphs: build cost bounded by the schema's size, draws that end and stay small.

Counts, not timers: how many strategies were built, how many references, how many fixed-point
rounds the recursion analysis took, how much memory building allocated. The shape is the one that
made the engine run for minutes and past a gigabyte on a real configuration schema: hundreds of
definitions referencing each other, open objects, nested `anyOf`.
"""

from __future__ import annotations

import json
import math
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry._generation.builder import Builder
from pytest_schema_registry._generation.recursion import Ranks
from pytest_schema_registry.strategies import UnsupportedSchemaError, from_schema

DEFINITIONS = 300


def web(size: int = DEFINITIONS) -> dict[str, Any]:
    """`size` open-object definitions, each referring to three others through nested anyOf."""
    definitions = {}
    for i in range(size):
        a, b, c = (i * 7 + 1) % size, (i * 13 + 5) % size, (i * 31 + 11) % size
        definitions[f"d{i}"] = {
            "type": "object",
            "required": ["id", "next"],
            "properties": {
                "id": {"type": "integer", "minimum": i},
                "next": {"anyOf": [{"type": "null"}, {"$ref": f"#/definitions/d{a}"}]},
                "left": {"$ref": f"#/definitions/d{b}"},
                "many": {"type": "array", "items": {"$ref": f"#/definitions/d{c}"}},
                "either": {
                    "anyOf": [
                        {"$ref": f"#/definitions/d{a}"},
                        {"type": "string"},
                        {"anyOf": [{"$ref": f"#/definitions/d{c}"}, {"type": "boolean"}]},
                    ]
                },
            },
        }
    return {"definitions": definitions, "$ref": "#/definitions/d0"}


def subschemas(schema: Any) -> int:
    """Count the objects in a schema document: the size building may be proportional to."""
    if isinstance(schema, dict):
        return 1 + sum(subschemas(value) for value in schema.values())
    if isinstance(schema, list):
        return sum(subschemas(value) for value in schema)
    return 0


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def test_each_reference_is_built_once_and_work_is_proportional_to_the_schema() -> None:
    schema = web()
    builder = Builder(schema)

    tracemalloc.start()
    try:
        strategy = builder.build_document()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert strategy is not None
    assert builder.stats.references == DEFINITIONS  # every definition once, never per path
    assert builder.stats.strategies <= subschemas(schema)
    assert builder.ranks.rounds <= 20
    assert peak < 16 * 2**20, f"building allocated {peak / 2**20:.1f} MiB at its peak"


def test_twice_the_definitions_cost_about_twice_the_work() -> None:
    small, large = Builder(web(150)), Builder(web(600))
    small.build_document()
    large.build_document()

    assert large.stats.references == 4 * small.stats.references
    assert large.stats.strategies <= 4.2 * small.stats.strategies


def test_draws_from_the_web_end_validate_and_stay_shallow() -> None:
    schema = web()
    validator = PayloadValidator(schema)
    seen: list[Any] = []

    @settings(
        max_examples=20,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(from_schema(schema))
    def draw(value: Any) -> None:
        seen.append(value)

    draw()

    assert len(seen) == 20
    assert all(validator.is_valid(value) for value in seen)
    assert max(depth(value) for value in seen) <= 40
    assert max(len(json.dumps(value)) for value in seen) < 2**20


def test_a_chain_of_references_longer_than_the_recursion_limit_builds() -> None:
    size = 3000  # each refers to the next: a recursive builder would overflow Python's stack
    definitions = {
        f"d{i}": {"type": "object", "properties": {"next": {"$ref": f"#/definitions/d{i + 1}"}}}
        for i in range(size)
    }
    definitions[f"d{size}"] = {"type": "integer"}
    schema = {"definitions": definitions, "$ref": "#/definitions/d0"}

    builder = Builder(schema)
    assert builder.build_document() is not None
    assert builder.stats.references == size + 1
    assert builder.ranks.rounds <= 3  # the whole chain is walked before the first round


def test_a_schema_whose_every_value_nests_too_deep_is_refused_with_the_depth() -> None:
    size = 100  # each requires the next: no value is less than 100 objects deep
    definitions: dict[str, Any] = {
        f"d{i}": {
            "type": "object",
            "required": ["next"],
            "properties": {"next": {"$ref": f"#/definitions/d{i + 1}"}},
        }
        for i in range(size)
    }
    definitions[f"d{size}"] = {"type": "integer"}

    with pytest.raises(
        UnsupportedSchemaError,
        match=r"every value nests deeper than hypothesis can draw \(301 nested draws",
    ):
        from_schema({"definitions": definitions, "$ref": "#/definitions/d0"})


def test_a_reference_only_infinite_values_satisfy_is_refused_at_build_time() -> None:
    schema = {
        "definitions": {
            "loop": {
                "type": "object",
                "required": ["again"],
                "properties": {"again": {"$ref": "#/definitions/loop"}},
            }
        },
        "$ref": "#/definitions/loop",
    }

    with pytest.raises(UnsupportedSchemaError, match="no value satisfies it"):
        from_schema(schema)


def test_ranks_count_the_nested_draws_a_value_needs() -> None:
    schema = {
        "definitions": {
            "leaf": {"type": "string"},
            "pair": {
                "type": "object",
                "required": ["a"],
                "properties": {"a": {"$ref": "#/definitions/leaf"}},
            },
            "loop_or_pair": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["x"],
                        "properties": {"x": {"$ref": "#/definitions/loop_or_pair"}},
                    },
                    {"$ref": "#/definitions/pair"},
                ]
            },
            "loop": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/loop"}},
        }
    }
    ranks = Ranks(schema)

    # A reference costs hypothesis one nested draw, an object two, an array three.
    assert ranks.of({"$ref": "#/definitions/leaf"}) == 1
    assert ranks.of({"$ref": "#/definitions/pair"}) == 1 + 2 + 1
    assert ranks.of({"$ref": "#/definitions/loop_or_pair"}) == 1 + 4  # the pair, never the loop
    assert ranks.of({"$ref": "#/definitions/loop"}) == math.inf
    assert ranks.of({"type": ["null", "array"], "items": {"$ref": "#/definitions/loop"}}) == 0
