"""--registry-mode and --registry-record: off, record, replay, and merging recordings."""

from __future__ import annotations

import re

import pytest
import yaml

from pytest_schema_registry import RegistryServer
from tests.helpers import CASSETTE, TEST_NEEDING_A_REGISTRY, record


def test_mode_off_skips_registry_tests(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest(f"--registry-url={server.url}", "--registry-mode=off", "-rs")

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*schema registry disabled by --registry-mode=off*"])
    assert server.requests == []


@pytest.mark.usefixtures("contract_project")
def test_record_then_replay_offline_with_identical_results(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    recorded = record(pytester, server)
    server.stop()  # from here on, no registry at all

    replayed = pytester.runpytest()  # auto mode: no URL, a cassette exists -> replay

    recorded.assert_outcomes(passed=4)
    replayed.assert_outcomes(passed=4)
    replayed.stdout.fnmatch_lines(
        [
            f"schemas from {pytester.path / CASSETTE} (replay)",
            "cassette: every recorded request was replayed (*)",
        ]
    )
    data = yaml.safe_load((pytester.path / CASSETTE).read_text())
    uris = sorted(i["request"]["uri"].split("/api/v1")[1] for i in data["interactions"])
    assert uris == [
        "/schemas/v1/telemetry.FeedbackEvent",
        "/schemas/v1/telemetry.HealthStatus",
        "/schemas/v2/telemetry.FeedbackEvent",
        "/schemas/v2/telemetry.HealthStatus",
    ]
    assert data["metadata"]["registry_url"] == server.url


@pytest.mark.usefixtures("contract_project")
def test_replay_on_another_port_and_a_miss_says_how_to_record(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "-k", "valid")
    pytester.makepyfile(
        test_more="""
        def test_unrecorded(schema_contract):
            schema_contract.validate("telemetry.RateAdjustment", {})
    """
    )

    result = pytester.runpytest("--registry-mode=replay", "-k", "valid or unrecorded")

    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "CassetteMissError: GET /api/v1/schemas/v2/telemetry.RateAdjustment is not recorded in "
            f"{pytester.path / CASSETTE}; record it with: pytest --registry-mode=record "
            f"--registry-url={server.url}",
        ]
    )
    assert server.count("/schemas/v2/telemetry.RateAdjustment") == 0  # replay never goes live


@pytest.mark.usefixtures("contract_project")
def test_record_appends_new_and_record_all_starts_over(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "-k", "marker")
    record(pytester, server, "-k", "valid")
    appended = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]

    partial = record(pytester, server, "-k", "fallback", "--registry-record=all")
    kept = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]
    (pytester.path / "test_contracts.py").write_text(
        "def test_fallback(schema_contract):\n"
        '    assert schema_contract.validate("telemetry.HealthStatus", {}).schema.track == "v1"\n'
    )
    record(pytester, server, "--registry-record=all")  # a full run of the (smaller) suite
    fresh = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]

    assert len(appended) == 2  # v1 (marker) kept, v2 (valid, invalid) added
    # A partial run cannot tell what the deselected tests need: it keeps their recordings.
    assert len(kept) == 4
    partial.stdout.fnmatch_lines(["note: --registry-record=all on a partial run (-k) kept *"])
    assert [i["request"]["uri"].rsplit("/", 2)[-2:] for i in fresh] == [
        ["v1", "telemetry.HealthStatus"],
        ["v2", "telemetry.HealthStatus"],
    ]


@pytest.mark.usefixtures("contract_project")
def test_unused_recordings_are_reported(pytester: pytest.Pytester, server: RegistryServer) -> None:
    record(pytester, server)

    result = pytester.runpytest("-k", "valid")

    result.stdout.fnmatch_lines(
        [
            "cassette: 3 recorded requests never replayed (*):",
            "  GET /api/v1/schemas/v1/telemetry.FeedbackEvent",
            "  GET /api/v1/schemas/v1/telemetry.HealthStatus",
            "  GET /api/v1/schemas/v2/telemetry.HealthStatus",
        ]
    )


@pytest.mark.usefixtures("contract_project")
def test_coexists_with_pytest_recording_and_respx(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """The user's own HTTP is neither recorded, replayed nor blocked by this plugin."""
    record(pytester, server, "-k", "valid")
    ours_before = (pytester.path / CASSETTE).read_text()
    pytester.makepyfile(
        test_users_own_http=f"""
        import httpx
        import pytest
        import respx

        @pytest.mark.vcr
        def test_pytest_recording_records_only_the_users_call(schema_contract):
            assert httpx.get("{server.url}/health").json()["status"] == "ok"
            schema_contract.validate("telemetry.FeedbackEvent", {{}})  # replayed by us, not vcr

        @respx.mock
        def test_respx_mocks_the_users_call(schema_contract):
            route = respx.get("https://api.example.test/ping").respond(json={{"pong": True}})
            assert httpx.get("https://api.example.test/ping").json() == {{"pong": True}}
            assert route.called
            schema_contract.validate("telemetry.FeedbackEvent", {{}})

        def test_plain_user_http_still_reaches_the_network(schema_contract):
            assert httpx.get("{server.url}/health").status_code == 200
    """
    )
    server.reset_counts()

    result = pytester.runpytest("-k", "valid or users", "--record-mode=once")

    result.assert_outcomes(passed=5)
    theirs = list((pytester.path / "cassettes").rglob("test_pytest_recording_*.yaml"))
    assert len(theirs) == 1
    assert "/health" in theirs[0].read_text() and "/schemas/" not in theirs[0].read_text()
    assert (pytester.path / CASSETTE).read_text() == ours_before  # replay wrote nothing
    assert server.count("/health") == 2  # the vcr test's call, then the plain one
    assert not any(r.path.startswith("/schemas/") for r in server.requests)


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (
            ["--registry-mode=replay"],
            "--registry-mode='replay' needs a cassette and there is none at {cassette}: record "
            "one with pytest --registry-mode=record --registry-url URL",
        ),
        (
            ["--registry-mode=live"],
            "--registry-mode='live' needs a registry: pass --registry-url URL",
        ),
    ],
    ids=["replay-without-cassette", "live-without-url"],
)
def test_an_explicit_mode_that_cannot_be_honoured_stops_the_run(
    pytester: pytest.Pytester, args: list[str], complaint: str
) -> None:
    """Skipping every registry test would end green: an explicit request fails loudly instead."""
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    cassette = pytester.path / CASSETTE
    assert f"schema registry: {complaint.format(cassette=cassette)}" in result.stderr.str()


@pytest.mark.usefixtures("contract_project")
def test_re_recording_an_unchanged_registry_changes_no_byte(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """No dates, no run ids, a stable order: a review shows only real changes."""
    record(pytester, server, "--schema-snapshot-update")
    first = (pytester.path / CASSETTE).read_bytes()
    record(pytester, server, "--registry-record=all")
    again = (pytester.path / CASSETTE).read_bytes()

    assert again == first
    assert b"Date" not in first and b"run" not in first.split(b"interactions")[0]


@pytest.mark.usefixtures("contract_project")
def test_the_folders_users_commit_hold_no_lock_files(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """`git add cassettes/ tests/contracts/schemas/` must stage only what people review."""
    record(pytester, server, "--schema-snapshot-update", "-n", "2")

    committed = sorted(
        str(p.relative_to(pytester.path))
        for folder in ("cassettes", "tests/contracts/schemas")
        for p in (pytester.path / folder).rglob("*")
        if p.is_file()
    )

    assert committed == [
        "cassettes/schema_registry.yaml",
        "tests/contracts/schemas/registry.lock.json",
        "tests/contracts/schemas/v1/telemetry.FeedbackEvent.json",
        "tests/contracts/schemas/v1/telemetry.HealthStatus.json",
        "tests/contracts/schemas/v2/telemetry.FeedbackEvent.json",
    ]


def test_the_command_a_replay_without_cassette_names_is_the_fix(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)
    stopped = pytester.runpytest("--registry-mode=replay")
    command = re.search(r"record one with (pytest [^(]+?) \(or", stopped.stderr.str())
    assert command, stopped.stderr.str()

    args = command.group(1).replace("--registry-url URL", f"--registry-url={server.url}").split()
    recorded = pytester.runpytest(*args[1:])
    replayed = pytester.runpytest("--registry-mode=replay")

    assert stopped.ret == pytest.ExitCode.USAGE_ERROR
    assert recorded.ret == replayed.ret == pytest.ExitCode.TESTS_FAILED  # {} is not a valid event
    replayed.assert_outcomes(passed=1, failed=1)
    replayed.stdout.fnmatch_lines(["*payload is invalid against telemetry.FeedbackEvent*"])
