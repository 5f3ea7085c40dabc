"""Coverage examples: a short deterministic list that hits every enum value, bound and branch."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_schema_registry import PayloadValidator
from pytest_schema_registry._generation.coverage import (
    CoveragePayload,
    coverage_invalid_payloads,
    coverage_payloads,
)
from pytest_schema_registry.strategies import UnsupportedSchemaError, from_schema
from tests.helpers import EXAMPLES, ROOT

EXAMPLE_SCHEMAS = {
    path.parent.name + "@" + path.stem: json.loads(path.read_text())
    for path in sorted(EXAMPLES.glob("v*/*/*.json"))
    if not path.name.endswith(".meta.json")
}
FEEDBACK_V1 = EXAMPLE_SCHEMAS["telemetry.FeedbackEvent@1.1.2"]
FEEDBACK_V2 = EXAMPLE_SCHEMAS["telemetry.FeedbackEvent@2.0.0"]
RATE_V2 = EXAMPLE_SCHEMAS["telemetry.RateAdjustment@2.0.0"]
HEALTH_V2 = EXAMPLE_SCHEMAS["telemetry.HealthStatus@2.0.0-dev"]

BOUNDS: dict[str, Any] = {
    "type": "object",
    "required": ["count", "ratio", "step", "open", "kind"],
    "properties": {
        "count": {"type": "integer", "minimum": -3, "maximum": 100000},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "step": {"type": "integer", "multipleOf": 5, "exclusiveMinimum": 10, "maximum": 42},
        "open": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        "kind": {"const": "bounds"},
        "id": {"type": "string", "minLength": 8, "maxLength": 64},
        "tags": {
            "type": "array",
            "items": {"type": "string", "enum": ["a", "b", "c", "d"]},
            "minItems": 1,
            "maxItems": 3,
            "uniqueItems": True,
        },
        "note": {"type": "string", "additionalProperties": False},
    },
    "additionalProperties": False,
}
NESTED: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["meta", "events"],
    "properties": {
        "meta": {
            "type": "object",
            "required": ["source"],
            "properties": {
                "source": {"$ref": "#/$defs/Source"},
                "region": {"type": "string", "enum": ["eu", "us"]},
            },
        },
        "events": {
            "type": "array",
            "items": {"$ref": "#/definitions/Event"},
            "maxItems": 2,
        },
        "pair": {"type": "array", "prefixItems": [{"const": 1}, {"type": "boolean"}]},
        "a": {"type": "string"},
        "b": {"type": "string"},
    },
    "dependentRequired": {"a": ["b"]},
    "$defs": {"Source": {"enum": ["api", "batch", "stream"]}},
    "definitions": {
        "Event": {
            "type": "object",
            "required": ["level"],
            "properties": {
                "level": {"enum": ["debug", "info", "warn", "critical"]},
                "payload": {
                    "anyOf": [
                        {"type": "string", "maxLength": 3},
                        {"type": "integer", "minimum": 7, "maximum": 9},
                        {"type": "null"},
                    ]
                },
                "flag": {"type": ["boolean", "null"]},
            },
        }
    },
}
SCHEMAS: dict[str, Any] = {**EXAMPLE_SCHEMAS, "bounds": BOUNDS, "nested": NESTED}


def _labels(payloads: list[CoveragePayload]) -> list[str]:
    return [p.label for p in payloads]


def _resolve(root: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _enum_sites(root: dict[str, Any], schema: Any, path: tuple[str, ...] = ()) -> Iterator[Any]:
    """Yield (path, allowed values) for every enum/const under objects and array items."""
    schema = _resolve(root, schema)
    if not isinstance(schema, dict):
        return
    if "enum" in schema:
        yield path, schema["enum"]
    if "const" in schema:
        yield path, [schema["const"]]
    for key, sub in schema.get("properties", {}).items():
        yield from _enum_sites(root, sub, (*path, key))
    if isinstance(schema.get("items"), dict):
        yield from _enum_sites(root, schema["items"], (*path, "*"))


def _values_at(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if not path:
        yield value
    elif path[0] == "*" and isinstance(value, list):
        for item in value:
            yield from _values_at(item, path[1:])
    elif isinstance(value, dict) and path[0] in value:
        yield from _values_at(value[path[0]], path[1:])


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_payload_validates_and_labels_are_unique(name: str) -> None:
    schema = SCHEMAS[name]
    payloads = coverage_payloads(schema)
    validator = PayloadValidator(schema)

    assert payloads  # an empty list would pass every other check
    assert all(validator.is_valid(p.value) for p in payloads)
    assert len(set(_labels(payloads))) == len(payloads)
    assert all(p.label and "\n" not in p.label for p in payloads)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_enum_value_and_const_appears_where_it_is_declared(name: str) -> None:
    schema = SCHEMAS[name]
    payloads = coverage_payloads(schema)

    sites = list(_enum_sites(schema, schema))
    assert sites
    for path, allowed in sites:
        seen = [v for p in payloads for v in _values_at(p.value, path)]
        missing = [v for v in allowed if v not in seen]
        assert not missing, f"{'.'.join(path)}: {missing} never appear"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_optional_property_is_both_present_and_absent(name: str) -> None:
    schema = SCHEMAS[name]
    payloads = [p.value for p in coverage_payloads(schema)]
    optional = [k for k in schema["properties"] if k not in schema["required"]]

    for key in optional:
        assert any(key in p for p in payloads), f"{key} never present"
        assert any(key not in p for p in payloads), f"{key} never absent"


def test_the_feedback_event_lists_read_as_designed() -> None:
    assert _labels(coverage_payloads(FEEDBACK_V1)) == [
        "queue_size=min, capacity=min, level=ok, source present",
        "level=soft",
        "level=hard",
        "source absent",
    ]
    v2 = coverage_payloads(FEEDBACK_V2)
    assert _labels(v2) == [
        "queue_size=min, capacity=min, level=ok, reason length=1, reason present, source present",
        "level=soft, reason length=200",
        "level=hard",
        "reason absent, source absent",
    ]
    assert v2[0].value["capacity"] == 1  # exclusiveMinimum 0: the nearest valid integer
    assert len(v2[1].value["reason"]) == 200


def test_bounds_sit_at_their_limits() -> None:
    payloads = coverage_payloads(BOUNDS)
    seen = {
        key: {p.value[key] for p in payloads if key in p.value}
        for key in ("count", "ratio", "step", "open", "id")
    }

    assert {-3, 100000} <= seen["count"]
    assert {math.nextafter(0, 1), math.nextafter(1, 0)} <= seen["ratio"]
    assert {15, 40} <= seen["step"]  # multiples of 5 nearest the exclusive 10 and the 42
    assert {1, 9} <= seen["open"]
    assert {8, 64} <= {len(v) for v in seen["id"]}
    assert {1, 3} <= {len(p.value["tags"]) for p in payloads if "tags" in p.value}
    labels = ", ".join(_labels(payloads))
    for label in ("count=min", "count=max", "ratio=max", "id length=64", "tags items=3"):
        assert label in labels


_MISSING = object()
_JSON_TYPES = {"null": type(None), "boolean": bool, "string": str, "array": list, "object": dict}


def _lookup(value: Any, location: str) -> Any:
    """Follow a label's location (`events[0].level`, `$`) into a payload; _MISSING if absent."""
    if location == "$":
        return value
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", location):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else _MISSING
        else:
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
    return value


def _holds(value: Any, label: str) -> bool:
    """Whether one variation label is true of `value` (`=min`/`=max` are checked elsewhere)."""
    if label.endswith((" present", " absent")):
        found = _lookup(value, label.rsplit(" ", 1)[0])
        return (found is not _MISSING) == label.endswith("present")
    match = re.fullmatch(r"(?:(.+) )?(length|items|type)=(.+)", label)
    if match:
        found = _lookup(value, match[1] or "$")
        if match[2] == "type":
            return isinstance(found, _JSON_TYPES[match[3]])
        return len(found) == int(match[3])
    location, _, shown = label.rpartition("=")
    found = _lookup(value, location)
    return shown in ("min", "max") or shown in (found, json.dumps(found))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_label_is_true_of_its_payload(name: str) -> None:
    for payload in coverage_payloads(SCHEMAS[name]):
        parts = re.sub(r" #\d+$", "", payload.label).split(", ")
        for part in parts:
            if not re.fullmatch(r"and \d+ more|typical|(.+ )?(anyOf|oneOf)\[\d+\]", part):
                assert _holds(payload.value, part), (part, payload.value)
        if "count=min" in parts:
            assert payload.value["count"] == -3


def test_each_any_of_branch_is_hit_through_that_branch() -> None:
    payloads = coverage_payloads(NESTED)
    branches = NESTED["definitions"]["Event"]["properties"]["payload"]["anyOf"]
    values = [e["payload"] for p in payloads for e in p.value["events"] if "payload" in e]

    for i, branch in enumerate(branches):
        assert any(PayloadValidator(branch).is_valid(v) for v in values), f"anyOf[{i}]"
        assert any(f"payload anyOf[{i}]" in p.label for p in payloads)
    assert {7, 9} <= set(values)  # the integer branch's own bounds, reached through the branch


def test_drafts_spellings_nested_locations_and_type_lists() -> None:
    payloads = coverage_payloads(NESTED)
    labels = ", ".join(_labels(payloads))

    assert "meta.source=api" in labels  # a `$defs` ref
    assert "events[0].level=critical" in labels  # a `definitions` ref under array items
    assert "events items=2" in labels
    assert "events items=0" in labels
    assert "events[0].flag type=null" in labels
    assert [1, True] in [p.value.get("pair") for p in payloads]  # prefixItems
    for p in payloads:  # dependentRequired: `a` never without `b`
        assert "a" not in p.value or "b" in p.value


def test_root_values_use_dollar_and_branches() -> None:
    schema = {"oneOf": [{"type": "string"}, {"type": "integer", "minimum": 1, "maximum": 5}]}
    labels = _labels(coverage_payloads(schema))

    # A payload's label names what it adds first: the third exists for `$=min`.
    assert labels == ["oneOf[0]", "oneOf[1], $=max", "$=min, oneOf[1]"]
    assert _labels(coverage_payloads({"enum": ["critical", 2]})) == ["$=critical", "$=2"]
    tied = {"oneOf": [{"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 3}]}
    assert [(p.label, p.value) for p in coverage_payloads(tied)] == [
        ("oneOf[0]", 2),
        ("oneOf[1]", 3),
    ]


def test_all_of_and_boolean_schemas() -> None:
    schema = {
        "allOf": [{"$ref": "#/definitions/x"}, {"required": ["y"]}],
        "properties": {"y": {"type": "integer", "maximum": 4}, "never": False},
        "definitions": {"x": {"type": "object", "properties": {"x": {"const": 3}}}},
    }
    payloads = coverage_payloads(schema)

    assert all(p.value["y"] <= 4 and "never" not in p.value for p in payloads)
    assert any(p.value.get("x") == 3 for p in payloads)
    assert [p.value for p in coverage_payloads(True)] == [None]


def test_a_recursive_schema_ends() -> None:
    tree = {
        "type": "object",
        "required": ["v"],
        "properties": {"v": {"enum": [1, 2]}, "kids": {"type": "array", "items": {"$ref": "#"}}},
    }
    payloads = coverage_payloads(tree)

    assert {1, 2} <= {p.value["v"] for p in payloads}
    assert len(json.dumps([p.value for p in payloads])) < 5000


def test_invalid_payloads_each_fail_and_name_their_constraint() -> None:
    invalid = coverage_invalid_payloads(FEEDBACK_V2)
    by_reason = {p.reason: p.value for p in invalid}
    validator = PayloadValidator(FEEDBACK_V2)

    assert invalid
    assert not any(validator.is_valid(p.value) for p in invalid)
    assert len(by_reason) == len(invalid)
    for required in FEEDBACK_V2["required"]:
        assert required not in by_reason[f"missing required {required!r}"]
    assert by_reason["'capacity' at exclusive minimum 0"]["capacity"] == 0
    assert by_reason["'queue_size' below minimum 0"]["queue_size"] == -1
    assert by_reason["'level' not in enum"]["level"] not in ["ok", "soft", "hard"]
    assert len(by_reason["'reason' too long"]["reason"]) == 201
    assert len(by_reason["'reason' too short"]["reason"]) == 0
    assert "'schema_version' does not match '^2\\\\.\\\\d+\\\\.\\\\d+$'" in by_reason
    assert "'ts' has the wrong type (expected number)" in by_reason


def test_invalid_bounds_are_one_step_past_the_limit() -> None:
    by_reason = {p.reason: p.value for p in coverage_invalid_payloads(BOUNDS)}
    rate = {p.reason: p.value for p in coverage_invalid_payloads(RATE_V2)}

    assert by_reason["'count' above maximum 100000"]["count"] == 100001
    assert by_reason["'count' below minimum -3"]["count"] == -4
    assert by_reason["'ratio' at exclusive maximum 1"]["ratio"] == 1
    assert by_reason["'step' above maximum 42"]["step"] == 45  # multipleOf 5: next multiple
    assert by_reason["'step' at exclusive minimum 10"]["step"] == 10
    assert rate["'scale' above maximum 1"]["scale"] == math.nextafter(1, 2)
    assert "unexpected property 'unexpected'" in by_reason
    assert "'tags' has duplicate items" in by_reason
    assert "'tags' has more than 3 items" in by_reason
    assert "'kind' is not the const" in by_reason


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_invalid_payload_fails_with_a_unique_label(name: str) -> None:
    schema = SCHEMAS[name]
    invalid = coverage_invalid_payloads(schema)
    validator = PayloadValidator(schema)

    assert len(invalid) >= 3
    assert not any(validator.is_valid(p.value) for p in invalid)
    assert len({p.reason for p in invalid}) == len(invalid)


def test_unsupported_schemas_raise_as_from_schema_does() -> None:
    for schema in (False, {"type": "integer", "minimum": 5, "maximum": 1, "multipleOf": 7}):
        with pytest.raises(UnsupportedSchemaError):
            from_schema(schema)
        with pytest.raises(UnsupportedSchemaError):
            coverage_payloads(schema)
    with pytest.raises(UnsupportedSchemaError, match="nothing to break"):
        coverage_invalid_payloads(True)
    assert [p.reason for p in coverage_invalid_payloads(False)] == ["the schema is false"]


def test_callers_cannot_mutate_the_cache() -> None:
    first = coverage_payloads(FEEDBACK_V1)
    first[0].value["level"] = "mutated"
    first.clear()
    coverage_invalid_payloads(FEEDBACK_V1)[1].value["level"] = "mutated"

    assert coverage_payloads(FEEDBACK_V1)[0].value["level"] == "ok"
    assert coverage_invalid_payloads(FEEDBACK_V1)[1].value["level"] == "ok"


def test_caps_hold_for_wide_schemas() -> None:
    properties: dict[str, Any] = {
        f"p{i}": {"type": "integer", "minimum": 0, "maximum": 9} for i in range(500)
    }
    properties["big"] = {"enum": [f"v{i}" for i in range(1000)]}
    schema = {"type": "object", "properties": properties, "required": ["big"]}

    valid, invalid = coverage_payloads(schema), coverage_invalid_payloads(schema)

    # 64 at most; here the work budget (501 subschemas per payload) ends the list a little sooner.
    assert 40 <= len(valid) <= 64
    assert len(invalid) == 128
    assert [p.value["big"] for p in valid[:3]] == ["v0", "v1", "v2"]
    assert len(valid[0].label) < 300  # long lists are summarised, not spelled out
    assert len(coverage_payloads({"enum": list(range(1000))})) == 64


_CHILD = """
import json
from pytest_schema_registry._generation.coverage import coverage_payloads, coverage_invalid_payloads
schemas = json.loads({schemas!r})
print(json.dumps([
    [[p.value, p.label] for p in coverage_payloads(s)]
    + [[p.value, p.reason] for p in coverage_invalid_payloads(s)]
    for s in schemas
]))
"""


def test_results_are_identical_in_another_process() -> None:
    formats = {
        "type": "object",
        "required": ["when", "code"],
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "code": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]+$", "maxLength": 6},
        },
    }
    schemas = [FEEDBACK_V2, HEALTH_V2, formats]
    here = [
        [[p.value, p.label] for p in coverage_payloads(s)]
        + [[p.value, p.reason] for p in coverage_invalid_payloads(s)]
        for s in schemas
    ]

    child = subprocess.run(
        [sys.executable, "-c", _CHILD.format(schemas=json.dumps(schemas))],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "123"},
    )

    assert json.loads(child.stdout) == json.loads(json.dumps(here))
    assert here[2][0][0]["when"]  # the format came from hypothesis, and still matched


@settings(max_examples=3, database=None, deadline=None)  # the first call searches
@given(st.integers(0, 2))
def test_works_inside_a_callers_given(i: int) -> None:
    # The pattern needs hypothesis's search; inside @given it would fail a nested-given check.
    schema = {"type": "string", "pattern": f"^z{i}[0-9]+$", "maxLength": 6}

    payloads = coverage_payloads(schema)

    assert payloads
    assert all(p.value.startswith(f"z{i}") for p in payloads)


def test_branches_meeting_at_one_place_with_enums_of_different_widths() -> None:
    # Found on buildkite's schema: the wider enum's variation 4 was asked of the narrower one.
    schema = {
        "type": "object",
        "required": ["k"],
        "properties": {
            "k": {"anyOf": [{"enum": [1, 2, 3, 4, 5]}, {"type": "string", "enum": ["x", "y"]}]}
        },
    }

    payloads = coverage_payloads(schema)

    seen = {json.dumps(p.value["k"]) for p in payloads}
    assert {"1", "2", "3", "4", "5", '"x"', '"y"'} <= seen
