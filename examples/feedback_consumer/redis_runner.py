"""Run the feedback consumer on Redis Streams: a consumer group, the gate, a dead-letter stream.

The stream (`feedback`) carries one field per entry, `envelope`: the seed's envelope (`meta`,
`payload`, `key`, `ts`) as UTF-8 JSON. The envelope's `id` is the entry's Redis message id, so
producers do not write one. Consumers of the group `feedback-consumer` read with XREADGROUP and
hand the bytes to the gate (`check_json`): undecodable bytes, text that is not JSON and entries
without an `envelope` field are malformed envelopes, judged like any other message.

Each message ends in one of three transactions, each with its XACK (MULTI/EXEC):
* accepted: the rate controller applies the payload; the new scale goes on `rate-scales`;
* rejected in enforce mode: `RedisStreamDeadLetterSink` writes the letter to `feedback-dlq`,
  with the bytes as received;
* malformed in log mode (nothing to process): only logged.
and each records the outcome in the hash `feedback:handled`, keyed by message id (HSETNX).

Why this is exactly once across a crash: everything a message changes in Redis is committed
together with its XACK, so a message is either handled and acknowledged, or untouched and still
pending. XAUTOCLAIM hands pending messages of a dead consumer (idle past `min_idle_ms`) to a
live one, which handles them exactly like first deliveries; a reclaimed message whose id is
already in `handled` (its consumer stalled past `min_idle_ms`, then committed) is only acked.
A failed dead-letter write (DeadLetterError) commits nothing: the message stays pending and
is retried at the next reclaim, never dropped. What lives in memory (the controller's scales)
is rebuilt by handling again, to the same scale. The limit: two live consumers holding one
message at once (one stalled past `min_idle_ms` mid-message) can both commit; `handled` keeps
the first record, but `rate-scales` or the dead-letter stream then hold two entries. Keep
`min_idle_ms` well above the slowest handling.

    python redis_runner.py --redis-url redis://127.0.0.1:6379/0 --registry-url URL --mode enforce
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from feedback_consumer import RateController
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError

from pytest_schema_registry import (
    DeadLetter,
    DeadLetterError,
    GateResult,
    RedisStreamDeadLetterSink,
    SchemaManager,
    ValidationGate,
)

log = logging.getLogger("feedback_consumer.redis")

ENVELOPE = b"envelope"
Fields = Mapping[bytes, bytes]


@dataclass(frozen=True)
class StreamKeys:
    """The Redis keys one consumer group works with."""

    stream: str = "feedback"
    group: str = "feedback-consumer"
    dead_letters: str = "feedback-dlq"
    rates: str = "rate-scales"

    @property
    def handled(self) -> str:
        return f"{self.stream}:handled"


@dataclass(frozen=True)
class _Delivery:
    message_id: bytes
    raw: bytes | None


# The message being judged: the gate calls the sink without it, and one consumer judges one
# message at a time, in its own task.
_current: ContextVar[_Delivery] = ContextVar("current_delivery")


class _DeadLetterAndAck:
    """The gate's sink: write the letter, the outcome and the XACK in one transaction."""

    def __init__(self, consumer: RedisFeedbackConsumer) -> None:
        self.consumer = consumer

    async def put(self, letter: DeadLetter) -> None:
        delivery = _current.get()
        if delivery.raw is not None:  # the bytes as received, not the gate's parsed copy
            letter = replace(letter, message=delivery.raw)
        record = self.consumer.record("dead_lettered", reason=letter.reason)
        await self.consumer.dead_letters.put(
            letter, also=lambda t: self.consumer.queue_ack(t, delivery.message_id, record)
        )


class RedisFeedbackConsumer:
    """One consumer of the group: read, judge, process or dead-letter, acknowledge."""

    def __init__(
        self,
        client: Redis,
        manager: SchemaManager,
        *,
        name: str,
        mode: str | None = None,
        keys: StreamKeys | None = None,
        min_idle_ms: int = 30_000,
        reclaim_every: float = 10.0,
        batch: int = 10,
        block_ms: int = 1_000,
        dead_letter_maxlen: int | None = None,
    ) -> None:
        self.client = client
        self.name = name
        self.keys = keys or StreamKeys()
        self.min_idle_ms = min_idle_ms
        self.reclaim_every = reclaim_every
        self.batch = batch
        self.block_ms = block_ms
        self.controller = RateController()
        self.counts: Counter[str] = Counter()
        self.dead_letters = RedisStreamDeadLetterSink(
            client, stream=self.keys.dead_letters, maxlen=dead_letter_maxlen
        )
        self.gate = ValidationGate(manager, mode=mode, sink=_DeadLetterAndAck(self))

    async def run(self, *, until_idle: bool = False) -> None:
        """Consume until the process stops; with `until_idle`, return once nothing is left.

        Every step is safe to die in: kill the process, and another consumer takes over.
        """
        await self.ensure_group()
        loop = asyncio.get_running_loop()
        next_reclaim = loop.time()
        while True:
            if loop.time() >= next_reclaim:
                await self.reclaim()
                next_reclaim = loop.time() + self.reclaim_every
            handled = await self.read_new()
            if until_idle and not handled and await self.nothing_pending():
                return

    async def ensure_group(self) -> None:
        """Create the stream and the group (reading from the start) unless they exist."""
        with contextlib.suppress(ResponseError):  # BUSYGROUP: another consumer made it first
            await self.client.xgroup_create(self.keys.stream, self.keys.group, "0", mkstream=True)

    async def read_new(self) -> int:
        """Handle the next batch never delivered to the group; return how many there were."""
        answer: Any = await self.client.xreadgroup(  # RESP2: [[stream, [(id, fields), ...]]]
            self.keys.group, self.name, {self.keys.stream: ">"}, self.batch, self.block_ms
        )
        entries = answer[0][1] if answer else []
        for message_id, fields in entries:
            await self.handle(message_id, fields)
        return len(entries)

    async def reclaim(self) -> int:
        """Take over messages idle past `min_idle_ms` (a crashed consumer's); handle each."""
        start: bytes | str = "0-0"
        claimed_in_all = 0
        while True:
            answer: Any = await self.client.xautoclaim(
                self.keys.stream, self.keys.group, self.name, self.min_idle_ms, start, self.batch
            )
            start, claimed = answer[0], answer[1]
            for message_id, fields in claimed:
                await self.handle(message_id, fields, redelivered=True)
            claimed_in_all += len(claimed)
            if start in (b"0-0", "0-0"):
                return claimed_in_all

    async def nothing_pending(self) -> bool:
        summary = await self.client.xpending(self.keys.stream, self.keys.group)
        return int(summary["pending"]) == 0

    async def handle(
        self, message_id: bytes | None, fields: Fields | None, *, redelivered: bool = False
    ) -> None:
        """Judge one message and end it in one transaction with its XACK (or leave it pending)."""
        if message_id is None or fields is None:
            return  # Redis 6.2's XAUTOCLAIM names a trimmed entry so: nothing left to handle
        if redelivered and await self.client.hexists(self.keys.handled, message_id):
            await self.client.xack(self.keys.stream, self.keys.group, message_id)
            self.counts["already_handled"] += 1
            return
        token = _current.set(_Delivery(message_id, fields.get(ENVELOPE)))
        try:
            result = await self._judge(fields)
        except DeadLetterError as exc:
            log.warning("message %s left pending for redelivery: %s", message_id.decode(), exc)
            self.counts["left_pending"] += 1
            return
        finally:
            _current.reset(token)
        await self._finish(message_id, fields.get(ENVELOPE), result)

    async def _judge(self, fields: Fields) -> GateResult:
        raw = fields.get(ENVELOPE)
        if raw is None:  # the entry itself is the message, and it is no envelope
            return await self.gate.check(dict(fields))
        return await self.gate.check_json(raw)

    async def _finish(self, message_id: bytes, raw: bytes | None, result: GateResult) -> None:
        if result.dead_letter is not None:  # committed with its XACK by the sink
            self.counts["dead_lettered"] += 1
        elif result.accepted:
            await self._process(message_id, raw, result)
        else:  # malformed in log mode: nothing to process, nothing to store; never redelivered
            await self._commit(message_id, self.record("rejected", reason=result.reason))
            self.counts["rejected"] += 1

    async def _process(self, message_id: bytes, raw: bytes | None, result: GateResult) -> None:
        payload = _payload(raw)
        used = self.controller.apply(payload)
        record = self.record("processed", decision=str(result.decision), applied=used)

        def publish_scale(transaction: Pipeline) -> None:
            if used:
                scale = self.controller.scales[payload["coordinator_id"]]
                coordinator: str = payload["coordinator_id"]
                entry = {"coordinator": coordinator, "scale": str(scale), "source": message_id}
                transaction.xadd(self.keys.rates, entry)  # type: ignore[arg-type]  # str | bytes values

        await self._commit(message_id, record, publish_scale)
        self.counts["processed"] += 1

    async def _commit(
        self,
        message_id: bytes,
        record: dict[str, Any],
        effects: Callable[[Pipeline], None] | None = None,
    ) -> None:
        async with self.client.pipeline(transaction=True) as transaction:
            if effects is not None:
                effects(transaction)
            self.queue_ack(transaction, message_id, record)
            await transaction.execute()

    def queue_ack(self, transaction: Pipeline, message_id: bytes, record: dict[str, Any]) -> None:
        """Queue the outcome record (first one wins) and the XACK on a transaction."""
        transaction.hsetnx(self.keys.handled, message_id, json.dumps(record))
        transaction.xack(self.keys.stream, self.keys.group, message_id)

    def record(self, outcome: str, **details: Any) -> dict[str, Any]:
        return {"outcome": outcome, "consumer": self.name, **details}


def _payload(raw: bytes | None) -> Any:
    """Return the envelope's payload; None when there is none (mode `off` judges nothing)."""
    try:
        return json.loads(raw)["payload"] if raw is not None else None
    except (ValueError, TypeError, KeyError, RecursionError):  # unread in mode off: anything
        return None


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the feedback consumer on Redis Streams.")
    env = os.environ.get
    parser.add_argument("--redis-url", default=env("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--registry-url", default=env("REGISTRY_URL"))
    parser.add_argument("--mode", default=env("REGISTRY_VALIDATION_MODE", "log"))
    parser.add_argument("--consumer", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--min-idle-ms", type=int, default=30_000)
    parser.add_argument("--reclaim-every", type=float, default=10.0)
    parser.add_argument("--block-ms", type=int, default=1_000)
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is left")
    return parser.parse_args(argv)


async def _consume(args: argparse.Namespace) -> Counter[str]:
    client = Redis.from_url(args.redis_url, client_name=args.consumer)  # named in CLIENT LIST
    try:
        async with SchemaManager(registry_url=args.registry_url) as manager:
            consumer = RedisFeedbackConsumer(
                client,
                manager,
                name=args.consumer,
                mode=args.mode,
                min_idle_ms=args.min_idle_ms,
                reclaim_every=args.reclaim_every,
                block_ms=args.block_ms,
            )
            await consumer.run(until_idle=args.until_idle)
            return consumer.counts
    finally:
        await client.aclose()


def main(argv: list[str] | None = None) -> None:
    """Consume from the command line; print what was done, as JSON, on a clean exit."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(json.dumps(asyncio.run(_consume(_arguments(argv)))))


if __name__ == "__main__":
    main()
