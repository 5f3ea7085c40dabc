"""Confluent's JSON Schema differences and verdicts, on our own schema pairs.

Each case is (original, update, expected differences), i.e. a BACKWARD check with original = old.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from pytest_schema_registry._compat.confluent import (
    KINDS,
    LENIENT_COMPATIBLE,
    STRICT_COMPATIBLE,
    DiffDeadlineExceeded,
    Difference,
    confluent_compatible,
    describe,
    differences,
)
from pytest_schema_registry._core.errors import SchemaCompileError

NOT_EMITTED = {
    "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",  # deprecated in Confluent
    "RESERVED_PROPERTY_REMOVED",  # emitted outside the JSON differ
    "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY",
}
S = {"type": "string"}
I = {"type": "integer"}  # noqa: E741 - a one-letter table alias, like S
N = {"type": "number"}


def obj(**keywords: Any) -> dict[str, Any]:
    return {"type": "object", **keywords}


def arr(**keywords: Any) -> dict[str, Any]:
    return {"type": "array", **keywords}


Case = tuple[str, Any, Any, list[tuple[str, str]]]


def limit_cases(prefix: str, keyword: str, base: dict[str, Any]) -> list[Case]:
    """ADDED/REMOVED/INCREASED/DECREASED for one numeric limit keyword."""
    low, high = {**base, keyword: 2}, {**base, keyword: 5}
    return [
        (f"{prefix}_ADDED", base, low, [(f"{prefix}_ADDED", "#/")]),
        (f"{prefix}_REMOVED", low, base, [(f"{prefix}_REMOVED", "#/")]),
        (f"{prefix}_INCREASED", low, high, [(f"{prefix}_INCREASED", "#/")]),
        (f"{prefix}_DECREASED", high, low, [(f"{prefix}_DECREASED", "#/")]),
    ]


def open_cases(prefix: str, keyword: str, base: dict[str, Any]) -> list[Case]:
    """ADDED/REMOVED/EXTENDED/NARROWED for one "anything else" keyword."""
    path = f"#/{keyword}"
    closed, typed = {**base, keyword: False}, {**base, keyword: S}
    return [
        (f"{prefix}_ADDED", closed, base, [(f"{prefix}_ADDED", path)]),
        (f"{prefix}_REMOVED", base, closed, [(f"{prefix}_REMOVED", path)]),
        (f"{prefix}_EXTENDED", typed, base, [(f"{prefix}_EXTENDED", path)]),
        (f"{prefix}_NARROWED", base, typed, [(f"{prefix}_NARROWED", path)]),
        (f"{prefix}-schema-compared", typed, {**base, keyword: I}, [("TYPE_CHANGED", path)]),
    ]


def annotation_cases() -> list[Case]:
    return [
        (kind, {**S, key: "a"}, {**S, key: "b"}, [(kind, "#/")])
        for key, kind in (
            ("$id", "ID_CHANGED"),
            ("title", "TITLE_CHANGED"),
            ("description", "DESCRIPTION_CHANGED"),
            ("default", "DEFAULT_CHANGED"),
        )
    ] + [("draft4-id", {**S, "id": "a"}, {**S, "id": "b"}, [("ID_CHANGED", "#/")])]


TYPES: list[Case] = [
    ("TYPE_EXTENDED", I, N, [("TYPE_EXTENDED", "#/")]),
    ("TYPE_NARROWED", N, I, [("TYPE_NARROWED", "#/")]),
    ("TYPE_CHANGED", S, I, [("TYPE_CHANGED", "#/")]),
    ("empty-to-typed", {}, S, [("TYPE_CHANGED", "#/")]),
    ("false-to-anything", False, S, []),
    ("anything-to-true", S, True, []),
    ("anything-to-empty", S, {"title": "x"}, []),
    ("connect-bytes", {**S, "connect.type": "bytes"}, {**N, "connect.type": "bytes"}, []),
    ("type-array-widens", S, {"type": ["string", "null"]}, [("SUM_TYPE_EXTENDED", "#/")]),
    ("type-array-narrows", {"type": ["string", "null"]}, S, [("TYPE_CHANGED", "#/")]),
    ("typeless-keywords", {"maxLength": 3}, {"maxLength": 4}, [("MAX_LENGTH_INCREASED", "#/")]),
]

STRINGS: list[Case] = [
    *limit_cases("MAX_LENGTH", "maxLength", S),
    *limit_cases("MIN_LENGTH", "minLength", S),
    ("PATTERN_ADDED", S, {**S, "pattern": "^a"}, [("PATTERN_ADDED", "#/")]),
    ("PATTERN_REMOVED", {**S, "pattern": "^a"}, S, [("PATTERN_REMOVED", "#/")]),
    (
        "PATTERN_CHANGED",
        {**S, "pattern": "^a"},
        {**S, "pattern": "^(a)"},
        [("PATTERN_CHANGED", "#/")],
    ),
    ("format-not-compared", {**S, "format": "email"}, {**S, "format": "uuid"}, []),
]

NUMBERS: list[Case] = [
    *limit_cases("MAXIMUM", "maximum", N),
    *limit_cases("MINIMUM", "minimum", N),
    *limit_cases("EXCLUSIVE_MAXIMUM", "exclusiveMaximum", N),
    *limit_cases("EXCLUSIVE_MINIMUM", "exclusiveMinimum", N),
    ("MULTIPLE_OF_ADDED", N, {**N, "multipleOf": 2}, [("MULTIPLE_OF_ADDED", "#/")]),
    ("MULTIPLE_OF_REMOVED", {**N, "multipleOf": 2}, N, [("MULTIPLE_OF_REMOVED", "#/")]),
    # 0.3 / 0.1 is 2.9999999999999996 in floats: only exact arithmetic sees a whole number.
    (
        "MULTIPLE_OF_EXPANDED",
        {**N, "multipleOf": 0.1},
        {**N, "multipleOf": 0.3},
        [("MULTIPLE_OF_EXPANDED", "#/")],
    ),
    (
        "MULTIPLE_OF_REDUCED",
        {**N, "multipleOf": 0.3},
        {**N, "multipleOf": 0.1},
        [("MULTIPLE_OF_REDUCED", "#/")],
    ),
    (
        "MULTIPLE_OF_CHANGED",
        {**N, "multipleOf": 0.2},
        {**N, "multipleOf": 0.3},
        [("MULTIPLE_OF_CHANGED", "#/")],
    ),
    ("multiple-of-1-is-1.0", {**N, "multipleOf": 1}, {**N, "multipleOf": 1.0}, []),
    (
        "draft4-exclusive-flag",
        {**N, "maximum": 10, "exclusiveMaximum": False},
        {**N, "maximum": 10, "exclusiveMaximum": True},
        [("MAXIMUM_REMOVED", "#/"), ("EXCLUSIVE_MAXIMUM_ADDED", "#/")],
    ),
]

A_STR = {"a": S}
CLOSED = {"additionalProperties": False}
TAIL_S = {"additionalProperties": S}
TAIL_I = {"additionalProperties": I}
OBJECTS: list[Case] = [
    *limit_cases("MAX_PROPERTIES", "maxProperties", obj()),
    *limit_cases("MIN_PROPERTIES", "minProperties", obj()),
    *open_cases("ADDITIONAL_PROPERTIES", "additionalProperties", obj()),
    *open_cases("UNEVALUATED_PROPERTIES", "unevaluatedProperties", obj()),
    (
        "REQUIRED_ATTRIBUTE_ADDED",
        obj(properties=A_STR),
        obj(properties=A_STR, required=["a"]),
        [("REQUIRED_ATTRIBUTE_ADDED", "#/required/a")],
    ),
    (
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        obj(properties={"a": {**S, "default": "x"}}),
        obj(properties={"a": {**S, "default": "x"}}, required=["a"]),
        [("REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "#/required/a")],
    ),
    (
        "REQUIRED_ATTRIBUTE_REMOVED",
        obj(properties=A_STR, required=["a"]),
        obj(properties=A_STR),
        [("REQUIRED_ATTRIBUTE_REMOVED", "#/required/a")],
    ),
    ("required-undeclared-ignored", obj(), obj(required=["zz"]), []),
    (
        "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        obj(),
        obj(properties=A_STR, required=["a"]),
        [("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
        obj(),
        obj(properties={"a": {**S, "default": ""}}, required=["a"]),
        [("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        obj(),
        obj(properties=A_STR),
        [("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        obj(),
        obj(properties={"a": {}}),
        [("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "true-property-is-empty",
        obj(),
        obj(properties={"a": True}),
        [("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        obj(**CLOSED),
        obj(**CLOSED, properties=A_STR, required=["a"]),
        [("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        obj(**CLOSED),
        obj(**CLOSED, properties={"a": {**S, "default": ""}}, required=["a"]),
        [("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        obj(**CLOSED),
        obj(**CLOSED, properties=A_STR),
        [("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "unmatched-pattern-is-closed",
        obj(patternProperties={"^x_": {}}),
        obj(patternProperties={"^x_": {}}, properties=A_STR),
        [("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        obj(properties=A_STR),
        obj(),
        [("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        obj(**CLOSED, properties=A_STR),
        obj(**CLOSED),
        [("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        obj(**CLOSED, properties={"a": False}),
        obj(**CLOSED),
        [("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        obj(**TAIL_S, properties=A_STR),
        obj(**TAIL_S),
        [("PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        obj(**TAIL_I, properties=A_STR),
        obj(**TAIL_I),
        [("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        obj(**TAIL_S),
        obj(**TAIL_S, properties=A_STR),
        [("PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        obj(**TAIL_I),
        obj(**TAIL_I, properties=A_STR),
        [("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "pattern-covers-removal",
        obj(patternProperties={"^x_": S}, properties={"x_a": S}),
        obj(patternProperties={"^x_": S}),
        [("PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/properties/x_a")],
    ),
    (
        "unevaluated-schema-covers-addition",
        obj(unevaluatedProperties=S),
        obj(unevaluatedProperties=S, properties=A_STR),
        [("PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/properties/a")],
    ),
    (
        "DEPENDENCY_ARRAY_ADDED",
        obj(),
        obj(dependencies={"a": ["b"]}),
        [("DEPENDENCY_ARRAY_ADDED", "#/dependencies/a")],
    ),
    (
        "DEPENDENCY_ARRAY_REMOVED",
        obj(dependencies={"a": ["b"]}),
        obj(),
        [("DEPENDENCY_ARRAY_REMOVED", "#/dependencies/a")],
    ),
    (
        "DEPENDENCY_ARRAY_EXTENDED",
        obj(dependencies={"a": ["b"]}),
        obj(dependentRequired={"a": ["b", "c"]}),
        [("DEPENDENCY_ARRAY_EXTENDED", "#/dependencies/a")],
    ),
    (
        "DEPENDENCY_ARRAY_NARROWED",
        obj(dependencies={"a": ["b", "c"]}),
        obj(dependencies={"a": ["c"]}),
        [("DEPENDENCY_ARRAY_NARROWED", "#/dependencies/a")],
    ),
    (
        "DEPENDENCY_ARRAY_CHANGED",
        obj(dependencies={"a": ["b"]}),
        obj(dependencies={"a": ["c"]}),
        [("DEPENDENCY_ARRAY_CHANGED", "#/dependencies/a")],
    ),
    (
        "DEPENDENCY_SCHEMA_ADDED",
        obj(),
        obj(dependentSchemas={"a": obj()}),
        [("DEPENDENCY_SCHEMA_ADDED", "#/dependencies/a")],
    ),
    (
        "DEPENDENCY_SCHEMA_REMOVED",
        obj(dependencies={"a": obj()}),
        obj(),
        [("DEPENDENCY_SCHEMA_REMOVED", "#/dependencies/a")],
    ),
    (
        "dependency-schema-compared",
        obj(dependencies={"a": obj(maxProperties=3)}),
        obj(dependencies={"a": obj(maxProperties=2)}),
        [("MAX_PROPERTIES_DECREASED", "#/dependencies/a")],
    ),
]

TUPLE = [S]
PAIR = [S, I]
NO_TAIL = {"additionalItems": False}
ITEMS_S = {"additionalItems": S}
ITEMS_I = {"additionalItems": I}
ARRAYS: list[Case] = [
    *limit_cases("MAX_ITEMS", "maxItems", arr()),
    *limit_cases("MIN_ITEMS", "minItems", arr()),
    *limit_cases("MAX_CONTAINS", "maxContains", arr(contains=S)),
    *limit_cases("MIN_CONTAINS", "minContains", arr(contains=S)),
    *open_cases("ADDITIONAL_ITEMS", "additionalItems", arr(items=TUPLE)),
    *open_cases("UNEVALUATED_ITEMS", "unevaluatedItems", arr()),
    ("UNIQUE_ITEMS_ADDED", arr(), arr(uniqueItems=True), [("UNIQUE_ITEMS_ADDED", "#/")]),
    (
        "UNIQUE_ITEMS_REMOVED",
        arr(uniqueItems=True),
        arr(uniqueItems=False),
        [("UNIQUE_ITEMS_REMOVED", "#/")],
    ),
    ("SCHEMA_ADDED", arr(), arr(items=S), [("SCHEMA_ADDED", "#/items")]),
    ("SCHEMA_REMOVED", arr(items=S), arr(), [("SCHEMA_REMOVED", "#/items")]),
    ("items-compared", arr(items=S), arr(items=I), [("TYPE_CHANGED", "#/items")]),
    ("contains-added", arr(), arr(contains=S), [("SCHEMA_ADDED", "#/contains")]),
    (
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
        arr(items=TUPLE),
        arr(items=PAIR),
        [("ITEM_ADDED_TO_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        arr(items=TUPLE),
        arr(items=[S, {}]),
        [("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        arr(items=TUPLE, **NO_TAIL),
        arr(items=PAIR, **NO_TAIL),
        [("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        arr(items=PAIR),
        arr(items=TUPLE),
        [("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        arr(items=PAIR, **NO_TAIL),
        arr(items=TUPLE, **NO_TAIL),
        [("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        arr(items=[S, False], **NO_TAIL),
        arr(items=TUPLE, **NO_TAIL),
        [("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        arr(items=TUPLE, **ITEMS_I),
        arr(items=PAIR, **ITEMS_I),
        [("ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        arr(items=TUPLE, **ITEMS_S),
        arr(items=PAIR, **ITEMS_S),
        [("ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        arr(items=PAIR, **ITEMS_I),
        arr(items=TUPLE, **ITEMS_I),
        [("ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        arr(items=PAIR, **ITEMS_S),
        arr(items=TUPLE, **ITEMS_S),
        [("ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "#/items/1")],
    ),
    (
        "prefix-items-2020",
        arr(prefixItems=TUPLE, items=False),
        arr(prefixItems=PAIR, items=False),
        [("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", "#/prefixItems/1")],
    ),
    (
        "prefix-items-tail-2020",
        arr(prefixItems=TUPLE, items=False),
        arr(prefixItems=TUPLE),
        [("ADDITIONAL_ITEMS_ADDED", "#/items")],
    ),
]

VALUES: list[Case] = [
    ("ENUM_ARRAY_EXTENDED", {"enum": ["a"]}, {"enum": ["a", "b"]}, [("ENUM_ARRAY_EXTENDED", "#/")]),
    ("ENUM_ARRAY_NARROWED", {"enum": ["a", "b"]}, {"enum": ["a"]}, [("ENUM_ARRAY_NARROWED", "#/")]),
    ("ENUM_ARRAY_CHANGED", {"enum": ["a"]}, {"enum": ["b"]}, [("ENUM_ARRAY_CHANGED", "#/")]),
    ("const-changed", {"const": {"x": 1}}, {"const": {"x": 2}}, [("ENUM_ARRAY_CHANGED", "#/")]),
    ("enum-1-is-1.0", {"enum": [1, {"k": [2]}]}, {"enum": [1.0, {"k": [2.0]}]}, []),
    ("enum-true-is-not-1", {"enum": [True]}, {"enum": [1]}, [("ENUM_ARRAY_CHANGED", "#/")]),
    ("enum-key-order", {"enum": [{"a": 1, "b": 2}]}, {"enum": [{"b": 2, "a": 1}]}, []),
]


def branches(*schemas: Any) -> list[Any]:
    return list(schemas)


SHORT = {**S, "maxLength": 5}
LONGER = {**S, "maxLength": 10}
COMBINED: list[Case] = [
    ("SUM_TYPE_EXTENDED", S, {"anyOf": [I, S]}, [("SUM_TYPE_EXTENDED", "#/")]),
    (
        "sum-type-branch-differences-kept",
        SHORT,
        {"oneOf": [I, LONGER]},
        [("MAX_LENGTH_INCREASED", "#/oneOf/1"), ("SUM_TYPE_EXTENDED", "#/")],
    ),
    ("no-branch-fits", S, {"anyOf": [I, N]}, [("TYPE_CHANGED", "#/")]),
    ("oneOf-grows", {"oneOf": [S, I]}, {"oneOf": [S, I, N]}, [("SUM_TYPE_EXTENDED", "#/")]),
    ("SUM_TYPE_NARROWED", {"oneOf": [S, I, N]}, {"oneOf": [S, I]}, [("SUM_TYPE_NARROWED", "#/")]),
    (
        "PRODUCT_TYPE_EXTENDED",
        {"allOf": [S, SHORT]},
        {"allOf": [S, SHORT, {"minLength": 1}]},
        [("PRODUCT_TYPE_EXTENDED", "#/")],
    ),
    (
        "PRODUCT_TYPE_NARROWED",
        {"allOf": [S, SHORT, {"minLength": 1}]},
        {"allOf": [S, SHORT]},
        [("PRODUCT_TYPE_NARROWED", "#/")],
    ),
    (
        "allOf-to-single",
        {"allOf": [SHORT, {"minLength": 1}]},
        S,
        [("MAX_LENGTH_REMOVED", "#/allOf/0"), ("PRODUCT_TYPE_NARROWED", "#/")],
    ),
    (
        "COMBINED_TYPE_EXTENDED",
        {"oneOf": [S, I]},
        {"anyOf": [S, I]},
        [("COMBINED_TYPE_EXTENDED", "#/")],
    ),
    (
        "COMBINED_TYPE_CHANGED",
        {"anyOf": [S, I]},
        {"oneOf": [S, I]},
        [("COMBINED_TYPE_CHANGED", "#/")],
    ),
    (
        "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
        {"oneOf": [S, I]},
        {"oneOf": [{"type": "boolean"}, I]},
        [("COMBINED_TYPE_SUBSCHEMAS_CHANGED", "#/")],
    ),
    # A greedy pairing takes SHORT->S first and strands S; the maximum matching pairs both.
    ("matching-beats-greedy", {"oneOf": [SHORT, S]}, {"oneOf": [S, LONGER]}, []),
    ("singleton-unwrapped", S, {"allOf": [SHORT]}, [("MAX_LENGTH_ADDED", "#/allOf/0")]),
    ("duplicate-branches-collapse", {"anyOf": [S, S, I]}, {"anyOf": [S, I]}, []),
    ("type-with-enum-is-combined", {**S, "enum": ["a", "b"]}, S, [("PRODUCT_TYPE_NARROWED", "#/")]),
    ("NOT_TYPE_NARROWED", {"not": S}, {"not": SHORT}, [("NOT_TYPE_NARROWED", "#/not")]),
    ("NOT_TYPE_EXTENDED", {"not": SHORT}, {"not": S}, [("NOT_TYPE_EXTENDED", "#/not")]),
    ("not-unchanged", {"not": S}, {"not": S}, []),
]

DEFS = {"a/b~c": SHORT}
REFS: list[Case] = [
    (
        "ref-followed",
        obj(definitions={"s": S}, properties={"x": {"$ref": "#/definitions/s"}}),
        obj(definitions={"s": SHORT}, properties={"x": {"$ref": "#/definitions/s"}}),
        [("MAX_LENGTH_ADDED", "#/properties/x")],
    ),
    (
        "ref-escapes-and-defs",
        obj(properties={"x": S}),
        obj(**{"$defs": DEFS}, properties={"x": {"$ref": "#/$defs/a~1b~0c"}}),
        [("MAX_LENGTH_ADDED", "#/properties/x")],
    ),
    (
        "ref-percent-encoded",
        {"$ref": "#/$defs/a%25", "$defs": {"a%": S}},
        I,
        [("TYPE_CHANGED", "#/")],
    ),
]

CASES = [
    *annotation_cases(),
    *TYPES,
    *STRINGS,
    *NUMBERS,
    *OBJECTS,
    *ARRAYS,
    *VALUES,
    *COMBINED,
    *REFS,
]


@pytest.mark.parametrize(
    ("original", "update", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_differences_name_kind_and_path(
    original: Any, update: Any, expected: list[tuple[str, str]]
) -> None:
    found = differences(original, update)

    assert [(d.kind, d.path) for d in found] == expected


def test_every_emitted_kind_has_a_case() -> None:
    covered = {kind for case in CASES for kind, _ in case[3]}

    assert covered == KINDS - NOT_EMITTED


def test_the_policy_sets_match_the_facts() -> None:
    assert (len(STRICT_COMPATIBLE), len(LENIENT_COMPATIBLE), len(KINDS)) == (65, 74, 132)
    assert STRICT_COMPATIBLE < LENIENT_COMPATIBLE < KINDS


LENIENT_ONLY = sorted(LENIENT_COMPATIBLE - STRICT_COMPATIBLE)
BY_KIND = {case[0]: case for case in CASES}


@pytest.mark.parametrize("kind", LENIENT_ONLY)
def test_lenient_allows_what_strict_refuses(kind: str) -> None:
    _, original, update, _ = BY_KIND[kind]
    found = differences(original, update)

    assert [d.kind for d in found] == [kind]
    assert confluent_compatible(found, "STRICT") is False
    assert confluent_compatible(found, "LENIENT") is True
    assert confluent_compatible(found, "anything-else") is False  # Confluent's default is STRICT


def test_backward_and_forward_are_the_two_directions() -> None:
    old, new = obj(properties=A_STR), obj(properties=A_STR, required=["a"])

    assert confluent_compatible(differences(old, new)) is False  # BACKWARD: new reads old data
    assert confluent_compatible(differences(new, old)) is True  # FORWARD: old reads new data


def test_the_policy_judges_branches_too() -> None:
    old, new = obj(), {"anyOf": [obj(additionalProperties=False), {"type": "null"}]}

    strict = differences(old, new)
    lenient = differences(old, new, policy="LENIENT")

    assert [d.kind for d in strict] == ["TYPE_CHANGED"]
    assert [d.kind for d in lenient] == ["ADDITIONAL_PROPERTIES_REMOVED", "SUM_TYPE_EXTENDED"]
    assert confluent_compatible(lenient, "LENIENT") is True


def tree(leaf: dict[str, Any]) -> dict[str, Any]:
    return obj(properties={"value": leaf, "children": arr(items={"$ref": "#"})})


def test_recursive_refs_terminate_with_the_real_difference() -> None:
    found = differences(tree(S), tree(SHORT))

    assert [(d.kind, d.path) for d in found] == [("MAX_LENGTH_ADDED", "#/properties/value")]


def linked(leaf: dict[str, Any]) -> dict[str, Any]:
    node = obj(properties={"value": leaf, "next": {"$ref": "#"}})
    return {"anyOf": [{"type": "null"}, node]}


def test_a_recursive_break_inside_branches_is_not_assumed_away() -> None:
    found = differences(linked(S), linked(I))

    assert not confluent_compatible(found)
    assert confluent_compatible(differences(linked(S), linked(S)))


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"$ref": "other.json#/a"}, "outside the document"),
        ({"$ref": "#/definitions/missing"}, "points nowhere"),
        ({"$ref": "#anchor"}, "anchor"),
        ({"$ref": "#"}, "loops"),
    ],
    ids=["remote", "missing", "anchor", "self-loop"],
)
def test_unresolvable_refs_raise_a_clear_error(schema: Any, message: str) -> None:
    with pytest.raises(SchemaCompileError, match=message):
        differences(S, schema)


def test_a_ref_to_the_documents_own_id_resolves() -> None:
    doc = {
        "$id": "https://x/s.json",
        "definitions": {"s": S},
        **obj(properties={"a": {"$ref": "https://x/s.json#/definitions/s"}}),
    }

    found = differences(doc, obj(properties={"a": SHORT}))

    assert found == [
        Difference("ID_CHANGED", "#/"),
        Difference("MAX_LENGTH_ADDED", "#/properties/a"),
    ]


def test_a_deadline_in_the_past_raises_the_signal() -> None:
    with pytest.raises(DiffDeadlineExceeded):
        differences(S, I, deadline=time.monotonic() - 1)


def test_a_future_deadline_changes_nothing() -> None:
    assert differences(S, I, deadline=time.monotonic() + 60) == [Difference("TYPE_CHANGED", "#/")]


def nested(depth: int, wrap: str) -> dict[str, Any]:
    schema: dict[str, Any] = S
    for _ in range(depth):
        schema = obj(properties={"a": schema}) if wrap == "properties" else {"anyOf": [schema, I]}
    return schema


@pytest.mark.parametrize("wrap", ["properties", "anyOf"])
def test_deep_nesting_is_a_clear_error_not_a_recursion_error(wrap: str) -> None:
    with pytest.raises(SchemaCompileError, match="deep"):
        differences(nested(5000, wrap), nested(5000, wrap) | {"title": "t"})


def test_moderate_nesting_is_compared() -> None:
    found = differences(nested(40, "properties"), nested(40, "properties") | {"title": "t"})

    assert found == [Difference("TITLE_CHANGED", "#/")]


def test_a_huge_enum_compares_in_linear_time() -> None:
    members = list(range(100_000))
    original, update = {"enum": members}, {"enum": [*members, "extra"]}

    started = time.perf_counter()
    found = differences(original, update)
    elapsed = time.perf_counter() - started

    assert found == [Difference("ENUM_ARRAY_EXTENDED", "#/")]
    assert elapsed < 1.0, f"{elapsed:.2f}s"  # quadratic list inclusion takes minutes


def test_describe_says_what_where_and_verdict() -> None:
    assert describe(Difference("REQUIRED_ATTRIBUTE_ADDED", "#/required/c")) == (
        "'c' is now required (#/required/c): old writers may omit it; breaking"
    )
    assert (
        describe(Difference("MAX_LENGTH_INCREASED", "#/properties/a"))
        == "maxLength went up at #/properties/a"
    )
    assert "LENIENT" in describe(
        Difference("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/b")
    )
    assert Difference("TITLE_CHANGED", "#/").message == describe(Difference("TITLE_CHANGED", "#/"))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_sentence(kind: str) -> None:
    text = describe(Difference(kind, "#/properties/zz"))

    assert "#/properties/zz" in text
    assert text.endswith("breaking") == (kind not in LENIENT_COMPATIBLE)
    assert "_" not in text.replace("#/properties/zz", "")  # no raw kind names leak through


def test_a_guess_proved_wrong_is_corrected_by_another_pass() -> None:
    """On the first pass `next` fits the anyOf only by assuming the root pair compatible."""
    original = obj(properties={"w": S, "next": {"$ref": "#"}})
    update = obj(properties={"w": I, "next": {"anyOf": [{"type": "null"}, {"$ref": "#"}]}})

    found = differences(original, update)

    assert [(d.kind, d.path) for d in found] == [
        ("TYPE_CHANGED", "#/properties/w"),
        ("TYPE_CHANGED", "#/properties/next"),
    ]


def diamond(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    """Each level refers to the one below in four ways: walked naively, 4**depth comparisons."""
    levels: dict[str, Any] = {"l0": leaf}
    for level in range(1, depth + 1):
        below = {"$ref": f"#/$defs/l{level - 1}"}
        levels[f"l{level}"] = {"anyOf": [below, {"allOf": [below]}, I]}
    return {"$defs": levels, "$ref": f"#/$defs/l{depth}"}


def test_shared_subschemas_are_compared_once() -> None:
    found = differences(diamond(30, S), diamond(30, SHORT), deadline=time.monotonic() + 10)

    assert not confluent_compatible(found)


FUZZ_KEYS = [
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "items",
    "prefixItems",
    "additionalItems",
    "enum",
    "const",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "$ref",
    "maxLength",
    "exclusiveMaximum",
    "multipleOf",
    "dependencies",
    "unevaluatedItems",
    "default",
    "$defs",
]
FUZZ_LEAVES = [None, True, False, 0, 1.0, 0.1, -3, "a", "(", "#", "#/$defs/a", float("inf"), [], {}]


def malformed(rng: random.Random, depth: int = 0) -> Any:
    """Draw a schema-shaped value with wrong types in odd places (`properties: 5`, bad refs)."""
    if depth > 3 or rng.random() < 0.25:
        return rng.choice(FUZZ_LEAVES)
    if rng.random() < 0.2:
        return [malformed(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = rng.sample(FUZZ_KEYS, rng.randint(0, 4))
    return {
        key: {"a": malformed(rng, depth + 1)}
        if key in ("properties", "$defs")
        else malformed(rng, depth + 1)
        for key in keys
    }


def test_malformed_schemas_give_differences_or_a_clear_error() -> None:
    rng = random.Random(20260822)  # noqa: S311 - reproducible test data, not secrets
    for _ in range(2000):
        original, update = malformed(rng), malformed(rng)
        try:
            found = differences(original, update, deadline=time.monotonic() + 5)
        except SchemaCompileError:
            continue
        assert all(d.kind in KINDS and d.path.startswith("#/") and describe(d) for d in found)
