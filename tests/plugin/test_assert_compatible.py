"""schema_contract.assert_compatible: two registry versions, one verdict, never a green that lies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import CASSETTE, record

WIDE = {"type": "object", "properties": {"a": {"type": "integer"}}}
NARROW = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}}
# test.Count's history: widened again in 1.2.0 after 1.1.0 narrowed it; v2 keeps the narrow one.
COUNT = {
    ("v1", "1.0.0"): WIDE,
    ("v1", "1.1.0"): NARROW,
    ("v1", "1.2.0"): WIDE,
    ("v2", "2.0.0"): NARROW,
}
# Equal languages the engine cannot prove equal: the verdict is unknown.
WORD = {
    ("v2", "1.0.0"): {"type": "string", "pattern": "^[a-z]+$"},
    ("v2", "1.1.0"): {"type": "string", "pattern": "^[a-z][a-z]*$"},
}


def publish(registry_dir: Path, name: str, versions: dict[tuple[str, str], Any]) -> None:
    """Write schema versions into the served folder (the embedded registry rescans it)."""
    for (track, version), content in versions.items():
        folder = registry_dir / track / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{version}.json").write_text(json.dumps(content))


def failure_payload(result: pytest.RunResult, test: str) -> list[dict[str, Any]]:
    """Return the JSON problem list printed in `test`'s failure."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if line.startswith("_") and f" {test} " in line)
    error = [line[8:] for line in lines[start:] if line.startswith("E       ")]
    first = error.index("[")
    last = error.index("]", first)
    problems: list[dict[str, Any]] = json.loads("\n".join(error[first : last + 1]))
    return problems


def valid(schema: Any, payload: Any) -> bool:
    return bool(jsonschema_rs.Draft7Validator(schema).is_valid(payload))


@pytest.fixture
def count_registry(registry_dir: Path, server: RegistryServer) -> RegistryServer:
    publish(registry_dir, "test.Count", COUNT)
    return server


def test_a_compatible_pair_passes_and_returns_the_verdict(
    inner_project: pytest.Pytester, count_registry: RegistryServer
) -> None:
    inner_project.makepyfile("""
        def test_compatible(schema_contract):
            verdict = schema_contract.assert_compatible("test.Count", from_version="1.1.0")
            assert verdict.compatible is True and verdict.level == "BACKWARD"
    """)

    result = inner_project.runpytest(f"--registry-url={count_registry.url}")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["  test.Count  v1   1.1.0 *", "  test.Count  v2   2.0.0 *"])


def test_an_incompatible_pair_fails_with_a_counterexample_that_really_breaks(
    inner_project: pytest.Pytester, count_registry: RegistryServer
) -> None:
    inner_project.makepyfile("""
        def test_latest_v1_to_v2(schema_contract):
            schema_contract.assert_compatible("test.Count")
    """)

    result = inner_project.runpytest(f"--registry-url={count_registry.url}")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: test.Count: v1 1.2.0 (sha256 *) -> v2 2.0.0 (sha256 *): "
            "BACKWARD INCOMPATIBLE (semantic): 1 problem(s)",
            "E*each counterexample is valid against the writer's schema and rejected by *",
        ]
    )
    (problem,) = failure_payload(result, "test_latest_v1_to_v2")
    assert problem["direction"] == "backward" and problem["proven"] is True
    assert problem["against"].startswith("v1 1.2.0 ")
    assert valid(WIDE, problem["counterexample"])  # written under v1 1.2.0 ...
    assert not valid(NARROW, problem["counterexample"])  # ... and rejected by v2 2.0.0 readers


def test_an_unknown_verdict_fails_with_its_reason_unless_allowed(
    inner_project: pytest.Pytester, registry_dir: Path, server: RegistryServer
) -> None:
    publish(registry_dir, "test.Word", WORD)
    inner_project.makepyfile("""
        def test_unknown(schema_contract):
            schema_contract.assert_compatible("test.Word", "v2", "v2", from_version="1.0.0")

        def test_unknown_allowed(schema_contract):
            verdict = schema_contract.assert_compatible(
                "test.Word", "v2", "v2", from_version="1.0.0", allow_unknown=True
            )
            assert verdict.compatible is None and verdict.reason
    """)

    result = inner_project.runpytest(f"--registry-url={server.url}", "-rf")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: test.Word: v2 1.0.0 (sha256 *) -> v2 1.1.0 (sha256 *): "
            "BACKWARD compatibility unknown (semantic): *",
            "E*a check that cannot decide never passes; * allow_unknown=True *",
            "FAILED *::test_unknown*",
        ]
    )


def test_from_version_and_to_version_pick_the_versions_compared(
    inner_project: pytest.Pytester, count_registry: RegistryServer
) -> None:
    inner_project.makepyfile("""
        def test_narrowing_step(schema_contract):
            schema_contract.assert_compatible(
                "test.Count", "v1", "v1", from_version="1.0.0", to_version="1.1.0"
            )

        def test_widening_step(schema_contract):
            schema_contract.assert_compatible(
                "test.Count", "v1", "v1", from_version="1.1.0", to_version="1.2.0"
            )

        def test_against_itself(schema_contract):
            schema_contract.assert_compatible("test.Count", "v1", "v1")
    """)

    result = inner_project.runpytest(f"--registry-url={count_registry.url}", "-rf")

    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: test.Count: v1 1.0.0 * -> v1 1.1.0 *: BACKWARD INCOMPATIBLE *",
            "E*ValueError: assert_compatible compares v1 1.2.0 (sha256 *) with itself: *",
            "FAILED *::test_narrowing_step*",
            "FAILED *::test_against_itself*",
        ]
    )
    (problem,) = failure_payload(result, "test_narrowing_step")
    assert valid(WIDE, problem["counterexample"]) and not valid(NARROW, problem["counterexample"])


def test_transitive_levels_compare_with_every_earlier_version(
    inner_project: pytest.Pytester, count_registry: RegistryServer
) -> None:
    inner_project.makepyfile("""
        def test_plain_level_sees_only_1_1_0(schema_contract):
            schema_contract.assert_compatible("test.Count", from_version="1.1.0")

        def test_transitive_sees_1_0_0(schema_contract):
            schema_contract.assert_compatible(
                "test.Count", level="BACKWARD_TRANSITIVE", from_version="1.1.0"
            )

        def test_transitive_holds(schema_contract):
            verdict = schema_contract.assert_compatible(
                "test.Count", "v1", "v1", "BACKWARD_TRANSITIVE", to_version="1.2.0",
                from_version="1.1.0",
            )
            assert verdict.level == "BACKWARD_TRANSITIVE"
    """)

    result = inner_project.runpytest(f"--registry-url={count_registry.url}", "-rf")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: test.Count: v1 1.0.0, 1.1.0 -> v2 2.0.0 (sha256 *): "
            "BACKWARD_TRANSITIVE INCOMPATIBLE (semantic): 1 problem(s)",
            "FAILED *::test_transitive_sees_1_0_0*",
        ]
    )
    (problem,) = failure_payload(result, "test_transitive_sees_1_0_0")
    assert problem["against"].startswith("v1 1.0.0 ")  # the earlier version it breaks
    assert valid(WIDE, problem["counterexample"]) and not valid(NARROW, problem["counterexample"])


def test_replay_resolves_the_versions_from_the_cassette(
    inner_project: pytest.Pytester, count_registry: RegistryServer
) -> None:
    inner_project.makepyfile("""
        def test_transitive(schema_contract):
            schema_contract.assert_compatible(
                "test.Count", "v1", "v1", "BACKWARD_TRANSITIVE", to_version="1.2.0",
                from_version="1.1.0",
            )

        def test_breaking(schema_contract):
            schema_contract.assert_compatible("test.Count")
    """)

    recorded = record(inner_project, count_registry)
    requests = len(count_registry.requests)
    replayed = inner_project.runpytest()

    recorded.assert_outcomes(passed=1, failed=1)
    replayed.assert_outcomes(passed=1, failed=1)
    assert (inner_project.path / CASSETTE).is_file()
    assert len(count_registry.requests) == requests  # replay never asked the registry
    replayed.stdout.fnmatch_lines(
        ["E*AssertionError: test.Count: *", "cassette: every recorded request was replayed (*)"]
    )
