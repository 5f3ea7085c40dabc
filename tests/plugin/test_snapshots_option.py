"""--schema-snapshot-update and drift: reviewable snapshot files, drift fails, stale cassettes."""

from __future__ import annotations

import asyncio
import json

import pytest

from pytest_schema_registry import RegistryClient, RegistryServer, content_sha256
from tests.helpers import LOCK, TOKEN, dead_url, record

pytestmark = pytest.mark.usefixtures("contract_project")


def accept_hint(result: pytest.RunResult) -> str:
    """Return the command the summary says accepts the drift."""
    (line,) = [line for line in result.outlines if line.startswith("accept it with: ")]
    return line.removeprefix("accept it with: ").removesuffix(" (then review the diff)")


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


@pytest.mark.usefixtures("patient_drift_checks")
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
    hint = accept_hint(drifted)
    accepted = pytester.runpytest(*hint.split()[1:])  # the printed command, as printed
    clean = pytester.runpytest(f"--registry-url={server.url}")

    assert drifted.ret == pytest.ExitCode.TESTS_FAILED
    drifted.assert_outcomes(passed=3, failed=1)  # test_invalid: level is no longer checked
    drifted.stdout.fnmatch_lines(
        [
            "SCHEMA DRIFT against the snapshots in *:",
            "  telemetry.FeedbackEvent (v2): snapshot 2.0.0, registry 2.1.0; BACKWARD compatible: *",
            "    --- snapshot/v2/telemetry.FeedbackEvent",
            "    +++ registry/v2/telemetry.FeedbackEvent",
        ]
    )
    # A cassette exists (recorded above): accepting drift re-records it, so replay stays fresh.
    assert (
        hint
        == f"pytest --registry-mode=record --registry-url={server.url} --schema-snapshot-update"
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
    # The reviewed snapshot moved on (file and lock, as an update would write them); the
    # cassette did not.
    snapshot = pytester.path / "tests/contracts/schemas/v2/telemetry.FeedbackEvent.json"
    content = {**json.loads(snapshot.read_text()), "title": "FeedbackEvent, reviewed"}
    snapshot.write_text(json.dumps(content))
    lock_path = pytester.path / LOCK
    lock = json.loads(lock_path.read_text())
    lock["schemas"][1]["sha256"] = content_sha256(content)
    lock_path.write_text(json.dumps(lock))

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "STALE CASSETTE: the replayed schemas differ from the snapshots:",
            "  telemetry.FeedbackEvent (v2): snapshot 2.0.0, registry 2.0.0",
            f"re-record with: pytest --registry-mode=record --registry-url={server.url} "
            "--schema-snapshot-update",
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


SNAPSHOT_V2 = "tests/contracts/schemas/v2/telemetry.FeedbackEvent.json"
SNAPSHOT_V1 = "tests/contracts/schemas/v1/telemetry.FeedbackEvent.json"


@pytest.mark.usefixtures("patient_drift_checks")
@pytest.mark.parametrize("edit", ["older-schema", "deleted"])
def test_the_snapshot_file_is_the_contract_not_the_lock(
    pytester: pytest.Pytester, server: RegistryServer, edit: str
) -> None:
    """Replace a reviewed snapshot with an older schema (or delete it), lock untouched."""
    record(pytester, server, "--schema-snapshot-update")
    snapshot = pytester.path / SNAPSHOT_V2
    if edit == "deleted":
        snapshot.unlink()
    else:
        snapshot.write_text((pytester.path / SNAPSHOT_V1).read_text())

    live = pytester.runpytest(f"--registry-url={server.url}")
    replay = pytester.runpytest()
    hint = accept_hint(live)
    updated = pytester.runpytest(*hint.split()[1:])
    again = pytester.runpytest(f"--registry-url={server.url}")

    assert live.ret == replay.ret == pytest.ExitCode.TESTS_FAILED
    headline = (
        "  telemetry.FeedbackEvent (v2): snapshot file v2/telemetry.FeedbackEvent.json is missing *"
        if edit == "deleted"
        else "  telemetry.FeedbackEvent (v2): snapshot 2.0.0, registry 2.0.0"
    )
    # v1's content where v2's snapshot was: the registry's v2 rejects what v1 allowed.
    breaks = "" if edit == "deleted" else "; BREAKS CONSUMERS: *"
    live.stdout.fnmatch_lines(["SCHEMA DRIFT against the snapshots in *:", headline + breaks])
    replay.stdout.fnmatch_lines(["STALE CASSETTE: *", headline])
    updated.stdout.fnmatch_lines(["snapshots: updated 1 in *"])
    assert (updated.ret, again.ret) == (pytest.ExitCode.OK, pytest.ExitCode.OK)
    again.stdout.fnmatch_lines(["snapshots: no drift (*)"])


def test_unused_snapshots_are_listed_and_pruned_only_on_a_full_run(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "--schema-snapshot-update")
    (pytester.path / "test_contracts.py").write_text(
        "def test_only_feedback(schema_contract):\n"
        '    schema_contract.validate("telemetry.FeedbackEvent", {})\n'
    )

    listed = pytester.runpytest()
    partial = pytester.runpytest("-k", "feedback", "--schema-snapshot-prune")
    pruned = pytester.runpytest("--schema-snapshot-prune")
    after = pytester.runpytest()

    listed.stdout.fnmatch_lines(
        [
            "snapshots: no drift (*)",
            "2 snapshots unused: telemetry.FeedbackEvent (v1), telemetry.HealthStatus (v1) "
            "(remove with --schema-snapshot-prune)",
        ]
    )
    assert listed.ret == pytest.ExitCode.OK  # reported, not failed
    partial.stdout.fnmatch_lines(["snapshots: not pruned, this is a partial run (-k): *"])
    pruned.stdout.fnmatch_lines(["snapshots: removed 2 that no test used"])
    lock = json.loads((pytester.path / LOCK).read_text())
    assert [(e["name"], e["track"]) for e in lock["schemas"]] == [("telemetry.FeedbackEvent", "v2")]
    assert not (pytester.path / SNAPSHOT_V1).exists()
    assert "snapshots unused" not in after.stdout.str()


def test_no_drift_is_never_claimed_when_nothing_was_compared(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "--schema-snapshot-update")

    result = pytester.runpytest(f"--registry-url={dead_url()}", "--registry-timeout=2")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "no drift" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        ["registry errors: * network", "snapshots: not checked, no schema was fetched (*)"]
    )


def test_a_pinned_older_version_is_not_the_snapshot(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    """registry_schema(..., version=...) asks for history; the snapshot keeps what validation used.

    1.9.0 sorts after 1.10.0 as text: a snapshot chosen by sorting would keep the old one.
    """
    upload(server, "acme.Order", "v1", "1.9.0", {"type": "object", "description": "old"})
    upload(server, "acme.Order", "v1", "1.10.0", {"type": "object", "description": "new"})
    pytester.makepyfile(
        """
        import pytest

        def test_latest(schema_contract):
            assert schema_contract.validate("acme.Order", {}, track="v1").schema.version == "1.10.0"

        @pytest.mark.registry_schema("acme.Order", track="v1", version="1.9.0")
        def test_old(schema):
            assert schema.version == "1.9.0"
        """
    )

    written = pytester.runpytest(f"--registry-url={server.url}", "--schema-snapshot-update")
    again = pytester.runpytest(f"--registry-url={server.url}")

    lock = json.loads((pytester.path / LOCK).read_text())
    assert [e["version"] for e in lock["schemas"] if e["name"] == "acme.Order"] == ["1.10.0"]
    assert (written.ret, again.ret) == (pytest.ExitCode.OK, pytest.ExitCode.OK)
    again.stdout.fnmatch_lines(["snapshots: no drift (*)"])


THREE_FILES = {
    "test_a": 'def test_a(schema_contract):\n    schema_contract.validate("telemetry.FeedbackEvent", {})\n',
    "test_b": 'def test_b(schema_contract):\n    schema_contract.validate("telemetry.RateAdjustment", {})\n',
    "test_c": 'def test_c(schema_contract):\n    schema_contract.validate("telemetry.HealthStatus", {}, track="v1")\n',
}


@pytest.mark.parametrize(
    ("args", "edit", "reason"),
    [
        (["test_a.py"], None, "paths or test ids on the command line"),
        (["--ignore=test_b.py"], None, "--ignore/--deselect"),
        (["--deselect=test_b.py::test_b"], None, "--ignore/--deselect"),
        ([], ("test_b", "import pytest\n\n@pytest.mark.skip\n"), "skipped tests"),
        ([], ("test_b", "import missing_module_xyz\n"), "collection errors"),
        (["-n", "2", "test_a.py", "test_c.py"], None, "paths or test ids on the command line"),
    ],
    ids=["path", "ignore", "deselect", "skip", "collection-error", "xdist-paths"],
)
def test_every_kind_of_partial_run_refuses_to_prune(
    pytester: pytest.Pytester,
    server: RegistryServer,
    args: list[str],
    edit: tuple[str, str] | None,
    reason: str,
) -> None:
    (pytester.path / "test_contracts.py").unlink()
    pytester.makepyfile(**THREE_FILES)
    record(pytester, server, "--schema-snapshot-update")
    if edit is not None:
        name, prefix = edit
        pytester.makepyfile(**{name: prefix + THREE_FILES[name]})

    result = pytester.runpytest("--schema-snapshot-prune", "--continue-on-collection-errors", *args)

    result.stdout.fnmatch_lines([f"snapshots: not pruned, this is a partial run ({reason}): *"])
    lock = json.loads((pytester.path / LOCK).read_text())
    assert len(lock["schemas"]) == 3


def test_rerecording_all_on_named_paths_keeps_the_other_recordings(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    (pytester.path / "test_contracts.py").unlink()
    pytester.makepyfile(**THREE_FILES)
    record(pytester, server)

    record(pytester, server, "--registry-record=all", "test_a.py")
    replayed = pytester.runpytest()

    replayed.assert_outcomes(passed=3)


def test_printed_commands_carry_the_folders_the_run_used(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    folders = ["--registry-cassette-dir=cas", "--schema-snapshot-dir=snaps"]
    record(pytester, server, "--schema-snapshot-update", *folders)
    v2 = json.loads((server.folder.root / "v2/telemetry.FeedbackEvent/2.0.0.json").read_text())
    v2.pop("$core_version", None)
    upload(server, "telemetry.FeedbackEvent", "v2", "2.1.0", {**v2, "title": "FeedbackEvent 2.1"})

    drifted = pytester.runpytest(f"--registry-url={server.url}", *folders)
    hint = accept_hint(drifted)
    accepted = pytester.runpytest(*hint.split()[1:])
    replayed = pytester.runpytest(*folders)

    assert hint.endswith(
        f" --registry-cassette-dir={pytester.path / 'cas'} "
        f"--schema-snapshot-dir={pytester.path / 'snaps'} --schema-snapshot-update"
    )
    assert accepted.ret == pytest.ExitCode.OK
    replayed.stdout.fnmatch_lines(["snapshots: no drift (*snaps)"])
    assert not (pytester.path / "tests/contracts/schemas").exists()
