"""ValidationGate.check_message: a Kafka consumer's per-record call, against a Confluent registry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pytest_schema_registry import (
    Decision,
    InMemoryDeadLetterSink,
    RegistryClient,
    RegistryServer,
    SchemaManager,
    ValidationGate,
)
from tests.helpers import EXAMPLES, FEEDBACK

pytestmark = pytest.mark.anyio

FEEDBACK_V1 = json.loads((EXAMPLES / "v1" / FEEDBACK / "1.1.2.json").read_text())
EVENT = {"coordinator_id": "c-1", "queue_size": 3, "capacity": 10, "level": "ok", "ts": 1.5}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path, dialect="confluent") as running:
        yield running


@pytest.fixture
async def framed(server: RegistryServer) -> bytes:
    async with RegistryClient(server.url, dialect="confluent") as client:
        schema_id = (await client.register_schema(FEEDBACK, FEEDBACK_V1))["id"]
    return b"\x00" + int(schema_id).to_bytes(4, "big")


@pytest.fixture
async def manager(server: RegistryServer) -> AsyncIterator[SchemaManager]:
    async with SchemaManager(server.url, dialect="confluent", metrics=False) as started:
        yield started


async def test_an_enforcing_gate_accepts_good_records_and_dead_letters_the_rest_untouched(
    manager: SchemaManager, framed: bytes
) -> None:
    sink = InMemoryDeadLetterSink()
    gate = ValidationGate(manager, mode="enforce", sink=sink)
    good = framed + json.dumps(EVENT).encode()
    bad = framed + json.dumps({**EVENT, "level": "panic"}).encode()
    unframed = json.dumps(EVENT).encode()

    accepted = await gate.check_message(good)
    rejected = await gate.check_message(bad)
    malformed = await gate.check_message(unframed)

    assert accepted.decision is Decision.ACCEPT and accepted.schema == FEEDBACK
    assert rejected.decision is Decision.REJECT and "panic" in " ".join(rejected.errors)
    assert malformed.decision is Decision.REJECT
    assert "starts with byte 0x7b" in (malformed.reason or "")
    assert [letter.message for letter in sink.letters] == [bad, unframed]  # bytes as received


async def test_a_record_whose_writer_schema_is_gone_passes_in_log_mode_with_the_reason(
    manager: SchemaManager,
) -> None:
    gate = ValidationGate(manager, mode="log")

    result = await gate.check_message(b"\x00\x00\x00\x30\x39" + json.dumps(EVENT).encode())

    assert result.decision is Decision.ACCEPT_WITH_WARNING
    assert result.schema == "id:12345" and "40403" in result.errors[0]
