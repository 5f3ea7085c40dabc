"""The hypothesis-free schema reading the builder and the breaker stand on."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_schema_registry import UnsupportedSchemaError
from pytest_schema_registry._generation.schema_tools import (
    TYPES,
    bounds,
    deref,
    ecma_regex,
    merge,
    pointer,
    types_of,
    unique_key,
)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({}, (None, None, False, False)),
        ({"minimum": 0, "maximum": 1}, (0, 1, False, False)),
        # Draft 4 spelling: booleans beside minimum/maximum
        (
            {"minimum": 0, "exclusiveMinimum": True, "maximum": 9, "exclusiveMaximum": True},
            (0, 9, True, True),
        ),
        # Draft 6+ spelling: the exclusive bound is a number of its own
        ({"exclusiveMinimum": 0, "exclusiveMaximum": 5}, (0, 5, True, True)),
        # both spellings: the tighter bound wins, with its exclusivity
        ({"minimum": 2, "exclusiveMinimum": 1}, (2, None, False, False)),
        ({"minimum": 1, "exclusiveMinimum": 1}, (1, None, True, False)),
        ({"maximum": 3, "exclusiveMaximum": 7}, (None, 3, False, False)),
    ],
)
def test_bounds_read_both_drafts(schema: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert bounds(schema) == expected


def test_types_of_lists_declared_types_and_folds_integer_into_number() -> None:
    assert types_of({}, "#") == list(TYPES)
    assert types_of({"type": "string"}, "#") == ["string"]
    assert types_of({"type": ["integer", "number", "null"]}, "#") == ["number", "null"]


def test_types_of_names_an_unknown_type_and_where() -> None:
    with pytest.raises(
        UnsupportedSchemaError, match=r"^#/properties/a: .*'type'.*\['date'\]"
    ) as caught:
        types_of({"type": ["string", "date"]}, "#/properties/a")

    assert (caught.value.keyword, caught.value.path) == ("type", "#/properties/a")


def test_pointer_follows_escaped_segments_and_array_indexes() -> None:
    root = {"definitions": {"a/b": {"x": 1}, "c~d": [{"y": 2}], "50%": True}}

    assert pointer(root, "#", "#") is root
    assert pointer(root, "#/definitions/a~1b", "#") == {"x": 1}
    assert pointer(root, "#/definitions/c~0d/0", "#") == {"y": 2}
    assert pointer(root, "#/definitions/50%25", "#") is True


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("#/definitions/missing", "points nowhere"),
        ("#/list/7", "points nowhere"),
        ("#thing", "anchors"),
    ],
)
def test_pointer_refuses_what_does_not_resolve(ref: str, why: str) -> None:
    with pytest.raises(UnsupportedSchemaError, match=why):
        pointer({"definitions": {}, "list": [1]}, ref, "#/properties/p")


def test_merge_treats_true_and_empty_as_identity_and_false_as_absorbing() -> None:
    schema = {"type": "string"}

    assert merge(True, schema) is schema
    assert merge(schema, {}) is schema
    assert merge(schema, False) is False


def test_merge_tightens_what_both_sides_constrain() -> None:
    left = {
        "type": ["integer", "string"],
        "required": ["a", "b"],
        "properties": {"a": {"minimum": 0}},
        "enum": [1, 2, 3],
        "minimum": 0,
        "maximum": 10,
        "pattern": "^left$",
    }
    right = {
        "type": "number",
        "required": ["b", "c"],
        "properties": {"a": {"maximum": 5}, "z": {"type": "null"}},
        "enum": [3, 2, 9],
        "minimum": 2,
        "maximum": 20,
        "pattern": "^right$",
        "title": "kept",
    }

    merged = merge(left, right)

    assert merged["type"] == ["integer"]  # integer is a number: the intersection keeps it
    assert merged["required"] == ["a", "b", "c"]
    assert merged["properties"] == {"a": {"minimum": 0, "maximum": 5}, "z": {"type": "null"}}
    assert merged["enum"] == [2, 3]
    assert (merged["minimum"], merged["maximum"]) == (2, 10)
    assert (
        merged["pattern"] == "^left$"
    )  # not combinable: the left one stays, the filter checks the right
    assert merged["title"] == "kept"
    assert left["required"] == ["a", "b"]  # inputs untouched


def test_deref_merges_the_refs_siblings_into_its_target() -> None:
    root = {"definitions": {"level": {"type": "string", "enum": ["ok", "soft", "hard"]}}}

    plain = deref(root, {"$ref": "#/definitions/level"}, "#")
    narrowed = deref(
        root, {"$ref": "#/definitions/level", "enum": ["ok", "hard"], "title": "L"}, "#"
    )

    assert plain is root["definitions"]["level"]
    # Annotations assert nothing: copying them (or a root's whole `definitions`) would only cost.
    assert narrowed == {"type": "string", "enum": ["ok", "hard"]}
    assert deref(root, {"$ref": "#/definitions/level", **root}, "#") is root["definitions"]["level"]


def test_unique_key_is_json_equality() -> None:
    assert unique_key(1) == unique_key(1.0)
    assert unique_key(True) != unique_key(1)
    assert unique_key({"a": [1, {"b": 2}], "c": None}) == unique_key(
        {"c": None, "a": [1.0, {"b": 2}]}
    )
    assert unique_key([1, 2]) != unique_key([2, 1])
    assert len({unique_key(v) for v in (0, 0.0, False, None, "", [], {})}) == 6


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        # ECMA's `$` ends the input; Python's also matches before a final newline.
        ("^[a-z]+$", ["abc"], ["abc\n", "ab1"]),
        ("^\\p{L}+$", ["héllo", "Ωmega"], ["a1", ""]),
        ("^\\P{C}*$", ["plain text"], ["bell\x07"]),
        ("^[^\\p{C}]+$", ["x"], ["\x00"]),
        ("^[A-Za-z0-9](?:[\\w- ]*[A-Za-z0-9])?$", ["a- b"], ["-a"]),
        ("^\\p{ASCII}+$", ["ascii"], ["é"]),
    ],
)
def test_ecma_patterns_read_as_ecma_means_them(
    pattern: str, matches: list[str], misses: list[str]
) -> None:
    compiled = ecma_regex(pattern, "#", "pattern")

    assert all(compiled.search(text) for text in matches)
    assert not any(compiled.search(text) for text in misses)


def test_an_unknown_unicode_property_is_refused_with_the_pattern() -> None:
    with pytest.raises(UnsupportedSchemaError, match=r"'\\\\p\{Klingon\}' is not a regex"):
        ecma_regex("\\p{Klingon}", "#/properties/a", "pattern")
