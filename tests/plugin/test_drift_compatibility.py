"""Drift that breaks consumers reads differently from drift that does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import summary_lines

SNAPSHOTTED = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}}
WIDENED = {"type": "object", "properties": {"a": {"type": "integer"}}}
NARROWED = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 9}}}
WORD = {"type": "string", "pattern": "^[a-z]+$"}
SAME_WORDS = {"type": "string", "pattern": "^[a-z][a-z]*$"}  # the engine cannot decide this pair
USING = 'def test_{0}(schema_contract):\n    schema_contract.validate("test.Drifting", {{}}, track="v2")\n'


pytestmark = pytest.mark.usefixtures("patient_drift_checks")


def publish(registry_dir: Path, version: str, content: Any) -> None:
    folder = registry_dir / "v2" / "test.Drifting"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{version}.json").write_text(json.dumps(content))


def drift_run(
    pytester: pytest.Pytester,
    registry_dir: Path,
    server: RegistryServer,
    before: Any,
    after: Any,
    *more: str,
) -> pytest.RunResult:
    """Snapshot `before`, publish `after` as the next version, and run live."""
    publish(registry_dir, "1.0.0", before)
    updated = pytester.runpytest(f"--registry-url={server.url}", "--schema-snapshot-update")
    updated.stdout.fnmatch_lines(["snapshots: updated 1 in *"])
    publish(registry_dir, "1.1.0", after)
    return pytester.runpytest(f"--registry-url={server.url}", *more)


def headline(result: pytest.RunResult) -> str:
    (line,) = [x for x in summary_lines(result) if x.startswith("  test.Drifting (v2): ")]
    return line


def test_compatible_drift_says_so(
    inner_project: pytest.Pytester, registry_dir: Path, server: RegistryServer
) -> None:
    inner_project.makepyfile(USING.format("uses"))

    result = drift_run(inner_project, registry_dir, server, SNAPSHOTTED, WIDENED)

    assert result.ret == pytest.ExitCode.TESTS_FAILED  # drift is still drift: accept it to pass
    assert headline(result) == (
        "  test.Drifting (v2): snapshot 1.0.0, registry 1.1.0; BACKWARD compatible: "
        "consumers on the registry's schema read what the snapshot allows"
    )
    assert "counterexample" not in result.stdout.str()


def test_breaking_drift_shows_a_counterexample_that_breaks(
    inner_project: pytest.Pytester, registry_dir: Path, server: RegistryServer
) -> None:
    inner_project.makepyfile(USING.format("uses"))

    result = drift_run(inner_project, registry_dir, server, SNAPSHOTTED, NARROWED)

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert headline(result) == (
        "  test.Drifting (v2): snapshot 1.0.0, registry 1.1.0; "
        "BREAKS CONSUMERS: not BACKWARD compatible with the snapshot"
    )
    lines = summary_lines(result)
    at = lines.index(headline(result))
    prefix = "    counterexample, valid against the snapshot, rejected by the registry's schema: "
    assert lines[at + 1].startswith(prefix)
    assert lines[at + 2] == "    (MAXIMUM_ADDED at #/properties/a)"
    assert lines[at + 3] == "    --- snapshot/v2/test.Drifting"  # then the diff, as before
    payload = json.loads(lines[at + 1].removeprefix(prefix))
    assert jsonschema_rs.Draft7Validator(SNAPSHOTTED).is_valid(payload)
    assert not jsonschema_rs.Draft7Validator(NARROWED).is_valid(payload)


def test_undecided_drift_says_compatibility_unknown_and_why(
    inner_project: pytest.Pytester, registry_dir: Path, server: RegistryServer
) -> None:
    inner_project.makepyfile(USING.format("uses"))

    result = drift_run(inner_project, registry_dir, server, WORD, SAME_WORDS)

    assert headline(result) == (
        "  test.Drifting (v2): snapshot 1.0.0, registry 1.1.0; compatibility unknown: "
        "jsonschema-rs cannot decide this pair, and no breaking payload was found in 400 "
        "candidates"
    )
    assert "BACKWARD compatible" not in result.stdout.str()


def test_under_xdist_the_controller_judges_each_drifted_schema_once(
    inner_project: pytest.Pytester, registry_dir: Path, server: RegistryServer
) -> None:
    inner_project.makepyfile(test_one=USING.format("one"), test_two=USING.format("two"))

    result = drift_run(inner_project, registry_dir, server, SNAPSHOTTED, NARROWED, "-n", "2")

    result.assert_outcomes(passed=2)
    assert headline(result).endswith(
        "; BREAKS CONSUMERS: not BACKWARD compatible with the snapshot"
    )
    assert result.stdout.str().count("counterexample, valid against the snapshot") == 1
