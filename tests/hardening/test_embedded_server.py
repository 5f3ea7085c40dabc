"""Issue #12, finding 9: no client can hold the embedded registry's threads, sockets or memory.

Raw sockets, because the faults are what a well-behaved HTTP client never does: stay silent, send
less body than it announced, trickle a request, flood connections.
"""

from __future__ import annotations

import http.client
import socket
from pathlib import Path

import httpx

from pytest_schema_registry import RegistryServer
from tests.helpers import TOKEN

CLIENT_PATIENCE = 5.0  # seconds a test's socket waits: far beyond every limit the tests set


def connect(server: RegistryServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=CLIENT_PATIENCE)


def answer(sock: socket.socket) -> http.client.HTTPResponse:
    """Read one HTTP answer from `sock` (and its body, so the next one can be read too)."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    return response


def upload_head(length: int, token: str | None = TOKEN) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST /admin/schemas HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {length}\r\n\r\n"
    ).encode()


# -- time --------------------------------------------------------------------------------------------


def test_an_idle_connection_is_closed_before_and_between_requests(registry_dir: Path) -> None:
    with RegistryServer(registry_dir, idle_timeout=0.2) as server, connect(server) as silent:
        assert silent.recv(1) == b""  # closed by the server, long before CLIENT_PATIENCE
        with connect(server) as kept_alive:
            kept_alive.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer(kept_alive).status == 200
            assert kept_alive.recv(1) == b""


def test_a_body_shorter_than_announced_gets_408_not_a_thread_forever(registry_dir: Path) -> None:
    with RegistryServer(registry_dir, token=TOKEN, request_timeout=0.2) as server:
        with connect(server) as liar:
            liar.sendall(upload_head(1000) + b"{}")
            response = answer(liar)
            assert liar.recv(1) == b""
        healthy = httpx.get(f"{server.url}/health", timeout=CLIENT_PATIENCE)

    assert (response.status, response.getheader("Connection")) == (408, "close")
    assert healthy.status_code == 200


def test_a_request_that_never_finishes_is_cut_at_its_deadline(registry_dir: Path) -> None:
    with (
        RegistryServer(registry_dir, idle_timeout=60, request_timeout=0.2) as server,
        connect(server) as trickler,
    ):
        trickler.sendall(b"GET /hea")  # then nothing: a per-read timeout of 60 s would wait

        assert trickler.recv(1) == b""
