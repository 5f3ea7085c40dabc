"""RedisStreamDeadLetterSink against a real redis-server: the fields, trimming, every failure."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from pytest_schema_registry import (
    ConfigError,
    DeadLetter,
    DeadLetterError,
    RedisStreamDeadLetterSink,
    RegistryServer,
    SchemaManager,
    ValidationGate,
)
from tests.helpers import FEEDBACK, ROOT, V2_EVENT, dead_url, readme_example
from tests.redis_streams.server import RedisServer, find_redis_server

pytestmark = pytest.mark.anyio

DLQ = "feedback-dlq"
PASSWORD = "canary-redis-pass-5d1e"  # distinctive, so a leak is easy to find


def letter(message: Any, track: str | None = "v2", reason: str = "invalid payload") -> DeadLetter:
    errors = ("$.level: 'meh' is not one of ['ok', 'soft', 'hard']",)
    return DeadLetter(message, reason, errors, FEEDBACK, track, "2.0.0", "enforce")


async def entries(client: Redis, stream: str = DLQ) -> list[dict[str, bytes]]:
    return [
        {key.decode(): value for key, value in fields.items()}
        for _, fields in await client.xrange(stream)
    ]


def fail_fast(url: str) -> Redis:
    """Return a client that gives up at once: the default retries back off for seconds."""
    return Redis.from_url(url, retry=Retry(NoBackoff(), 0), socket_timeout=0.5)


async def test_a_letter_is_one_entry_with_every_field(redis_client: Redis) -> None:
    message = {"id": "m-1", "meta": {"schema_id": FEEDBACK}, "payload": {"x": 1}}
    sent = letter(message)

    await RedisStreamDeadLetterSink(redis_client, stream=DLQ).put(sent)

    (entry,) = await entries(redis_client)
    assert json.loads(entry.pop("message")) == message
    assert json.loads(entry.pop("errors")) == list(sent.errors)
    assert entry == {
        "message_format": b"json",
        "reason": b"invalid payload",
        "schema": FEEDBACK.encode(),
        "track": b"v2",
        "version": b"2.0.0",
        "mode": b"enforce",
        "rejected_at": sent.rejected_at.encode(),
    }


async def test_bytes_are_stored_as_received_and_unknowns_are_absent(redis_client: Redis) -> None:
    raw = b'\xff\xfe{"meta": not json\x00'

    await RedisStreamDeadLetterSink(redis_client, stream=DLQ).put(letter(raw, track=None))

    (entry,) = await entries(redis_client)
    assert (entry["message"], entry["message_format"]) == (raw, b"raw")
    assert "track" not in entry


async def test_text_that_utf8_cannot_carry_is_stored_as_json(redis_client: Redis) -> None:
    await RedisStreamDeadLetterSink(redis_client, stream=DLQ).put(letter("lone \udc80"))

    (entry,) = await entries(redis_client)
    assert entry["message_format"] == b"json"
    assert json.loads(entry["message"]) == "lone \udc80"


async def test_maxlen_trims_approximately_and_keeps_the_newest(redis_client: Redis) -> None:
    sink = RedisStreamDeadLetterSink(redis_client, stream=DLQ, maxlen=10)

    for number in range(250):
        await sink.put(letter({"n": number}))

    kept = await entries(redis_client)
    # MAXLEN ~ drops whole nodes (100 entries by default): at least 10 stay, never a full node more.
    assert 10 <= len(kept) < 10 + 100
    assert json.loads(kept[-1]["message"]) == {"n": 249}


@pytest.mark.parametrize("maxlen", [0, -1, True, 2.5, "10"])
def test_a_maxlen_that_is_not_a_positive_integer_is_refused(maxlen: Any) -> None:
    with pytest.raises(ConfigError, match="maxlen must be a positive integer"):
        RedisStreamDeadLetterSink(Redis(), maxlen=maxlen)


async def test_a_server_nobody_runs_raises_dead_letter_error() -> None:
    client = fail_fast(dead_url().replace("http://", "redis://"))
    sent = letter({"n": 1})

    with pytest.raises(DeadLetterError, match="do not acknowledge it") as caught:
        await RedisStreamDeadLetterSink(client, stream=DLQ).put(sent)

    assert "ConnectionError" in str(caught.value)
    assert caught.value.letter is sent  # nothing lost: the caller still holds it
    await client.aclose()


async def test_a_refused_password_never_shows(
    redis_server: RedisServer, redis_client: Redis
) -> None:
    await redis_client.acl_setuser("dlq-writer", enabled=True, passwords=["+the-right-one"])
    client = fail_fast(f"redis://dlq-writer:{PASSWORD}@127.0.0.1:{redis_server.port}/0")

    with pytest.raises(DeadLetterError, match="AuthenticationError") as caught:
        await RedisStreamDeadLetterSink(client, stream=DLQ).put(letter({"n": 1}))

    assert PASSWORD not in str(caught.value)
    await client.aclose()
    await redis_client.acl_deluser("dlq-writer")


async def test_an_error_that_echoes_the_password_is_masked(tmp_path: Path) -> None:
    # redis-py names the socket path in its connection error: here the path holds the password.
    socket_path = tmp_path / PASSWORD / "redis.sock"
    client = Redis(
        unix_socket_path=str(socket_path), password=PASSWORD, retry=Retry(NoBackoff(), 0)
    )

    with pytest.raises(DeadLetterError, match="ConnectionError") as caught:
        await RedisStreamDeadLetterSink(client, stream=DLQ).put(letter({"n": 1}))

    assert "***" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    await client.aclose()


async def test_a_server_error_raises_dead_letter_error(redis_client: Redis) -> None:
    await redis_client.set(DLQ, "a string, not a stream")

    with pytest.raises(DeadLetterError, match="WRONGTYPE"):
        await RedisStreamDeadLetterSink(redis_client, stream=DLQ).put(letter({"n": 1}))


@pytest.fixture
def paused_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A server of the test's own that accepts connections and then answers nothing."""
    binary = find_redis_server()
    assert binary, "the session fixture found one"
    with RedisServer(binary, tmp_path) as server:
        yield server


async def test_a_server_that_stops_answering_times_out_into_dead_letter_error(
    paused_redis: RedisServer,
) -> None:
    client = fail_fast(paused_redis.url)
    await client.ping()  # connected while it still answered
    paused_redis.pause()

    with pytest.raises(DeadLetterError, match="TimeoutError"):
        await RedisStreamDeadLetterSink(client, stream=DLQ).put(letter({"n": 1}))

    paused_redis.resume()
    await client.aclose()


async def test_also_commits_with_the_letter_in_one_transaction(redis_client: Redis) -> None:
    def acknowledge(transaction: Pipeline) -> None:
        transaction.hset("handled", "1-0", "dead_lettered")

    await RedisStreamDeadLetterSink(redis_client, stream=DLQ).put(
        letter({"n": 1}), also=acknowledge
    )

    assert len(await entries(redis_client)) == 1
    assert await redis_client.hget("handled", "1-0") == b"dead_lettered"


async def test_also_runs_nothing_when_the_letter_cannot_be_written(redis_client: Redis) -> None:
    """Redis runs the rest of a MULTI when one command fails: the sink must not get that far."""
    await redis_client.set(DLQ, "a string, not a stream")

    with pytest.raises(DeadLetterError, match="not a stream"):
        await RedisStreamDeadLetterSink(redis_client, stream=DLQ).put(
            letter({"n": 1}), also=lambda transaction: transaction.hset("handled", "1-0", "x")
        )

    assert await redis_client.exists("handled") == 0


async def test_the_gate_dead_letters_to_the_stream(
    redis_client: Redis, manager: SchemaManager
) -> None:
    gate = ValidationGate(
        manager, mode="enforce", sink=RedisStreamDeadLetterSink(redis_client, stream=DLQ)
    )
    envelope = {
        "meta": {"schema_id": FEEDBACK, "track": "v2"},
        "payload": {**V2_EVENT, "level": "meh"},
    }

    invalid = await gate.check(envelope)
    malformed = await gate.check_json(b"\xff not utf-8")

    assert (invalid.accepted, malformed.accepted) == (False, False)
    first, second = await entries(redis_client)
    assert json.loads(first["message"]) == envelope
    assert (first["reason"], first["track"], first["version"]) == (
        b"invalid payload",
        b"v2",
        b"2.0.0",
    )
    assert "$.level" in json.loads(first["errors"])[0]
    assert (second["message"], second["message_format"]) == (b"\xff not utf-8", b"raw")
    assert second["reason"].startswith(b"malformed envelope: ")


async def test_the_gate_passes_the_sinks_error_on_and_counts_it(
    manager: SchemaManager, metrics: CollectorRegistry
) -> None:
    client = fail_fast(dead_url().replace("http://", "redis://"))
    gate = ValidationGate(manager, mode="enforce", sink=RedisStreamDeadLetterSink(client))

    with pytest.raises(DeadLetterError, match=r"^dead-letter stream 'events-dlq' did not take"):
        await gate.check({"meta": {"schema_id": FEEDBACK}, "payload": {"level": "meh"}})

    labels = {"schema": FEEDBACK, "severity": "error", "action": "dead_letter_failed"}
    assert metrics.get_sample_value("schema_enforcement_actions_total", labels) == 1
    await client.aclose()


def test_the_package_imports_without_the_redis_client() -> None:
    probe = (
        "import sys; sys.modules['redis'] = None; import pytest_schema_registry as p; "
        "print(p.RedisStreamDeadLetterSink.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert (result.returncode, result.stdout.strip()) == (0, "RedisStreamDeadLetterSink"), (
        result.stderr
    )


async def test_the_readmes_redis_wiring_runs(
    redis_client: Redis,
    redis_server: RedisServer,
    server: RegistryServer,
    metrics: CollectorRegistry,
) -> None:
    code = readme_example("redis wiring").replace("redis://127.0.0.1:6379/0", redis_server.url)
    source = "async def wiring(manager, process):\n" + textwrap.indent(code, "    ")
    namespace: dict[str, Any] = {}
    exec(compile(source + "    await redis.aclose()\n", "README.md", "exec"), namespace)  # noqa: S102  # our own README
    await redis_client.xgroup_create("feedback", "feedback-consumer", "0", mkstream=True)
    valid = {"meta": {"schema_id": FEEDBACK, "track": "v2"}, "payload": V2_EVENT}
    ids = [
        await redis_client.xadd("feedback", {"envelope": body})
        for body in (json.dumps(valid), json.dumps({**valid, "payload": {}}), b"\xff")
    ]
    processed: list[bytes] = []

    async def process(message_id: bytes, raw: bytes) -> None:
        processed.append(message_id)

    enforcing = SchemaManager(
        registry_url=server.url, validation_mode="enforce", metrics_registry=metrics
    )
    async with enforcing as manager:
        await namespace["wiring"](manager, process)

    assert processed == ids[:1]
    reasons = [fields[b"reason"] for _, fields in await redis_client.xrange("feedback-dlq")]
    assert reasons == [b"invalid payload", b"malformed envelope: message is not UTF-8: byte 0"]
    assert (await redis_client.xpending("feedback", "feedback-consumer"))["pending"] == 0
