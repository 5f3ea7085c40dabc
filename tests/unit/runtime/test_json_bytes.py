"""SchemaManager.validate_json and ValidationGate.check_json: JSON as it arrives, over real HTTP.

Consumers receive bytes (Kafka, Redis Streams, HTTP bodies), not dicts. Whatever the bytes hold,
the answer is a verdict: the same one `validate_payload` gives for the decoded value, or
"invalid" with the parser's reason and position; never an exception.
"""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import (
    Decision,
    InMemoryDeadLetterSink,
    RegistryServer,
    SchemaManager,
    ValidationGate,
)
from tests.helpers import FEEDBACK, V2_EVENT, ManagerFactory

pytestmark = pytest.mark.anyio

INVALID = {**V2_EVENT, "queue_size": -1}
MALFORMED = [
    (b'{"level": "ok",', "payload is not JSON: Expecting property name enclosed in double quotes"),
    (b"", "payload is not JSON: Expecting value: line 1 column 1 (char 0)"),
    (b'{"ts": NaN}', "payload is not JSON: NaN is not a JSON value"),
    (b'{"ts": -Infinity}', "payload is not JSON: -Infinity is not a JSON value"),
    (b'{"id": "\xff\xfe"}', "payload is not UTF-8: byte 8"),
    (b"[" * 100_000, "payload is nested too deep"),
    (b'{"a": 1} trailing', "payload is not JSON: Extra data: line 1 column 10 (char 9)"),
]


@pytest.fixture
def manager(make_manager: ManagerFactory) -> SchemaManager:
    return make_manager()


async def test_bytes_and_text_get_the_verdict_the_decoded_value_gets(
    manager: SchemaManager,
) -> None:
    for value in (V2_EVENT, INVALID):
        expected = await manager.validate_payload(FEEDBACK, value)
        text = json.dumps(value)

        assert await manager.validate_json(FEEDBACK, text.encode()) == expected
        assert await manager.validate_json(FEEDBACK, text) == expected
        assert await manager.validate_json(FEEDBACK, bytearray(text.encode())) == expected

    assert (await manager.validate_json(FEEDBACK, json.dumps(INVALID)))[1] == [
        "$.queue_size: -1 is less than the minimum of 0"
    ]


@pytest.mark.parametrize(("data", "reason"), MALFORMED)
async def test_bytes_that_are_not_json_are_invalid_with_the_reason_and_position(
    manager: SchemaManager, data: bytes, reason: str
) -> None:
    valid, errors = await manager.validate_json(FEEDBACK, data)

    assert not valid
    assert len(errors) == 1
    assert errors[0].startswith(reason), errors


async def test_the_track_arguments_are_honoured(manager: SchemaManager) -> None:
    v1_only = json.dumps({k: v for k, v in V2_EVENT.items() if k not in ("schema_version",)})

    assert (await manager.validate_json(FEEDBACK, v1_only, "v1", "v1"))[0]
    assert not (await manager.validate_json(FEEDBACK, v1_only, "v2", "v2"))[0]


async def test_malformed_bytes_count_as_failures_of_the_schema_they_were_for(
    manager: SchemaManager, metrics: CollectorRegistry
) -> None:
    await manager.validate_json(FEEDBACK, json.dumps(V2_EVENT))  # the name is served now
    await manager.validate_json(FEEDBACK, b"not json")

    failures = metrics.get_sample_value(
        "schema_validation_total", {"schema": FEEDBACK, "outcome": "failure"}
    )
    assert failures == 1.0
    assert manager.get_stats()["validations"]["failure"] == 1


def test_the_sync_twin_needs_a_loop_only_to_fetch(server: RegistryServer) -> None:
    """As `validate_payload_sync`: malformed bytes and warm names are answered right here."""
    disabled = SchemaManager(enabled=False, metrics=False)
    manager = SchemaManager(server.url, metrics=False)
    text = json.dumps(V2_EVENT)

    assert disabled.validate_json_sync(FEEDBACK, b"{") == (True, [])
    valid, errors = manager.validate_json_sync(FEEDBACK, b"{")  # no loop needed: nothing fetched
    assert not valid
    assert errors[0].startswith("payload is not JSON: Expecting property name")
    manager.start_in_thread()
    try:
        assert manager.validate_json_sync(FEEDBACK, text) == (True, [])
    finally:
        manager.close_sync()
    assert manager.validate_json_sync(FEEDBACK, text.encode()) == (True, [])  # warm
    assert not manager.validate_json_sync(FEEDBACK, json.dumps(INVALID))[0]


async def test_the_gate_judges_raw_envelopes_and_dead_letters_unreadable_bytes_untouched(
    manager: SchemaManager,
) -> None:
    sink = InMemoryDeadLetterSink()
    gate = ValidationGate(manager, mode="enforce", sink=sink)
    envelope = {"meta": {"schema_id": FEEDBACK, "track": "v2"}, "payload": V2_EVENT}
    broken = b'{"meta": {"schema_id": "telemetry.FeedbackEvent"'

    accepted = await gate.check_json(json.dumps(envelope).encode())
    rejected = await gate.check_json(json.dumps({**envelope, "payload": INVALID}))
    unreadable = await gate.check_json(broken)
    named = await gate.check_json(json.dumps(V2_EVENT), schema=FEEDBACK, track="v2")

    assert accepted.decision is Decision.ACCEPT
    assert named.decision is Decision.ACCEPT
    assert rejected.decision is Decision.REJECT
    assert unreadable.decision is Decision.REJECT
    assert (
        "message is not JSON: Expecting ',' delimiter: line 1 column 49 (char 48)"
        in unreadable.errors[0]
    )
    assert [letter.message for letter in sink.letters] == [
        {**envelope, "payload": INVALID},
        broken,  # the bytes as received: nothing to decode, nothing lost
    ]
