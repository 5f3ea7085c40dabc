"""The helper process compatibility checks run in: JSON requests in, JSON verdicts out.

Started by `isolation.py` as `python -m pytest_schema_registry._compat.worker`. It caps its own
address space, so a pair whose difference grows without bound ends this process (the caller
reports "unknown") instead of the machine's memory. Anything printed by libraries goes to
stderr: stdout carries only answers.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from typing import IO, Any

from .._core.errors import SchemaCompileError
from .engine import evaluate

__all__ = ["answer", "main"]

_LEADING_ID = re.compile(r'\{"id": (\d+)')
_ADDRESS_SPACE = 4 * 1024**3  # bytes; the helper idles at ~0.5 GiB of address space


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """Evaluate one request; a schema that cannot be used is an answer too."""
    try:
        verdict = evaluate(
            request["olds"],
            request["new"],
            level=request["level"],
            rules=request["rules"],
            policy=request["policy"],
            deadline=time.monotonic() + float(request["budget"]),
        )
    except SchemaCompileError as exc:
        return {"error": "schema", "message": str(exc)}
    except RecursionError:
        return {"error": "schema", "message": "a schema nests too deep to compare"}
    except Exception as exc:
        return {"error": "internal", "message": f"{type(exc).__name__}: {exc}"[:500]}
    return {"verdict": verdict.to_json()}


def main() -> None:
    """Serve requests until stdin closes."""
    _watch_the_caller()
    _limit_memory()
    protocol = _claim_stdout()
    _send(protocol, "ready")
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except RecursionError:
            found = _LEADING_ID.match(line)
            reply: dict[str, Any] = {
                "error": "schema",
                "message": "a schema nests too deep",
                "id": int(found.group(1)) if found else None,
            }
        else:
            reply = {**answer(request), "id": request.get("id")}
        _send(protocol, json.dumps(reply, allow_nan=False))


def _watch_the_caller() -> None:
    """Fork a watchdog that kills this helper when the process that started it is gone.

    The caller kills a helper at each deadline, but a caller killed itself (a cancelled CI job,
    SIGKILL) leaves it running, and the schema algebra holds the GIL for as long as a native
    call lasts (hours, for a hostile pair): no thread in here could stop it. A separate process
    can. It polls once a second, and leaves when this helper ends.
    """
    if not hasattr(os, "fork"):
        return  # Windows: the caller's deadline still applies
    caller, helper = os.getppid(), os.getpid()
    if os.fork() != 0:
        return
    os.close(0)  # hold no end of the pipes: the caller learns of the helper's death from EOF
    os.close(1)
    while os.getppid() == helper:
        time.sleep(1.0)
        try:
            os.kill(caller, 0)
        except ProcessLookupError:
            if os.getppid() == helper:  # still our parent, so that pid is not someone else's now
                os.kill(helper, signal.SIGKILL)
            break
        except PermissionError:
            pass  # alive, another user's (a recycled pid): keep watching
    os._exit(0)


def _claim_stdout() -> IO[str]:
    """Keep fd 1 for answers and point `sys.stdout` (and fd 1's other users) at stderr."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


def _send(protocol: IO[str], line: str) -> None:
    protocol.write(line + "\n")
    protocol.flush()


def _limit_memory() -> None:
    try:
        import resource  # POSIX only
    except ImportError:  # Windows: no address-space limit; the deadline still applies
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(hard, _ADDRESS_SPACE)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


if __name__ == "__main__":
    main()
