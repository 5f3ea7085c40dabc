"""Poison messages on the Redis runner: each is handled once and acknowledged, never redelivered.

And the one case that must be redelivered: a dead letter Redis would not take stays pending,
is retried at the next reclaim, and is dead-lettered once the stream can take it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from redis.asyncio import Redis
from redis_runner import RedisFeedbackConsumer, StreamKeys

from pytest_schema_registry import (
    DeadLetter,
    RedisStreamDeadLetterSink,
    SchemaManager,
)
from tests.helpers import FEEDBACK, V2_EVENT

pytestmark = pytest.mark.anyio

KEYS = StreamKeys()
FAST: dict[str, Any] = {"min_idle_ms": 50, "reclaim_every": 0.02, "block_ms": 20}


def envelope(payload: Any, **meta: Any) -> bytes:
    return json.dumps({"meta": {"schema_id": FEEDBACK, **meta}, "payload": payload}).encode()


POISON = {
    "not UTF-8": {"envelope": b"\xc3\x28 broken"},
    "not JSON": {"envelope": b"{'single': 'quotes'}"},
    "NaN": {"envelope": b'{"meta": {"schema_id": "x"}, "payload": NaN}'},
    "a JSON list": {"envelope": b"[1, 2, 3]"},
    "no meta": {"envelope": json.dumps({"payload": V2_EVENT}).encode()},
    "a track that is no name": {"envelope": envelope(V2_EVENT, track="\x1b[31mv2")},
    "too deep to read": {"envelope": b'{"meta": {}, "payload": ' + b"[" * 100_000 + b"]" * 100_000},
    "no envelope field": {"payload": json.dumps(V2_EVENT).encode()},
}


async def publish(client: Redis, entries: list[dict[str, bytes]]) -> list[bytes]:
    await client.xgroup_create(KEYS.stream, KEYS.group, "0", mkstream=True)
    return [await client.xadd(KEYS.stream, fields) for fields in entries]


async def drain(consumer: RedisFeedbackConsumer) -> None:
    await asyncio.wait_for(consumer.run(until_idle=True), 60)


@pytest.mark.parametrize("mode", ["enforce", "log"])
async def test_each_poison_message_is_handled_once_and_acknowledged(
    redis_client: Redis, manager: SchemaManager, mode: str
) -> None:
    ids = await publish(redis_client, list(POISON.values()))
    consumer = RedisFeedbackConsumer(redis_client, manager, name="c", mode=mode, **FAST)

    await drain(consumer)
    await consumer.reclaim()  # past min_idle: nothing is left to hand out again

    outcomes = {
        key: json.loads(value)["outcome"]
        for key, value in (await redis_client.hgetall(KEYS.handled)).items()
    }
    assert outcomes == dict.fromkeys(ids, "dead_lettered" if mode == "enforce" else "rejected")
    letters = await redis_client.xrange(KEYS.dead_letters)
    assert len(letters) == (len(POISON) if mode == "enforce" else 0)
    assert all(fields[b"reason"].startswith(b"malformed envelope: ") for _, fields in letters)
    summary = await redis_client.xpending(KEYS.stream, KEYS.group)
    assert summary["pending"] == 0
    outcome = "dead_lettered" if mode == "enforce" else "rejected"
    assert consumer.counts == {outcome: len(POISON)}  # each handled once, none redelivered


async def test_a_dead_letter_redis_refuses_stays_pending_until_it_can_be_stored(
    redis_client: Redis, manager: SchemaManager
) -> None:
    await redis_client.set(KEYS.dead_letters, "not a stream: every XADD to it fails")
    (message_id,) = await publish(redis_client, [{"envelope": envelope({"level": "meh"})}])
    consumer = RedisFeedbackConsumer(redis_client, manager, name="c", mode="enforce", **FAST)

    await consumer.read_new()

    assert consumer.counts["left_pending"] == 1
    pending = await redis_client.xpending_range(KEYS.stream, KEYS.group, "-", "+", 10)
    assert [row["message_id"] for row in pending] == [message_id]  # not acknowledged
    assert not await redis_client.hexists(KEYS.handled, message_id)

    await redis_client.delete(KEYS.dead_letters)  # the operator fixes the stream
    await drain(consumer)  # the next reclaim hands it out again

    (letter,) = await redis_client.xrange(KEYS.dead_letters)
    assert letter[1][b"reason"] == b"invalid payload"
    assert (await redis_client.xpending(KEYS.stream, KEYS.group))["pending"] == 0
    record = json.loads(await redis_client.hget(KEYS.handled, message_id))
    assert record["outcome"] == "dead_lettered"


async def test_mode_off_survives_an_envelope_too_deep_to_read(
    redis_client: Redis, manager: SchemaManager
) -> None:
    """Off judges nothing, but the runner still reads the payload: it must not crash on it."""
    ids = await publish(
        redis_client, [POISON["too deep to read"], {"envelope": envelope(V2_EVENT)}]
    )
    consumer = RedisFeedbackConsumer(redis_client, manager, name="c", mode="off", **FAST)

    await drain(consumer)

    assert set(await redis_client.hgetall(KEYS.handled)) == set(ids)
    assert (await redis_client.xpending(KEYS.stream, KEYS.group))["pending"] == 0


async def test_a_letter_holding_a_huge_integer_is_stored(redis_client: Redis) -> None:
    """Past 4,300 digits an int has no decimal text: the letter must be written all the same."""
    sink = RedisStreamDeadLetterSink(redis_client, stream="dlq")
    letter = DeadLetter({"n": 10**5000}, "invalid payload", ("e",), "s", None, None, "enforce")

    await sink.put(letter)

    [(_, fields)] = await redis_client.xrange("dlq")
    assert json.loads(fields[b"message"]) == {"n": {"$int": hex(10**5000)}}


async def test_a_letter_whose_view_was_released_is_stored(redis_client: Redis) -> None:
    """A released memoryview has no bytes left: the letter says so instead of failing forever."""
    released = memoryview(b"raw")
    released.release()
    sink = RedisStreamDeadLetterSink(redis_client, stream="dlq")

    await sink.put(DeadLetter(released, "malformed", ("gone",), "", None, None, "enforce"))

    [(_, fields)] = await redis_client.xrange("dlq")
    assert fields[b"message_format"] == b"json"
    assert json.loads(fields[b"message"]) == {"$repr": "<released memoryview>"}
