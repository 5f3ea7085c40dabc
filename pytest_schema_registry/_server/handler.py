"""Speak HTTP for `RegistryServer`: accept connections, parse requests, answer, misbehave on cue.

`server.py` owns the lifecycle, the request log and the faults; this module owns sockets and
threads. Routing itself is `routes.py`'s over the `SchemaFolder` (the seed dialect), or
`confluent_routes.py`'s over the `SubjectStore` (the Confluent dialect), each answering errors
in its registry's own shape.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl

from .._core.secrets import redact_url
from .confluent_routes import route_confluent
from .limits import Doorman, RequestClock, busy_answer
from .routes import HTTPError, Request, route

if TYPE_CHECKING:
    from .confluent_store import SubjectStore
    from .server import Fault, RegistryServer

__all__ = ["RegistryHTTPServer", "RequestHandler"]

log = logging.getLogger("pytest_schema_registry.server")

# Request lines are the client's text: a raw ESC or CR in a log line can rewrite a terminal or
# forge a line. Escaped as the stdlib's own `log_message` does, which ours replaces.
_CONTROL_CHARACTERS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL_CHARACTERS[ord("\\")] = "\\\\"
CONTENT_TYPES = {"seed": "application/json", "confluent": "application/vnd.schemaregistry.v1+json"}


class RegistryHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5: a burst of connections (a pool opening, a flood)
    # then waits for SYN retransmits, 1 s, 3 s, 7 s..., before even reaching the cap's quick 503.
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], handler: type[RequestHandler], registry: RegistryServer
    ) -> None:
        self.registry = registry
        self.open_sockets: set[socket.socket] = set()
        busy = busy_answer(registry.dialect, CONTENT_TYPES[registry.dialect])
        self.doorman = Doorman(registry.limits.max_connections, busy)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Count each accepted connection; past `max_connections`, answer 503 without a thread.

        Counted, so tests can see a client's pool at work; capped, so a flood of connections
        costs neither a thread each nor an endless wait for `/health`.
        """
        self.registry._connections += 1
        with self.registry._lock:
            admitted = len(self.open_sockets) < self.registry.limits.max_connections
            if admitted:
                self.open_sockets.add(request)
        if not admitted:
            log.info("turned away %s: %d connections open", client_address, len(self.open_sockets))
            self.doorman.turn_away(request)
            return
        super().process_request(request, client_address)

    def service_actions(self) -> None:
        """Close turned-away connections once read or overdue; the accept loop calls this."""
        super().service_actions()
        self.doorman.tidy()

    def server_close(self) -> None:
        super().server_close()
        self.doorman.close_all()

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


class RequestHandler(BaseHTTPRequestHandler):
    """Route one request to the registry's API; answer JSON, errors in the dialect's shape.

    The seed dialect answers FastAPI-style `{"detail": ...}`, Confluent's `{"error_code",
    "message"}`.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, so clients' connection pools get exercised
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: RegistryHTTPServer
    server_version = "pytest-schema-registry"
    _clock: RequestClock

    def setup(self) -> None:
        """Read through a `RequestClock`: idle and slow clients give their thread back in time."""
        super().setup()
        self.rfile.close()  # the socket's own reader: only its reference goes, the socket stays
        self._clock = RequestClock(self.connection, self.server.registry.limits)
        self.rfile = io.BufferedReader(self._clock)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        message = (format % args).translate(_CONTROL_CHARACTERS)
        log.info("%s %s", self.address_string(), message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the request line with secret query values masked (`?token=***`)."""
        method, _, rest = self.requestline.partition(" ")
        target, _, version = rest.rpartition(" ") if " " in rest else (rest, "", "")
        line = " ".join(part for part in (method, redact_url(target), version) if part)
        code_text = str(code.value) if hasattr(code, "value") else str(code)
        self.log_message('"%s" %s %s', line, code_text, str(size))

    def _handle(self, method: str) -> None:
        registry = self.server.registry
        raw_path, _, raw_query = self.path.partition("?")
        path = self._route_path(raw_path)
        query = {k: v[-1] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        registry._record(method, path or raw_path, query, self.headers.get("Authorization"))
        fault = registry._take_fault(method, path or raw_path)
        if fault is not None:
            self._skip_body()
            self._misbehave(fault)
            return
        self._send_json(*self._answer(method, path, query))

    def _answer(self, method: str, path: str | None, query: dict[str, str]) -> tuple[int, Any]:
        """Route the request; return the status and JSON body to answer, whatever goes wrong."""
        registry = self.server.registry
        authorized = registry._authorized(self.headers.get("Authorization"))
        try:
            if registry.store is not None:
                allowed = authorized or registry.open_to_all
                return self._confluent(registry.store, method, path, query, allowed)
            # Only an authorized POST has a body worth reading: anything else is refused unread,
            # so anonymous clients cannot make the server buffer megabytes.
            body = self._body() if method == "POST" and authorized else self._skip_body()
            return route(
                registry.folder,
                Request(method, path, query, authorized, body),
                admin_open=registry._token is not None,
                reads_need_token=registry.reads_need_token,
                compatibility=registry.compatibility,
            )
        except HTTPError as answer:
            return answer.status, self._error_body(answer)
        except Exception as exc:
            # A bug, or the OS (out of descriptors): answer, never just hang up on the client.
            log.exception("%s %r failed", method, path)
            detail = f"the embedded registry failed ({type(exc).__name__}); see its log"
            return 500, self._error_body(HTTPError(500, detail, {"error_code": 50001}))

    def _confluent(
        self,
        store: SubjectStore,
        method: str,
        path: str | None,
        query: dict[str, str],
        allowed: bool,
    ) -> tuple[int, Any]:
        """Answer the Confluent dialect; a body is read only from an allowed PUT or POST."""
        writes = method in ("POST", "PUT")
        body = self._body() if writes and allowed else self._skip_body()
        # `?key=a&value=1&key=b&value=2`: Confluent repeats parameters
        pairs = tuple(parse_qsl(self.path.partition("?")[2], keep_blank_values=True))
        request = Request(method, path, query, allowed, body, pairs)
        return route_confluent(store, request, self.server.registry.compatibility)

    def _error_body(self, answer: HTTPError) -> dict[str, Any]:
        if self.server.registry.dialect == "confluent":
            return {
                "error_code": answer.extra.get("error_code", answer.status),
                "message": answer.detail,
            }
        return answer.body()

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
        self._send(status, payload, {"Content-Type": self._content_type(), **headers})

    def _content_type(self) -> str:
        return CONTENT_TYPES[self.server.registry.dialect]

    def _send(
        self, status: int, payload: bytes, headers: Mapping[str, str], length: int | None = None
    ) -> None:
        self._clock.request_read()  # the request is over: its answer gets a fresh budget
        self.send_response(status)
        if self.close_connection:
            self.send_header("Connection", "close")  # so clients do not reuse what we will close
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
        headers = {"Content-Type": self._content_type(), **fault.headers}
        if fault.truncate:
            self._send(fault.status, fault.body, headers, length=len(fault.body) + 100)
            self.close_connection = True
            return
        self._send(fault.status, fault.body, headers)

    def _body(self) -> bytes:
        """Read the whole request body, so keep-alive stays in step whatever the answer is.

        A body not read whole closes the connection after the answer: the unread rest would be
        parsed as the next request.
        """
        length = self._content_length()
        limit = self.server.registry.limits.max_body_bytes
        if length > limit:
            self.close_connection = True
            raise HTTPError(413, f"body of {length} bytes exceeds {limit}")
        try:
            body = self.rfile.read(length) if length > 0 else b""
        except TimeoutError:
            self.close_connection = True
            raise HTTPError(408, "request body did not arrive in time") from None
        if len(body) < length:
            self.close_connection = True
            raise HTTPError(400, f"body ended after {len(body)} of {length} bytes")
        return body

    def _content_length(self) -> int:
        """Return the announced body length; answer 411 to a chunked body, 400 to nonsense."""
        if "Transfer-Encoding" in self.headers:
            self.close_connection = True
            raise HTTPError(411, "send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise HTTPError(400, "Content-Length is not a number of bytes")
        return length

    def _skip_body(self) -> bytes:
        """Leave an unwanted body unread; if there is one, close the connection after answering."""
        announced = self.headers.get("Content-Length", "0").strip() != "0"
        if announced or "Transfer-Encoding" in self.headers:
            self.close_connection = True
        return b""
