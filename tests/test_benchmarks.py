"""The benchmark scripts keep running (smoke only: speed is measured by hand, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_manager_benchmark_runs_and_the_cold_path_makes_one_request() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_manager.py"), "--quick"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert "manager overhead over raw jsonschema-rs" in result.stdout
    assert "cold path: 100 concurrent first calls -> 1 registry request(s)" in result.stdout
