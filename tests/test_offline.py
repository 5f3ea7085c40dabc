"""Record once against the embedded registry, then replay offline; snapshots and drift."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import yaml

from pytest_schema_registry import RegistryClient, RegistryServer

from .conftest import TOKEN

CONTRACT_TESTS = """
import pytest

EVENT = {"schema_version": "2.0.0", "coordinator_id": "c-1", "queue_size": 3, "capacity": 10,
         "level": "ok", "ts": 1.5}

def test_valid(schema_contract):
    schema_contract.assert_valid("telemetry.FeedbackEvent", EVENT)

def test_invalid(schema_contract):
    schema_contract.assert_invalid("telemetry.FeedbackEvent", dict(EVENT, level="meh"), match=r"^\\$\\.level")

def test_fallback(schema_contract):
    assert schema_contract.validate("telemetry.HealthStatus", {}).schema.track == "v1"

@pytest.mark.registry_schema("telemetry.FeedbackEvent", track="v1")
def test_marker(schema):
    assert schema.version == "1.1.2"
"""

CASSETTE = Path("cassettes/schema_registry.yaml")
LOCK = Path("tests/contracts/schemas/registry.lock.json")


@pytest.fixture(autouse=True)
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for variable in ("REGISTRY_URL", "REGISTRY_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    pytester.makefile(".ini", pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_contracts=CONTRACT_TESTS)
    return pytester


def record(pytester: pytest.Pytester, server: RegistryServer, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "--registry-mode=record", f"--registry-url={server.url}", f"--registry-token={TOKEN}", *args
    )


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
            f"{pytester.path / CASSETTE}; record it with: pytest --registry-mode=record --registry-url=URL",
        ]
    )
    assert server.count("/schemas/v2/telemetry.RateAdjustment") == 0  # replay never goes live


def test_record_appends_new_and_record_all_starts_over(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    record(pytester, server, "-k", "marker")
    record(pytester, server, "-k", "valid")
    appended = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]

    record(pytester, server, "-k", "fallback", "--registry-record=all")
    fresh = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]

    assert len(appended) == 2  # v1 (marker) kept, v2 (valid, invalid) added
    assert [i["request"]["uri"].rsplit("/", 2)[-2:] for i in fresh] == [
        ["v2", "telemetry.HealthStatus"],
        ["v1", "telemetry.HealthStatus"],
    ]


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


def test_the_canary_token_reaches_no_written_file(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    server.inject_fault(
        "/schemas/v2/telemetry.HealthStatus",
        status=200,
        times=None,
        body={"detail": f"echoing {TOKEN}"},
    )  # a registry that echoes the token
    record(pytester, server, "--schema-snapshot-update", "-p", "no:cacheprovider")
    pytester.runpytest("--schema-snapshot-update", "-p", "no:cacheprovider")

    written = [p for p in pytester.path.rglob("*") if p.is_file()]
    assert any(p.name == "schema_registry.yaml" for p in written)
    assert any(p.name == "registry.lock.json" for p in written)
    for path in written:
        assert TOKEN.encode() not in path.read_bytes(), path
    assert server.requests[0].authorized  # it was sent, all the same


# -- snapshots and drift ----------------------------------------------------------------------


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


def upload(server: RegistryServer, name: str, track: str, version: str, content: dict) -> None:
    async def send() -> None:
        async with RegistryClient(server.url, token=TOKEN) as admin:
            await admin.upload_schema(name, track, version, content)

    asyncio.run(send())


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


def test_xdist_snapshot_and_cassette_writes_stay_consistent(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    names = ["telemetry.FeedbackEvent", "telemetry.HealthStatus", "telemetry.RateAdjustment"]
    for i in range(8):
        name, track = names[i % 3], ("v1", "v2")[i % 2]
        pytester.makepyfile(
            **{
                f"test_w{i}": f"""
            def test_{i}(registry_schema):
                assert registry_schema("{name}", track="{track}").name == "{name}"
        """
            }
        )

    result = record(pytester, server, "-n", "4", "--schema-snapshot-update", "-p", "no:randomly")

    result.assert_outcomes(passed=8 + 4)
    lock = json.loads((pytester.path / LOCK).read_text())
    expected = {(names[i % 3], ("v1", "v2")[i % 2]) for i in range(8)}
    assert {(e["name"], e["track"]) for e in lock["schemas"]} >= expected
    for name, track in expected:
        assert json.loads(
            (pytester.path / f"tests/contracts/schemas/{track}/{name}.json").read_text()
        )
    interactions = yaml.safe_load((pytester.path / CASSETTE).read_text())["interactions"]
    recorded = {tuple(i["request"]["uri"].rsplit("/", 2)[-2:]) for i in interactions}
    assert {(track, name) for name, track in expected} <= recorded


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


def test_a_corrupt_snapshot_lock_fails_the_session_with_a_message(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    (pytester.path / LOCK).parent.mkdir(parents=True)
    (pytester.path / LOCK).write_text("{not json")

    result = pytester.runpytest(f"--registry-url={server.url}", "-k", "valid")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["ERROR: ValueError: */registry.lock.json is not a snapshot lock file: *"]
    )
    assert "INTERNALERROR" not in result.stdout.str()
