"""Attacks on the payload engine (JSON Schema -> hypothesis strategies, coverage lists).

The contract under attack: `from_schema` / `invalid_from_schema` / `coverage_payloads` /
`coverage_invalid_payloads` either raise `UnsupportedSchemaError` when built, or give values that
are all valid (resp. invalid) under `PayloadValidator(schema)`; never another exception type
(RecursionError, TypeError, OverflowError, hypothesis's Unsatisfiable / FailedHealthCheck /
InvalidArgument on schemas that clearly have values), never a hang, and coverage lists identical
in every run and process.

Every test here failed on the code it was written against (each one a finding, ranked worst
first in the report that came with it). Schemas the validator itself refuses to compile may raise
`SchemaCompileError` (a clear, named error) and are not counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry._core.errors import SchemaCompileError
from pytest_schema_registry.strategies import (
    UnsupportedSchemaError,
    coverage_invalid_payloads,
    coverage_payloads,
    from_schema,
    invalid_from_schema,
)

ALLOWED = (UnsupportedSchemaError, SchemaCompileError)


def _draw(strategy: Any, n: int = 10) -> list[Any]:
    drawn: list[Any] = []

    @settings(max_examples=n, database=None, deadline=None)
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def _built_and_drawn(make: Callable[[Any], Any], schema: Any) -> list[Any] | None:
    """Build with `make` and draw 10 values; None if it refused at build with a named error."""
    try:
        strategy = make(schema)
    except ALLOWED:
        return None
    except BaseException as exc:
        pytest.fail(f"{make.__name__} raised {type(exc).__name__} at build: {exc!s:.200}")
    try:
        return _draw(strategy)
    except BaseException as exc:
        pytest.fail(f"drawing {make.__name__} raised {type(exc).__name__}: {exc!s:.200}")


def _valid_contract(schema: Any) -> None:
    """Build and draw 10 valid values; anything but UnsupportedSchemaError at build is a finding."""
    values = _built_and_drawn(from_schema, schema)
    if values is not None:
        validator = PayloadValidator(schema)
        assert all(validator.is_valid(v) for v in values)


def _invalid_contract(schema: Any) -> None:
    values = _built_and_drawn(invalid_from_schema, schema)
    if values is not None:
        validator = PayloadValidator(schema)
        assert not any(validator.is_valid(p.value) for p in values)


def _coverage_contract(schema: Any) -> None:
    """Coverage lists: Unsupported, or a non-empty list of valid payloads."""
    try:
        payloads = coverage_payloads(schema)
    except UnsupportedSchemaError as exc:
        # Only acceptable if from_schema refuses too: a schema from_schema accepts has values.
        try:
            from_schema(schema)
        except ALLOWED:
            return
        pytest.fail(f"coverage_payloads refused a schema from_schema accepts: {exc}")
    except SchemaCompileError:
        return
    except BaseException as exc:
        pytest.fail(f"coverage_payloads raised {type(exc).__name__}: {exc!s:.200}")
    validator = PayloadValidator(schema)
    assert payloads
    assert all(validator.is_valid(p.value) for p in payloads)


def _nested(depth: int, kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    for _ in range(depth):
        if kind == "object":
            schema = {"type": "object", "properties": {"a": schema}, "required": ["a"]}
        elif kind == "array":
            schema = {"type": "array", "items": schema, "minItems": 1}
        elif kind == "allOf":
            schema = {"allOf": [schema]}
        elif kind == "anyOf":
            schema = {"anyOf": [schema, {"type": "null"}]}
        else:
            schema = {"not": {"not": schema}}
    return schema


# -- 1. an everyday string schema: pattern + minLength fails the filter health check -------------

PATTERN_MIN_LENGTH = {"type": "string", "pattern": "^[a-z]+$", "minLength": 50}


def test_pattern_with_min_length_draws_valid_values() -> None:
    # Observed: FailedHealthCheck (filter_too_much, 0 of 50 passed) or Unsatisfiable after ~4 s; the
    # pattern strategy ignores the length and a filter throws nearly everything away.
    _valid_contract(PATTERN_MIN_LENGTH)


def test_pattern_with_min_length_has_coverage_payloads() -> None:
    # Observed: UnsupportedSchemaError "no valid value was found to start from" (from_schema
    # accepts the schema; 'a' * 50 is valid).
    _coverage_contract(PATTERN_MIN_LENGTH)


# -- 2. nested arrays with minItems exceed hypothesis's entropy budget ----------------------------


@pytest.mark.parametrize("depth", [5, 10])
def test_nested_arrays_with_min_items_draw(depth: int) -> None:
    # Observed: FailedHealthCheck (data_too_large) at depth 5 in ~1.4 s; depth 10 takes ~17 s.
    # Every level above _DEEP draws an unbounded list, so sizes multiply.
    _valid_contract(_nested(depth, "array"))


# -- 3. coverage lists depend on PYTHONHASHSEED ---------------------------------------------------

_HASH_SCRIPT = """
import json
from pytest_schema_registry.strategies import coverage_payloads
schema = {"type": "object", "maxProperties": 2, "allOf": [
    {"properties": {"alpha": {"type": "integer"}, "beta": {"enum": ["x", "y"]}}},
    {"properties": {"gamma": {"type": "boolean"}, "delta": {"type": "string"}}}]}
print(json.dumps([[p.label, p.value] for p in coverage_payloads(schema)]))
"""


def test_coverage_payloads_identical_across_processes() -> None:
    # Observed: 5 distinct lists from 6 seeds. `merge` combines `properties` through a set
    # ({*a, *b}), so merged key order follows string hashing; labels, ids and payloads follow it.
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _HASH_SCRIPT],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs


# -- 4. numeric bounds beyond float range ---------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "maximum": 10**400},
        {"type": "number", "minimum": -(10**400), "maximum": 0},
        {"type": "number", "exclusiveMaximum": 10**400},
        {"type": "number", "multipleOf": 10**400},
    ],
    ids=["maximum", "minimum", "exclusiveMaximum", "multipleOf"],
)
def test_number_bounds_beyond_float_range(schema: dict[str, Any]) -> None:
    # Observed: OverflowError "int too large to convert to float" from all four entry points.
    _valid_contract(schema)
    _coverage_contract(schema)


# -- 5. deep inline nesting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depth", "kind"),
    [
        (120, "object"),
        (200, "object"),
        (500, "array"),
        (500, "allOf"),
        (500, "anyOf"),
        (500, "not"),
        (5000, "object"),
    ],
)
def test_deeply_nested_inline_schema(depth: int, kind: str) -> None:
    # Observed: object 120 -> Unsatisfiable when drawn (hypothesis's nesting limit, not caught at
    # build); object 200 and every kind at 500 -> RecursionError (builder, Ranks, merge, json).
    _valid_contract(_nested(depth, kind))


def test_deeply_nested_inline_schema_invalid_and_coverage() -> None:
    schema = _nested(500, "allOf")
    for check in (_invalid_contract, _coverage_contract):
        check(schema)


def test_nested_arrays_depth_50_have_values() -> None:
    # Observed: Unsatisfiable; 50 nested arrays of one item exist (validator depth is 256).
    _valid_contract(_nested(50, "array"))


# -- 6. junk in keyword places crashes the builder before the validator names it ------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": 5},
        {"type": 5},
        {"allOf": 5},
        {"type": "object", "patternProperties": [1]},
        {"type": "integer", "minimum": "a"},
        {"$ref": 5},
        {"$ref": "#/x", "x": [1]},
    ],
    ids=[
        "properties-int",
        "type-int",
        "allOf-int",
        "patternProperties-list",
        "minimum-str",
        "ref-int",
        "ref-to-list",
    ],
)
def test_junk_keyword_values_raise_a_named_error(schema: dict[str, Any]) -> None:
    # Observed: TypeError / AttributeError from from_schema and coverage_payloads (while
    # invalid_from_schema on the same schema says SchemaCompileError).
    _valid_contract(schema)
    _coverage_contract(schema)


# -- 7. sizes beyond what hypothesis supports: InvalidArgument when drawn -------------------------


@pytest.mark.parametrize(
    "schema",
    [{"type": "string", "minLength": 100_000}, {"type": "array", "minItems": 100_000}],
    ids=["minLength", "minItems"],
)
def test_huge_minimum_sizes(schema: dict[str, Any]) -> None:
    # Observed: hypothesis InvalidArgument ("min_size is larger than Hypothesis supports") on
    # the first draw, not UnsupportedSchemaError at build; coverage_payloads builds them fine.
    _valid_contract(schema)


# -- 8. object sizes: many properties -------------------------------------------------------------


def test_open_object_with_large_min_properties() -> None:
    # Observed: FailedHealthCheck (data_too_large) in ~4 s: 200 extra keys of any_json values.
    _valid_contract({"type": "object", "minProperties": 200})


def test_closed_object_with_large_min_properties() -> None:
    # Observed: FailedHealthCheck (filter_too_much): at most _OPTIONAL_KEYS (8) optional keys
    # are drawn, so minProperties 250 is never met; coverage_payloads finds one.
    schema = {
        "type": "object",
        "properties": {f"k{i}": {"type": "integer"} for i in range(300)},
        "additionalProperties": False,
        "minProperties": 250,
    }
    _valid_contract(schema)


def test_property_names_enum_with_min_properties() -> None:
    # Observed: FailedHealthCheck (filter_too_much); propertyNames' enum is ignored when keys
    # are made, and coverage_payloads says "no valid value was found" ({"a": 1, "b": 2} is).
    schema = {
        "type": "object",
        "propertyNames": {"enum": ["a", "b"]},
        "minProperties": 2,
    }
    _valid_contract(schema)
    _coverage_contract(schema)


# -- 9. `not` left to the filter fails the health check on simple schemas -------------------------


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param(
            {"type": "integer", "not": {"anyOf": [{"minimum": 5}, {"maximum": -5}]}},
            marks=pytest.mark.xfail(
                strict=True,
                reason="known gap: `not` is left to the validator filter; only -4..4 pass it",
            ),
        ),
        {"not": {"type": ["string", "number", "object", "array", "boolean"]}},
    ],
    ids=["integer-window", "only-null"],
)
def test_not_heavy_schemas(schema: dict[str, Any]) -> None:
    # Observed: FailedHealthCheck (filter_too_much) for both valid and invalid strategies.
    _valid_contract(schema)


# -- 10. invalid_from_schema fails when drawn, not when built -------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"allOf": [{"type": "integer"}]}]},
        {"definitions": {"a": True}, "$ref": "#/definitions/a"},
        pytest.param(
            {"anyOf": [{"$ref": "#"}, {"type": "integer"}]},
            marks=pytest.mark.xfail(
                strict=True,
                reason="jsonschema-rs accepts every value here (the self-reference reads as "
                "true), so no invalid value exists for the validator to confirm",
            ),
        ),
    ],
    ids=["nested-allOf", "ref-to-true", "self-ref-anyOf"],
)
def test_invalid_strategy_errors_at_build_or_draws(schema: dict[str, Any]) -> None:
    # Observed: nested-allOf, ref-to-true -> UnsupportedSchemaError "no constraint to break"
    # raised inside the draw (the test body never runs); self-ref-anyOf -> FailedHealthCheck.
    # The first and last clearly have invalid values ("text" is not an integer).
    try:
        strategy = invalid_from_schema(schema)
    except UnsupportedSchemaError:
        return
    try:
        values = _draw(strategy)
    except BaseException as exc:
        pytest.fail(f"drawing invalid_from_schema raised {type(exc).__name__}: {exc!s:.200}")
    validator = PayloadValidator(schema)
    assert not any(validator.is_valid(p.value) for p in values)


def test_coverage_invalid_payloads_breaks_nested_allof() -> None:
    # Not a hard contract break, but coverage_invalid_payloads returns [] for a schema whose
    # plain spelling ({"type": "integer"}) gets a wrong-type break.
    plain = coverage_invalid_payloads({"type": "integer"})
    wrapped = coverage_invalid_payloads({"allOf": [{"allOf": [{"type": "integer"}]}]})
    assert plain
    assert wrapped, json.dumps([p.reason for p in plain])
