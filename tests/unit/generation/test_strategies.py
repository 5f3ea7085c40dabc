"""The JSON Schema -> hypothesis engine: valid values validate, invalid ones don't, labels hold."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry._generation.payloads import valid_strategy
from pytest_schema_registry._generation.sources import pop_schema_source, push_schema_source
from pytest_schema_registry.strategies import (
    InvalidPayload,
    UnsupportedSchemaError,
    coverage_payloads,
    from_schema,
    invalid_from_schema,
    registry_payloads,
)
from tests.helpers import BACKENDS, EXAMPLES

EXAMPLE_SCHEMAS = {
    path.parent.name + "@" + path.stem: json.loads(path.read_text())
    for path in sorted(EXAMPLES.glob("v*/*/*.json"))  # the seed's tracks; subjects/ repeats v1
    if not path.name.endswith(".meta.json")
}

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"

# A family of schemas nobody here shaped to the engine: one or two keywords each.
FAMILY: dict[str, dict[str, Any]] = {
    "types list": {"type": ["string", "null"]},
    "enum": {"enum": ["a", 1, None, [1]]},
    "const": {"const": {"k": [1, 2]}},
    "integer bounds": {"type": "integer", "minimum": -3, "maximum": 3},
    "exclusive draft 7": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    "exclusive draft 4": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 1,
    },
    "multipleOf": {"type": "integer", "multipleOf": 7, "minimum": 1, "maximum": 100},
    "number multipleOf": {"type": "number", "multipleOf": 5},
    "string length": {"type": "string", "minLength": 2, "maxLength": 5},
    "pattern ascii digits": {"type": "string", "pattern": "^v\\d+\\.\\d+$"},
    "formats": {
        "type": "object",
        "required": ["a", "b", "c", "d", "e", "f", "g"],
        "properties": {
            "a": {"format": "date-time", "type": "string"},
            "b": {"format": "date", "type": "string"},
            "c": {"format": "email", "type": "string"},
            "d": {"format": "ipv4", "type": "string"},
            "e": {"format": "ipv6", "type": "string"},
            "f": {"format": "uuid", "type": "string"},
            "g": {"format": "uri", "type": "string"},
        },
    },
    "tuple items": {
        "type": "array",
        "items": [{"type": "integer"}, {"type": "string"}],
        "additionalItems": False,
    },
    "unique items": {"type": "array", "items": {"enum": [1, 2, 3, True]}, "uniqueItems": True},
    "contains": {"type": "array", "contains": {"const": "needle"}, "maxItems": 4},
    "closed object": {
        "type": "object",
        "properties": {"a": {"type": "integer"}},
        "required": ["a"],
        "additionalProperties": False,
    },
    "patternProperties": {
        "type": "object",
        "patternProperties": {"^x-": {"type": "integer"}},
        "additionalProperties": False,
    },
    "propertyNames": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}},
    "min/max properties": {"type": "object", "minProperties": 2, "maxProperties": 3},
    "dependencies": {
        "type": "object",
        "properties": {"a": {}, "b": {}},
        "dependencies": {"a": ["b"]},
    },
    "allOf": {
        "allOf": [
            {"type": "object", "required": ["a"]},
            {"properties": {"a": {"type": "integer", "minimum": 5}}},
        ]
    },
    "anyOf": {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 10}]},
    "oneOf": {
        "oneOf": [{"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 3}]
    },
    "not": {"type": "integer", "not": {"const": 0}},
    "if then else": {
        "if": {"type": "integer"},
        "then": {"minimum": 10},
        "else": {"type": "string"},
    },
    "recursive": {
        "definitions": {
            "node": {
                "type": "object",
                "properties": {
                    "children": {"type": "array", "items": {"$ref": "#/definitions/node"}}
                },
            }
        },
        "$ref": "#/definitions/node",
    },
    "boolean subschemas": {"type": "object", "properties": {"free": True}, "required": ["free"]},
    # Draft 2019-09 / 2020-12 spellings, which the compatibility gate's `to_json_schema()` emits.
    "2020-12 prefixItems": {
        "$schema": DRAFT_2020,
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"enum": ["a", "b"]}],
        "items": {"type": "boolean"},
        "minItems": 3,
    },
    "2020-12 closed prefixItems": {
        "$schema": DRAFT_2020,
        "type": "array",
        "prefixItems": [{"type": "string"}],
        "items": False,
    },
    "2019-09 dependentRequired": {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "type": "object",
        "properties": {"card": {"type": "string"}, "billing": {"type": "string"}},
        "dependentRequired": {"card": ["billing"]},
    },
    "2020-12 dependentSchemas": {
        "$schema": DRAFT_2020,
        "type": "object",
        "properties": {"card": {"type": "string"}, "billing": {"type": "integer"}},
        "dependentSchemas": {"card": {"required": ["billing"]}},
    },
    "2020-12 $defs": {
        "$schema": DRAFT_2020,
        "$defs": {"level": {"enum": ["ok", "soft", "hard", "critical"]}},
        "type": "object",
        "required": ["level"],
        "properties": {"level": {"$ref": "#/$defs/level"}},
    },
    "2020-12 unevaluatedProperties": {
        "$schema": DRAFT_2020,
        "type": "object",
        "allOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}],
        "properties": {"b": {"type": "string"}},
        "unevaluatedProperties": False,
    },
    "2020-12 unevaluatedProperties through $ref": {
        "$schema": DRAFT_2020,
        "$defs": {"base": {"properties": {"id": {"type": "string"}}, "required": ["id"]}},
        "$ref": "#/$defs/base",
        "type": "object",
        "properties": {"extra": {"type": "boolean"}},
        "unevaluatedProperties": False,
    },
}

CASES = {**EXAMPLE_SCHEMAS, **FAMILY}
quick = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", CASES)
def test_every_generated_value_validates_under_both_backends(name: str) -> None:
    schema = CASES[name]
    validators = [PayloadValidator(schema, backend=b) for b in BACKENDS]  # type: ignore[arg-type]

    @quick
    @given(from_schema(schema))
    def check(value: Any) -> None:
        for validator in validators:
            assert validator.validate(value) == (True, []), (validator, value)

    check()


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n] not in ({}, True)])
def test_every_invalid_value_fails_under_both_backends(name: str) -> None:
    schema = CASES[name]
    validators = [PayloadValidator(schema, backend=b) for b in BACKENDS]  # type: ignore[arg-type]

    @quick
    @given(invalid_from_schema(schema))
    def check(invalid: InvalidPayload) -> None:
        for validator in validators:
            assert not validator.is_valid(invalid.value), (invalid, validator)
        assert invalid.reason

    check()


FEEDBACK_V1 = EXAMPLE_SCHEMAS["telemetry.FeedbackEvent@1.1.2"]


@pytest.mark.parametrize(
    "reason",
    [
        "missing required 'ts'",
        "'level' not in enum",
        "'queue_size' below minimum 0",
        "'capacity' below exclusive minimum 0",
        "'coordinator_id' has the wrong type (expected string)",
        "the payload has the wrong type (expected object)",
    ],
)
def test_invalid_payloads_say_what_they_break(reason: str) -> None:
    example = find(
        invalid_from_schema(FEEDBACK_V1),
        lambda invalid: invalid.reason == reason,
        settings=settings(max_examples=2000, database=None),
    )

    assert not PayloadValidator(FEEDBACK_V1).is_valid(example.value)


def test_nested_breaks_name_their_path() -> None:
    health = EXAMPLE_SCHEMAS["telemetry.HealthStatus@1.0.0"]

    example = find(
        invalid_from_schema(health),
        lambda invalid: invalid.reason == "'components[0].state' not in enum",
        settings=settings(max_examples=3000, database=None),
    )

    assert example.value["components"][0]["state"] not in ("healthy", "degraded", "unhealthy")


def test_random_examples_shrink_to_required_keys_and_small_values() -> None:
    random = valid_strategy(FEEDBACK_V1)  # from_schema without the coverage examples in front
    smallest = find(random, lambda value: True, settings=settings(database=None))

    assert smallest == {
        "coordinator_id": "",
        "queue_size": 0,
        "capacity": 1,
        "level": "ok",
        "ts": 0,
    }


def test_from_schema_shrinks_to_the_first_coverage_example() -> None:
    smallest = find(from_schema(FEEDBACK_V1), lambda value: True, settings=settings(database=None))

    assert smallest == coverage_payloads(FEEDBACK_V1)[0].value


def test_patterns_generate_ascii_digits_only() -> None:
    @quick
    @given(from_schema({"type": "string", "pattern": "^\\d{3}$"}))
    def check(value: str) -> None:
        assert value.isascii()

    check()


def test_strategies_are_cached_per_schema_content() -> None:
    same = json.loads(json.dumps(FEEDBACK_V1))

    assert from_schema(FEEDBACK_V1) is from_schema(same)
    assert invalid_from_schema(FEEDBACK_V1) is invalid_from_schema(same)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$ref": "http://example.com/other.json"}, "#: cannot generate from '$ref': only local"),
        ({"$ref": "#/definitions/missing"}, "'#/definitions/missing' points nowhere"),
        (
            {"properties": {"a": False}, "required": ["a"], "type": "object"},
            "#/properties/a: cannot generate from 'false'",
        ),
        ({"enum": []}, "cannot generate from 'enum': an empty enum allows no value"),
        ({"type": "string", "pattern": "(unclosed"}, "cannot generate from 'pattern'"),
        ({"type": "strng"}, "cannot generate from 'type': unknown type(s) ['strng']"),
        (
            {"type": "integer", "multipleOf": 10, "minimum": 1, "maximum": 9},
            "cannot generate from 'multipleOf': no multiple lies within the bounds",
        ),
    ],
)
def test_what_cannot_be_generated_fails_at_build_time_with_its_path(
    schema: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnsupportedSchemaError, match=re.escape(message)):
        from_schema(schema)


def test_registry_payloads_resolve_lazily_from_the_source() -> None:
    asked: list[tuple[str, str | None]] = []

    def source(name: str, track: str | None) -> dict[str, Any]:
        asked.append((name, track))
        return FEEDBACK_V1

    strategy = registry_payloads("telemetry.FeedbackEvent", track="v1")
    assert asked == []  # building the strategy asks nothing
    push_schema_source(source)  # not set_schema_source: this session's plugin has one too
    try:
        value = find(strategy, lambda v: True, settings=settings(database=None))
    finally:
        pop_schema_source(source)

    assert asked == [("telemetry.FeedbackEvent", "v1")]
    assert PayloadValidator(FEEDBACK_V1).is_valid(value)


def test_registry_payloads_without_a_source_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_schema_registry import SchemaRegistryError
    from pytest_schema_registry._generation import sources as _sources

    monkeypatch.setattr(_sources, "_source", [])  # as outside pytest: no plugin, no source

    with pytest.raises(SchemaRegistryError, match="has no schema source"):
        find(registry_payloads("x"), lambda v: True, settings=settings(database=None))


# -- a generated family of schemas ---------------------------------------------------------------


def schema_family() -> Any:
    """Draw small schemas from a grammar of the keywords the engine builds by construction."""
    integer = st.builds(
        lambda lo, span, step: {
            "type": "integer",
            "minimum": lo,
            "maximum": lo + span,
            **({"multipleOf": step} if step else {}),
        },
        st.integers(-50, 50),
        st.integers(20, 60),
        st.sampled_from([0, 1, 2, 5]),
    )
    number = st.builds(
        lambda lo, span, exclusive: {
            "type": "number",
            ("exclusiveMinimum" if exclusive else "minimum"): lo,
            "maximum": lo + span,
        },
        st.floats(-100, 100),
        st.floats(1, 100),
        st.booleans(),
    )
    string = st.builds(
        lambda low, extra, pattern: {
            "type": "string",
            "minLength": low,
            "maxLength": low + extra,
            **({"pattern": pattern} if pattern else {}),
        },
        st.integers(0, 3),
        st.integers(0, 5),
        st.sampled_from([None, "^[a-z]*$", "\\d"]),
    )
    leaf = (
        integer
        | number
        | string
        | st.sampled_from(
            [{"type": "boolean"}, {"type": "null"}, {"enum": ["a", "b", 3]}, {"const": [1]}, {}]
        )
    )
    return st.recursive(
        leaf,
        lambda inner: (
            st.builds(
                lambda props, required_count, closed: {
                    "type": "object",
                    "properties": props,
                    "required": sorted(props)[:required_count],
                    **({"additionalProperties": False} if closed else {}),
                },
                st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), inner, max_size=3),
                st.integers(0, 3),
                st.booleans(),
            )
            | st.builds(
                lambda items, low, unique: {
                    "type": "array",
                    "items": items,
                    "minItems": low,
                    "maxItems": low + 3,
                },
                inner,
                st.integers(0, 2),
                st.booleans(),
            )
        ),
        max_leaves=6,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_schemas_yield_only_valid_values_and_only_invalid_breaks(data: Any) -> None:
    schema = data.draw(schema_family(), label="schema")
    validators = [PayloadValidator(schema, backend=b) for b in BACKENDS]  # type: ignore[arg-type]

    for _ in range(3):
        value = data.draw(from_schema(schema), label="value")
        assert all(v.is_valid(value) for v in validators), (schema, value)
    if schema != {}:
        broken = data.draw(invalid_from_schema(schema), label="broken")
        assert not any(v.is_valid(broken.value) for v in validators), (schema, broken)


def test_boolean_schemas_generate_like_the_objects_they_stand_for() -> None:
    assert find(from_schema(True), lambda value: isinstance(value, str)) == ""
    assert find(invalid_from_schema(False), lambda invalid: True).reason == "the schema is false"
    with pytest.raises(UnsupportedSchemaError, match="no value satisfies it"):
        find(from_schema(False), lambda value: True)


def test_fractional_steps_yield_fractional_multiples() -> None:
    # Only integers used to be drawn for `multipleOf: 1.5`, so 1.5 itself never came up: the
    # compatibility checker could not show that `multipleOf: 3` rejects it.
    assert find(from_schema({"type": "number", "multipleOf": 1.5}), lambda v: v % 3 != 0) == 1.5
    tenths = find(from_schema({"type": "number", "multipleOf": 0.1}), lambda v: v != int(v))
    assert tenths == 0.1
    between = {"type": "number", "multipleOf": 0.1, "minimum": 0.25, "maximum": 0.35}
    assert find(from_schema(between), lambda v: True) == 0.3  # 3 x 0.1 in decimal, not 0.30..04


def test_tuples_with_a_schema_for_further_items_draw_them() -> None:
    schema = {
        "type": "array",
        "items": [{"type": "integer"}],
        "additionalItems": {"type": "string"},
    }

    assert find(from_schema(schema), lambda value: len(value) > 2) == [0, "", ""]
