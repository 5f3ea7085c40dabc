"""Sessions against a Confluent-dialect registry: record, then replay from the cassette alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import CASSETTE, CONFLUENT_TEMPLATE, FEEDBACK, write_ini, write_subjects

CONTRACTS = """
import json

EVENT = {{"schema_version": "2.0.0", "coordinator_id": "c-1", "queue_size": 3, "capacity": 10,
         "level": "ok", "ts": 1.5}}
WRITER_ID = {writer_id}


def record(payload):
    return b"\\x00" + WRITER_ID.to_bytes(4, "big") + json.dumps(payload).encode()


def test_payload(schema_contract):
    result = schema_contract.assert_valid("telemetry.FeedbackEvent", EVENT)
    assert (result.schema.track, result.schema.content["$core_version"]) == ("v2", "2.0.0")
    schema_contract.assert_invalid("telemetry.FeedbackEvent", dict(EVENT, level="meh"))


def test_v1_subject(schema_contract):
    assert schema_contract.validate("telemetry.FeedbackEvent", {{}}, track="v1").schema.track == "v1"


def test_kafka_record(schema_manager):
    assert schema_manager.validate_message_sync(record(EVENT)) == (True, [])
    valid, errors = schema_manager.validate_message_sync(record(dict(EVENT, queue_size=-1)))
    assert not valid and errors == ["$.queue_size: -1 is less than the minimum of 0"]
"""

BREAKING = """
def test_breaks_the_schema(schema_contract):
    schema_contract.assert_valid("telemetry.FeedbackEvent", {"level": "meh"})
"""


@pytest.fixture
def confluent(tmp_path: Path) -> Iterator[RegistryServer]:
    """A Confluent-dialect registry holding FeedbackEvent as one subject per track."""
    with RegistryServer(write_subjects(tmp_path / "confluent"), dialect="confluent") as running:
        yield running


def writer_id(server: RegistryServer) -> int:
    latest = f"{server.url}/subjects/{FEEDBACK}.v2-value/versions/latest"
    return int(httpx.get(latest, timeout=10).json()["id"])


def test_record_against_confluent_then_replay_from_the_cassette_alone(
    pytester: pytest.Pytester, confluent: RegistryServer
) -> None:
    schema_id = writer_id(confluent)
    write_ini(pytester, f"registry_subject_template = {CONFLUENT_TEMPLATE}")
    pytester.makepyfile(test_contracts=CONTRACTS.format(writer_id=schema_id))
    confluent.reset_counts()

    recorded = pytester.runpytest(
        f"--registry-url={confluent.url}", "--registry-dialect=confluent", "--registry-mode=record"
    )
    requests = sorted(path for _, path in confluent.counts())
    confluent.stop()  # from here on, no registry at all
    replayed = pytester.runpytest("--registry-mode=replay", "--registry-dialect=confluent")

    recorded.assert_outcomes(passed=3)
    replayed.assert_outcomes(passed=3)
    assert requests == [
        f"/schemas/ids/{schema_id}",
        f"/schemas/ids/{schema_id}/versions",
        f"/subjects/{FEEDBACK}.v1-value/versions/latest",
        f"/subjects/{FEEDBACK}.v2-value/versions/latest",
    ]
    replayed.stdout.fnmatch_lines(
        [f"schemas from {pytester.path / CASSETTE} (replay)", "cassette: every recorded *"]
    )


def test_a_replayed_payload_that_breaks_the_schema_fails(
    pytester: pytest.Pytester, confluent: RegistryServer
) -> None:
    write_ini(pytester, f"registry_subject_template = {CONFLUENT_TEMPLATE}")
    pytester.makepyfile(test_contracts=CONTRACTS.format(writer_id=writer_id(confluent)))
    pytester.runpytest(
        f"--registry-url={confluent.url}", "--registry-dialect=confluent", "--registry-mode=record"
    ).assert_outcomes(passed=3)
    confluent.stop()
    pytester.makepyfile(test_breaking=BREAKING)

    result = pytester.runpytest(
        "--registry-mode=replay", "--registry-dialect=confluent", "-k", "breaks"
    )

    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(['*$.level: "meh" is not one of "ok", "soft", "hard"*'])


def test_an_unknown_dialect_is_a_usage_error_naming_the_choices(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")

    result = pytester.runpytest("--registry-dialect=nope")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--registry-dialect*nope*"])
    assert "seed" in result.stderr.str() and "confluent" in result.stderr.str()
