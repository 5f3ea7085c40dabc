"""Issue #12, finding 2: every envelope shape gets a verdict; only a failing sink raises.

A consumer that only catches `DeadLetterError` redelivers forever any message `check` raises on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest

from pytest_schema_registry import (
    Decision,
    InMemoryDeadLetterSink,
    RegistryServer,
    SchemaManager,
    ValidationGate,
)
from tests.helpers import V1_EVENT

pytestmark = pytest.mark.anyio


class Unreadable(Mapping[str, Any]):
    """A Mapping whose reads fail, as a lazy decoder's view of a broken message may."""

    def __init__(self, data: dict[str, Any], failing: set[str]) -> None:
        self._data, self._failing = data, failing

    def __getitem__(self, key: str) -> Any:
        if key in self._failing:
            raise RuntimeError(f"lazy decode of {key} failed")
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        if "__iter__" in self._failing:
            raise RuntimeError("iteration failed")
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


POISON: list[tuple[str, Any]] = [
    ("track-number", {"meta": {"schema_id": "telemetry.FeedbackEvent", "track": 2}, "payload": {}}),
    (
        "track-list",
        {"meta": {"schema_id": "telemetry.FeedbackEvent", "track": ["v2"]}, "payload": {}},
    ),
    ("no-schema-id", {"meta": {"track": "v1"}, "payload": V1_EVENT}),
    ("schema-id-number", {"meta": {"schema_id": 7}, "payload": V1_EVENT}),
    ("empty-schema-id", {"meta": {"schema_id": ""}, "payload": V1_EVENT}),
    ("surrogate", {"meta": {"schema_id": "telemetry.\ud800"}, "payload": V1_EVENT}),
    ("newline", {"meta": {"schema_id": "a\nERROR forged log line"}, "payload": V1_EVENT}),
    ("huge-id", {"meta": {"schema_id": "x" * 70_000}, "payload": V1_EVENT}),
    ("meta-list", {"meta": ["schema_id"], "payload": V1_EVENT}),
    ("not-a-mapping", b"\x00\x01 raw bytes"),
    ("none", None),
    (
        "meta-read-fails",
        {"meta": Unreadable({"schema_id": "telemetry.FeedbackEvent"}, {"track"}), "payload": {}},
    ),
    ("payload-read-fails", Unreadable({"meta": {"schema_id": "x.Y"}, "payload": 1}, {"payload"})),
]


@pytest.fixture
async def manager(server: RegistryServer) -> AsyncIterator[SchemaManager]:
    async with SchemaManager(server.url, metrics=False) as running:
        yield running


@pytest.mark.parametrize(("case", "envelope"), POISON, ids=[case for case, _ in POISON])
@pytest.mark.parametrize("mode", ["log", "enforce"])
async def test_a_poison_envelope_is_rejected_not_raised(
    manager: SchemaManager, server: RegistryServer, case: str, envelope: Any, mode: str
) -> None:
    sink = InMemoryDeadLetterSink()
    gate = ValidationGate(manager, mode=mode, sink=sink)

    result = await gate.check(envelope)

    assert result.decision is Decision.REJECT
    assert result.reason is not None and result.reason.startswith("malformed envelope: ")
    assert len(result.reason) < 300  # an excerpt of the bad value, never all of it
    assert "\n" not in result.reason
    if mode == "enforce":
        (letter,) = sink.letters
        assert letter.message is envelope  # the original message, untouched
        assert letter.reason == result.reason
    else:
        assert sink.letters == []
    assert server.requests == []  # judging a malformed envelope costs the registry nothing


async def test_a_failing_sink_is_the_only_thing_that_raises(manager: SchemaManager) -> None:
    class BrokenSink:
        async def put(self, letter: object) -> None:
            raise OSError("disk full")

    gate = ValidationGate(manager, mode="enforce", sink=BrokenSink())

    from pytest_schema_registry import DeadLetterError

    with pytest.raises(DeadLetterError):
        await gate.check({"meta": {"schema_id": 7}, "payload": {}})


async def test_a_payload_whose_reads_fail_is_invalid_not_raised(manager: SchemaManager) -> None:
    payload = Unreadable(dict(V1_EVENT), {"__iter__"})

    valid, errors = await manager.validate_payload("telemetry.FeedbackEvent", payload)

    assert not valid
    assert errors == ["$: payload could not be read: RuntimeError: iteration failed"]
