"""The consumer's contract tests, as a user writes them: plugin fixtures and generated payloads.

They replay the repository's `cassettes/` on every `pytest`, offline.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from feedback_consumer import FeedbackConsumer, InProcessBus, envelope
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_schema_registry import (
    DeadLetter,
    InMemoryDeadLetterSink,
    SchemaManager,
    ValidationGate,
)
from pytest_schema_registry.strategies import (
    CoveragePayload,
    InvalidPayload,
    registry_coverage_invalid_payloads,
    registry_coverage_payloads,
    registry_invalid_payloads,
    registry_payloads,
)

FEEDBACK = "telemetry.FeedbackEvent"
TRACKS = ("v1", "v2")
# Every enum value, each optional key present and absent, each bound at its limit: the cases a
# random run may miss, each a test of its own with its label as id (`v2-level=hard`).
COVERED = [(t, case) for t in TRACKS for case in registry_coverage_payloads(FEEDBACK, track=t)]
BROKEN = [(t, bad) for t in TRACKS for bad in registry_coverage_invalid_payloads(FEEDBACK, track=t)]
examples = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def consume(
    manager: SchemaManager, mode: str, *envelopes: dict[str, Any]
) -> tuple[FeedbackConsumer, InMemoryDeadLetterSink]:
    sink = InMemoryDeadLetterSink()
    consumer = FeedbackConsumer(InProcessBus(), ValidationGate(manager, mode=mode, sink=sink))
    for item in envelopes:
        consumer.bus.publish(item)
    asyncio.run(consumer.drain())
    return consumer, sink


@examples
@given(track=st.sampled_from(["v1", "v2"]), data=st.data())
def test_every_valid_event_is_processed(
    schema_manager: SchemaManager, track: str, data: st.DataObject
) -> None:
    payload = data.draw(registry_payloads(FEEDBACK, track=track))

    consumer, sink = consume(schema_manager, "enforce", envelope(payload, track=track))

    assert (consumer.processed, consumer.dead_lettered, sink.letters) == (1, 0, [])
    assert consumer.controller.scales[payload["coordinator_id"]] in (1.0, 0.5, 0.1)


@pytest.mark.parametrize(("track", "case"), COVERED)
def test_each_covered_event_is_processed(
    schema_manager: SchemaManager, track: str, case: CoveragePayload
) -> None:
    consumer, sink = consume(schema_manager, "enforce", envelope(case.value, track=track))

    assert (consumer.processed, consumer.dead_lettered, sink.letters) == (1, 0, [])
    assert consumer.controller.scales[case.value["coordinator_id"]] in (1.0, 0.5, 0.1)


@pytest.mark.parametrize(("track", "broken"), BROKEN)
def test_each_boundary_break_is_dead_lettered_for_its_reason(
    schema_manager: SchemaManager, track: str, broken: InvalidPayload
) -> None:
    consumer, sink = consume(schema_manager, "enforce", envelope(broken.value, track=track))

    assert (consumer.processed, consumer.dead_lettered) == (0, 1)
    (letter,) = sink.letters
    assert letter.message["payload"] == broken.value  # untouched
    assert any(mentioned_field(broken.reason) in error for error in letter.errors), (broken, letter)


def mentioned_field(reason: str) -> str:
    """`'level' not in enum` -> `level`; `the payload has the wrong type` -> `$`."""
    quoted = re.search(r"'([^']+)'", reason)
    return quoted.group(1).split(".")[-1].split("[")[0] if quoted else "$"


@examples
@given(track=st.sampled_from(["v1", "v2"]), data=st.data())
def test_invalid_events_are_dead_lettered_for_the_right_reason(
    schema_manager: SchemaManager, track: str, data: st.DataObject
) -> None:
    broken: InvalidPayload = data.draw(registry_invalid_payloads(FEEDBACK, track=track))

    consumer, sink = consume(schema_manager, "enforce", envelope(broken.value, track=track))

    assert (consumer.processed, consumer.dead_lettered) == (0, 1)
    (letter,) = sink.letters
    assert isinstance(letter, DeadLetter)
    assert (letter.reason, letter.schema, letter.track) == ("invalid payload", FEEDBACK, track)
    assert letter.message["payload"] == broken.value  # untouched
    assert any(mentioned_field(broken.reason) in error for error in letter.errors), (broken, letter)


@examples
@given(data=st.data())
def test_invalid_events_are_only_logged_in_log_mode(
    schema_manager: SchemaManager, data: st.DataObject
) -> None:
    broken: InvalidPayload = data.draw(registry_invalid_payloads(FEEDBACK, track="v2"))

    consumer, sink = consume(schema_manager, "log", envelope(broken.value, track="v2"))

    assert (consumer.processed, consumer.dead_lettered, sink.letters) == (1, 0, [])
    assert not consumer.bus.unacked


def test_a_failing_dead_letter_sink_leaves_the_message_unacknowledged(
    schema_manager: SchemaManager,
) -> None:
    class Unavailable:
        async def put(self, letter: DeadLetter) -> None:
            raise ConnectionError("dead-letter topic unreachable")

    consumer = FeedbackConsumer(
        InProcessBus(), ValidationGate(schema_manager, mode="enforce", sink=Unavailable())
    )
    message = consumer.bus.publish(envelope({"level": "meh"}, track="v2"))

    asyncio.run(consumer.drain())

    assert consumer.bus.unacked == [message]
    assert not message.acked
    assert (consumer.processed, consumer.dead_lettered) == (0, 0)


@pytest.mark.parametrize("mode", ["log", "enforce"])
def test_mixed_traffic_nothing_is_lost(schema_manager: SchemaManager, mode: str) -> None:
    good = {
        "schema_version": "2.0.0",
        "coordinator_id": "eu-1",
        "queue_size": 900,
        "capacity": 1000,
        "level": "hard",
        "ts": 5.0,
    }
    consumer, sink = consume(
        schema_manager,
        mode,
        envelope(good, track="v2", message_id="a"),
        envelope({**good, "level": "panic"}, track="v2", message_id="b"),
        envelope(
            {k: v for k, v in good.items() if k != "schema_version"}, track="v1", message_id="c"
        ),
    )

    assert consumer.processed + consumer.dead_lettered == 3
    assert consumer.controller.scales["eu-1"] == 0.1
    assert len(sink.letters) == (1 if mode == "enforce" else 0)
