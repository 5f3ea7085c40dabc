"""Serve a folder of schemas over the seed registry's HTTP API, for development and tests.

`schema-registry serve DIR` runs it in the foreground; `RegistryServer(DIR, port=0)` runs it on a
background thread inside a test process. It speaks the same JSON as the real service (the seed's
published client parses it), counts every request so tests can assert how many fetches happened,
and can be told to misbehave (`inject_fault`) so failure handling is tested against real HTTP.

It is not a production registry: one process, files on local disk, no compatibility checks yet.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import socket
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs

from .._core.errors import ConfigError
from .folder import SchemaFolder
from .routes import HTTPError, Request, route

__all__ = ["Fault", "RecordedRequest", "RegistryServer"]

log = logging.getLogger("pytest_schema_registry.server")

_MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received; `authorized` says whether it carried the server's token."""

    method: str
    path: str
    query: dict[str, str]
    authorized: bool


@dataclass(slots=True)
class Fault:
    """A misbehaviour to apply to the next `times` requests matching `method` and `path`.

    `status`/`body`/`headers` replace the answer; `delay` holds it back (interrupted by `stop()`);
    `truncate` promises more body than it sends, `reset` closes the connection without answering.
    """

    method: str
    path: str
    status: int = 503
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False
    reset: bool = False
    times: int | None = 1


class RegistryServer:
    """Run the embedded registry on a background thread; `with RegistryServer(d) as s: s.url`.

    `port=0` picks a free port. `base_path` (e.g. `/api/v1`) prefixes every route, so URLs look
    like the real service's. Without a `token`, the admin API is closed; with
    `reads_need_token=True`, reads want the token too (rehearse a locked-down registry).
    """

    def __init__(
        self,
        root: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        base_path: str = "",
        reads_need_token: bool = False,
    ) -> None:
        if reads_need_token and not token:
            raise ConfigError("reads_need_token=True needs a token: RegistryServer(..., token=...)")
        self.reads_need_token = reads_need_token
        self.folder = SchemaFolder(root)
        self.host = host
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self._token = token or None
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._connections = 0

    def __repr__(self) -> str:
        state = self.url if self._httpd else "stopped"
        return f"RegistryServer({str(self.folder.root)!r}, {state})"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the socket and answer requests on a daemon thread until `stop()`."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self._port), _Handler, self)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # how fast stop() is noticed: tests stop servers often
            name=f"schema-registry:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port; delayed answers are cut short."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def wait(self) -> None:
        """Block until the server stops: what a foreground process does after `start()`."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the bound port (the real one, when started with port 0)."""
        return self._port

    @property
    def url(self) -> str:
        """Return the base URL clients should use, base path included."""
        return f"http://{self.host}:{self._port}{self.base_path}"

    # -- test helpers ---------------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """Return how many TCP connections the server has accepted."""
        return self._connections

    def count(self, path: str, method: str = "GET") -> int:
        """Return how many `method` requests reached `path`.

        `path` is relative to the base path and percent-encoded as sent: `/schemas/v1/a%2Fb`.
        """
        with self._lock:
            return sum(1 for r in self.requests if r.path == path and r.method == method)

    def counts(self) -> Counter[tuple[str, str]]:
        """Return request counts keyed by (method, path)."""
        with self._lock:
            return Counter((r.method, r.path) for r in self.requests)

    def reset_counts(self) -> None:
        """Forget the requests and connections seen so far."""
        with self._lock:
            self.requests.clear()
            self._connections = 0

    def inject_fault(self, path: str, *, method: str = "GET", **fault: Any) -> Fault:
        """Make the next matching request(s) misbehave; see `Fault` for the knobs."""
        if isinstance(fault.get("body"), dict | list):
            fault["body"] = json.dumps(fault["body"]).encode()
        elif isinstance(fault.get("body"), str):
            fault["body"] = fault["body"].encode()
        injected = Fault(method=method, path=path, **fault)
        with self._lock:
            self._faults.append(injected)
        return injected

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    # -- called by the handler ------------------------------------------------------------------

    def _record(self, method: str, path: str, query: dict[str, str], auth: str | None) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, self._authorized(auth)))

    def _authorized(self, header: str | None) -> bool:
        if self._token is None or not header:
            return False
        return hmac.compare_digest(header.encode(), f"Bearer {self._token}".encode())

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.path == path:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], registry: RegistryServer
    ) -> None:
        self.registry = registry
        self.open_sockets: set[socket.socket] = set()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count each accepted connection, so tests can see a client's pool at work."""
        self.registry._connections += 1
        with self.registry._lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a connection's failure (a client hanging up, say) instead of printing a traceback."""
        log.debug("connection from %s failed", client_address, exc_info=True)

    def shutdown_request(self, request: Any) -> None:
        with self.registry._lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every open keep-alive connection: a stopped registry must look gone to clients."""
        with self.registry._lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Route one request to the seed API; answer JSON, FastAPI-style `{"detail": ...}` on errors."""

    protocol_version = "HTTP/1.1"  # keep-alive, so clients' connection pools get exercised
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: _HTTPServer
    server_version = "pytest-schema-registry"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _handle(self, method: str) -> None:
        registry = self.server.registry
        raw_path, _, raw_query = self.path.partition("?")
        path = self._route_path(raw_path)
        query = {k: v[-1] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        registry._record(method, path or raw_path, query, self.headers.get("Authorization"))
        fault = registry._take_fault(method, path or raw_path)
        if fault is not None:
            self._misbehave(fault)
            return
        try:
            authorized = registry._authorized(self.headers.get("Authorization"))
            request = Request(method, path, query, authorized, self._body())
            status, body = route(
                registry.folder,
                request,
                admin_open=registry._token is not None,
                reads_need_token=registry.reads_need_token,
            )
        except HTTPError as answer:
            status, body = answer.status, {"detail": answer.detail}
        self._send_json(status, body)

    def _route_path(self, raw_path: str) -> str | None:
        """Strip the base path; None when the request is outside it."""
        base = self.server.registry.base_path
        if not base:
            return raw_path
        if raw_path == base or raw_path.startswith(base + "/"):
            return raw_path[len(base) :] or "/"
        return None

    def _send_json(self, status: int, body: object, headers: Mapping[str, str] = {}) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self._send(status, payload, {"Content-Type": "application/json", **headers})

    def _send(
        self, status: int, payload: bytes, headers: Mapping[str, str], length: int | None = None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload) if length is None else length))
        self.end_headers()
        self.wfile.write(payload)

    def _misbehave(self, fault: Fault) -> None:
        if fault.delay and self.server.registry._stopping.wait(fault.delay):
            self.close_connection = True
            return
        if fault.reset:
            self.close_connection = True
            return
        headers = {"Content-Type": "application/json", **fault.headers}
        if fault.truncate:
            self._send(fault.status, fault.body, headers, length=len(fault.body) + 100)
            self.close_connection = True
            return
        self._send(fault.status, fault.body, headers)

    def _body(self) -> bytes:
        """Read the whole request body, so keep-alive stays in step whatever the answer is."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise HTTPError(400, "Content-Length is not a number") from None
        if length > _MAX_UPLOAD_BYTES:
            self.close_connection = True  # the unread body would be parsed as the next request
            raise HTTPError(413, f"body of {length} bytes exceeds {_MAX_UPLOAD_BYTES}")
        return self.rfile.read(length) if length > 0 else b""
