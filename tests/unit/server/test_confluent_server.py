"""The embedded registry's Confluent dialect over real HTTP: routes, ids, the folder, auth.

Compatibility, config and deletes are in `test_confluent_writes.py`; confluent-kafka's own
client in `test_confluent_kafka_client.py`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import ConfigError, RegistryServer
from pytest_schema_registry._server.confluent_ids import canonical_key, derived_guid, derived_id
from pytest_schema_registry._server.folder import SchemaFolder
from tests.helpers import TOKEN

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
ORDER = {"type": "object", "properties": {"sku": {"type": "string"}}}
LINE = {"type": "object", "properties": {"n": {"type": "integer"}}}
GUID = "00000000-0000-4000-8000-000000000000"


def body(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"schema": json.dumps(schema), "schemaType": "JSON", "references": [], **extra}


def register(http: httpx.Client, subject: str, schema: Any, **extra: Any) -> httpx.Response:
    return http.post(f"/subjects/{subject}/versions", json=body(schema, **extra))


def hand_write(root: Path, subject: str, version: int, schema: Any, meta: Any = None) -> Path:
    path = root / "subjects" / subject / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=2))
    if meta is not None:
        path.with_name(f"{version}.meta.json").write_text(json.dumps(meta))
    return path


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of a Confluent-dialect server that takes any change (level NONE)."""
    with (
        RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def error(response: httpx.Response) -> tuple[int, int]:
    assert response.headers["content-type"] == CONTENT_TYPE
    assert set(response.json()) == {"error_code", "message"}, response.json()
    return response.status_code, response.json()["error_code"]


# -- reads and registration ----------------------------------------------------------------------


def test_a_registered_schema_reads_back_by_version_latest_and_id(http: httpx.Client) -> None:
    registered = register(http, "orders-value", ORDER)
    answer = registered.json()

    assert registered.status_code == 200
    assert registered.headers["content-type"] == CONTENT_TYPE
    assert answer == {
        "subject": "orders-value",
        "version": 1,
        "id": derived_id(canonical_key(ORDER)),
        "guid": derived_guid(canonical_key(ORDER)),
        "schemaType": "JSON",
        "schema": json.dumps(ORDER, separators=(",", ":")),
        "references": [],
    }
    for version in ("1", "latest", "-1"):
        assert http.get(f"/subjects/orders-value/versions/{version}").json() == answer
    assert http.get("/subjects/orders-value/versions/1/schema").json() == ORDER
    assert http.get(f"/schemas/ids/{answer['id']}").json() == {
        "schema": answer["schema"],
        "schemaType": "JSON",
        "references": [],
        "guid": answer["guid"],
    }
    assert http.get(f"/schemas/ids/{answer['id']}/schema").json() == ORDER
    assert http.get(f"/schemas/guids/{answer['guid']}").json()["id"] == answer["id"]
    assert http.get("/subjects").json() == ["orders-value"]
    assert http.get("/subjects/orders-value/versions").json() == [1]
    assert http.get("/schemas/types").json() == ["JSON"]


def test_ids_are_below_two_to_the_31(http: httpx.Client) -> None:
    ids = [register(http, f"s{i}", {"title": str(i)}).json()["id"] for i in range(20)]

    assert all(1 <= i <= 2**31 - 1 for i in ids)
    assert len(set(ids)) == 20


def test_an_identical_schema_is_not_registered_twice(http: httpx.Client, tmp_path: Path) -> None:
    first = register(http, "orders-value", ORDER).json()
    respaced = http.post(
        "/subjects/orders-value/versions",
        json={"schema": json.dumps(ORDER, indent=4), "schemaType": "JSON"},
    )

    assert respaced.json() == first
    assert sorted(p.name for p in (tmp_path / "subjects" / "orders-value").iterdir()) == [
        "1.json",
        "1.meta.json",
    ]


def test_one_schema_under_two_subjects_has_one_id(http: httpx.Client) -> None:
    a = register(http, "a-value", ORDER).json()
    b = register(http, "b-value", ORDER).json()
    other = register(http, "a-value", LINE, references=[])

    assert (a["id"], a["guid"]) == (b["id"], b["guid"])
    assert other.json()["version"] == 2 and other.json()["id"] != a["id"]
    assert http.get(f"/schemas/ids/{a['id']}/subjects").json() == ["a-value", "b-value"]
    assert http.get(f"/schemas/ids/{a['id']}/versions").json() == [
        {"subject": "a-value", "version": 1},
        {"subject": "b-value", "version": 1},
    ]


def test_ids_and_guids_survive_a_restart_and_a_copy_without_metadata(tmp_path: Path) -> None:
    first_dir = tmp_path / "first"
    first_dir.mkdir()
    with RegistryServer(first_dir, dialect="confluent") as server:
        before = httpx.post(f"{server.url}/subjects/o/versions", json=body(ORDER)).json()
    with RegistryServer(first_dir, dialect="confluent") as server:
        after = httpx.get(f"{server.url}/subjects/o/versions/1").json()
    copy = tmp_path / "copy"
    hand_write(copy, "o", 1, ORDER)  # the same schema, no metadata: another machine's checkout
    with RegistryServer(copy, dialect="confluent") as server:
        copied = httpx.get(f"{server.url}/subjects/o/versions/1").json()

    assert after == before
    assert (copied["id"], copied["guid"]) == (before["id"], before["guid"])


def test_a_hand_written_folder_is_served_and_bad_files_reported(tmp_path: Path) -> None:
    hand_write(tmp_path, "orders-value", 1, ORDER)
    hand_write(tmp_path, "orders-value", 2, True, meta={"id": 7, "guid": GUID})
    bad_name = hand_write(tmp_path, "orders-value", 3, ORDER).rename(
        tmp_path / "subjects" / "orders-value" / "03.json"
    )
    bad_meta = hand_write(tmp_path, "lines-value", 1, LINE, meta={"colour": "red"})
    hand_write(tmp_path, ".hidden", 1, LINE)

    with RegistryServer(tmp_path, dialect="confluent") as server:
        latest = httpx.get(f"{server.url}/subjects/orders-value/versions/latest").json()
        by_pinned_id = httpx.get(f"{server.url}/schemas/ids/7").json()
        subjects = httpx.get(f"{server.url}/subjects").json()

    assert (latest["version"], latest["id"], latest["schema"]) == (2, 7, "true")
    assert by_pinned_id["schema"] == "true"
    assert subjects == ["orders-value"]
    assert server.store is not None
    problems = sorted((p.path.name, p.reason) for p in server.store.problems)
    assert problems[0][0] == "03.json" and "expected a version file named N.json" in problems[0][1]
    assert problems[1][0] == bad_meta.name and "unknown metadata key 'colour'" in problems[1][1]
    assert bad_name.exists()


def test_the_seed_view_of_the_folder_ignores_subjects(tmp_path: Path) -> None:
    hand_write(tmp_path, "orders-value", 1, ORDER)
    (tmp_path / "v1" / "telemetry.X").mkdir(parents=True)
    (tmp_path / "v1" / "telemetry.X" / "1.0.0.json").write_text("{}")

    folder = SchemaFolder(tmp_path)
    with RegistryServer(tmp_path, token=TOKEN) as seed:
        upload = httpx.post(
            f"{seed.url}/admin/schemas",
            json={"name": "x", "track": "subjects", "core_version": "1", "content": {}},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )

    assert (folder.tracks(), folder.problems) == (["v1"], [])
    assert upload.status_code == 422
    assert "reserved for the Confluent dialect" in upload.json()["detail"]


def test_edits_to_the_folder_show_up_on_the_next_request(
    http: httpx.Client, tmp_path: Path
) -> None:
    register(http, "o", ORDER)
    path = hand_write(tmp_path, "o", 2, LINE)
    os.utime(path, ns=(1, 1))

    assert http.get("/subjects/o/versions").json() == [1, 2]


def test_lists_honour_prefix_offset_and_limit(http: httpx.Client) -> None:
    for name in ("a-1", "a-2", "b-1"):
        register(http, name, {"title": name})

    assert http.get("/subjects", params={"subjectPrefix": "a-"}).json() == ["a-1", "a-2"]
    assert http.get("/subjects", params={"offset": "1", "limit": "1"}).json() == ["a-2"]
    assert http.get("/subjects", params={"offset": "0", "limit": "-1"}).json() == [
        "a-1",
        "a-2",
        "b-1",
    ]


def test_lookup_finds_the_version_holding_a_schema(http: httpx.Client) -> None:
    register(http, "o", ORDER)
    register(http, "o", LINE)

    found = http.post("/subjects/o", json=body(LINE), params={"normalize": "False"})
    missing = http.post("/subjects/o", json=body({"title": "never"}))
    unknown = http.post("/subjects/nobody", json=body(LINE))

    assert found.status_code == 200 and found.json()["version"] == 2
    assert error(missing) == (404, 40403)
    assert error(unknown) == (404, 40401)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/subjects/nobody/versions", 404, 40401),
        ("/subjects/nobody/versions/1", 404, 40401),
        ("/subjects/o/versions/9", 404, 40402),
        ("/subjects/o/versions/0", 422, 42202),
        ("/subjects/o/versions/one", 422, 42202),
        ("/subjects/o/versions/2147483648", 422, 42202),
        ("/schemas/ids/12345", 404, 40403),
        ("/schemas/ids/x", 404, 40403),
        ("/schemas/guids/7b0e5b0e-0000-0000-0000-000000000000", 404, 40403),
        ("/nothing/here", 404, 404),
        ("/associations/resources/-/orders", 404, 40401),
    ],
)
def test_missing_things_answer_confluent_errors(
    http: httpx.Client, path: str, status: int, code: int
) -> None:
    register(http, "o", ORDER)

    assert error(http.get(path)) == (status, code)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"schema": json.dumps(ORDER)}, "Schema type 'AVRO' is not supported"),
        ({"schema": "{}", "schemaType": "PROTOBUF"}, "this registry serves JSON Schema only"),
        ({"schema": "{not json", "schemaType": "JSON"}, "Invalid schema: schema is not valid JSON"),
        ({"schema": "[1]", "schemaType": "JSON"}, "a JSON Schema is an object or a boolean"),
        ({"schema": '{"type": "nope"}', "schemaType": "JSON"}, "does not compile as Draft 7"),
        ({"schema": {"type": "object"}, "schemaType": "JSON"}, "as a string"),
        (
            {
                "schema": "{}",
                "schemaType": "JSON",
                "references": [{"name": "a.json", "subject": "a", "version": 1}],
            },
            "names a version 1, which does not exist",
        ),
    ],
)
def test_unusable_schemas_are_refused_with_42201(
    http: httpx.Client, tmp_path: Path, payload: dict[str, Any], reason: str
) -> None:
    response = http.post("/subjects/o/versions", json=payload)

    assert error(response) == (422, 42201)
    assert reason in response.json()["message"]
    assert not (tmp_path / "subjects").exists()


def test_a_bad_body_or_subject_is_refused(http: httpx.Client) -> None:
    not_json = http.post("/subjects/o/versions", content=b"{oops")
    not_object = http.post("/subjects/o/versions", json=["schema"])
    bad_subject = http.post("/subjects/..%2Fescape/versions", json=body(ORDER))

    assert error(not_json) == (400, 400)
    assert error(not_object) == (422, 422)
    assert error(bad_subject) == (422, 42201)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/subjects"),
        ("DELETE", "/schemas/types"),
        ("POST", "/config"),
        ("GET", "/compatibility/subjects/o/versions"),
    ],
)
def test_a_wrong_method_answers_405(http: httpx.Client, method: str, path: str) -> None:
    assert error(http.request(method, path)) == (405, 405)


def test_mode_root_and_schema_types_answer_what_clients_probe(http: httpx.Client) -> None:
    assert http.get("/").json() == {}
    assert http.get("/mode").json() == {"mode": "READWRITE"}
    assert http.get("/mode/orders-value").json() == {"mode": "READWRITE"}


def test_references_resolve_by_name_and_are_listed(http: httpx.Client) -> None:
    address = register(http, "address", {"type": "string", "minLength": 1}).json()
    reference = {"name": "address.json", "subject": "address", "version": 1}
    order = {"type": "object", "properties": {"to": {"$ref": "address.json"}}}
    registered = register(http, "order", order, references=[reference])

    assert registered.status_code == 200, registered.json()
    assert registered.json()["references"] == [reference]
    answer = http.get(f"/schemas/ids/{registered.json()['id']}").json()
    assert answer["references"] == [reference]
    assert http.get("/subjects/address/versions/1/referencedby").json() == [registered.json()["id"]]
    assert registered.json()["id"] != address["id"]


# -- server features in this dialect -------------------------------------------------------------


def test_basic_and_bearer_credentials_guard_every_request(tmp_path: Path) -> None:
    with RegistryServer(
        tmp_path, dialect="confluent", user="alice", password="pa:ss", token=TOKEN
    ) as server:
        url = server.url
        anonymous = httpx.get(f"{url}/subjects")
        wrong = httpx.get(f"{url}/subjects", auth=("alice", "nope"))
        garbled = httpx.get(f"{url}/subjects", headers={"Authorization": "Basic !!!"})
        basic = httpx.get(f"{url}/subjects", auth=("alice", "pa:ss"))
        bearer = httpx.get(f"{url}/subjects", headers={"Authorization": f"Bearer {TOKEN}"})
        refused = httpx.post(f"{url}/subjects/o/versions", json=body(ORDER))
        recorded = [r.authorized for r in server.requests]

    assert [error(r) for r in (anonymous, wrong, garbled, refused)] == [(401, 401)] * 4
    assert anonymous.json()["message"] == "Unauthorized"
    assert (basic.status_code, bearer.status_code) == (200, 200)
    assert recorded == [False, False, False, True, True, False]
    assert not (tmp_path / "subjects").exists()


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"dialect": "confluent", "user": "alice"}, "give both or neither"),
        ({"dialect": "seed", "user": "a", "password": "b"}, "is for dialect='confluent'"),
        ({"dialect": "avro"}, "use 'seed' or 'confluent'"),
    ],
)
def test_unusable_settings_are_config_errors(
    tmp_path: Path, options: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint):
        RegistryServer(tmp_path, **options)


def test_a_base_path_prefixes_every_route_as_apicurio_does(tmp_path: Path) -> None:
    with RegistryServer(tmp_path, dialect="confluent", base_path="/apis/ccompat/v7") as server:
        registered = httpx.post(f"{server.url}/subjects/o/versions", json=body(ORDER))
        outside = httpx.get(f"http://127.0.0.1:{server.port}/subjects")

    assert server.url.endswith("/apis/ccompat/v7")
    assert registered.status_code == 200
    assert error(outside) == (404, 404)
    assert server.count("/subjects/o/versions", "POST") == 1


def test_faults_and_limits_answer_in_confluent_shape(tmp_path: Path) -> None:
    with RegistryServer(tmp_path, dialect="confluent", max_body_bytes=100) as server:
        server.inject_fault("/subjects", status=503, body={"error_code": 50003, "message": "x"})
        faulted = httpx.get(f"{server.url}/subjects")
        too_big = httpx.post(f"{server.url}/subjects/o/versions", json=body({"title": "x" * 200}))
        again = httpx.get(f"{server.url}/subjects")

    assert (faulted.status_code, faulted.headers["content-type"]) == (503, CONTENT_TYPE)
    assert error(too_big) == (413, 413)
    assert again.json() == []


def test_the_seed_dialect_answers_put_and_delete_with_json(tmp_path: Path) -> None:
    with RegistryServer(tmp_path) as server:
        put = httpx.put(f"{server.url}/index")
        delete = httpx.delete(f"{server.url}/nowhere")

    assert (put.status_code, delete.status_code) == (405, 404)
    assert put.headers["content-type"] == "application/json" and "detail" in put.json()


def no_hard_links(source: object, target: object) -> None:
    raise PermissionError(1, "Operation not permitted")  # as on FAT and some network mounts


@pytest.mark.parametrize("hard_links", [True, False], ids=["hard links", "no hard links"])
def test_two_servers_sharing_a_folder_never_overwrite_a_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:
        monkeypatch.setattr(os, "link", no_hard_links)
    folder = tmp_path / "subjects" / "o"
    with (
        RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as first,
        RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as second,
    ):
        assert second.store is not None
        store = second.store
        real_refresh, real_add, frozen = store.refresh, store.add, [True]

        def refresh() -> bool:  # the second server scanned just before the first wrote
            return False if frozen[0] else real_refresh()

        def add(*args: Any, **kwargs: Any) -> Any:
            result = real_add(*args, **kwargs)
            frozen[0] = False
            return result

        monkeypatch.setattr(store, "refresh", refresh)
        monkeypatch.setattr(store, "add", add)
        httpx.get(f"{second.url}/subjects")
        won = httpx.post(f"{first.url}/subjects/o/versions", json=body(ORDER)).json()
        written = (folder / "1.json").read_text(), (folder / "1.meta.json").read_text()
        moved_on = httpx.post(f"{second.url}/subjects/o/versions", json=body(LINE)).json()

    assert (won["version"], moved_on["version"]) == (1, 2)
    assert ((folder / "1.json").read_text(), (folder / "1.meta.json").read_text()) == written
    assert json.loads((folder / "2.json").read_text()) == LINE
    assert sorted(p.name for p in folder.iterdir()) == [
        "1.json",
        "1.meta.json",
        "2.json",
        "2.meta.json",
    ]


def test_a_request_that_never_sends_its_body_is_cut_off(tmp_path: Path) -> None:
    with RegistryServer(tmp_path, dialect="confluent", request_timeout=0.5) as server:
        request = "POST /subjects/o/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(request.encode())
            status_line = sock.makefile("rb").readline()

    assert status_line.split()[1] == b"408"
    assert not (tmp_path / "subjects").exists()


def test_reads_need_token_is_refused_where_every_request_already_needs_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="already guards every request"):
        RegistryServer(tmp_path, dialect="confluent", token="t", reads_need_token=True)


@pytest.mark.parametrize(
    ("schema_text", "meta"),
    [
        (json.dumps(LINE), {"id": "7"}),
        ("{not json", None),
        (json.dumps(LINE), {"id": 2**31}),
    ],
    ids=["id as text", "invalid JSON", "id above 2^31-1"],
)
def test_a_version_the_server_cannot_read_does_not_block_the_next(
    http: httpx.Client, tmp_path: Path, schema_text: str, meta: Any
) -> None:
    register(http, "o", ORDER)
    broken = hand_write(tmp_path, "o", 2, True, meta=meta)
    broken.write_text(schema_text)
    before = sorted((p.name, p.read_text()) for p in broken.parent.glob("2.*"))

    answer = register(http, "o", {"type": "string"})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["version"] == 3
    assert http.get("/subjects/o/versions").json() == [1, 3]
    assert sorted((p.name, p.read_text()) for p in broken.parent.glob("2.*")) == before


@pytest.mark.parametrize(
    ("name", "reason"),
    [("2147483647.json", "no version follows 2147483647"), ("3000000000.json", "N from 1")],
)
def test_a_version_number_out_of_range_is_refused_naming_the_file(
    http: httpx.Client, tmp_path: Path, name: str, reason: str
) -> None:
    register(http, "o", ORDER)
    hand_write(tmp_path, "o", 5, LINE).rename(tmp_path / "subjects" / "o" / name)

    answer = register(http, "o", {"type": "string"})

    assert error(answer) == (500, 50001)
    message = answer.json()["message"]
    assert str(tmp_path / "subjects" / "o" / name) in message and reason in message
    assert "retry" not in message
