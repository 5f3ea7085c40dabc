"""Serve a folder of schemas over the seed registry's HTTP API, for development and tests.

`schema-registry serve DIR` runs it in the foreground; `RegistryServer(DIR, port=0)` runs it on a
background thread inside a test process. It speaks the same JSON as the real service (the seed's
published client parses it), counts every request so tests can assert how many fetches happened,
and can be told to misbehave (`inject_fault`) so failure handling is tested against real HTTP.

With `dialect="confluent"` it speaks Confluent's Schema Registry REST API instead (subjects,
integer versions, ids; JSON Schema only), over `DIR/subjects/` in the same folder: what
confluent-kafka's `SchemaRegistryClient`, `JSONSerializer` and `JSONDeserializer` send.

It is not a production registry: one process, files on local disk. It does check compatibility:
`/compat/check` compares stored versions, and `compatibility=` makes uploads keep a level.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from .._core.errors import ConfigError
from .compat import Compatibility
from .confluent_store import SubjectStore
from .folder import SchemaFolder
from .handler import RegistryHTTPServer, RequestHandler
from .limits import Limits

__all__ = ["Fault", "RecordedRequest", "RegistryServer"]

# A request line may be 64 KiB: kept whole, a thousand recorded requests could hold 64 MiB.
_RECORDED_PATH_CHARS = 1024
_RECORDED_QUERY_CHARS = 1024
_DIALECTS = ("seed", "confluent")
# What each dialect gates uploads on by default: the seed registry had no gate; Confluent's
# default level is BACKWARD, judged by its own rules.
_DEFAULT_COMPATIBILITY = {"seed": ("NONE", "semantic"), "confluent": ("BACKWARD", "confluent")}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received; `authorized` says whether it carried a valid credential.

    `path` keeps its first 1,024 characters and `query` its first parameters up to 1,024
    characters in all: enough for every real route, bounded for any request line.
    """

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

    Limits bound what a client can hold: `idle_timeout` seconds between two requests on a
    connection, `request_timeout` seconds for a request to arrive from its first byte (and for
    its answer to leave), `max_connections` served at once (more get a quick 503), and
    `max_body_bytes` per upload (more get a 413; without the token, a body is never read).
    `requests` keeps the last `request_log_size` requests.

    `dialect="confluent"` serves Confluent's REST API from `DIR/subjects/` (see
    `confluent_store.py`). There, with `user` and `password` (HTTP Basic) and/or `token`
    (Bearer), every request needs one of them; with none, anyone may read and write, as a
    default Confluent registry allows (development only). Its `compatibility` defaults to
    "BACKWARD" judged by "confluent" rules, Confluent's own default; `config.json` (written by
    `PUT /config`) overrides it globally or per subject.

    `compatibility` (one of Confluent's seven levels; default "NONE", anything goes) makes
    `POST /admin/schemas` refuse (409, with the reasons and counterexamples) a new version of a
    schema that breaks it, judged by `compatibility_rules` ("semantic", what the schemas accept,
    or "confluent", what a Confluent registry would answer). The first version of a schema on a
    track is always accepted, and a verdict that is not proven refuses. Each check, here and on
    `GET /compat/check`, may take `request_timeout` seconds.
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
        idle_timeout: float = Limits.idle_timeout,
        request_timeout: float = Limits.request_timeout,
        max_connections: int = Limits.max_connections,
        max_body_bytes: int = Limits.max_body_bytes,
        request_log_size: int = Limits.request_log_size,
        compatibility: str | None = None,
        compatibility_rules: str | None = None,
        dialect: str = "seed",
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        if reads_need_token and not token:
            raise ConfigError("reads_need_token=True needs a token: RegistryServer(..., token=...)")
        self.dialect = _checked_dialect(dialect, user, password)
        if self.dialect == "confluent" and token is not None and not token.strip():
            raise ConfigError(
                "RegistryServer(token=''): an empty token would leave the confluent dialect open "
                "to anyone; give a token, or none"
            )
        if reads_need_token and self.dialect == "confluent":
            raise ConfigError(
                "RegistryServer(reads_need_token=True) is the seed dialect's: in the confluent "
                "dialect a token (or user and password) already guards every request"
            )
        self.limits = Limits(
            idle_timeout, request_timeout, max_connections, max_body_bytes, request_log_size
        )
        self.reads_need_token = reads_need_token
        level, rules = _DEFAULT_COMPATIBILITY[self.dialect]
        self.compatibility = Compatibility.of(
            compatibility or level,
            compatibility_rules or rules,
            timeout=self.limits.request_timeout,
        )
        self.folder = SchemaFolder(root)
        self.store = SubjectStore(root) if self.dialect == "confluent" else None
        self._basic = (user.encode(), (password or "").encode()) if user else None
        self.host = host
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self._token = token or None
        self._port = port
        self._httpd: RegistryHTTPServer | None = None
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
        self._httpd = RegistryHTTPServer((self.host, self._port), RequestHandler, self)
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
        """Return how many `method` requests reached `path`, among the `request_log_size` last.

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
        """Keep a clipped copy of the request, dropping the oldest beyond `request_log_size`."""
        clipped = _clip_query(query)
        entry = RecordedRequest(
            method, path[:_RECORDED_PATH_CHARS], clipped, self._authorized(auth)
        )
        with self._lock:
            self.requests.append(entry)
            excess = len(self.requests) - self.limits.request_log_size
            if excess > 0:  # a list, not a deque: tests compare it with [] and slice it
                del self.requests[:excess]

    @property
    def open_to_all(self) -> bool:
        """Say whether anyone may use the Confluent dialect: no credential is configured."""
        return self._token is None and self._basic is None

    def _authorized(self, header: str | None) -> bool:
        """Say whether `header` carries the bearer token or (Confluent dialect) the Basic pair."""
        if not header:
            return False
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "basic" and self._basic is not None:
            return _basic_matches(credential.strip(), *self._basic)
        if self._token is None:
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


def _checked_dialect(dialect: str, user: str | None, password: str | None) -> str:
    """Refuse an unknown dialect, and credentials that cannot work with the one chosen."""
    if dialect not in _DIALECTS:
        raise ConfigError(f"RegistryServer(dialect={dialect!r:.40}): use 'seed' or 'confluent'")
    if (user is None) != (password is None):
        raise ConfigError("RegistryServer(user=..., password=...): give both or neither")
    if user is not None and (not user or ":" in user or not password):
        # An empty value (an unset variable on a command line) must not leave the registry open.
        raise ConfigError(
            "RegistryServer(user=..., password=...): expected a non-empty user without ':' and a "
            "non-empty password"
        )
    if user is not None and dialect != "confluent":
        raise ConfigError(
            "RegistryServer(user=..., password=...) is for dialect='confluent' (HTTP Basic); "
            "the seed dialect takes a bearer token"
        )
    return dialect


def _basic_matches(credential: str, user: bytes, password: bytes) -> bool:
    """Compare a Basic credential with the configured pair, in constant time."""
    try:
        given = base64.b64decode(credential, validate=True)
    except (binascii.Error, ValueError):
        return False
    given_user, colon, given_password = given.partition(b":")
    user_ok = hmac.compare_digest(given_user, user)
    password_ok = hmac.compare_digest(given_password, password)
    return bool(colon) and user_ok and password_ok


def _clip_query(query: dict[str, str]) -> dict[str, str]:
    """Return the first parameters of `query` that fit in `_RECORDED_QUERY_CHARS` in all."""
    kept: dict[str, str] = {}
    budget = _RECORDED_QUERY_CHARS
    for key, value in query.items():
        budget -= len(key) + len(value)
        if budget < 0:
            break
        kept[key] = value
    return kept
