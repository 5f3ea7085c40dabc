"""Run compatibility checks in a helper process, so a hostile pair is stopped at the deadline.

The schema algebra is native code: Python cannot interrupt it, and some pairs make it slow or
large (an enum of n values costs ~n^2 to compare: 10,000 values take 3 s, 100,000 would take
hours; 1,000 properties each narrowed make a 28 MB difference). A thread could only be abandoned,
still burning a core. So checks run in one long-lived helper process per calling process,
started on first use with this interpreter (`python -m pytest_schema_registry._compat.worker`,
no `multiprocessing`, so a caller's script is never re-imported), under an address-space limit;
at the deadline it is killed and the next check starts a fresh one.

Requests and answers are JSON lines on the helper's stdin and stdout. One check runs at a time per
process (a lock): the embedded registry's threads queue for it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

__all__ = ["WorkerCrashedError", "WorkerTimedOutError", "run_isolated"]

_CACHE = Path(tempfile.gettempdir()) / "pytest-schema-registry" / "hypothesis"
_START_TIMEOUT = 60.0  # imports on a cold, busy machine; not counted against a check's timeout
_SEARCH_SHARE = 0.8  # of the time left, spent searching; the rest is room to answer before a kill
_READY = "ready"


class WorkerTimedOutError(Exception):
    """Raised when a check does not finish in time; the helper process has been killed."""


class WorkerCrashedError(Exception):
    """Raised when the helper process dies or answers nonsense mid-check (e.g. out of memory)."""


class _Worker:
    """One helper process and the thread that reads its answers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._sent = 0  # requests sent; each answer carries its request's number

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and return its answer, or raise after killing the helper.

        Waiting for another thread's check counts against `timeout`: it bounds the call.
        """
        started = time.monotonic()
        if timeout <= 0 or not self._lock.acquire(timeout=timeout):
            raise WorkerTimedOutError
        left = timeout - (time.monotonic() - started)  # starting the helper is not counted
        if left <= 0:  # the whole budget went on waiting for the lock
            self._lock.release()
            raise WorkerTimedOutError
        try:
            process = self._ready()
            assert process.stdin is not None  # noqa: S101 - always piped
            self._sent += 1
            # The id leads the line, so the helper can read it even from a request it cannot parse.
            request = {"id": self._sent, **request, "budget": left * _SEARCH_SHARE}
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
            except OSError:
                raise WorkerCrashedError("the helper process exited before the check") from None
            return self._answer(self._sent, time.monotonic() + left)
        except BaseException:
            # Whatever cut the exchange short (a deadline, Ctrl-C, a broken pipe), the helper may
            # still answer: stop it, so no later check can read that answer as its own.
            self._stop()
            raise
        finally:
            self._lock.release()

    def close(self) -> None:
        """Stop the helper process, if one runs."""
        with self._lock:
            self._stop()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's helper without touching it (it is not ours).

        Waiting on it, or killing it, would hang the child or break the parent's next check.
        """
        if self._process is not None:
            _ABANDONED.append(self._process)  # never collected: Popen's finalizer would warn
        self._process = None
        self._lock = threading.Lock()
        self._lines = queue.Queue()

    def _answer(self, sent: int, deadline: float) -> dict[str, Any]:
        """Return the answer to request `sent`; an answer to any other is not ours."""
        while True:
            answer = self._line(deadline)
            if answer.get("id") == sent:
                return answer

    def _line(self, deadline: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self._stop()
            raise WorkerTimedOutError from None
        if line is None:
            code = self._stop()
            raise WorkerCrashedError(f"the helper process died (exit code {code})")
        try:
            answer = json.loads(line)
        except ValueError:
            self._stop()
            raise WorkerCrashedError(
                "the helper process answered something that is not JSON"
            ) from None
        if not isinstance(answer, dict):
            self._stop()
            raise WorkerCrashedError("the helper process answered something that is not an object")
        return answer

    def _ready(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stop()
        self._lines = queue.Queue()
        self._process = _spawn()
        assert self._process.stdout is not None  # noqa: S101 - always piped
        reader = threading.Thread(
            target=_pump, args=(self._process.stdout, self._lines), daemon=True
        )
        reader.start()
        try:
            first = self._lines.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            first = None
        if first != _READY:
            code = self._stop()
            raise WorkerCrashedError(f"the helper process did not start (exit code {code})")
        return self._process

    def _stop(self) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        code = process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # unsent bytes to a dead helper: EPIPE
                    stream.close()
        return code


def _spawn() -> subprocess.Popen[str]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    # The helper must import this very copy of the package, wherever the caller found it.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    # hypothesis keeps caches in `./.hypothesis/`: a check must not write into the caller's folder.
    env.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(_CACHE))
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_schema_registry._compat.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env=env,
    )


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Move the helper's answer lines into a queue the caller can wait on with a timeout."""
    try:
        for line in stream:
            lines.put(line.rstrip("\n"))
    except (OSError, ValueError):
        pass  # the stream was closed under us: the helper was stopped
    lines.put(None)


_WORKER = _Worker()
_ABANDONED: list[subprocess.Popen[str]] = []
atexit.register(_WORKER.close)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WORKER.forget_after_fork)


def run_isolated(request: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one check request in the helper process within `timeout` seconds."""
    started = time.monotonic()
    answer = _WORKER.run(request, timeout)
    answer.setdefault("wall_seconds", time.monotonic() - started)
    return answer
