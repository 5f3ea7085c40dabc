"""The benchmark scripts keep running (smoke only: speed is measured by hand, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_quick(script: str) -> str:
    """Run a benchmark with `--quick`; return its stdout, failing on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_manager_benchmark_runs_and_the_cold_path_makes_one_request() -> None:
    stdout = run_quick("bench_manager.py")

    assert "manager overhead over raw jsonschema-rs" in stdout
    assert "cold path: 100 concurrent first calls -> 1 registry request(s)" in stdout
    assert "bytes -> verdict, median of" in stdout
    for case in ("small event", "small event, invalid", "batch of 50", "batch of 50, one invalid"):
        assert f"\n{case} (" in stdout
    assert "-> manager / (orjson + raw jsonschema-rs): " in stdout
    assert "consumer loop: 1,000 framed records (1 in 10 invalid), gate in log mode" in stdout


def test_compatibility_benchmark_runs_and_finds_no_wrong_verdict() -> None:
    semantic, _, rest = run_quick("bench_compat.py").partition("confluent mode (ours)")
    assert "  wrong verdicts: 0\n" in semantic
    assert "counterexamples verified on both backends: " in semantic
    assert "jsonsubschema (recorded in jsonsubschema_results.jsonl" in rest


def test_real_world_coverage_benchmark_runs_both_engines_and_ours_draws_no_invalid_value() -> None:
    stdout = run_quick("coverage_real_world.py")

    assert "Real-world corpus: 5 schema documents from 3 PyPI packages" in stdout
    assert "  self-contained Draft 4/6/7 (the denominator): 4\n" in stdout
    ours, _, theirs = stdout.partition("  hypothesis-jsonschema (hypothesis==")
    assert "  ours (hypothesis " in ours
    assert "    supported: " in ours
    assert "    supported: " in theirs
    assert "    invalid values from from_schema: 0 (of " in ours
    assert "    negatives that validate: " in ours
    assert "    build + examples: median " in stdout
    assert "    peak memory of build + examples (peak RSS growth): median " in stdout
    assert "Worst schemas (all groups):" in stdout
