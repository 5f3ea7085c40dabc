"""Bundling registry references: one self-contained Draft 7 document that compiles and generates."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings

from pytest_schema_registry._core.references import MAX_DEPTH, bundle
from pytest_schema_registry.strategies import from_schema

ADDRESS: dict[str, Any] = {
    "type": "object",
    "properties": {"street": {"$ref": "#/definitions/street"}, "zip": {"type": "string"}},
    "required": ["street"],
    "definitions": {"street": {"type": "string", "minLength": 1}},
}
ORDER: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "ship_to": {"$ref": "address.json"}},
    "required": ["id", "ship_to"],
}


def validator(schema: dict[str, Any] | bool) -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(schema)


def nested(depth: int, leaf: Any = None) -> dict[str, Any]:
    schema: dict[str, Any] = {} if leaf is None else leaf
    for _ in range(depth - 1):
        schema = {"not": schema}
    return schema


def test_a_reference_is_embedded_and_its_ref_made_local() -> None:
    bundled = bundle(ORDER, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["properties"]["ship_to"] == {"$ref": "#/definitions/address.json"}
    check = validator(bundled)
    assert check.is_valid({"id": 1, "ship_to": {"street": "Main St"}})
    assert not check.is_valid({"id": 1, "ship_to": {"zip": "123"}})
    assert not check.is_valid({"id": 1, "ship_to": {"street": ""}})  # via its own #/definitions


def test_a_root_that_is_only_a_ref_compiles() -> None:
    bundled = bundle({"$ref": "address.json"}, {"address.json": ADDRESS})

    check = validator(bundled)
    assert check.is_valid({"street": "x"})
    assert not check.is_valid({"street": 1})


def test_a_fragment_points_into_the_referenced_documents_definitions() -> None:
    schema = {"type": "object", "properties": {"s": {"$ref": "address.json#/definitions/street"}}}

    bundled = bundle(schema, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["properties"]["s"]["$ref"] == "#/definitions/address.json/definitions/street"
    assert validator(bundled).is_valid({"s": "a"})
    assert not validator(bundled).is_valid({"s": ""})


@pytest.mark.parametrize("ref", ["address.json#", "address.json"])
def test_an_empty_fragment_points_at_the_embedded_root(ref: str) -> None:
    bundled = bundle({"$ref": ref}, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["$ref"] == "#/definitions/address.json"


def test_a_recursive_referenced_document_keeps_recursing_in_its_new_place() -> None:
    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#"}}},
        "additionalProperties": False,
    }

    bundled = bundle({"$ref": "tree.json"}, {"tree.json": tree})

    assert isinstance(bundled, dict)
    embedded = bundled["definitions"]["tree.json"]
    assert embedded["properties"]["children"]["items"] == {"$ref": "#/definitions/tree.json"}
    assert validator(bundled).is_valid({"children": [{"children": []}]})
    assert not validator(bundled).is_valid({"children": [{"children": [{"x": 1}]}]})


def test_a_referenced_documents_id_and_schema_are_dropped_and_self_refs_follow() -> None:
    address = {
        **ADDRESS,
        "$id": "https://example.com/schemas/address.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "properties": {
            "street": {"$ref": "https://example.com/schemas/address.json#/definitions/street"},
            "zip": {"$ref": "address.json#/definitions/street"},  # relative to its own $id
        },
    }

    bundled = bundle(ORDER, {"address.json": address})

    assert isinstance(bundled, dict)
    embedded = bundled["definitions"]["address.json"]
    assert "$id" not in embedded
    assert "$schema" not in embedded
    assert embedded["properties"]["street"]["$ref"] == (
        "#/definitions/address.json/definitions/street"
    )
    check = validator(bundled)
    assert check.is_valid({"id": 1, "ship_to": {"street": "a", "zip": "b"}})
    assert not check.is_valid({"id": 1, "ship_to": {"street": "a", "zip": ""}})


def test_a_ref_by_a_referenced_documents_id_resolves_too() -> None:
    address = {**ADDRESS, "$id": "https://example.com/schemas/address.json"}

    bundled = bundle({"$ref": "https://example.com/schemas/address.json"}, {"a": address})

    assert isinstance(bundled, dict)
    assert bundled["$ref"] == "#/definitions/a"


def test_two_references() -> None:
    schema = {
        "type": "object",
        "properties": {"ship_to": {"$ref": "address.json"}, "who": {"$ref": "customer.json"}},
        "required": ["ship_to", "who"],
    }
    customer = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}

    bundled = bundle(schema, {"customer.json": customer, "address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert list(bundled["definitions"]) == ["address.json", "customer.json"]
    check = validator(bundled)
    assert check.is_valid({"ship_to": {"street": "a"}, "who": {"name": "b"}})
    assert not check.is_valid({"ship_to": {"street": "a"}, "who": {}})
    assert not check.is_valid({"ship_to": {}, "who": {"name": "b"}})


def test_the_result_does_not_depend_on_the_order_of_references() -> None:
    one = bundle(ORDER, {"b.json": True, "address.json": ADDRESS})
    two = bundle(ORDER, {"address.json": ADDRESS, "b.json": True})

    assert isinstance(one, dict)
    assert isinstance(two, dict)
    assert list(one["definitions"]) == list(two["definitions"])
    assert one == two


def test_a_url_named_reference_matches_a_relative_ref_under_the_roots_id() -> None:
    url = "https://example.com/schemas/address.schema.json"
    schema = {
        "$id": "https://example.com/schemas/order.schema.json",
        "type": "object",
        "properties": {"ship_to": {"$ref": "address.schema.json"}},
        "required": ["ship_to"],
    }

    bundled = bundle(schema, {url: ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["$id"] == schema["$id"]  # the root keeps its identity
    pointer = "#/definitions/https:~1~1example.com~1schemas~1address.schema.json"
    assert bundled["properties"]["ship_to"]["$ref"] == pointer
    assert list(bundled["definitions"]) == [url]
    assert validator(bundled).is_valid({"ship_to": {"street": "a"}})
    assert not validator(bundled).is_valid({"ship_to": {}})


def test_a_url_named_reference_matches_an_exact_absolute_ref_without_a_root_id() -> None:
    url = "https://example.com/schemas/address.schema.json"

    bundled = bundle({"$ref": url}, {url: ADDRESS})

    assert validator(bundled).is_valid({"street": "a"})
    assert not validator(bundled).is_valid({})


def test_relative_refs_inside_a_url_named_reference_resolve_against_its_name() -> None:
    base = "https://example.com/schemas/"
    address = {"type": "object", "properties": {"street": {"$ref": "street.json"}}}

    bundled = bundle(
        {"$ref": base + "address.json"},
        {base + "address.json": address, base + "street.json": {"type": "string"}},
    )

    assert validator(bundled).is_valid({"street": "a"})
    assert not validator(bundled).is_valid({"street": 1})


def test_keys_are_escaped_as_pointer_tokens_and_percent_encoded() -> None:
    name = "my schemas/a~b%{c}é.json"

    bundled = bundle({"$ref": name}, {name: {"type": "string"}})

    assert isinstance(bundled, dict)
    assert bundled["$ref"] == "#/definitions/my%20schemas~1a~0b%25%7Bc%7D%C3%A9.json"
    assert list(bundled["definitions"]) == [name]
    assert validator(bundled).is_valid("x")
    assert not validator(bundled).is_valid(1)


def test_a_property_named_ref_is_a_property_not_a_reference() -> None:
    schema = {
        "type": "object",
        "properties": {
            "$ref": {"$ref": "address.json"},
            "enum": {"$ref": "address.json"},  # named like a data keyword: still a schema
            "plain": {"properties": {"$ref": {"type": "string"}}},
        },
        "required": ["$ref"],
    }

    bundled = bundle(schema, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    properties = bundled["properties"]
    assert properties["$ref"] == {"$ref": "#/definitions/address.json"}
    assert properties["enum"] == {"$ref": "#/definitions/address.json"}
    assert properties["plain"] == {"properties": {"$ref": {"type": "string"}}}
    check = validator(bundled)
    assert check.is_valid({"$ref": {"street": "a"}, "plain": {"$ref": "s"}})
    assert not check.is_valid({"$ref": {}})
    assert not check.is_valid({"$ref": {"street": "a"}, "plain": {"$ref": 1}})


def test_values_that_are_data_keep_their_ref_keys() -> None:
    data = {"$ref": "address.json"}
    schema = {
        "anyOf": [{"enum": [data]}, {"$ref": "address.json"}],
        "const": data,
        "default": data,
        "examples": [data],
    }

    bundled = bundle(schema, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["anyOf"] == [{"enum": [data]}, {"$ref": "#/definitions/address.json"}]
    assert bundled["const"] == bundled["default"] == data
    assert bundled["examples"] == [data]
    check = validator({k: v for k, v in bundled.items() if k != "const"})
    assert check.is_valid(data)
    assert check.is_valid({"street": "a"})
    assert not check.is_valid({"$ref": 1})


def test_refs_naming_no_reference_are_left_alone() -> None:
    schema = {
        "properties": {"a": {"$ref": "other.json"}, "b": {"$ref": "#/definitions/b"}},
        "definitions": {"b": {"type": "string"}},
    }

    bundled = bundle(schema, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["properties"] == schema["properties"]


def test_an_anchor_fragment_into_a_reference_is_refused() -> None:
    with pytest.raises(ValueError, match=r"address\.json#street.*JSON-pointer"):
        bundle({"$ref": "address.json#street"}, {"address.json": ADDRESS})


def test_a_local_anchor_inside_a_reference_travels_with_it() -> None:
    address = {"definitions": {"s": {"$id": "#street", "type": "string"}}, "$ref": "#street"}

    bundled = bundle({"$ref": "address.json"}, {"address.json": address})

    assert isinstance(bundled, dict)
    assert bundled["definitions"]["address.json"]["$ref"] == "#street"
    assert validator(bundled).is_valid("a")
    assert not validator(bundled).is_valid(1)


def test_a_nested_id_resource_keeps_its_local_refs() -> None:
    inner = {
        "$id": "https://example.com/inner.json",
        "definitions": {"n": {"type": "integer"}},
        "properties": {"n": {"$ref": "#/definitions/n"}},
    }
    bundled = bundle({"$ref": "outer.json"}, {"outer.json": {"properties": {"inner": inner}}})

    assert isinstance(bundled, dict)
    embedded = bundled["definitions"]["outer.json"]
    assert embedded["properties"]["inner"]["properties"]["n"] == {"$ref": "#/definitions/n"}
    assert validator(bundled).is_valid({"inner": {"n": 1}})
    assert not validator(bundled).is_valid({"inner": {"n": "x"}})


@pytest.mark.parametrize("root", [True, False])
def test_a_boolean_root_is_returned_as_it_is(root: bool) -> None:
    assert bundle(root, {"address.json": ADDRESS}) is root
    assert bundle(root, {}) is root


@pytest.mark.parametrize(("reference", "valid"), [(True, True), (False, False)])
def test_boolean_references_embed(reference: bool, valid: bool) -> None:
    schema = {"type": "object", "properties": {"x": {"$ref": "x.json"}}}

    bundled = bundle(schema, {"x.json": reference})

    assert isinstance(bundled, dict)
    assert bundled["definitions"] == {"x.json": reference}
    assert validator(bundled).is_valid({"x": 1}) is valid
    assert validator(bundled).is_valid({})


def test_a_taken_definitions_key_gets_a_suffix_and_keeps_its_entry() -> None:
    schema = {
        "type": "object",
        "properties": {
            "mine": {"$ref": "#/definitions/address.json"},
            "theirs": {"$ref": "address.json"},
        },
        "definitions": {"address.json": {"type": "integer"}, "address.json-2": {"type": "null"}},
    }

    bundled = bundle(schema, {"address.json": ADDRESS})

    assert isinstance(bundled, dict)
    assert bundled["properties"]["mine"] == {"$ref": "#/definitions/address.json"}
    assert bundled["properties"]["theirs"] == {"$ref": "#/definitions/address.json-3"}
    assert list(bundled["definitions"]) == ["address.json", "address.json-2", "address.json-3"]
    check = validator(bundled)
    assert check.is_valid({"mine": 1, "theirs": {"street": "a"}})
    assert not check.is_valid({"mine": 1, "theirs": 1})


def test_a_bundled_document_bundles_again_as_a_reference() -> None:
    street = {"type": "string", "pattern": "^[A-Z]"}
    address = {"type": "object", "properties": {"street": {"$ref": "street.json"}}}
    address_bundled = bundle(address, {"street.json": street})

    bundled = bundle(ORDER, {"address.json": address_bundled})

    assert isinstance(bundled, dict)
    embedded = bundled["definitions"]["address.json"]
    assert embedded["properties"]["street"] == {
        "$ref": "#/definitions/address.json/definitions/street.json"
    }
    check = validator(bundled)
    assert check.is_valid({"id": 1, "ship_to": {"street": "Main"}})
    assert not check.is_valid({"id": 1, "ship_to": {"street": "main"}})


def test_the_inputs_are_never_changed_nor_shared() -> None:
    schema = copy.deepcopy({**ORDER, "definitions": {"x": {"enum": [[1]]}}})
    address = copy.deepcopy(ADDRESS)
    references = {"address.json": address}
    before = copy.deepcopy((schema, references))

    bundled = bundle(schema, references)

    assert (schema, references) == before
    assert isinstance(bundled, dict)
    bundled["definitions"]["x"]["enum"][0].append(2)
    bundled["definitions"]["address.json"]["definitions"]["street"]["minLength"] = 9
    assert (schema, references) == before


def test_no_references_give_an_equal_copy() -> None:
    bundled = bundle(ADDRESS, {})

    assert bundled == ADDRESS
    assert isinstance(bundled, dict)
    assert bundled is not ADDRESS
    assert bundled["definitions"] is not ADDRESS["definitions"]


def test_the_limit_holds_for_the_bundle_as_a_whole() -> None:
    deepest = bundle({"$ref": "d"}, {"d": nested(MAX_DEPTH - 2)})  # embedded 2 levels down
    compiles = bundle({"$ref": "d"}, {"d": nested(MAX_DEPTH - 3)})

    assert isinstance(deepest, dict)
    assert validator(compiles).is_valid(1)  # an even number (252) of "not"s around {}
    with pytest.raises(ValueError, match=r"^reference 'd' at #/definitions/d nests deeper"):
        bundle({"$ref": "d"}, {"d": nested(MAX_DEPTH - 1)})


@pytest.mark.parametrize(
    ("schema", "references", "what"),
    [
        (nested(MAX_DEPTH + 1), {}, "schema"),
        (nested(5000), {"a": True}, "schema"),
        ({"$ref": "a"}, {"a": nested(MAX_DEPTH + 1)}, "reference 'a' at #/definitions/a"),
        ({"enum": [nested(MAX_DEPTH + 1)]}, {}, "schema"),
    ],
    ids=["root", "very deep root", "reference", "data"],
)
def test_too_deep_a_document_is_refused(
    schema: dict[str, Any], references: dict[str, Any], what: str
) -> None:
    with pytest.raises(ValueError, match=f"^{what} nests deeper than 256 levels$"):
        bundle(schema, references)


@pytest.mark.parametrize(
    ("schema", "references", "message"),
    [
        ("{}", {}, "schema is not a JSON Schema"),
        ({}, {"a": "{}"}, "reference 'a' is not a JSON Schema"),
        ({"definitions": []}, {"a": True}, "'definitions' is not an object"),
    ],
)
def test_what_is_not_a_schema_is_refused(schema: Any, references: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bundle(schema, references)


BUNDLED = bundle(
    {
        "$id": "https://example.com/schemas/order.schema.json",
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "ship_to": {"$ref": "address.schema.json"},
            "street": {"$ref": "address.schema.json#/definitions/street"},
            "tags": {"type": "array", "items": {"$ref": "tag.json"}, "maxItems": 3},
        },
        "required": ["id", "ship_to"],
        "additionalProperties": False,
    },
    {
        "https://example.com/schemas/address.schema.json": ADDRESS,
        "https://example.com/schemas/tag.json": {"type": "string", "enum": ["a", "b"]},
    },
)


@settings(max_examples=25, deadline=None)
@given(from_schema(BUNDLED))
def test_the_generator_draws_valid_payloads_from_a_bundled_schema(payload: Any) -> None:
    assert validator(BUNDLED).is_valid(payload)
