"""--schema-snapshot-update and drift: reviewable snapshot files, drift fails, stale cassettes."""

from __future__ import annotations

import asyncio
import json

import pytest

from pytest_schema_registry import RegistryClient, RegistryServer
from tests.helpers import LOCK, TOKEN, record

pytestmark = pytest.mark.usefixtures("contract_project")


def upload(server: RegistryServer, name: str, track: str, version: str, content: dict) -> None:
    async def send() -> None:
        async with RegistryClient(server.url, token=TOKEN) as admin:
            await admin.upload_schema(name, track, version, content)

    asyncio.run(send())


def test_snapshot_update_writes_reviewable_files(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    result = record(pytester, server, "--schema-snapshot-update")

    result.stdout.fnmatch_lines(["snapshots: updated 3 in *"])
    lock = json.loads((pytester.path / LOCK).read_text())
    assert [(e["name"], e["track"], e["version"]) for e in lock["schemas"]] == [
        ("telemetry.FeedbackEvent", "v1", "1.1.2"),
        ("telemetry.FeedbackEvent", "v2", "2.0.0"),
        ("telemetry.HealthStatus", "v1", "1.0.0"),
    ]
    assert set(lock["schemas"][0]) == {
        "name",
        "track",
        "version",
        "schema_id",
        "sha256",
        "fetched_at",
    }
    content = (
        pytester.path / "tests/contracts/schemas/v2/telemetry.FeedbackEvent.json"
    ).read_text()
    assert content == json.dumps(json.loads(content), indent=2, sort_keys=True) + "\n"


def test_drift_is_reported_fails_the_session_and_is_accepted_with_update(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "--schema-snapshot-update")
    changed = {
        "type": "object",
        "required": ["schema_version"],
        "properties": {"schema_version": {}},
    }
    upload(server, "telemetry.FeedbackEvent", "v2", "2.1.0", changed)

    drifted = pytester.runpytest(f"--registry-url={server.url}")
    accepted = pytester.runpytest(f"--registry-url={server.url}", "--schema-snapshot-update")
    clean = pytester.runpytest(f"--registry-url={server.url}")

    assert drifted.ret == pytest.ExitCode.TESTS_FAILED
    drifted.assert_outcomes(passed=3, failed=1)  # test_invalid: level is no longer checked
    drifted.stdout.fnmatch_lines(
        [
            "SCHEMA DRIFT against the snapshots in *:",
            "  telemetry.FeedbackEvent (v2): snapshot 2.0.0, registry 2.1.0",
            "    --- snapshot/v2/telemetry.FeedbackEvent",
            "    +++ registry/v2/telemetry.FeedbackEvent",
            "accept it with: pytest --schema-snapshot-update (then review the diff)",
        ]
    )
    accepted.stdout.fnmatch_lines(["snapshots: updated 1 in *"])
    clean.stdout.fnmatch_lines(["snapshots: no drift (*)"])
    lock = json.loads((pytester.path / LOCK).read_text())
    assert {(e["track"], e["version"]) for e in lock["schemas"] if e["name"].endswith("Event")} == {
        ("v1", "1.1.2"),
        ("v2", "2.1.0"),
    }


def test_a_stale_cassette_is_an_error_that_says_how_to_re_record(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "--schema-snapshot-update")
    lock_path = pytester.path / LOCK
    lock = json.loads(lock_path.read_text())
    lock["schemas"][1]["sha256"] = "0" * 64  # the reviewed snapshot moved on; the cassette did not
    lock_path.write_text(json.dumps(lock))

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "STALE CASSETTE: the replayed schemas differ from the snapshots:",
            "  telemetry.FeedbackEvent (v2): snapshot 2.0.0, registry 2.0.0",
            "re-record with: pytest --registry-mode=record --registry-url=URL --schema-snapshot-update",
        ]
    )


def test_a_corrupt_snapshot_lock_fails_the_session_with_a_message(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    (pytester.path / LOCK).parent.mkdir(parents=True)
    (pytester.path / LOCK).write_text("{not json")

    result = pytester.runpytest(f"--registry-url={server.url}", "-k", "valid")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["ERROR: SnapshotError: */registry.lock.json is not a snapshot lock file: *"]
    )
    assert "INTERNALERROR" not in result.stdout.str()
