"""The summary section as data: merging workers' reports and the lines it prints."""

from __future__ import annotations

import json

from pytest_schema_registry._harness.report import SessionReport


def schema(name: str, track: str = "v1", version: str = "1.0.0") -> dict[str, object]:
    return {
        "name": name,
        "track": track,
        "version": version,
        "sha": "abc123def456",
        "deprecated": False,
    }


def worker(**fields: object) -> SessionReport:
    """A worker's report as it reaches the controller: through plain JSON."""
    report = SessionReport(source="cassettes/schema_registry.yaml (replay)", **fields)  # type: ignore[arg-type]
    return SessionReport.from_dict(json.loads(json.dumps(report.to_dict())))


def test_an_empty_report_is_unused_and_passes() -> None:
    report = SessionReport()

    assert not report.used
    assert not report.failed


def test_from_dict_round_trips_and_ignores_unknown_keys() -> None:
    report = worker(cache_hits=3, schemas={"a@v1@1": schema("a")}, unused=["GET /index"])

    again = SessionReport.from_dict({**report.to_dict(), "from_a_newer_worker": 1})

    assert again == report


def test_merging_workers_adds_counts_and_keeps_what_no_worker_replayed() -> None:
    first = worker(
        cache_hits=2,
        cache_misses=1,
        validations={"success": 3, "failure": 1, "error": 0},
        registry_errors={"timeout": 1},
        schemas={"a@v1@1.0.0": schema("a")},
        cassette="c.yaml",
        unused=["GET /index", "GET /schemas/v1/a"],
        recorded=["GET /x"],
    )
    second = worker(
        cache_hits=5,
        validations={"success": 1, "failure": 0, "error": 2},
        registry_errors={"timeout": 2, "server": 1},
        schemas={"b@v2@2.0.0": schema("b", "v2", "2.0.0")},
        cassette="c.yaml",
        unused=["GET /schemas/v1/a"],
        recorded=["GET /x", "GET /y"],
    )

    first.merge(second)

    assert (first.cache_hits, first.cache_misses, first.workers) == (7, 1, 2)
    assert first.validations == {"success": 4, "failure": 1, "error": 2}
    assert first.registry_errors == {"timeout": 3, "server": 1}
    assert sorted(first.schemas) == ["a@v1@1.0.0", "b@v2@2.0.0"]
    assert first.unused == ["GET /schemas/v1/a"]  # the other worker replayed /index
    assert first.recorded == ["GET /x", "GET /y"]


def test_merging_keeps_one_copy_of_each_drift() -> None:
    drift = {"headline": "telemetry.FeedbackEvent (v2): 4b32 -> 9f00", "diff": "-a\n+b"}
    first, second = worker(drift=[drift], snapshots_checked=True), worker(drift=[drift])

    first.merge(second)

    assert first.drift == [drift]
    assert first.failed


def test_lines_show_schemas_counts_and_drift_with_the_command_that_accepts_it() -> None:
    report = worker(
        schemas={
            "telemetry.FeedbackEvent@v2@2.0.0": schema("telemetry.FeedbackEvent", "v2", "2.0.0")
        },
        validations={"success": 1, "failure": 2, "error": 0},
        cache_hits=1,
        stale_serves=1,
        drift=[{"headline": "telemetry.FeedbackEvent (v2): changed", "diff": "-old\n+new"}],
        snapshot_dir="tests/contracts/schemas",
        update_hint="pytest --registry-url=http://r.test --schema-snapshot-update",
    )

    lines = report.lines()

    assert lines[:6] == [
        "FAILED: 1 schema drifted from the snapshots",
        "schemas from cassettes/schema_registry.yaml (replay)",
        "  telemetry.FeedbackEvent  v2   2.0.0        abc123def456",
        "validations: 1 valid, 2 invalid, 0 without a schema",
        "cache: 1 hit, 0 misses, 1 stale serve",
        "registry errors: none",
    ]
    assert lines[6:] == [
        "SCHEMA DRIFT against the snapshots in tests/contracts/schemas:",
        "  telemetry.FeedbackEvent (v2): changed",
        "    -old",
        "    +new",
        "accept it with: pytest --registry-url=http://r.test --schema-snapshot-update "
        "(then review the diff)",
    ]


def test_long_lists_of_unreplayed_requests_are_cut_with_a_count() -> None:
    unused = [f"GET /schemas/v1/s{i:02}" for i in range(13)]

    lines = worker(cassette="c.yaml", unused=unused).lines()

    start = lines.index("cassette: 13 recorded requests never replayed (c.yaml):")
    assert lines[start + 1 : start + 12] == [*(f"  {u}" for u in unused[:10]), "  ... and 3 more"]


def test_problems_fail_the_session_and_are_printed() -> None:
    report = worker(problems=["OSError: snapshot folder is read-only"])

    assert report.used
    assert report.failed
    assert report.lines()[-1] == "ERROR: OSError: snapshot folder is read-only"


def test_the_first_line_states_the_outcome() -> None:
    ok = worker(schemas={"a@v1@1": schema("a")}, snapshots_checked=True)
    down = worker(registry_errors={"network": 3}, registry_failures=["t.py::a", "t.py::b"])
    unavailable = worker(registry_errors={"timeout": 1})
    stale = worker(stale=["a (v1): snapshot 1, registry 2"], problems=["OSError: read-only"])

    assert ok.lines()[0] == "ok: 1 schema used; snapshots match"
    assert down.lines()[0] == "FAILED: registry trouble failed 2 tests"
    assert unavailable.lines()[0] == "registry unavailable: no schema was fetched"
    assert stale.lines()[0] == "FAILED: the cassette is stale (1 schema); 1 problem"
