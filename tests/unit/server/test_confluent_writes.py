"""The Confluent dialect's judging routes over real HTTP: compatibility, config, deletes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import RegistryServer

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
# Scalar schemas keep each check fast. Adding enum values is BACKWARD compatible (new readers
# read old data), removing one is not.
STATES = {"enum": ["new", "paid"]}
MORE_STATES = {"enum": ["new", "paid", "void"]}
FEWER_STATES = {"enum": ["new"]}
OTHER_STATES = {"enum": ["new", "void"]}


def body(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"schema": json.dumps(schema), "schemaType": "JSON", **extra}


def register(http: httpx.Client, subject: str, schema: Any, **extra: Any) -> httpx.Response:
    return http.post(f"/subjects/{subject}/versions", json=body(schema, **extra))


def error(response: httpx.Response) -> tuple[int, int]:
    assert response.headers["content-type"] == CONTENT_TYPE
    assert set(response.json()) == {"error_code", "message"}, response.json()
    return response.status_code, response.json()["error_code"]


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of a Confluent-dialect server at its defaults: BACKWARD, Confluent's rules."""
    with (
        RegistryServer(tmp_path, dialect="confluent") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


# -- compatibility -------------------------------------------------------------------------------


def test_registration_keeps_backward_compatibility_by_default(http: httpx.Client) -> None:
    register(http, "state", STATES)

    extended = register(http, "state", MORE_STATES)
    narrowed = register(http, "state", FEWER_STATES)

    assert extended.status_code == 200 and extended.json()["version"] == 2
    assert error(narrowed) == (409, 409)
    message = narrowed.json()["message"]
    assert message.startswith(
        'Schema being registered is incompatible with an earlier schema for subject "state", '
        "details: ["
    )
    # the counterexample: data the new schema rejects, inside the JSON list of details
    assert 'counterexample: \\"paid\\""]' in message
    assert http.get("/subjects/state/versions").json() == [1, 2]


def test_the_compatibility_endpoint_answers_with_messages_when_verbose(http: httpx.Client) -> None:
    register(http, "state", STATES)

    fine = http.post("/compatibility/subjects/state/versions/latest", json=body(MORE_STATES))
    broken = http.post(
        "/compatibility/subjects/state/versions/1",
        json=body(FEWER_STATES),
        params={"verbose": "true", "normalize": "False"},
    )
    quiet = http.post("/compatibility/subjects/state/versions", json=body(FEWER_STATES))

    assert fine.json() == {"is_compatible": True}
    assert broken.json()["is_compatible"] is False
    (line,) = broken.json()["messages"]
    assert "(backward" in line and line.endswith('counterexample: "paid"')
    assert quiet.json() == {"is_compatible": False}


def test_a_subject_without_versions_accepts_anything_as_confluent_does(http: httpx.Client) -> None:
    latest = http.post("/compatibility/subjects/new/versions/latest", json=body(STATES))
    every = http.post("/compatibility/subjects/new/versions", json=body(STATES))
    numbered = http.post("/compatibility/subjects/new/versions/1", json=body(STATES))

    assert latest.json() == every.json() == {"is_compatible": True}
    assert error(numbered) == (404, 40401)


def test_a_transitive_level_checks_every_live_version(http: httpx.Client) -> None:
    register(http, "state", STATES)
    http.put("/config/state", json={"compatibility": "NONE"})
    register(http, "state", FEWER_STATES)
    http.put("/config/state", json={"compatibility": "BACKWARD"})
    plain = http.post("/compatibility/subjects/state/versions/latest", json=body(OTHER_STATES))
    http.put("/config/state", json={"compatibility": "BACKWARD_TRANSITIVE"})
    transitive = http.post(
        "/compatibility/subjects/state/versions/latest",
        json=body(OTHER_STATES),
        params={"verbose": "true"},
    )
    refused = register(http, "state", OTHER_STATES)

    assert plain.json() == {"is_compatible": True}  # against version 2 only
    assert transitive.json()["is_compatible"] is False
    assert "against version 1" in transitive.json()["messages"][0]
    assert error(refused) == (409, 409)


def test_an_unproven_verdict_refuses(tmp_path: Path) -> None:
    # Equivalent patterns: the algebra cannot compare them and no payload separates them.
    with RegistryServer(tmp_path, dialect="confluent", compatibility_rules="semantic") as server:
        first = {"type": "string", "pattern": "^x$"}
        second = {"type": "string", "pattern": "^(x)$"}
        httpx.post(f"{server.url}/subjects/code/versions", json=body(first))
        refused = httpx.post(f"{server.url}/subjects/code/versions", json=body(second), timeout=30)
        tested = httpx.post(
            f"{server.url}/compatibility/subjects/code/versions/latest?verbose=true",
            json=body(second),
            timeout=30,
        )

    assert error(refused) == (409, 409)
    assert "could not be proven compatible" in refused.json()["message"]
    assert tested.json()["is_compatible"] is False
    assert "could not be proven either way" in tested.json()["messages"][0]


def test_referenced_schemas_are_compared_with_what_they_reference(http: httpx.Client) -> None:
    register(http, "address", {"type": "string"})
    http.put("/config/address", json={"compatibility": "NONE"})
    register(http, "address", {"type": "string", "maxLength": 3})  # narrower: version 2
    order = {"type": "object", "properties": {"to": {"$ref": "address.json"}}}
    to_v1 = [{"name": "address.json", "subject": "address", "version": 1}]
    to_v2 = [{"name": "address.json", "subject": "address", "version": 2}]
    first = register(http, "order", order, references=to_v1)
    retitled = register(http, "order", {**order, "title": "Order"}, references=to_v1)
    tested = http.post(
        "/compatibility/subjects/order/versions/latest?verbose=true",
        json=body(order, references=to_v2),
    )
    narrowed = register(http, "order", order, references=to_v2)

    assert (first.status_code, retitled.json()["version"]) == (200, 2)
    assert tested.json()["is_compatible"] is False
    assert "#/properties/to" in tested.json()["messages"][0]  # the break is inside the reference
    assert error(narrowed) == (409, 409)


# -- config --------------------------------------------------------------------------------------


def test_levels_persist_in_config_json(tmp_path: Path) -> None:
    with RegistryServer(tmp_path, dialect="confluent") as server:
        url = server.url
        default = httpx.get(f"{url}/config").json()
        put = httpx.put(f"{url}/config", json={"compatibility": "FULL"})
        subject = httpx.put(f"{url}/config/orders-value", json={"compatibility": "none"})
    written = json.loads((tmp_path / "config.json").read_text())
    with RegistryServer(tmp_path, dialect="confluent") as server:
        after = httpx.get(f"{server.url}/config").json()
        own = httpx.get(f"{server.url}/config/orders-value").json()

    assert default == {"compatibilityLevel": "BACKWARD"}
    assert (put.json(), subject.json()) == ({"compatibility": "FULL"}, {"compatibility": "NONE"})
    assert written == {"compatibilityLevel": "FULL", "subjects": {"orders-value": "NONE"}}
    assert (after, own) == ({"compatibilityLevel": "FULL"}, {"compatibilityLevel": "NONE"})


def test_a_subject_without_its_own_level_answers_40408_unless_asked_for_the_global(
    http: httpx.Client,
) -> None:
    own = http.get("/config/orders-value")
    defaulted = http.get("/config/orders-value", params={"defaultToGlobal": "true"})
    http.put("/config/orders-value", json={"compatibility": "FORWARD"})
    deleted = http.delete("/config/orders-value")
    again = http.delete("/config/orders-value")

    assert error(own) == (404, 40408)
    assert defaulted.json() == {"compatibilityLevel": "BACKWARD"}
    assert deleted.json() == {"compatibilityLevel": "FORWARD"}
    assert error(again) == (404, 40408)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"compatibility": "SIDEWAYS"}, 422, 42203),
        ({}, 422, 42203),
        (["FULL"], 422, 422),
        ("FULL", 422, 422),
    ],
)
def test_a_bad_level_is_refused(
    http: httpx.Client, tmp_path: Path, payload: object, status: int, code: int
) -> None:
    response = http.put("/config", json=payload)

    assert error(response) == (status, code)
    assert not (tmp_path / "config.json").exists()


def test_the_global_level_gates_registration(http: httpx.Client) -> None:
    register(http, "state", STATES)
    http.put("/config", json={"compatibility": "NONE"})

    assert register(http, "state", FEWER_STATES).json()["version"] == 2


# -- deletes -------------------------------------------------------------------------------------


def test_a_soft_deleted_version_is_hidden_but_its_id_resolves(
    http: httpx.Client, tmp_path: Path
) -> None:
    first = register(http, "state", STATES).json()
    register(http, "state", MORE_STATES)

    soft = http.delete("/subjects/state/versions/1")
    twice = http.delete("/subjects/state/versions/1")
    hidden = http.get("/subjects/state/versions/1")
    shown = http.get("/subjects/state/versions/1", params={"deleted": "true"})

    assert soft.json() == 1
    assert error(twice) == (404, 40406)
    assert error(hidden) == (404, 40402)
    assert shown.json()["version"] == 1
    assert http.get("/subjects/state/versions").json() == [2]
    assert http.get("/subjects/state/versions", params={"deleted": "true"}).json() == [1, 2]
    assert http.get(f"/schemas/ids/{first['id']}").status_code == 200
    meta = json.loads((tmp_path / "subjects" / "state" / "1.meta.json").read_text())
    assert meta["deleted"] is True and meta["id"] == first["id"]


def test_a_permanent_delete_needs_a_soft_one_first(http: httpx.Client, tmp_path: Path) -> None:
    first = register(http, "state", STATES).json()
    register(http, "state", MORE_STATES)

    early = http.delete("/subjects/state/versions/1", params={"permanent": "true"})
    http.delete("/subjects/state/versions/1")
    gone = http.delete("/subjects/state/versions/1", params={"permanent": "true"})

    assert error(early) == (404, 40407)
    assert gone.json() == 1
    assert sorted(p.name for p in (tmp_path / "subjects" / "state").iterdir()) == [
        "2.json",
        "2.meta.json",
    ]
    assert error(http.get(f"/schemas/ids/{first['id']}")) == (404, 40403)


def test_deleting_a_subject_soft_then_permanently(http: httpx.Client, tmp_path: Path) -> None:
    register(http, "state", STATES)
    register(http, "state", MORE_STATES)
    http.put("/config/state", json={"compatibility": "FULL"})

    early = http.delete("/subjects/state", params={"permanent": "true"})
    soft = http.delete("/subjects/state")
    twice = http.delete("/subjects/state")
    listed = http.get("/subjects").json(), http.get("/subjects", params={"deleted": "true"}).json()
    unknown = http.get("/subjects/state/versions")
    hard = http.delete("/subjects/state", params={"permanent": "true"})

    assert error(early) == (404, 40405)
    assert soft.json() == [1, 2]
    assert error(twice) == (404, 40404)
    assert listed == ([], ["state"])
    assert error(unknown) == (404, 40401)
    assert hard.json() == [1, 2]
    assert not (tmp_path / "subjects" / "state").exists()
    assert error(http.delete("/subjects/state")) == (404, 40401)
    assert error(http.get("/config/state")) == (404, 40408)


def test_a_referenced_version_cannot_be_deleted(http: httpx.Client) -> None:
    register(http, "address", {"type": "string"})
    reference = {"name": "address.json", "subject": "address", "version": 1}
    order = {"type": "object", "properties": {"to": {"$ref": "address.json"}}}
    register(http, "order", order, references=[reference])

    version = http.delete("/subjects/address/versions/1")
    subject = http.delete("/subjects/address")

    assert error(version) == (422, 42206)
    assert error(subject) == (422, 42206)
    assert http.get("/subjects/address/versions").json() == [1]


def test_reregistering_a_soft_deleted_schema_makes_a_new_version_with_the_same_id(
    http: httpx.Client,
) -> None:
    first = register(http, "state", STATES).json()
    http.delete("/subjects/state/versions/1")

    again = register(http, "state", STATES).json()

    assert (again["version"], again["id"]) == (2, first["id"])


def test_one_version_may_be_referenced_under_two_names(http: httpx.Client) -> None:
    register(http, "address", {"type": "string"})
    references = [
        {"name": "ship.json", "subject": "address", "version": 1},
        {"name": "bill.json", "subject": "address", "version": 1},
    ]
    order = {
        "type": "object",
        "properties": {"ship": {"$ref": "ship.json"}, "bill": {"$ref": "bill.json"}},
    }

    first = register(http, "order", order, references=references)
    retitled = register(http, "order", {**order, "title": "Order"}, references=references)
    tested = http.post(
        "/compatibility/subjects/order/versions/latest",
        json=body({**order, "required": ["bill"]}, references=references),
    )

    assert first.status_code == 200, first.json()
    assert retitled.json()["version"] == 2
    assert tested.json() == {"is_compatible": False}


def test_a_version_named_more_times_than_a_bundle_may_follow_is_refused(
    http: httpx.Client,
) -> None:
    register(http, "address", {"type": "string", "description": "x" * 1000})
    references = [{"name": f"a{n}.json", "subject": "address", "version": 1} for n in range(10_001)]

    refused = register(http, "order", {"type": "object"}, references=references)

    assert error(refused) == (422, 42201)
    assert "more than 10,000 references" in refused.json()["message"]


def test_two_servers_sharing_a_folder_keep_each_others_levels(tmp_path: Path) -> None:
    with (
        RegistryServer(tmp_path, dialect="confluent") as first,
        RegistryServer(tmp_path, dialect="confluent") as second,
        httpx.Client(timeout=30) as client,
        ThreadPoolExecutor(max_workers=16) as pool,
    ):
        urls = [f"{(first, second)[i % 2].url}/config/subj{i}" for i in range(100)]
        answers = list(pool.map(lambda url: client.put(url, json={"compatibility": "FULL"}), urls))
        seen_by_first = client.get(f"{first.url}/config/subj1").json()

    assert [a.status_code for a in answers] == [200] * 100
    written = json.loads((tmp_path / "config.json").read_text())
    assert written == {"subjects": {f"subj{i}": "FULL" for i in range(100)}}
    assert seen_by_first == {"compatibilityLevel": "FULL"}


def test_a_bad_entry_in_config_json_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    levels = {"a": "NONE", "c": "backward", "d": "SIDEWAYS"}
    config.write_text(json.dumps({"compatibilityLevel": "full", "subjects": levels}))
    with RegistryServer(tmp_path, dialect="confluent") as server:
        url = server.url
        seen = [httpx.get(f"{url}/config{s}").json() for s in ("", "/a", "/c")]
        bad = httpx.get(f"{url}/config/d")
        put = httpx.put(f"{url}/config/x", json={"compatibility": "FORWARD"})
        assert server.store is not None
        problems = [(p.path, p.reason) for p in server.store.problems]

    assert [s["compatibilityLevel"] for s in seen] == ["FULL", "NONE", "BACKWARD"]
    assert error(bad) == (404, 40408)
    assert [path for path, _ in problems] == [config]
    assert "'SIDEWAYS'" in problems[0][1] and "'d'" in problems[0][1]
    assert put.status_code == 200
    written = json.loads(config.read_text())
    assert written == {"compatibilityLevel": "full", "subjects": {**levels, "x": "FORWARD"}}


@pytest.mark.parametrize("text", ["{not json", '["FULL"]'], ids=["not JSON", "not an object"])
def test_config_writes_are_refused_while_config_json_cannot_be_read(
    tmp_path: Path, text: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(text)
    with RegistryServer(tmp_path, dialect="confluent") as server:
        put = httpx.put(f"{server.url}/config/x", json={"compatibility": "FORWARD"})
        put_global = httpx.put(f"{server.url}/config", json={"compatibility": "NONE"})
        delete_global = httpx.delete(f"{server.url}/config")

    for refused in (put, put_global, delete_global):
        assert error(refused) == (500, 50001)
        assert str(config) in refused.json()["message"]
    assert config.read_text() == text
