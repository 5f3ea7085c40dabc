"""Issue 17's done-when: the example consumer on a real Redis, killed mid-batch and restarted.

Traffic: valid and invalid FeedbackEvent payloads (coverage examples and hypothesis draws from
the example registry's latest v1 and v2 schemas), plus malformed messages (not UTF-8, not JSON,
no meta, no `envelope` field), shuffled onto the stream. A consumer process is killed (SIGKILL)
while it holds delivered, unacknowledged messages; a second one reclaims them and drains the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis as sync_redis
from feedback_consumer import RateController
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from packaging.version import Version
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis
from redis_runner import RedisFeedbackConsumer, StreamKeys

from pytest_schema_registry import RegistryServer, SchemaManager
from pytest_schema_registry.strategies import (
    coverage_invalid_payloads,
    coverage_payloads,
    from_schema,
    invalid_from_schema,
)
from tests.helpers import EXAMPLES, FEEDBACK, ROOT, V2_EVENT
from tests.redis_streams.server import RedisServer

RUNNER = ROOT / "examples" / "feedback_consumer" / "redis_runner.py"
KEYS = StreamKeys()
FAST = ("--min-idle-ms", "200", "--reclaim-every", "0.1", "--block-ms", "100")
T = TypeVar("T")


@dataclass(frozen=True)
class Traffic:
    """What the test publishes, by what the consumer must do with it."""

    valid: list[bytes]
    invalid: list[bytes]
    malformed: list[bytes]  # envelope fields that are no envelope
    no_envelope_field: dict[str, bytes]  # an entry the runner cannot even find an envelope in

    @property
    def total(self) -> int:
        return len(self.valid) + len(self.invalid) + len(self.malformed) + 1


def latest_schema(track: str) -> dict[str, Any]:
    files = [p for p in (EXAMPLES / track / FEEDBACK).glob("*.json") if ".meta." not in p.name]
    newest = max(files, key=lambda p: Version(p.name.removesuffix(".json")))
    return json.loads(newest.read_text())


def draw(strategy: st.SearchStrategy[T]) -> T:
    """Draw one value outside a test of hypothesis's own (`.example()` is for the REPL)."""
    drawn: list[T] = []

    @settings(
        max_examples=1,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def keep(value: T) -> None:
        drawn.append(value)

    keep()
    return drawn[0]


def envelope(payload: Any, track: str, number: int) -> bytes | None:
    """Return the seed's envelope as the producer writes it (no `id`: that is Redis's), or None."""
    message = {
        "key": f"c-{number}",
        "ts": float(number),
        "meta": {"schema_id": FEEDBACK, "track": track, "headers": {}, "hash": ""},
        "payload": payload,
    }
    try:
        return json.dumps(message, allow_nan=False).encode()
    except ValueError:  # NaN cannot be JSON: no producer can send it
        return None


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def generate_traffic() -> Traffic:
    valid: list[Any] = []
    invalid: list[Any] = []
    for track in ("v1", "v2"):
        schema = latest_schema(track)
        payloads = [c.value for c in coverage_payloads(schema)]
        payloads += draw(
            st.lists(from_schema(schema), min_size=20, max_size=20, unique_by=canonical)
        )
        valid += [(track, p) for p in payloads]
        broken = [b.value for b in coverage_invalid_payloads(schema)]
        drawn = st.lists(invalid_from_schema(schema), min_size=5, max_size=5)
        broken += [b.value for b in draw(drawn)]
        invalid += [(track, p) for p in broken]
    numbered = enumerate([*valid, *invalid])
    encoded = [envelope(payload, track, n) for n, (track, payload) in numbered]
    no_meta = {"key": "c-x", "ts": 0.0, "payload": V2_EVENT}
    return Traffic(
        valid=[e for e in encoded[: len(valid)] if e is not None],
        invalid=[e for e in encoded[len(valid) :] if e is not None],
        malformed=[b"\xff\xfe not UTF-8", b'{"meta": {"schema_id": ', json.dumps(no_meta).encode()],
        no_envelope_field={"body": b'{"not": "where the runner looks"}'},
    )


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    return generate_traffic()


def publish(db: sync_redis.Redis, traffic: Traffic) -> dict[str, str]:
    """Put the traffic on the stream in a shuffled order; return each message id's kind."""
    entries = [
        *[({"envelope": raw}, "valid") for raw in traffic.valid],
        *[({"envelope": raw}, "invalid") for raw in traffic.invalid],
        *[({"envelope": raw}, "malformed") for raw in traffic.malformed],
        (traffic.no_envelope_field, "malformed"),
    ]
    random.Random(17).shuffle(entries)  # noqa: S311  # an order, not a secret
    db.xgroup_create(KEYS.stream, KEYS.group, "0", mkstream=True)
    return {db.xadd(KEYS.stream, fields).decode(): kind for fields, kind in entries}


@contextlib.contextmanager
def consumer(
    registry: RegistryServer, redis_url: str, mode: str, name: str, log: Path, *extra: str
) -> Iterator[subprocess.Popen[str]]:
    """Run the example runner as a process of its own; kill it if the test leaves it running."""
    command = [sys.executable, str(RUNNER), "--redis-url", redis_url, "--mode", mode]
    command += ["--registry-url", registry.url, "--consumer", name, *FAST, *extra]
    # stderr to a file: a full pipe would block the consumer's log-mode warnings
    with (
        log.open("w") as errors,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True) as process,
    ):
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def pending_ids(db: sync_redis.Redis) -> set[str]:
    rows = db.xpending_range(KEYS.stream, KEYS.group, "-", "+", 10_000)
    return {row["message_id"].decode() for row in rows}


def kill_holding_messages(
    process: subprocess.Popen[str], db: sync_redis.Redis, name: str, after: int
) -> set[str]:
    """Once `after` messages are handled, SIGKILL the consumer while it holds some; return them.

    SIGSTOP first: a frozen consumer sends nothing more, so it holds what is pending then, but
    for one transaction it may have sent already (it awaits each EXEC): at least two, then.
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the consumer exited before it was killed"
        if db.hlen(KEYS.handled) >= after:
            process.send_signal(signal.SIGSTOP)
            if len(pending_ids(db)) >= 2:
                process.kill()
                process.wait()
                return settled_pending(db, name)
            process.send_signal(signal.SIGCONT)  # between two batches: let it read the next
        time.sleep(0.002)  # poll interval, bounded by the deadline
    raise AssertionError("the consumer never held messages: nothing to crash in the middle of")


def settled_pending(db: sync_redis.Redis, name: str) -> set[str]:
    """Return what is pending once Redis has run all a dead consumer sent and closed its link."""
    deadline = time.monotonic() + 10
    while any(client["name"] == name for client in db.client_list()):
        assert time.monotonic() < deadline, f"redis still serves the dead consumer {name}"
        time.sleep(0.002)
    return pending_ids(db)


def handled(db: sync_redis.Redis) -> dict[str, dict[str, Any]]:
    return {k.decode(): json.loads(v) for k, v in db.hgetall(KEYS.handled).items()}


def stream(db: sync_redis.Redis, key: str) -> list[dict[str, bytes]]:
    return [{k.decode(): v for k, v in fields.items()} for _, fields in db.xrange(key)]


def crash_and_restart(
    db: sync_redis.Redis,
    registry: RegistryServer,
    redis_url: str,
    mode: str,
    tmp_path: Path,
    traffic: Traffic,
) -> tuple[dict[str, str], set[str], dict[str, int]]:
    kinds = publish(db, traffic)
    with consumer(registry, redis_url, mode, "first", tmp_path / "first.log") as first:
        held = kill_holding_messages(first, db, "first", after=traffic.total // 3)
    assert held and len(handled(db)) < traffic.total  # killed mid-stream, messages in flight

    log = tmp_path / "second.log"
    with consumer(registry, redis_url, mode, "second", log, "--until-idle") as second:
        stdout, _ = second.communicate(timeout=120)
    assert second.returncode == 0, log.read_text()[-3000:]
    return kinds, held, json.loads(stdout)


def test_enforce_a_crash_loses_nothing_and_does_nothing_twice(
    redis_db: sync_redis.Redis,
    redis_server: RedisServer,
    server: RegistryServer,
    tmp_path: Path,
    traffic: Traffic,
) -> None:
    kinds, held, counts = crash_and_restart(
        redis_db, server, redis_server.url, "enforce", tmp_path, traffic
    )

    records = handled(redis_db)
    assert set(records) == set(kinds)  # N + M accounted for
    assert pending_ids(redis_db) == set()
    assert {records[i]["consumer"] for i in held} == {"second"}  # reclaimed, then handled
    outcomes = {i: r["outcome"] for i, r in records.items()}
    assert {i for i, o in outcomes.items() if o == "processed"} == ids_of(kinds, "valid")
    assert {i for i, o in outcomes.items() if o == "dead_lettered"} == ids_of(
        kinds, "invalid", "malformed"
    )
    # each valid message processed once: one rate-scale entry per message id
    sources = Counter(entry["source"].decode() for entry in stream(redis_db, KEYS.rates))
    assert sources == Counter(ids_of(kinds, "valid"))
    # each rejected message in the dead-letter stream once, as received, with its reason
    letters = stream(redis_db, KEYS.dead_letters)
    raw = Counter(e["message"] for e in letters if e["message_format"] == b"raw")
    assert raw == Counter(traffic.invalid + traffic.malformed)
    reasons = {e["message"]: e["reason"].decode() for e in letters}
    assert all(reasons[m] == "invalid payload" for m in traffic.invalid)
    assert all(reasons[m].startswith("malformed envelope: ") for m in traffic.malformed)
    (fieldless,) = [e for e in letters if e["message_format"] == b"json"]
    assert fieldless["reason"].startswith(b"malformed envelope: expected a mapping")
    assert len(letters) == len(traffic.invalid) + len(traffic.malformed) + 1
    assert counts.get("already_handled", 0) == 0


def test_log_mode_the_same_crash_processes_everything_and_dead_letters_nothing(
    redis_db: sync_redis.Redis,
    redis_server: RedisServer,
    server: RegistryServer,
    tmp_path: Path,
    traffic: Traffic,
) -> None:
    kinds, held, _ = crash_and_restart(redis_db, server, redis_server.url, "log", tmp_path, traffic)

    records = handled(redis_db)
    assert set(records) == set(kinds)
    assert pending_ids(redis_db) == set()
    assert {records[i]["consumer"] for i in held} == {"second"}
    outcomes = {i: r["outcome"] for i, r in records.items()}
    assert {i for i, o in outcomes.items() if o == "processed"} == ids_of(kinds, "valid", "invalid")
    assert {i for i, o in outcomes.items() if o == "rejected"} == ids_of(kinds, "malformed")
    assert redis_db.exists(KEYS.dead_letters) == 0
    sources = Counter(entry["source"].decode() for entry in stream(redis_db, KEYS.rates))
    assert max(sources.values()) == 1  # nothing applied twice
    assert ids_of(kinds, "valid") <= set(sources)


def ids_of(kinds: dict[str, str], *wanted: str) -> set[str]:
    return {message_id for message_id, kind in kinds.items() if kind in wanted}


# -- metrics, across a crash at the worst moment: processed, not yet committed ------------------


class CrashError(Exception):
    """Stands in for the process dying: nothing below the consumer catches it."""


class CrashingController(RateController):
    """Apply payloads; die right after the `crash_at`-th, before its transaction commits."""

    def __init__(self, crash_at: int) -> None:
        super().__init__()
        self.crash_at = crash_at
        self.calls = 0

    def apply(self, payload: dict[str, Any]) -> bool:
        used = super().apply(payload)
        self.calls += 1
        if self.calls == self.crash_at:
            raise CrashError
        return used


def sample(metrics: CollectorRegistry, name: str, **labels: str) -> float:
    """Sum a metric's samples over every label not given (the malformed share a schema label)."""
    return sum(
        s.value
        for family in metrics.collect()
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def counted(metrics: CollectorRegistry) -> dict[str, float]:
    actions = "schema_enforcement_actions_total"
    return {
        "valid": sample(metrics, "schema_validation_total", schema=FEEDBACK, outcome="success"),
        "invalid": sample(metrics, "schema_validation_total", schema=FEEDBACK, outcome="failure"),
        "dead_lettered": sample(metrics, actions, action="dead_lettered"),
        "logged": sample(metrics, actions, action="logged"),
        "rejected_malformed": sample(metrics, actions, action="rejected_malformed"),
    }


def message_order(message_id: str) -> tuple[int, int]:
    milliseconds, sequence = message_id.split("-")
    return int(milliseconds), int(sequence)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["enforce", "log"])
async def test_the_metrics_count_every_message_across_a_crash(
    redis_client: Redis,
    redis_db: sync_redis.Redis,
    manager: SchemaManager,
    metrics: CollectorRegistry,
    traffic: Traffic,
    mode: str,
) -> None:
    kinds = publish(redis_db, traffic)
    options: dict[str, Any] = {
        "mode": mode,
        "min_idle_ms": 100,
        "reclaim_every": 0.05,
        "block_ms": 50,
    }
    first = RedisFeedbackConsumer(redis_client, manager, name="first", **options)
    first.controller = CrashingController(crash_at=traffic.total // 3 + 5)  # mid-batch

    with pytest.raises(CrashError):
        await first.run()
    held = pending_ids(redis_db)
    crashed = min(held, key=message_order)  # a batch is handled in order: the rest came after it
    assert len(held) > 1  # it died holding more than the message it was processing
    second = RedisFeedbackConsumer(redis_client, manager, name="second", **options)
    await asyncio.wait_for(second.run(until_idle=True), 120)

    valid, invalid, malformed = (len(ids_of(kinds, k)) for k in ("valid", "invalid", "malformed"))
    expected = {
        "valid": valid,
        "invalid": invalid,
        "dead_lettered": invalid + malformed if mode == "enforce" else 0,
        "logged": invalid if mode == "log" else 0,
        "rejected_malformed": malformed if mode == "log" else 0,
    }
    # The crashed message was judged twice, first by the consumer that died: its validation
    # (and, for an invalid one in log mode, its warning) counts twice. Nothing else does.
    expected[kinds[crashed]] += 1
    if kinds[crashed] == "invalid":
        expected["logged"] += 1
    assert counted(metrics) == expected
    processed = valid + (invalid if mode == "log" else 0)
    assert (first.counts["processed"], second.counts["processed"]) == (
        first.controller.calls - 1,
        processed - first.controller.calls + 1,
    )
    assert await redis_client.hlen(KEYS.handled) == traffic.total
    assert json.loads(await redis_client.hget(KEYS.handled, crashed))["consumer"] == "second"
    assert pending_ids(redis_db) == set()
