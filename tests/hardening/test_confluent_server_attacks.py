"""The embedded server's Confluent dialect under hostile registrations.

Each test is one finding of a review of the server side: a few cheap requests that made a write
or a check cost what no request should (a verdict or a clear error, bounded in time and memory).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import RegistryServer
from pytest_schema_registry._server import confluent_schema

PAIR = {"type": "object", "properties": {"a": {"$ref": "a.json"}, "b": {"$ref": "b.json"}}}


def body(schema: Any, references: Any = ()) -> dict[str, Any]:
    return {"schema": json.dumps(schema), "schemaType": "JSON", "references": list(references)}


def below(level: int) -> list[dict[str, Any]]:
    """Reference both subjects of `level` as `a.json` and `b.json`."""
    return [
        {"name": f"{side}.json", "subject": f"level-{level}{side}", "version": 1} for side in "ab"
    ]


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of a Confluent-dialect server at its defaults: BACKWARD, Confluent's rules."""
    with (
        RegistryServer(tmp_path, dialect="confluent") as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        yield client


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the documents the server bundles (each one copies all it references)."""
    counted = [0]
    real = confluent_schema.bundle

    def counting(schema: Any, references: Any) -> Any:
        counted[0] += 1
        return real(schema, references)

    monkeypatch.setattr(confluent_schema, "bundle", counting)
    return counted


def build_chain(http: httpx.Client, levels: int) -> httpx.Response | None:
    """Register `level-<k>{a,b}`, each referencing both of level k-1; return the first refusal."""
    for side in "ab":
        assert http.post(f"/subjects/level-0{side}/versions", json=body({"type": "string"}))
    for level in range(1, levels + 1):
        for side in "ab":
            answer = http.post(
                f"/subjects/level-{level}{side}/versions", json=body(PAIR, below(level - 1))
            )
            if answer.status_code != 200:
                return answer
    return None


# -- finding 1: references that copy a document 2 ** n times -------------------------------------


def test_a_doubling_reference_chain_is_refused_when_it_arrives(
    http: httpx.Client, copies: list[int]
) -> None:
    refused = build_chain(http, 20)

    # 2 ** 20 copies of level 0 would take hours under the upload lock; the registration that
    # would make a bundle larger than a client may fetch is refused, and nothing was copied.
    assert refused is not None, "20 doubling levels registered: their bundle is ~100 MB"
    assert refused.status_code == 422 and refused.json()["error_code"] == 42201
    assert "bundle into more than 16,777,216 bytes of JSON" in refused.json()["message"]
    deepest = int(refused.url.path.split("/")[2].removeprefix("level-")[:-1]) - 1
    assert 10 <= deepest < 20
    # the same schema, as a new version of a registered subject or in a compatibility test
    started = time.monotonic()
    again = http.post(f"/subjects/level-{deepest}a/versions", json=body(PAIR, below(deepest)))
    tested = http.post(
        f"/compatibility/subjects/level-{deepest}a/versions/latest",
        json=body(PAIR, below(deepest)),
    )
    assert time.monotonic() - started < 5
    for answer in (again, tested):
        assert answer.status_code == 422 and answer.json()["error_code"] == 42201
        assert "bundle into more than" in answer.json()["message"]
    assert copies[0] == 0
    assert http.get(f"/subjects/level-{deepest}a/versions").json() == [1]


def test_a_compatibility_check_bundles_each_referenced_version_once(
    http: httpx.Client, copies: list[int]
) -> None:
    assert build_chain(http, 8) is None
    copies[0] = 0
    retitled = {**PAIR, "title": "Pair"}

    registered = http.post("/subjects/level-8a/versions", json=body(retitled, below(7)))
    tested = http.post("/compatibility/subjects/level-8a/versions/1", json=body(retitled, below(7)))

    assert registered.json()["version"] == 2
    assert tested.json() == {"is_compatible": True}
    # 16 referenced versions and the root, for each side of each check (not 2 ** 9 - 1 each)
    assert copies[0] <= 4 * (2 * 8 + 1)


def test_an_ordinary_reference_tree_still_registers_and_checks(http: httpx.Client) -> None:
    street = {"type": "string", "maxLength": 80}
    address = {"type": "object", "properties": {"street": {"$ref": "street.json"}}}
    order = {
        "type": "object",
        "properties": {"ship": {"$ref": "address.json"}, "bill": {"$ref": "address.json"}},
    }
    to_street = [{"name": "street.json", "subject": "street", "version": 1}]
    to_address = [{"name": "address.json", "subject": "address", "version": 1}]
    assert http.post("/subjects/street/versions", json=body(street)).status_code == 200
    assert http.post("/subjects/address/versions", json=body(address, to_street)).status_code == 200
    assert http.post("/subjects/order/versions", json=body(order, to_address)).status_code == 200

    required = {**order, "required": ["ship"]}
    fine = http.post(
        "/compatibility/subjects/order/versions/latest",
        json=body(order | {"title": "Order"}, to_address),
    )
    broken = http.post("/subjects/order/versions", json=body(required, to_address))
    kept = http.post("/subjects/order/versions", json=body({**order, "title": "O"}, to_address))

    assert fine.json() == {"is_compatible": True}
    assert broken.status_code == 409
    assert kept.json()["version"] == 2
