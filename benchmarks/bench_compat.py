"""Score the compatibility gate on the published-cases corpus, beside jsonsubschema, in one run.

    python benchmarks/bench_compat.py [--quick] [--jsonsubschema-python PATH] [--timeout S]

For every case of `benchmarks/compat_cases.json` (BACKWARD, old = the earlier version) it runs
`check_compatibility` as users do (helper process, deadline), and prints:

* semantic mode: answered %, wrong verdicts (0 allowed), counterexamples verified % (each one
  re-checked here on both validator backends), seconds per check (median, p90, max), and the
  algebra alone (`covers`) per pair;
* confluent mode: how often its STRICT/LENIENT prediction matches the corpus's Confluent columns;
* jsonsubschema on the same cases: live when `--jsonsubschema-python` names an interpreter that
  has it (it is Draft-4-only and not a project dependency), else from the recorded
  `jsonsubschema_results.jsonl`, said so in the output.

`--quick` takes every twentieth case (the smoke test runs that). The algebra time includes
canonicalizing both schemas.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema_rs

from pytest_schema_registry import PayloadValidator, check_compatibility
from pytest_schema_registry._runtime.validation import dialect

HERE = Path(__file__).resolve().parent
CASES = HERE / "compat_cases.json"
RECORDED = HERE / "jsonsubschema_results.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every twentieth case")
    parser.add_argument("--jsonsubschema-python", help="an interpreter with jsonsubschema")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per check")
    args = parser.parse_args()
    cases = json.loads(CASES.read_text())
    if args.quick:
        cases = cases[::20]
    print(f"{len(cases)} cases from {CASES.name}, BACKWARD, timeout {args.timeout:g} s per check\n")
    semantic(cases, args.timeout)
    confluent(cases, args.timeout)
    theirs(cases, args.jsonsubschema_python)


def semantic(cases: list[dict[str, Any]], timeout: float) -> None:
    answered = wrong = proofs = checked = 0
    seconds, algebra = [], []
    for case in cases:
        started = time.perf_counter()
        verdict = check_compatibility(case["old"], case["new"], timeout=timeout)
        seconds.append(time.perf_counter() - started)
        algebra.append(_covers_seconds(case))
        if verdict.compatible is None:
            continue
        answered += 1
        if verdict.compatible != case["backward"]:
            wrong += 1
            print(f"  WRONG {case['id']}: said {verdict.compatible}\n{verdict}")
        for problem in verdict.problems:
            proofs += 1
            checked += problem.proven and _breaks(problem.counterexample, case)
    print("semantic mode (ours)")
    print(f"  answered: {answered}/{len(cases)} ({_pct(answered, len(cases))})")
    print(f"  wrong verdicts: {wrong}")
    verified = f"{checked}/{proofs} ({_pct(checked, proofs)})"
    print(f"  counterexamples verified on both backends: {verified}")
    print(f"  seconds per check: {_spread(seconds)}")
    print(f"  algebra alone (covers): {_spread(algebra, unit=1e3, name='ms')}\n")


def confluent(cases: list[dict[str, Any]], timeout: float) -> None:
    print("confluent mode (ours): prediction vs the corpus's Confluent columns")
    for policy, column in (("STRICT", "confluent_strict"), ("LENIENT", "confluent_lenient")):
        known = [case for case in cases if case.get(column) is not None]
        agree, unknown = 0, 0
        for case in known:
            verdict = check_compatibility(
                case["old"], case["new"], rules="confluent", policy=policy, timeout=timeout
            )
            unknown += verdict.compatible is None
            agree += verdict.compatible is case[column]
        share = _pct(agree, len(known))
        print(f"  {policy}: {agree}/{len(known)} agree ({share}), {unknown} unknown")
    print()


def theirs(cases: list[dict[str, Any]], python: str | None) -> None:
    if python:
        source = f"live, {python}"
        results = _run_jsonsubschema(cases, python)
    else:
        source = f"recorded in {RECORDED.name}; pass --jsonsubschema-python to run it"
        recorded = {r["id"]: r for r in map(json.loads, RECORDED.read_text().splitlines())}
        results = [recorded[case["id"]] for case in cases if case["id"] in recorded]
    truth = {case["id"]: case["backward"] for case in cases}
    answered = [r for r in results if r["answer"] is not None]
    wrong = [r for r in answered if r["answer"] != truth[r["id"]]]
    seconds = [r["seconds"] for r in results]
    print(f"jsonsubschema ({source})")
    print(f"  answered: {len(answered)}/{len(cases)} ({_pct(len(answered), len(cases))})")
    print(f"  wrong verdicts: {len(wrong)} ({', '.join(r['id'] for r in wrong[:6])} ...)")
    print("  counterexamples: none (it answers yes/no)")
    print(f"  seconds per check: {_spread(seconds)}")


def _run_jsonsubschema(cases: list[dict[str, Any]], python: str) -> list[dict[str, Any]]:
    runner = HERE / "jsonsubschema_runner.py"
    done = subprocess.run(  # an interpreter the user named, running our script
        [python, str(runner)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _covers_seconds(case: dict[str, Any]) -> float:
    started = time.perf_counter()
    try:
        old, new = (_canonical(case[side]) for side in ("old", "new"))
        new.covers(old)
    except ValueError:  # e.g. two drafts: the algebra refuses, the search still answers
        pass
    return time.perf_counter() - started


def _canonical(schema: Any) -> Any:
    document = {} if schema is True else {"not": {}} if schema is False else schema
    return jsonschema_rs.canonicalize(document, draft=getattr(jsonschema_rs, dialect(document)))


def _breaks(payload: Any, case: dict[str, Any]) -> bool:
    old, new = (_document(case[side]) for side in ("old", "new"))
    return all(
        PayloadValidator(old, backend=backend).is_valid(payload)
        and not PayloadValidator(new, backend=backend).is_valid(payload)
        for backend in ("jsonschema-rs", "jsonschema")
    )


def _document(schema: Any) -> dict[str, Any]:
    return {} if schema is True else {"not": {}} if schema is False else schema


def _spread(values: list[float], unit: float = 1.0, name: str = "s") -> str:
    if not values:
        return "-"
    ordered = sorted(v * unit for v in values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    median = statistics.median(ordered)
    return f"median {median:.3g} {name}, p90 {p90:.3g} {name}, max {ordered[-1]:.3g} {name}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


if __name__ == "__main__":
    sys.exit(main())
