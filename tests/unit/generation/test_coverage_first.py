"""from_schema draws the coverage examples first: every enum value shows up within 20 examples.

A user's run drew `ok` 104-152 times in 200 FeedbackEvents and a newly added enum value 11-26
times; a 50-example run missed it entirely, and with it the consumer bug the test existed for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry.strategies import (
    InvalidPayload,
    coverage_invalid_payloads,
    coverage_payloads,
    from_schema,
    invalid_from_schema,
)
from tests.helpers import EXAMPLES

SCHEMAS = {
    f"{path.parent.name}@{path.parent.parent.name}/{path.stem}": json.loads(path.read_text())
    for path in sorted(EXAMPLES.glob("v*/*/*.json"))
    if not path.name.endswith(".meta.json")
}
TWENTY = settings(
    max_examples=20,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)


def enums(schema: Any) -> Iterator[list[Any]]:
    """Every `enum` declared anywhere in a schema document."""
    if isinstance(schema, dict):
        if isinstance(schema.get("enum"), list):
            yield schema["enum"]
        for value in schema.values():
            yield from enums(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from enums(value)


def leaves(value: Any) -> Iterator[str]:
    """Every scalar in a payload, as JSON text (so 1 and true stay apart)."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from leaves(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from leaves(inner)
    else:
        yield json.dumps(value)


def twenty_examples(schema: Any, run_seed: int) -> list[Any]:
    drawn: list[Any] = []

    @seed(run_seed)
    @TWENTY
    @given(from_schema(schema))
    def draw(value: Any) -> None:
        drawn.append(value)

    draw()
    return drawn


def test_the_example_registry_declares_enums() -> None:
    assert sum(len(list(enums(schema))) for schema in SCHEMAS.values()) >= 6


@pytest.mark.parametrize("run_seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", SCHEMAS)
def test_twenty_examples_include_every_enum_value(name: str, run_seed: int) -> None:
    schema = SCHEMAS[name]
    seen = {leaf for value in twenty_examples(schema, run_seed) for leaf in leaves(value)}

    for declared in enums(schema):
        missing = [value for value in declared if json.dumps(value) not in seen]
        assert not missing, f"{name}: 20 examples never drew {missing} of {declared}"


WIDE_ENUMS = {
    "type": "object",
    "required": ["colour", "box"],
    "properties": {
        "colour": {"enum": ["red", "orange", "yellow", "green", "blue", "indigo", "violet", "ink"]},
        "box": {
            "type": "object",
            "required": ["size"],
            "properties": {"size": {"enum": ["xs", "s", "m", "l", "xl", "xxl"]}},
        },
        "note": {"type": "string"},
    },
}


@pytest.mark.parametrize("run_seed", [0, 1, 2, 3, 4])
def test_twenty_examples_include_every_value_of_wider_enums(run_seed: int) -> None:
    # Random draws alone miss one of eight values in 20 examples about half the time.
    seen = {leaf for value in twenty_examples(WIDE_ENUMS, run_seed) for leaf in leaves(value)}

    for declared in enums(WIDE_ENUMS):
        assert not [value for value in declared if json.dumps(value) not in seen]


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_coverage_examples_come_first_and_each_once(name: str) -> None:
    schema = SCHEMAS[name]
    expected = [json.dumps(case.value, sort_keys=True) for case in coverage_payloads(schema)]
    drawn = [json.dumps(value, sort_keys=True) for value in twenty_examples(schema, 0)]

    assert set(expected) <= set(drawn)
    assert all(drawn.count(case) == 1 for case in expected)
    validator = PayloadValidator(schema)
    assert all(validator.is_valid(json.loads(value)) for value in drawn)


def test_the_boundary_breaks_come_first_in_invalid_draws() -> None:
    schema = SCHEMAS["telemetry.FeedbackEvent@v1/1.1.2"]
    expected = {broken.reason for broken in coverage_invalid_payloads(schema)}
    drawn: list[InvalidPayload] = []

    @settings(TWENTY, max_examples=len(expected) * 3)
    @given(invalid_from_schema(schema))
    def draw(broken: InvalidPayload) -> None:
        drawn.append(broken)

    draw()

    assert expected <= {broken.reason for broken in drawn}
    validator = PayloadValidator(schema)
    assert not any(validator.is_valid(broken.value) for broken in drawn)


def test_a_test_mutating_its_example_does_not_change_the_next_one() -> None:
    schema = SCHEMAS["telemetry.FeedbackEvent@v1/1.1.2"]
    drawn: list[Any] = []

    @TWENTY
    @given(from_schema(schema))
    def mutate(value: dict[str, Any]) -> None:
        drawn.append(json.dumps(value, sort_keys=True))
        value.clear()

    mutate()

    assert all(case.value for case in coverage_payloads(schema))
    assert "{}" not in drawn
