"""ValidationGate: every mode x valid / invalid / registry down, the dead-letter path, metrics."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import (
    ConfigError,
    DeadLetter,
    DeadLetterError,
    Decision,
    InMemoryDeadLetterSink,
    JsonLinesDeadLetterSink,
    RegistryServer,
    SchemaManager,
    ValidationGate,
)
from tests.helpers import V1_EVENT, V2_EVENT, dead_url, schema_document

pytestmark = pytest.mark.anyio


def envelope(payload: dict[str, Any], track: str = "v2") -> dict[str, Any]:
    return {
        "id": "m-1",
        "key": "c-1",
        "ts": 1.5,
        "meta": {
            "schema_id": "telemetry.FeedbackEvent",
            "track": track,
            "headers": {},
            "hash": "x",
        },
        "payload": payload,
    }


class BrokenSink:
    async def put(self, letter: DeadLetter) -> None:
        raise OSError("disk full")


@pytest.fixture
def metrics() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def managers(
    server: RegistryServer, metrics: CollectorRegistry
) -> AsyncIterator[Callable[..., SchemaManager]]:
    made: list[SchemaManager] = []

    def make(url: str | None = None, **kwargs: Any) -> SchemaManager:
        manager = SchemaManager(registry_url=url or server.url, metrics_registry=metrics, **kwargs)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        await manager.close()


def actions(
    metrics: CollectorRegistry, severity: str, action: str, schema: str = "telemetry.FeedbackEvent"
) -> float:
    labels = {"schema": schema, "severity": severity, "action": action}
    return metrics.get_sample_value("schema_enforcement_actions_total", labels) or 0.0


@pytest.mark.parametrize("mode", ["off", "log", "enforce"])
async def test_valid_messages_are_accepted_in_every_mode(
    managers: Callable[..., SchemaManager], mode: str
) -> None:
    gate = ValidationGate(managers(), mode=mode, sink=InMemoryDeadLetterSink())

    result = await gate.check(envelope(V2_EVENT))

    assert result.decision is Decision.ACCEPT and result.accepted
    if mode != "off":
        assert (result.schema, result.track, result.version) == (
            "telemetry.FeedbackEvent",
            "v2",
            "2.0.0",
        )


async def test_off_mode_validates_nothing(
    managers: Callable[..., SchemaManager], server: RegistryServer
) -> None:
    gate = ValidationGate(managers(), mode="off")

    assert (await gate.check(envelope({"garbage": True}))).decision is Decision.ACCEPT
    assert server.requests == []


async def test_log_mode_lets_invalid_messages_through_with_a_warning(
    managers: Callable[..., SchemaManager],
    metrics: CollectorRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = ValidationGate(managers(), mode="log")

    result = await gate.check(envelope({**V2_EVENT, "level": "meh"}))

    assert result.decision is Decision.ACCEPT_WITH_WARNING and result.accepted
    assert result.reason == "invalid payload"
    assert result.errors[0].startswith("$.level: ")
    assert "invalid telemetry.FeedbackEvent (v2 2.0.0), let through in log mode" in caplog.text
    assert actions(metrics, "warning", "logged") == 1
    assert (
        metrics.get_sample_value(
            "schema_validation_failures_total", {"schema": "telemetry.FeedbackEvent", "mode": "log"}
        )
        == 1
    )


async def test_enforce_mode_dead_letters_the_untouched_message(
    managers: Callable[..., SchemaManager], metrics: CollectorRegistry
) -> None:
    sink = InMemoryDeadLetterSink()
    gate = ValidationGate(managers(validation_mode="enforce"), sink=sink)
    message = envelope({**V1_EVENT, "level": "meh", "extra": [1, {"deep": None}]}, track="v1")
    original = copy.deepcopy(message)

    result = await gate.check(message)

    assert result.decision is Decision.REJECT and not result.accepted
    (letter,) = sink.letters
    assert letter is result.dead_letter
    assert letter.message == original and letter.message is message
    assert (letter.reason, letter.schema, letter.track, letter.version, letter.mode) == (
        "invalid payload",
        "telemetry.FeedbackEvent",
        "v1",
        "1.1.2",
        "enforce",
    )
    assert letter.errors == ('$.level: "meh" is not one of "ok", "soft", "hard"',)
    assert actions(metrics, "error", "dead_lettered") == 1


@pytest.mark.parametrize(
    ("mode", "fail_open", "decision", "action"),
    [
        ("log", False, Decision.ACCEPT_WITH_WARNING, "passed_unvalidated"),
        ("enforce", True, Decision.ACCEPT_WITH_WARNING, "passed_unvalidated"),
        ("enforce", False, Decision.REJECT, "dead_lettered"),
    ],
)
async def test_registry_down_follows_fail_open(
    managers: Callable[..., SchemaManager],
    metrics: CollectorRegistry,
    mode: str,
    fail_open: bool,
    decision: Decision,
    action: str,
) -> None:
    sink = InMemoryDeadLetterSink()
    gate = ValidationGate(managers(dead_url()), mode=mode, fail_open=fail_open, sink=sink)

    result = await gate.check(envelope(V2_EVENT))

    assert result.decision is decision
    assert result.reason == "schema unavailable"
    assert "registry unavailable (network)" in result.errors[0]
    # a registry down from the start never said the name exists: it gets the shared label
    severity = "error" if decision is Decision.REJECT else "warning"
    assert actions(metrics, severity, action, schema="__unknown__") == 1
    assert [letter.reason for letter in sink.letters] == (
        ["schema unavailable"] if decision is Decision.REJECT else []
    )


async def test_a_failing_sink_is_reported_so_the_message_is_not_acknowledged(
    managers: Callable[..., SchemaManager], metrics: CollectorRegistry
) -> None:
    gate = ValidationGate(managers(), mode="enforce", sink=BrokenSink())
    message = envelope({**V2_EVENT, "capacity": 0})

    with pytest.raises(
        DeadLetterError, match=r"OSError: disk full.*do not acknowledge it"
    ) as caught:
        await gate.check(message)

    assert caught.value.letter.message is message
    assert actions(metrics, "error", "dead_letter_failed") == 1


async def test_json_lines_sink_appends_one_durable_line_per_letter(
    managers: Callable[..., SchemaManager], tmp_path: Path
) -> None:
    sink = JsonLinesDeadLetterSink(tmp_path / "dlq" / "feedback.jsonl")
    gate = ValidationGate(managers(), mode="strict", sink=sink)

    await gate.check(envelope({**V2_EVENT, "level": "meh"}))
    await gate.check({**V2_EVENT, "ts": float("nan")}, schema="telemetry.FeedbackEvent")

    letters = sink.read()
    assert [letter["errors"][0].split(":")[0] for letter in letters] == ["$.level", "$.ts"]
    assert letters[0]["message"]["payload"]["level"] == "meh"
    assert (tmp_path / "dlq" / "feedback.jsonl").read_text().count("\n") == 2
    json.loads((tmp_path / "dlq" / "feedback.jsonl").read_text().splitlines()[1])


async def test_bare_payloads_name_their_schema(managers: Callable[..., SchemaManager]) -> None:
    gate = ValidationGate(managers(), mode="log")

    assert (await gate.check(V1_EVENT, schema="telemetry.FeedbackEvent", track="v1")).accepted
    bare = await gate.check(V1_EVENT)  # untrusted input gets a verdict, never an exception
    no_id = await gate.check({"meta": {}, "payload": V1_EVENT})

    assert (bare.decision, no_id.decision) == (Decision.REJECT, Decision.REJECT)
    assert bare.reason is not None and bare.reason.startswith(
        "malformed envelope: expected a mapping"
    )
    assert no_id.reason == "malformed envelope: no meta.schema_id"


async def test_a_custom_schema_mapping(managers: Callable[..., SchemaManager]) -> None:
    gate = ValidationGate(managers(), mode="log", schema_for=lambda meta: meta["headers"]["type"])
    message = envelope(V2_EVENT)
    message["meta"]["headers"]["type"] = "telemetry.FeedbackEvent"
    message["meta"]["schema_id"] = "urn:opaque:42"

    assert (await gate.check(message)).decision is Decision.ACCEPT


def test_enforce_without_a_sink_is_a_config_error() -> None:
    manager = SchemaManager(registry_url="http://r.test", validation_mode="enforce", metrics=False)

    with pytest.raises(ConfigError, match="mode='enforce' needs a dead-letter sink"):
        ValidationGate(manager)
    with pytest.raises(ConfigError, match="mode='loud': expected one of off, log, enforce"):
        ValidationGate(manager, mode="loud", sink=InMemoryDeadLetterSink())


async def test_acceptances_are_shared_per_schema_version_and_bounded(
    managers: Callable[..., SchemaManager],
) -> None:
    """A valid message's answer is built once per schema version, never once per message."""
    gate = ValidationGate(managers())

    first = await gate.check(envelope(V2_EVENT))
    again = await gate.check(envelope({**V2_EVENT, "queue_size": 7}))
    assert first is again and first.decision is Decision.ACCEPT
    assert (first.schema, first.track, first.errors) == ("telemetry.FeedbackEvent", "v2", ())
    for n in range(1_000):  # as many versions as a long-lived consumer could ever meet
        gate._accepted(f"s{n}", schema_document(f"s{n}"))
    assert len(gate._acceptances) <= 256


async def test_dead_letters_keep_huge_integers_and_the_bytes_of_a_view(
    managers: Callable[..., SchemaManager], tmp_path: Path
) -> None:
    """An integer past 4,300 digits has no decimal str(); a memoryview is not the bytes."""
    sink = JsonLinesDeadLetterSink(tmp_path / "dead.jsonl")
    gate = ValidationGate(managers(), mode="enforce", sink=sink)

    huge = await gate.check(envelope({**V2_EVENT, "level": "panic", "extra": 10**5000}))
    viewed = await gate.check_json(memoryview(b"junk"))  # type: ignore[arg-type]

    assert huge.decision is Decision.REJECT and viewed.decision is Decision.REJECT
    assert viewed.dead_letter is not None and viewed.dead_letter.message == b"junk"
    first, second = (
        json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()
    )
    assert first["message"]["payload"]["extra"] == {"$int": hex(10**5000)}
    assert second["message"] == {"$bytes": "anVuaw=="}
