"""The helper process compatibility checks run in: JSON requests in, JSON verdicts out.

Started by `isolation.py` as `python -m pytest_schema_registry._compat.worker`. It caps its own
address space, so a pair whose difference grows without bound ends this process (the caller
reports "unknown") instead of the machine's memory. Anything printed by libraries goes to
stderr: stdout carries only answers.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, Any

from .._core.errors import SchemaCompileError
from .engine import evaluate

__all__ = ["answer", "main"]

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
    _limit_memory()
    protocol = _claim_stdout()
    _send(protocol, "ready")
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except RecursionError:
            reply: dict[str, Any] = {"error": "schema", "message": "a schema nests too deep"}
        else:
            reply = answer(request)
        _send(protocol, json.dumps(reply, allow_nan=False))


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
