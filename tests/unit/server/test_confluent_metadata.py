"""Confluent data contracts in the embedded registry: `metadata` and `ruleSet`, over real HTTP.

Kept with the version (`N.meta.json`), answered with it, part of its identity (the same schema
with other metadata is a new version with a new id), inherited from the latest version when a
body leaves them out, and searched by `GET /subjects/{s}/metadata?key=..&value=..`: how a team
keeps its tracks in one subject. confluent-kafka's own client is in
`test_confluent_kafka_client.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import RegistryServer
from pytest_schema_registry._server.confluent_ids import canonical_key, derived_id

SUBJECT = "orders-value"
ORDER = {"type": "object", "properties": {"sku": {"type": "string"}}}
ORDER_V2 = {**ORDER, "required": ["sku"]}
V1 = {"properties": {"track": "v1", "owner": "orders"}}
V2 = {"properties": {"track": "v2", "owner": "orders"}}
RULES = {"domainRules": [{"name": "sku", "kind": "CONDITION", "type": "CEL", "expr": "true"}]}


def register(http: httpx.Client, schema: Any, **contract: Any) -> dict[str, Any]:
    body = {"schema": json.dumps(schema), "schemaType": "JSON", **contract}
    answer = http.post(f"/subjects/{SUBJECT}/versions", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def with_metadata(http: httpx.Client, *pairs: tuple[str, str], **query: str) -> httpx.Response:
    params = [p for key, value in pairs for p in (("key", key), ("value", value))]
    return http.get(f"/subjects/{SUBJECT}/metadata", params=[*params, *query.items()])


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    with (
        RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


# -- kept, answered, identified ------------------------------------------------------------------


def test_metadata_and_rules_are_kept_and_answered_wherever_the_version_is(
    http: httpx.Client, tmp_path: Path
) -> None:
    registered = register(http, ORDER, metadata=V1, ruleSet=RULES)
    looked_up = http.post(
        f"/subjects/{SUBJECT}", json={"schema": json.dumps(ORDER), "schemaType": "JSON"}
    )
    answers = [
        registered,
        http.get(f"/subjects/{SUBJECT}/versions/1").json(),
        http.get(f"/subjects/{SUBJECT}/versions/latest").json(),
        looked_up.json(),
        http.get(f"/schemas/ids/{registered['id']}").json(),
        http.get(f"/schemas/guids/{registered['guid']}").json(),
    ]
    meta = json.loads((tmp_path / "subjects" / SUBJECT / "1.meta.json").read_text())

    assert all((a["metadata"], a["ruleSet"]) == (V1, RULES) for a in answers), answers
    assert (meta["metadata"], meta["ruleSet"]) == (V1, RULES)
    assert registered["id"] == derived_id(canonical_key(ORDER, [], V1, RULES))
    assert registered["id"] != derived_id(canonical_key(ORDER))


def test_other_metadata_makes_a_new_version_with_a_new_id_the_same_does_not(
    http: httpx.Client,
) -> None:
    first = register(http, ORDER, metadata=V1)
    second = register(http, ORDER, metadata=V2)
    again = register(http, ORDER, metadata=V1)
    other_rules = register(http, ORDER, metadata=V2, ruleSet=RULES)

    assert [first["version"], second["version"], again["version"]] == [1, 2, 1]
    assert len({first["id"], second["id"], other_rules["id"]}) == 3
    assert other_rules["version"] == 3


def test_a_body_without_metadata_inherits_the_latest_versions_and_empty_means_none(
    http: httpx.Client,
) -> None:
    register(http, ORDER, metadata=V1, ruleSet=RULES)
    resent = register(http, ORDER)  # the latest's contract, inherited: the same schema again
    evolved = register(http, ORDER_V2)  # a new schema inherits the contract too
    bare = register(http, ORDER_V2, metadata={}, ruleSet={})

    assert resent["version"] == 1
    assert (evolved["version"], evolved["metadata"], evolved["ruleSet"]) == (2, V1, RULES)
    assert bare["version"] == 3
    assert "metadata" not in bare and "ruleSet" not in bare
    assert bare["id"] == derived_id(canonical_key(ORDER_V2))


def test_a_lookup_without_metadata_tries_the_latest_versions_too(http: httpx.Client) -> None:
    register(http, ORDER, metadata=V1)
    register(http, ORDER_V2, metadata=V2)

    def lookup(schema: Any, **contract: Any) -> httpx.Response:
        body = {"schema": json.dumps(schema), "schemaType": "JSON", **contract}
        return http.post(f"/subjects/{SUBJECT}", json=body)

    assert lookup(ORDER_V2).json()["version"] == 2  # as v2's, with v2's metadata
    assert lookup(ORDER, metadata=V1).json()["version"] == 1
    assert lookup(ORDER).json()["error_code"] == 40403  # as sent, or with v2's: neither stored
    assert lookup(ORDER_V2, metadata=V1).json()["error_code"] == 40403


# -- GET /subjects/{s}/metadata ------------------------------------------------------------------


def test_the_latest_version_holding_every_pair_is_answered(http: httpx.Client) -> None:
    register(http, ORDER, metadata=V1)
    register(http, ORDER_V2, metadata=V2)
    register(http, {**ORDER_V2, "title": "v1 again"}, metadata=V1)

    assert with_metadata(http, ("track", "v2")).json()["version"] == 2
    assert with_metadata(http, ("track", "v1")).json()["version"] == 3
    assert with_metadata(http, ("track", "v1"), ("owner", "orders")).json()["version"] == 3
    assert with_metadata(http).json()["version"] == 3  # no pairs: any version with properties
    v2_id = http.get(f"/subjects/{SUBJECT}/versions/2").json()["id"]
    assert with_metadata(http, ("track", "v2"), deleted="false").json()["id"] == v2_id


@pytest.mark.parametrize(
    ("pairs", "subject", "code"),
    [
        ([("track", "v3")], SUBJECT, 40403),
        ([("track", "v1"), ("owner", "payments")], SUBJECT, 40403),
        ([("track", "v1")], "nobody-value", 40401),
    ],
    ids=["no-version-matches", "one-pair-differs", "unknown-subject"],
)
def test_no_match_answers_confluents_codes(
    http: httpx.Client, pairs: list[tuple[str, str]], subject: str, code: int
) -> None:
    register(http, ORDER, metadata=V1)
    params = [p for key, value in pairs for p in (("key", key), ("value", value))]

    answer = http.get(f"/subjects/{subject}/metadata", params=params)

    assert (answer.status_code, answer.json()["error_code"]) == (404, code)
    assert answer.headers["content-type"] == "application/vnd.schemaregistry.v1+json"


def test_soft_deleted_versions_count_only_when_asked(http: httpx.Client) -> None:
    register(http, ORDER, metadata=V1)
    register(http, ORDER_V2, metadata=V2)
    assert http.delete(f"/subjects/{SUBJECT}/versions/2").status_code == 200

    assert with_metadata(http, ("track", "v2")).json()["error_code"] == 40403
    assert with_metadata(http, ("track", "v2"), deleted="true").json()["version"] == 2
    assert http.delete(f"/subjects/{SUBJECT}").status_code == 200
    assert with_metadata(http, ("track", "v1")).json()["error_code"] == 40401
    assert with_metadata(http, ("track", "v1"), deleted="true").json()["version"] == 1


def test_a_version_without_properties_never_matches(http: httpx.Client) -> None:
    register(http, ORDER, metadata={"tags": {"$.sku": ["PII"]}})

    assert with_metadata(http).json()["error_code"] == 40403


# -- the folder and bad input --------------------------------------------------------------------


def test_hand_written_metadata_is_served_and_bad_metadata_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "subjects" / SUBJECT
    folder.mkdir(parents=True)
    for version, schema, meta in [
        (1, ORDER, {"metadata": V1}),
        (2, ORDER_V2, {"metadata": {"properties": {"track": 2}}}),
    ]:
        (folder / f"{version}.json").write_text(json.dumps(schema))
        (folder / f"{version}.meta.json").write_text(json.dumps(meta))
    with (
        RegistryServer(tmp_path, dialect="confluent") as server,
        httpx.Client(base_url=server.url) as http,
    ):
        found = with_metadata(http, ("track", "v1")).json()

    assert (found["version"], found["metadata"]) == (1, V1)
    assert found["id"] == derived_id(canonical_key(ORDER, [], V1))
    assert server.store is not None
    (problem,) = server.store.problems
    assert "properties should map names to strings" in problem.reason


@pytest.mark.parametrize(
    ("contract", "code", "complaint"),
    [
        ({"metadata": ["track"]}, 42201, "Invalid metadata: expected an object"),
        ({"metadata": {"properties": {"n": 1}}}, 42201, "properties should map names to strings"),
        ({"metadata": {"owner": "x"}}, 42201, "unknown key 'owner'"),
        ({"metadata": {"sensitive": "sku"}}, 42201, "sensitive should be a list"),
        ({"ruleSet": {"domainRules": "all"}}, 42210, "Invalid ruleSet: domainRules should be"),
    ],
)
def test_a_malformed_contract_is_refused(
    http: httpx.Client, contract: dict[str, Any], code: int, complaint: str
) -> None:
    body = {"schema": json.dumps(ORDER), "schemaType": "JSON", **contract}

    answer = http.post(f"/subjects/{SUBJECT}/versions", json=body)

    assert (answer.status_code, answer.json()["error_code"]) == (422, code)
    assert complaint in answer.json()["message"]
