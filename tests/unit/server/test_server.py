"""The embedded registry as a user meets it: folder layout, bad files, routes, lifecycle."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import httpx
import pytest

from pytest_schema_registry import ConfigError, RegistryServer
from pytest_schema_registry._core.models import version_order
from pytest_schema_registry._server.folder import SchemaFolder
from tests.helpers import TOKEN


def write(
    root: Path, track: str, name: str, version: str, body: object, suffix: str = ".json"
) -> Path:
    path = root / track / name / f"{version}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


@pytest.fixture
def http(server: RegistryServer) -> httpx.Client:
    with httpx.Client(base_url=server.url) as client:
        yield client


def test_versions_are_ordered_pep440_wise() -> None:
    versions = ["1.1.10", "v1.2.7", "1.1.2", "2.0.0", "2.0.0-dev", "banana", "0.9"]

    assert sorted(versions, key=version_order) == [
        "banana",
        "0.9",
        "1.1.2",
        "1.1.10",
        "v1.2.7",
        "2.0.0-dev",
        "2.0.0",
    ]


def test_latest_follows_version_order_not_file_order(tmp_path: Path) -> None:
    for version in ("1.1.10", "1.1.2", "1.2.0-rc1"):
        write(tmp_path, "v1", "s", version, {"title": version})

    folder = SchemaFolder(tmp_path)

    assert [s.version for s in folder.versions("s", track="v1")] == ["1.1.2", "1.1.10", "1.2.0-rc1"]
    latest = folder.get("s", track="v1")
    assert latest is not None and latest.version == "1.2.0-rc1"


@pytest.mark.parametrize(
    ("version", "body", "meta", "reason"),
    [
        ("1.0.0", "{not json", None, "schema file is not valid JSON"),
        ("1.0.0", "[1, 2]", None, "should hold a JSON object, found list"),
        ("1.0.0", {"$core_version": "2.0.0"}, None, "content says $core_version='2.0.0'"),
        ("1.0.0", {"$track": "v2"}, None, "content says $track='v2'"),
        ("1.0.0", {}, {"colour": "red"}, "unknown metadata key 'colour'"),
        ("1.0.0", {}, {"deprecated": "yes"}, "'deprecated' should be a bool"),
        ("1.0.0", {}, {"created_at": "last tuesday"}, "not an ISO-8601 timestamp"),
        ("1.0.0", {}, "[]", "metadata file should hold a JSON object"),
        ("bad version!", {}, None, "version 'bad version!': expected"),
    ],
)
def test_bad_files_are_reported_with_path_and_reason_and_the_rest_served(
    tmp_path: Path, version: str, body: object, meta: object, reason: str
) -> None:
    write(tmp_path, "v1", "good", "1.0.0", {"type": "object"})
    bad = write(tmp_path, "v1", "bad", version, body)
    if meta is not None:
        write(tmp_path, "v1", "bad", version, meta, suffix=".meta.json")

    with RegistryServer(tmp_path) as server:
        index = httpx.get(f"{server.url}/index").json()

    assert [item["name"] for item in index["tracks"]["v1"]["schemas"]] == ["good"]
    (problem,) = server.folder.problems
    assert problem.path == bad
    assert reason in problem.reason
    assert str(bad) in str(problem)


def test_orphan_metadata_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    write(tmp_path, "v1", "s", "1.0.0", {}, suffix=".meta.json")
    (tmp_path / "v1" / "s" / "2.0.0.json").write_bytes(b"\xff\xfe{}")

    folder = SchemaFolder(tmp_path)

    reasons = sorted(p.reason for p in folder.problems)
    assert reasons == ["metadata without a version file beside it", "schema file is not UTF-8 text"]


def test_hidden_and_underscored_entries_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "v1", "s", "1.0.0", {})
    write(tmp_path, ".git", "s", "1.0.0", {})
    write(tmp_path, "v1", "_drafts", "1.0.0", {})
    (tmp_path / "README.md").write_text("notes")

    folder = SchemaFolder(tmp_path)

    assert (folder.tracks(), folder.names("v1"), folder.problems) == (["v1"], ["s"], [])


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        RegistryServer(tmp_path / "nowhere")


def test_edits_to_the_folder_show_up_on_the_next_request(
    server: RegistryServer, http: httpx.Client, registry_dir: Path
) -> None:
    assert http.get("/schemas/v1/telemetry.FeedbackEvent").json()["core_version"] == "1.1.2"

    write(registry_dir, "v1", "telemetry.FeedbackEvent", "1.2.0", {"type": "object"})
    path = registry_dir / "v1" / "telemetry.FeedbackEvent" / "1.1.2.json"
    path.write_text(json.dumps({"type": "object", "title": "edited"}))
    os.utime(path, ns=(1, 1))

    assert http.get("/schemas/v1/telemetry.FeedbackEvent").json()["core_version"] == "1.2.0"
    edited = http.get("/schemas/v1/telemetry.FeedbackEvent", params={"version": "1.1.2"}).json()
    assert edited["content"]["title"] == "edited"


def test_created_at_falls_back_to_the_file_time(tmp_path: Path) -> None:
    path = write(tmp_path, "v1", "s", "1.0.0", {})
    os.utime(path, (1_700_000_000, 1_700_000_000))

    with RegistryServer(tmp_path) as server:
        (version,) = httpx.get(f"{server.url}/schemas/v1/s/versions").json()

    assert version["created_at"] == "2023-11-14T22:13:20+00:00"


def test_schema_id_from_metadata_then_default(tmp_path: Path) -> None:
    write(tmp_path, "v1", "a", "1.0.0", {})
    write(tmp_path, "v1", "a", "1.0.0", {"schema_id": "urn:a"}, suffix=".meta.json")
    write(tmp_path, "v1", "b", "1.0.0", {})

    with RegistryServer(tmp_path) as server:
        a = httpx.get(f"{server.url}/schemas/by-id/urn:a").json()
        b = httpx.get(f"{server.url}/schemas/by-id/b@v1").json()

    assert (a["name"], a["$schema_id"]) == ("a", "urn:a")
    assert (b["name"], b["$schema_id"]) == ("b", "b@v1")


def test_by_id_can_pick_track_and_version(http: httpx.Client) -> None:
    pinned = http.get(
        "/schemas/by-id/telemetry.FeedbackEvent", params={"track": "v1", "version": "1.1.0"}
    ).json()

    assert (pinned["track"], pinned["core_version"]) == ("v1", "1.1.0")


def test_responses_have_the_seed_shape(http: httpx.Client) -> None:
    body = http.get("/schemas/v1/telemetry.FeedbackEvent").json()

    assert set(body) == {
        "name",
        "track",
        "core_version",
        "sha256",
        "$schema_id",
        "content",
        "deprecated",
        "deprecation_note",
    }
    assert body["content"]["$schema_id"] == "telemetry.FeedbackEvent"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing-here", 404),
        ("GET", "/schemas/v1", 404),
        ("POST", "/index", 405),
        ("POST", "/admin/sync", 501),
        ("GET", "/compat/check", 400),  # without its query parameters
    ],
)
def test_unknown_routes_answer_json_errors(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    response = http.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]


def test_routes_outside_the_base_path_are_not_found(server: RegistryServer) -> None:
    root = server.url.removesuffix("/api/v1")

    assert httpx.get(f"{root}/index").status_code == 404
    assert httpx.get(f"{root}/api/v1x/index").status_code == 404
    assert httpx.get(f"{server.url}/index").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[]", 422, "expected a JSON object"),
        (b'{"name": "x"}', 422, "missing field(s): track, core_version, content"),
        (
            b'{"name": "x", "track": "v1", "core_version": "1", "content": []}',
            422,
            "content should",
        ),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(
    http: httpx.Client, body: bytes, status: int, detail: str
) -> None:
    response = http.post(
        "/admin/schemas", content=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )

    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_oversized_upload_is_refused_without_reading_it(server: RegistryServer) -> None:
    request = (
        f"POST /api/v1/admin/schemas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Length: {11 * 1024 * 1024}\r\n\r\n{{}}"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request.encode())
        status_line = sock.makefile("rb").readline()

    assert status_line.split()[1] == b"413"


def test_request_log_counts_per_path_and_can_be_reset(
    server: RegistryServer, http: httpx.Client
) -> None:
    http.get("/index")
    http.get("/index")
    http.get("/health")

    assert server.count("/index") == 2
    assert server.counts()[("GET", "/health")] == 1
    assert not any(r.authorized for r in server.requests)
    server.reset_counts()
    assert server.count("/index") == 0


def test_faults_apply_as_many_times_as_asked_then_clear(
    server: RegistryServer, http: httpx.Client
) -> None:
    server.inject_fault("/health", status=503, body="busy", times=2)
    server.inject_fault("/index", status=500, times=None)

    assert [http.get("/health").status_code for _ in range(3)] == [503, 503, 200]
    assert [http.get("/index").status_code for _ in range(2)] == [500, 500]
    server.clear_faults()
    assert http.get("/index").status_code == 200


def test_stop_releases_the_port_and_is_idempotent(registry_dir: Path) -> None:
    server = RegistryServer(registry_dir).start()
    port = server.port
    assert f":{port}" in repr(server)

    server.stop()
    server.stop()

    assert "stopped" in repr(server)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_stop_cuts_a_delayed_answer_short(server: RegistryServer) -> None:
    import threading
    import time

    server.inject_fault("/health", status=200, delay=30.0)
    outcome: list[BaseException | int] = []

    def call() -> None:
        try:
            outcome.append(httpx.get(f"{server.url}/health", timeout=10).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    while server.count("/health") == 0:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    worker.join(timeout=10)

    assert time.monotonic() - started < 5
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)


def test_reads_can_want_the_token_like_a_locked_down_registry(registry_dir: Path) -> None:
    with RegistryServer(registry_dir, token=TOKEN, reads_need_token=True) as locked:
        anonymous = httpx.get(f"{locked.url}/index")
        wrong = httpx.get(f"{locked.url}/index", headers={"Authorization": "Bearer nope"})
        right = httpx.get(f"{locked.url}/index", headers={"Authorization": f"Bearer {TOKEN}"})
        health = httpx.get(f"{locked.url}/health")

    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert (right.status_code, health.status_code) == (200, 200)
    with pytest.raises(ConfigError, match="reads_need_token=True needs a token"):
        RegistryServer(registry_dir, reads_need_token=True)


def test_a_bad_file_added_while_serving_is_logged_when_skipped(
    server: RegistryServer, caplog: pytest.LogCaptureFixture
) -> None:
    bad = write(server.folder.root, "v1", "telemetry.Broken", "1.0.0", "{not json")

    with caplog.at_level("WARNING", logger="pytest_schema_registry.server"):
        answer = httpx.get(f"{server.url}/index")
        httpx.get(f"{server.url}/index")  # unchanged folder: said once, not per request

    assert answer.status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"skipped {bad}: ")
