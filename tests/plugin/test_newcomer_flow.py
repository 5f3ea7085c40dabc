"""The README's newcomer flow, end to end, as a user runs it: each step green, each file honest.

serve (the real `schema-registry serve` process) -> live -> record with snapshot update -> replay
offline -> the registry changes (drift fails, naming its fix) -> the printed fix -> replay again.
Then every file the run left is listed: no lock file, no token.
"""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (
    EXAMPLES,
    TOKEN,
    readme_example,
    served_url,
    start_serve,
    summary_lines,
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Run `schema-registry serve` on a copy of the example registry; yield its URL and folder."""
    folder = tmp_path / "registry"
    shutil.copytree(EXAMPLES, folder)
    process, banner = start_serve(
        folder, "--base-path", "/api/v1", "--token", TOKEN, "--require-token", "--quiet"
    )
    url = served_url(process, banner)
    try:
        yield url, folder
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)


def last_summary_line(result: pytest.RunResult, prefix: str) -> str:
    (line,) = [line for line in result.outlines if line.startswith(prefix)]
    return line.removeprefix(prefix)


def test_the_newcomer_flow_runs_green_end_to_end(
    pytester: pytest.Pytester, served: tuple[str, Path]
) -> None:
    url, folder = served
    pytester.makepyfile(test_feedback_contract=readme_example("tests/test_feedback_contract.py"))
    token = f"--registry-token={TOKEN}"

    live = pytester.runpytest(f"--registry-url={url}", token)
    recorded = pytester.runpytest(
        "--registry-mode=record", f"--registry-url={url}", token, "--schema-snapshot-update"
    )
    replayed = pytester.runpytest()

    # The registry publishes FeedbackEvent 2.1.0: `level` gains a value, a consumer contract.
    v2 = json.loads((folder / "v2/telemetry.FeedbackEvent/2.0.0.json").read_text())
    v2["$defs"]["BackpressureLevel"]["enum"].append("critical")
    v2["$core_version"] = "2.1.0"
    (folder / "v2/telemetry.FeedbackEvent/2.1.0.json").write_text(json.dumps(v2))
    drifted = pytester.runpytest(f"--registry-url={url}", token)
    fix = last_summary_line(drifted, "accept it with: ").removesuffix(" (then review the diff)")
    accepted = pytester.runpytest(*fix.split()[1:], token)
    replayed_again = pytester.runpytest()

    for step in (live, recorded, replayed, accepted, replayed_again):
        step.assert_outcomes(passed=5)
    assert drifted.ret == pytest.ExitCode.TESTS_FAILED
    assert summary_lines(drifted)[0] == "FAILED: 1 schema drifted from the snapshots"
    assert fix == f"pytest --registry-mode=record --registry-url={url} --schema-snapshot-update"
    replayed_again.stdout.fnmatch_lines(["ok: 2 schemas used; snapshots match", "*2.1.0*"])

    left = sorted(
        str(path.relative_to(pytester.path))
        for path in pytester.path.rglob("*")
        if path.is_file() and not {".pytest_cache", "__pycache__"} & set(path.parts)
    )
    assert left == [
        "cassettes/schema_registry.yaml",
        "pytest.ini",
        "test_feedback_contract.py",
        "tests/contracts/schemas/registry.lock.json",
        "tests/contracts/schemas/v1/telemetry.FeedbackEvent.json",
        "tests/contracts/schemas/v2/telemetry.FeedbackEvent.json",
    ]
    for name in left:
        assert TOKEN not in (pytester.path / name).read_text(), name
