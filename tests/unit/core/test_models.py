"""Registry answers parsed strictly into frozen models; content hashes and integrity."""

from __future__ import annotations

import hashlib
import json

import pytest

from pytest_schema_registry import (
    CompatibilityReport,
    Integrity,
    RegistryIndex,
    RegistryResponseError,
    SchemaDocument,
    content_sha256,
)

URL = "http://registry.test/schemas/v1/x"


def schema_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "x",
        "track": "v1",
        "core_version": "1.0.0",
        "sha256": "",
        "$schema_id": "x",
        "content": {},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def test_content_sha256_is_the_seed_services_algorithm() -> None:
    content = {"b": 1, "a": ["é", {"z": None}]}
    expected = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    assert content_sha256(content) == expected


def test_integrity_accepts_both_known_canonical_forms() -> None:
    content = {"b": 1, "a": "é"}
    compact = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert Integrity.check(content, content_sha256(content)) is Integrity.VERIFIED
    assert Integrity.check(content, hashlib.sha256(compact.encode()).hexdigest()) == "verified"
    assert Integrity.check(content, content_sha256(content).upper()) is Integrity.VERIFIED
    assert Integrity.check(content, "f" * 64) is Integrity.MISMATCH
    assert Integrity.check(content, "") is Integrity.UNKNOWN


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (schema_body(name=...), "schema response is missing key 'name'"),
        (schema_body(**{"$schema_id": ...}), "missing key '$schema_id'"),
        (schema_body(core_version=3), "key 'core_version' should be a string, got a number"),
        (schema_body(deprecated="no"), "key 'deprecated' should be a boolean, got a string"),
        (
            schema_body(deprecation_note=[]),
            "key 'deprecation_note' should be a string, got an array",
        ),
    ],
)
def test_schema_bodies_are_parsed_strictly(body: object, message: str) -> None:
    with pytest.raises(RegistryResponseError, match=message.replace("$", r"\$")) as caught:
        SchemaDocument.from_json(body, url=URL)
    assert str(caught.value).startswith(URL)


def test_optional_schema_keys_default() -> None:
    document = SchemaDocument.from_json(schema_body(deprecated=None), url=URL)

    assert (document.deprecated, document.deprecation_note, document.integrity) == (
        False,
        None,
        Integrity.UNKNOWN,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tracks": []}, "index key 'tracks' should be an object, got an array"),
        ({"tracks": {"v1": {"count": 0}}}, "index track 'v1' is missing key 'schemas'"),
        ({"tracks": {"v1": {"schemas": [{"name": "x"}]}}}, "index item on track 'v1' is missing"),
        ({"tracks": {}, "generated_at": "yesterday"}, "'generated_at' is not an ISO-8601"),
    ],
)
def test_index_bodies_are_parsed_strictly(body: object, message: str) -> None:
    with pytest.raises(RegistryResponseError, match=message):
        RegistryIndex.from_json(body, url=URL)


def test_compatibility_report_parses_and_checks_lists() -> None:
    report = CompatibilityReport.from_json(
        {"compatible": False, "breaking_reasons": ["removed 'ts'"], "advice": [], "x_compat": None},
        url=URL,
    )

    assert report == CompatibilityReport(False, ("removed 'ts'",), (), None)
    with pytest.raises(RegistryResponseError, match="'advice' should hold only strings"):
        CompatibilityReport.from_json({"compatible": True, "advice": [1]}, url=URL)
