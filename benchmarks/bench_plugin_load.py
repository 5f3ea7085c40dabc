"""Measure what the plugin costs a pytest session that never uses it.

    python benchmarks/bench_plugin_load.py [--tests 300] [--runs 9]

Writes a few hundred trivial tests to a temporary folder, then times `pytest --collect-only -q`
with the plugin loaded and with `-p no:schema_registry`, alternating the two so machine noise
hits both alike. Prints medians and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(folder: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=300, help="trivial tests to collect")
    parser.add_argument("--runs", type=int, default=9, help="runs of each variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pytest.ini").write_text(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        )
        for module in range(args.tests // 10):
            tests = "".join(f"def test_{i}():\n    assert {i} == {i}\n\n" for i in range(10))
            (folder / f"test_trivial_{module}.py").write_text(tests)
        run(folder)  # warm the file system cache and bytecode
        with_plugin, without = [], []
        for _ in range(args.runs):
            with_plugin.append(run(folder))
            without.append(run(folder, "-p", "no:schema_registry"))
    on, off = statistics.median(with_plugin), statistics.median(without)
    print(f"pytest --collect-only on {args.tests} trivial tests, median of {args.runs} runs:")
    print(f"  with the plugin          {on * 1000:8.1f} ms")
    print(f"  -p no:schema_registry    {off * 1000:8.1f} ms")
    print(f"  plugin cost              {(on - off) * 1000:+8.1f} ms ({(on / off - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
