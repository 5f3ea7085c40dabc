"""Bound what one client can hold of the embedded registry: time, connections, bytes, memory.

The server is for tests and development, but it listens on a socket: an idle keep-alive, a client
that announces more body than it sends, or a flood of connections must cost a bounded amount for a
bounded time, never a thread and a file descriptor forever (issue #12, finding 9).
"""

from __future__ import annotations

import io
import socket
import time
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from .._core.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["Limits", "RequestClock"]


@dataclass(frozen=True)  # no slots: the class attributes are the defaults `RegistryServer` shows
class Limits:
    """What `RegistryServer` allows its clients; the defaults suit tests and local development."""

    idle_timeout: float = 10.0  # above httpx's 5 s keep-alive expiry: pooled clients close first
    request_timeout: float = 10.0  # from a request's first byte to its last, and for the answer
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
