"""Issue #12, finding 9: no client can hold the embedded registry's threads, sockets or memory.

Raw sockets, because the faults are what a well-behaved HTTP client never does: stay silent, send
less body than it announced, trickle a request, flood connections.
"""

from __future__ import annotations

import errno
import json
import socket
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from pytest_schema_registry import ConfigError, RegistryServer
from tests.helpers import TOKEN

CLIENT_PATIENCE = 5.0  # seconds a test's socket waits: far beyond every limit the tests set


def connect(server: RegistryServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=CLIENT_PATIENCE)


def answer(reader: BinaryIO) -> tuple[int, dict[str, str]]:
    """Read one HTTP answer (status, lower-cased headers), its body too, so the next can follow."""
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        key, _, value = line.decode().partition(":")
        headers[key.strip().lower()] = value.strip()
    reader.read(int(headers.get("content-length", 0)))
    return status, headers


def upload_head(length: int, token: str | None = TOKEN) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST /admin/schemas HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {length}\r\n\r\n"
    ).encode()


def upload_body(version: str, padding: int = 0) -> bytes:
    content = {"type": "object", "description": "x" * padding}
    return json.dumps(
        {"name": "s", "track": "v1", "core_version": version, "content": content}
    ).encode()


@pytest.mark.parametrize(
    "limit",
    ["idle_timeout", "request_timeout", "max_connections", "max_body_bytes", "request_log_size"],
)
def test_limits_must_be_positive(registry_dir: Path, limit: str) -> None:
    with pytest.raises(
        ConfigError, match=f"RegistryServer\\({limit}=...\\) must be positive, got 0"
    ):
        RegistryServer(registry_dir, **{limit: 0})


# -- time --------------------------------------------------------------------------------------------


def test_an_idle_connection_is_closed_before_and_between_requests(registry_dir: Path) -> None:
    with RegistryServer(registry_dir, idle_timeout=0.2) as server, connect(server) as silent:
        assert silent.recv(1) == b""  # closed by the server, long before CLIENT_PATIENCE
        with connect(server) as kept_alive:
            kept_alive.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer(kept_alive.makefile("rb"))[0] == 200
            assert kept_alive.recv(1) == b""


def test_a_body_shorter_than_announced_gets_408_not_a_thread_forever(registry_dir: Path) -> None:
    with RegistryServer(registry_dir, token=TOKEN, request_timeout=0.2) as server:
        with connect(server) as liar:
            liar.sendall(upload_head(1000) + b"{}")
            status, headers = answer(liar.makefile("rb"))
            assert liar.recv(1) == b""
        healthy = httpx.get(f"{server.url}/health", timeout=CLIENT_PATIENCE)

    assert (status, headers["connection"]) == (408, "close")
    assert healthy.status_code == 200


def test_a_request_that_never_finishes_is_cut_at_its_deadline(registry_dir: Path) -> None:
    with (
        RegistryServer(registry_dir, idle_timeout=60, request_timeout=0.2) as server,
        connect(server) as trickler,
    ):
        trickler.sendall(b"GET /hea")  # then nothing: a per-read timeout of 60 s would wait

        assert trickler.recv(1) == b""


@pytest.mark.parametrize(
    ("dialect", "content_type", "error"),
    [
        ("seed", "application/json", {"detail": "too many connections; retry shortly"}),
        (
            "confluent",
            "application/vnd.schemaregistry.v1+json",
            {"error_code": 50003, "message": "too many connections; retry shortly"},
        ),
    ],
)
def test_connections_past_the_cap_get_a_quick_503_until_idle_ones_time_out(
    registry_dir: Path, dialect: str, content_type: str, error: dict[str, object]
) -> None:
    """The canned 503 speaks the dialect's error shape: clients parse it like any other error."""
    with RegistryServer(
        registry_dir, max_connections=2, idle_timeout=0.3, dialect=dialect
    ) as server:
        held = [connect(server) for _ in range(2)]
        for sock in held:  # answered, so admitted; then silent, holding their slots
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            answer(sock.makefile("rb"))
        busy = httpx.get(f"{server.url}/health", timeout=CLIENT_PATIENCE)
        released = [sock.recv(1) for sock in held]  # the idle timeout closes them
        for sock in held:
            sock.close()
        recovered = httpx.get(f"{server.url}/health", timeout=CLIENT_PATIENCE)

    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert (busy.headers["content-type"], busy.json()) == (content_type, error)
    assert (released, recovered.status_code) == ([b"", b""], 200)
    assert server.count("/health") == 3  # the turned-away request never reached a handler


def test_a_failure_inside_the_server_is_answered_500_not_a_dropped_connection(
    server: RegistryServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def out_of_descriptors() -> bool:  # what 66 idle sockets under a 64-fd limit caused
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(
        server.folder, "refresh", out_of_descriptors
    )  # no real fd limit: per process
    with caplog.at_level("ERROR", logger="pytest_schema_registry.server"):
        response = httpx.get(f"{server.url}/health")

    assert response.status_code == 500
    assert "OSError" in response.json()["detail"]
    assert "Too many open files" in caplog.text


# -- memory ------------------------------------------------------------------------------------------


def test_the_request_log_keeps_the_last_thousand_requests(registry_dir: Path) -> None:
    pipelined = b"".join(
        f"GET /health?n={n} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for n in range(1_100)
    )
    with RegistryServer(registry_dir) as server, connect(server) as sock:
        sock.sendall(pipelined)
        reader = sock.makefile("rb")
        statuses = {answer(reader)[0] for _ in range(1_100)}

    assert statuses == {200}
    assert len(server.requests) == 1_000
    assert (server.requests[0].query, server.requests[-1].query) == ({"n": "100"}, {"n": "1099"})
    assert server.count("/health") == 1_000


def test_a_long_request_line_is_recorded_clipped(server: RegistryServer) -> None:
    path = "/schemas/v1/" + "a" * 30_000
    query = {f"k{n}": "v" * 40 for n in range(600)}  # about 27 KB more

    response = httpx.get(f"{server.url}{path}", params=query)
    (recorded,) = server.requests

    assert response.status_code == 404
    assert recorded.path == path[:1024]
    assert 0 < sum(len(k) + len(v) for k, v in recorded.query.items()) <= 1024
    assert list(recorded.query) == list(query)[: len(recorded.query)]


@pytest.mark.parametrize(
    ("server_token", "sent_token", "status"),
    [(TOKEN, None, 401), (TOKEN, "wrong", 401), (None, TOKEN, 403)],
    ids=["no token", "wrong token", "admin API closed"],
)
def test_an_upload_without_the_token_is_refused_before_its_body_arrives(
    registry_dir: Path, server_token: str | None, sent_token: str | None, status: int
) -> None:
    with RegistryServer(registry_dir, token=server_token) as server, connect(server) as sock:
        sock.sendall(upload_head(5 * 1024 * 1024, sent_token))  # the 5 MiB never follow
        answered = answer(sock.makefile("rb"))
        closed = sock.recv(1) == b""  # the unread body must not be parsed as a request

    assert answered[0] == status
    assert answered[1]["connection"] == "close"
    assert closed


def test_an_upload_over_max_body_bytes_gets_413_unread(registry_dir: Path) -> None:
    with RegistryServer(registry_dir, token=TOKEN, max_body_bytes=500) as server:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        small = httpx.post(f"{server.url}/admin/schemas", content=upload_body("1"), headers=headers)
        big = httpx.post(
            f"{server.url}/admin/schemas", content=upload_body("2", 600), headers=headers
        )

    assert (small.status_code, big.status_code) == (201, 413)
    assert "exceeds 500" in big.json()["detail"]


# -- logs (finding 10) -------------------------------------------------------------------------------


def test_control_characters_in_a_request_line_reach_the_log_escaped(
    server: RegistryServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="pytest_schema_registry.server"), connect(server) as sock:
        sock.sendall(b"GET /\x1b[2J\x1b[31mforged\x07\x00\x9b HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _ = answer(sock.makefile("rb"))

    (logged,) = [r.getMessage() for r in caplog.records if "forged" in r.getMessage()]
    assert status == 404
    assert "/\\x1b[2J\\x1b[31mforged\\x07\\x00\\x9b HTTP/1.1" in logged
    assert not any(c in logged for c in "\x1b\x07\x00\x9b")
