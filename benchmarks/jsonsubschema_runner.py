"""Answer BACKWARD for each corpus case with jsonsubschema, for the comparison table.

Runs under an interpreter that has jsonsubschema installed (it is NOT a project dependency):

    python3 -m venv /tmp/jss-venv && /tmp/jss-venv/bin/pip install jsonsubschema
    /tmp/jss-venv/bin/python benchmarks/jsonsubschema_runner.py benchmarks/compat_cases.json

BACKWARD means every value valid under `old` is valid under `new`: `isSubschema(old, new)`.
Each case runs in its own worker process under a time limit. One JSON line per case on stdout:
{"id", "answer": true | false | null (crash, timeout, unsupported), "error", "seconds"}.
Standard library only, so the file imports under any interpreter.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time


def worker() -> None:
    """Read one case on stdin, print {"answer", "error", "seconds"} as the last stdout line."""
    case = json.load(sys.stdin)
    answer, error = None, None
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the library prints while it works
            from jsonsubschema import isSubschema

            answer = bool(isSubschema(case["old"], case["new"]))
    except BaseException as exc:  # every failure is an answer of its own: null, with its text
        error = f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - started
    print(json.dumps({"answer": answer, "error": error, "seconds": round(seconds, 4)}))


def run_case(case: dict, timeout: float) -> dict:
    """Run one case in a fresh worker; a timeout or a dead worker is a null answer."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--worker"],
            input=json.dumps(case),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        seconds = round(time.perf_counter() - started, 4)
        return {"answer": None, "error": f"timeout after {timeout:g} s", "seconds": seconds}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        error = f"worker exited {done.returncode}: {tail}"[:300]
        return {"answer": None, "error": error, "seconds": round(time.perf_counter() - started, 4)}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", help="cases JSON file (default: stdin)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.cases:
        with open(args.cases, encoding="utf-8") as fh:
            cases = json.load(fh)
    else:
        cases = json.load(sys.stdin)
    for case in cases:
        result = run_case({"old": case["old"], "new": case["new"]}, args.timeout)
        print(json.dumps({"id": case["id"], **result}), flush=True)


if __name__ == "__main__":
    main()
