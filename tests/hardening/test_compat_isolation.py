"""The compatibility checker's helper process: bounded for every caller, never left behind.

Findings of the adversarial review of issue 13: a call waiting for another thread's check was not
bounded by its own timeout; a helper outlived a killed caller, burning a core for hours on a
hostile pair; a forked child hung on the parent's helper; a huge integer timeout raised
OverflowError.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import CompatibilityVerdict, ConfigError, check_compatibility
from pytest_schema_registry._compat import isolation
from tests.helpers import run_python

# Comparing enums costs jsonschema-rs ~n^2 with the GIL held: 100,000 members take hours.
HOSTILE = ({"enum": list(range(100_000))}, {"enum": list(range(99_999))})
SMALL = ({"type": "object"}, {"type": "object", "required": ["id"]})


def test_waiting_for_another_check_counts_against_each_callers_timeout() -> None:
    answers: list[tuple[float, CompatibilityVerdict]] = []

    def call() -> None:
        started = time.monotonic()
        verdict = check_compatibility(*HOSTILE, timeout=2)
        answers.append((time.monotonic() - started, verdict))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [verdict.compatible for _, verdict in answers] == [None] * 4
    # Each waited its own 2 s (plus a helper's start), not 2 s per caller before it: 2, 4, 6, 8.
    assert max(seconds for seconds, _ in answers) < 6


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie waiting for its reaper has stopped running


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states in /proc")
def test_a_helper_dies_with_a_killed_caller() -> None:
    script = """
import os, signal, threading, time
from pytest_schema_registry import check_compatibility
from pytest_schema_registry._compat import isolation
old, new = {"enum": list(range(100_000))}, {"enum": list(range(99_999))}
threading.Thread(target=check_compatibility, args=(old, new), kwargs={"timeout": 600}, daemon=True).start()
while isolation._WORKER._process is None:
    time.sleep(0.05)
print(isolation._WORKER._process.pid, flush=True)
time.sleep(2)  # the helper is deep in the native comparison now
os.kill(os.getpid(), signal.SIGKILL)  # no atexit, no cleanup: as a cancelled CI job dies
"""
    result = run_python(script, timeout=120)
    helper = int(result.stdout.split()[0])

    deadline = time.monotonic() + 15
    while alive(helper) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(helper), "the helper outlived its caller"


def test_a_forked_child_checks_with_a_helper_of_its_own_and_exits() -> None:
    script = f"""
import os, sys
from pytest_schema_registry import check_compatibility
assert check_compatibility({SMALL[0]!r}, {SMALL[1]!r}).compatible is False
pid = os.fork()
if pid == 0:
    ok = check_compatibility({SMALL[1]!r}, {SMALL[0]!r}).compatible is True
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert check_compatibility({SMALL[0]!r}, {SMALL[1]!r}).compatible is False  # the parent's still works
print("done")
"""
    result = run_python(
        script, timeout=120
    )  # it used to hang: the child waited on the parent's helper

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


@pytest.mark.parametrize("timeout", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_a_timeout_too_big_for_a_float_is_a_config_error(timeout: Any) -> None:
    with pytest.raises(ConfigError, match=r"timeout=.* more than 0, at most 3600"):
        check_compatibility(*SMALL, timeout=timeout)


def test_an_interrupted_check_never_hands_its_answer_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ctrl-C (or a negative time left) between sending a request and reading its answer left
    # the answer queued: the next check read it as its own, and a breaking pair came out
    # compatible (found by review).
    real_answer = isolation._Worker._answer

    def interrupted(self: Any, sent: int, deadline: float) -> Any:
        monkeypatch.setattr(isolation._Worker, "_answer", real_answer)
        time.sleep(1)  # the helper answers meanwhile: "compatible"
        raise KeyboardInterrupt

    monkeypatch.setattr(isolation._Worker, "_answer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        check_compatibility({"type": "string"}, {"type": "string"})

    assert check_compatibility({"type": "string"}, {"type": "integer"}).compatible is False


def test_a_helper_dead_before_the_request_is_an_unknown_verdict_not_a_broken_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_ready = isolation._Worker._ready

    def dies_at_once(self: Any) -> Any:
        process = real_ready(self)
        process.kill()
        process.wait()
        return process

    monkeypatch.setattr(isolation._Worker, "_ready", dies_at_once)

    verdict = check_compatibility(*SMALL)  # flushing it to the dead helper fails: EPIPE

    assert verdict.compatible is None
    assert (
        verdict.reason == "the check could not finish: the helper process exited before the check"
    )
