"""Bound what one client can hold of the embedded registry: time, connections, bytes, memory.

The server is for tests and development, but it listens on a socket: an idle keep-alive, a client
that announces more body than it sends, or a flood of connections must cost a bounded amount for a
bounded time, never a thread and a file descriptor forever (issue #12, finding 9).
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import time
from collections import deque
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from .._core.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["Doorman", "Limits", "RequestClock", "busy_answer"]

_LINGER_SECONDS = 2.0  # how long a turned-away client gets to read its 503 before we close


@dataclass(frozen=True)  # no slots: the class attributes are the defaults `RegistryServer` shows
class Limits:
    """What `RegistryServer` allows its clients; the defaults suit tests and local development."""

    idle_timeout: float = 10.0  # above httpx's 5 s keep-alive expiry: pooled clients close first
    request_timeout: float = 10.0  # from a request's first byte to its last, and for the answer
    max_connections: int = 100  # httpx's default pool size: one client's full pool never sees 503
    max_body_bytes: int = 10 * 1024 * 1024  # schemas are kilobytes: this is generous
    request_log_size: int = 1000  # `RegistryServer.requests` keeps the most recent ones

    def __post_init__(self) -> None:
        for limit in fields(self):
            value = getattr(self, limit.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(
                    f"RegistryServer({limit.name}=...) must be positive, got {value!r}"
                )


class RequestClock(io.RawIOBase):
    """Read a connection's socket on two clocks: an idle timeout between requests, then a deadline.

    A timeout per `recv` alone would let a client trickle a byte every few seconds and keep its
    thread forever; a deadline counted from a request's first byte bounds what any client holds.
    An idle keep-alive that times out reads as end of file: closed quietly, like a hang-up.
    """

    def __init__(self, sock: socket.socket, limits: Limits) -> None:
        super().__init__()
        self._sock = sock
        self._limits = limits
        self._deadline: float | None = None  # None: between requests

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        idle = self._deadline is None
        self._sock.settimeout(self._remaining())
        try:
            received = self._sock.recv_into(buffer)
        except TimeoutError:
            if idle:
                return 0
            raise
        if idle:
            self._deadline = time.monotonic() + self._limits.request_timeout
        return received

    def request_read(self) -> None:
        """Start the idle clock again, and give the answer the request budget to go out."""
        self._deadline = None
        self._sock.settimeout(self._limits.request_timeout)

    def _remaining(self) -> float:
        if self._deadline is None:
            return self._limits.idle_timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"request not received within {self._limits.request_timeout} s")
        return left


_BUSY_MESSAGE = "too many connections; retry shortly"
# Each dialect's error shape. Confluent has no "overloaded" code: 50003 ("error while forwarding
# the request") is its transient, never-processed, try-again failure, and clients retry 5xx.
_BUSY_BODIES = {
    "seed": {"detail": _BUSY_MESSAGE},
    "confluent": {"error_code": 50003, "message": _BUSY_MESSAGE},
}


def busy_answer(dialect: str, content_type: str) -> bytes:
    """Return the whole canned 503 a turned-away connection gets, in the dialect's error shape."""
    body = json.dumps(_BUSY_BODIES[dialect]).encode()
    head = (
        f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: {content_type}\r\nRetry-After: 1\r\n"
        f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class Doorman:
    """Answer connections over the cap with a 503 at once, without spending a thread on them.

    Used only from the server's accept loop. A socket closed with its request unread is reset,
    and a reset can destroy the 503 before the client reads it: turned-away sockets linger,
    their input drained, until the client hangs up or `_LINGER_SECONDS` pass.
    """

    def __init__(self, capacity: int, answer: bytes) -> None:
        self._capacity = capacity  # lingering sockets hold descriptors too: keep them bounded
        self._answer = answer  # `busy_answer(...)`: the same bytes for every turned-away socket
        self._lingering: deque[tuple[float, socket.socket]] = deque()

    def turn_away(self, sock: socket.socket) -> None:
        """Send the 503 and half-close; the socket is closed later by `tidy()`."""
        with contextlib.suppress(OSError):
            sock.setblocking(False)
            sock.send(self._answer)  # a fresh socket's send buffer always holds these few bytes
            sock.shutdown(socket.SHUT_WR)
        self._lingering.append((time.monotonic() + _LINGER_SECONDS, sock))
        while len(self._lingering) > self._capacity:
            self._lingering.popleft()[1].close()

    def tidy(self) -> None:
        """Close the turned-away sockets whose client hung up or whose grace is over."""
        now = time.monotonic()
        kept: deque[tuple[float, socket.socket]] = deque()
        for until, sock in self._lingering:
            if until > now and not _hung_up(sock):
                kept.append((until, sock))
            else:
                sock.close()
        self._lingering = kept

    def close_all(self) -> None:
        """Close every lingering socket: the server is stopping."""
        while self._lingering:
            self._lingering.popleft()[1].close()


def _hung_up(sock: socket.socket) -> bool:
    """Discard what the client sent; say whether it has closed its side (or the socket failed)."""
    try:
        for _ in range(16):  # a client that streams must not keep the accept loop here
            if not sock.recv(65536):
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    return False
