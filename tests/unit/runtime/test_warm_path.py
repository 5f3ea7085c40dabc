"""The manager's warm path: a valid answer from a fresh schema, counted with one increment.

`validate_payload`, `validate_json` and their sync twins answer a call that names no tracks, for
a fresh cached schema, a flat dict of plain values (or text too short to nest deep) and a valid
verdict, without the cache front or the answer's counting; the full path answers everything
else. Proved here, over real HTTP: the warm path is taken, it gives the full path's answer for
every kind of payload at its edges, and what it counts is reported as the cache hits and
successful validations it stands for, in `get_stats()` and in Prometheus, across refreshes.
"""

from __future__ import annotations

import enum
import gc
import json
import math
import sys
import threading
from typing import Any
from unittest.mock import ANY

import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import RegistryClient, RegistryServer, SchemaManager
from pytest_schema_registry._runtime import records
from pytest_schema_registry._runtime.metrics import NoMetrics, PrometheusMetrics
from tests.helpers import FEEDBACK, V2_EVENT, FakeClock, ManagerFactory, nested

pytestmark = pytest.mark.anyio

INVALID = {**V2_EVENT, "queue_size": -1}


class Word(str):
    """A str subclass: not what the guard's fast pass takes."""


class Level(enum.StrEnum):
    SOFT = "soft"


# Payloads at the warm path's edges: each must get the full path's answer, word for word.
PAYLOADS: dict[str, Any] = {
    "valid": V2_EVENT,
    "invalid": INVALID,
    "nan": {**V2_EVENT, "ts": math.nan},
    "infinity": {**V2_EVENT, "ts": -math.inf},
    "integer past the digit limit": {**V2_EVENT, "queue_size": 10**5000},
    "integer at 639 digits": {**V2_EVENT, "queue_size": 10**638},
    "str subclass value": {**V2_EVENT, "coordinator_id": Word("c-1")},
    "str enum value": {**V2_EVENT, "level": Level.SOFT},
    "str subclass key": {**{Word(k): v for k, v in V2_EVENT.items()}},
    "int key": {**V2_EVENT, 7: "x"},
    "tuple value": {**V2_EVENT, "extra": (1, 2)},
    "nested": {**V2_EVENT, "extra": {"a": [1, {"b": None}]}},
    "too deep": {**V2_EVENT, "extra": nested(300)},
    "not a dict": [V2_EVENT],
    "a set": {**V2_EVENT, "extra": {1}},
}
TEXTS: dict[str, bytes | str] = {
    "valid": json.dumps(V2_EVENT).encode(),
    "valid text": json.dumps(V2_EVENT),
    "invalid": json.dumps(INVALID).encode(),
    "not json": b'{"level": "ok",',
    "nan": json.dumps(V2_EVENT).replace('"ts": 1', '"ts": NaN, "x": 1').encode(),
    "beyond a double": json.dumps(V2_EVENT).replace('"ts": 1', '"ts": 1e999, "x": 1').encode(),
    "lone surrogate": json.dumps({**V2_EVENT, "reason": "\ud800"}).encode(),
    "not utf-8": json.dumps(V2_EVENT).encode().replace(b"coord", b"\xff\xfe"),
    "long and valid": json.dumps({**V2_EVENT, "pad": ["x" * 40] * 40}).encode(),
    "long and deep": json.dumps({**V2_EVENT, "extra": nested(300)}).encode(),
    "long, shallow, many brackets": json.dumps({**V2_EVENT, "pad": [[1]] * 300}).encode(),
    "big integer": json.dumps({**V2_EVENT, "queue_size": 2**64 + 1}).encode(),
}


@pytest.fixture
async def manager(make_manager: ManagerFactory) -> SchemaManager:
    manager = make_manager()
    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])  # fetched: warm
    return manager


def taken_full_path(manager: SchemaManager) -> list[str]:
    """Record every answer the full path gives from now on (the cache front is asked first)."""
    asked: list[str] = []
    warm = manager._warm

    def spy(key: Any) -> Any:
        asked.append(key[0])
        return warm(key)

    manager._warm = spy
    return asked


async def test_a_valid_warm_answer_does_not_take_the_full_path(manager: SchemaManager) -> None:
    asked = taken_full_path(manager)
    data = json.dumps(V2_EVENT).encode()

    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    assert manager.validate_payload_sync(FEEDBACK, V2_EVENT) == (True, [])
    assert await manager.validate_json(FEEDBACK, data) == (True, [])
    assert manager.validate_json_sync(FEEDBACK, data.decode()) == (True, [])
    assert asked == []

    assert (await manager.validate_payload(FEEDBACK, INVALID))[0] is False  # explained from here
    assert await manager.validate_payload(FEEDBACK, V2_EVENT, prefer="v2") == (True, [])
    assert await manager.validate_payload(FEEDBACK, {"nested": {}}) == (False, ANY)
    assert asked == [FEEDBACK, FEEDBACK]  # named tracks, a nested payload: the full path


@pytest.mark.parametrize("label", list(PAYLOADS))
async def test_the_warm_path_answers_dicts_as_the_full_path_does(
    manager: SchemaManager, label: str
) -> None:
    payload = PAYLOADS[label]
    full = await manager.validate_payload(FEEDBACK, payload, prefer="v2")  # names a track: full

    assert await manager.validate_payload(FEEDBACK, payload) == full
    assert manager.validate_payload_sync(FEEDBACK, payload) == full


@pytest.mark.parametrize("label", list(TEXTS))
async def test_the_warm_path_answers_text_as_the_full_path_does(
    manager: SchemaManager, label: str
) -> None:
    data = TEXTS[label]
    full = await manager.validate_json(FEEDBACK, data, prefer="v2")

    assert await manager.validate_json(FEEDBACK, data) == full
    assert manager.validate_json_sync(FEEDBACK, data) == full


async def test_text_deeper_than_max_depth_is_refused_however_short(
    make_manager: ManagerFactory,
) -> None:
    manager = make_manager(max_depth=3)
    assert await manager.validate_json(FEEDBACK, json.dumps(V2_EVENT)) == (True, [])
    deep = json.dumps({**V2_EVENT, "x": {"y": {"z": {}}}})  # four levels, long text

    valid, errors = await manager.validate_json(FEEDBACK, deep)

    assert not valid
    assert errors == ["$.x.y.z: payload nests deeper than 3 levels"]
    assert (await manager.validate_json(FEEDBACK, "[[[[1]]]]"))[0] is False  # 9 characters


def samples(metrics: CollectorRegistry) -> tuple[float, float]:
    """(successful validations, cache hits) of FeedbackEvent, as Prometheus scrapes them."""
    labels = {"schema": FEEDBACK}
    success = metrics.get_sample_value("schema_validation_total", {**labels, "outcome": "success"})
    hits = metrics.get_sample_value("schema_cache_hits_total", labels)
    return success or 0.0, hits or 0.0


async def warm_calls(manager: SchemaManager, rounds: int) -> None:
    data = json.dumps(V2_EVENT).encode()
    for _ in range(rounds):
        assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
        assert manager.validate_payload_sync(FEEDBACK, V2_EVENT) == (True, [])
        assert await manager.validate_json(FEEDBACK, data) == (True, [])
        assert manager.validate_json_sync(FEEDBACK, data) == (True, [])


async def test_warm_answers_are_counted_as_hits_and_successes(
    manager: SchemaManager, metrics: CollectorRegistry
) -> None:
    await warm_calls(manager, 5)
    assert (await manager.validate_payload(FEEDBACK, INVALID))[0] is False  # a hit, a failure

    stats = manager.get_stats()
    assert stats["validations"] == {"success": 21, "failure": 1, "error": 0}
    assert (stats["cache_hits"], stats["cache_misses"]) == (21, 1)
    assert samples(metrics) == (21.0, 21.0)
    failures = {"schema": FEEDBACK, "outcome": "failure"}
    assert metrics.get_sample_value("schema_validation_total", failures) == 1.0


async def test_counts_go_on_across_a_refresh(
    manager: SchemaManager, metrics: CollectorRegistry, clock: FakeClock
) -> None:
    await warm_calls(manager, 2)
    before = manager._hot[FEEDBACK]
    clock.advance(61)  # past the TTL: served stale while one refresh runs
    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    await manager.wait_for_refreshes()
    assert manager._hot[FEEDBACK] is not before  # refreshed: a new entry

    await warm_calls(manager, 3)

    assert manager.get_stats()["validations"]["success"] == 1 + 8 + 1 + 12
    assert samples(metrics) == (22.0, 21.0)  # the first call was a miss


async def test_managers_sharing_a_registry_report_their_sum(
    make_manager: ManagerFactory, metrics: CollectorRegistry
) -> None:
    managers = [make_manager(), make_manager()]
    for rounds, manager in zip((1, 2), managers, strict=True):
        await warm_calls(manager, rounds)

    assert samples(metrics) == (12.0, 10.0)  # 4 + 8 answers; each manager's first was a miss


class RecordingSink(NoMetrics):
    """A metrics sink of the caller's own: it hears each validation and hit as it happens."""

    def __init__(self) -> None:
        self.validations: list[tuple[str, str]] = []
        self.hits: list[str] = []

    def validation(self, schema: str, outcome: str) -> None:
        self.validations.append((schema, outcome))

    def cache_hit(self, schema: str) -> None:
        self.hits.append(schema)


async def test_a_sink_of_ones_own_hears_every_warm_answer(make_manager: ManagerFactory) -> None:
    sink = RecordingSink()
    manager = make_manager(metrics=sink)

    await warm_calls(manager, 3)

    assert sink.validations == [(FEEDBACK, "success")] * 12
    assert sink.hits == [FEEDBACK] * 11  # the first call fetched
    assert manager.get_stats()["validations"]["success"] == 12


async def test_the_warm_path_serves_only_fresh_entries(
    manager: SchemaManager, clock: FakeClock
) -> None:
    asked = taken_full_path(manager)
    clock.advance(61)

    assert await manager.validate_json(FEEDBACK, json.dumps(V2_EVENT)) == (True, [])

    assert asked == [FEEDBACK]  # stale: the full path serves it and starts the refresh
    await manager.wait_for_refreshes()


class Explosive(type):
    """A metaclass whose hash raises: a set lookup of the type would raise with it."""

    def __hash__(cls) -> int:
        raise RuntimeError("boom")


class Odd(metaclass=Explosive):
    pass


class PoseAsStr(type):
    """A metaclass that makes its classes hash and compare like `str`."""

    def __hash__(cls) -> int:
        return hash(str)

    def __eq__(cls, other: object) -> bool:
        return other is str or type.__eq__(cls, other)


class SneakyFloat(float, metaclass=PoseAsStr):
    pass


class BadHash:
    """A name from an envelope that cannot be hashed (not with a TypeError)."""

    def __hash__(self) -> int:
        raise ValueError("no hash")


class BadRepr:
    """A name from an envelope whose repr raises: messages about it must still be written."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


async def test_a_value_whose_type_cannot_be_hashed_gets_the_full_paths_answer(
    manager: SchemaManager,
) -> None:
    payload = {**V2_EVENT, "extra": Odd()}
    full = await manager.validate_payload(FEEDBACK, payload, prefer="v2")
    assert full == (False, ["$: payload could not be read: RuntimeError: boom"])

    assert await manager.validate_payload(FEEDBACK, payload) == full
    assert manager.validate_payload_sync(FEEDBACK, payload) == full


@pytest.mark.parametrize("backend", ["jsonschema-rs", "jsonschema"])
async def test_a_type_posing_as_str_cannot_smuggle_nan(
    make_manager: ManagerFactory, backend: str
) -> None:
    manager = make_manager(backend=backend)
    assert SneakyFloat in {str}  # what a set lookup of the type would conclude

    for valid, errors in (
        await manager.validate_payload(FEEDBACK, {**V2_EVENT, "ts": SneakyFloat("nan")}),
        manager.validate_payload_sync(FEEDBACK, {**V2_EVENT, "ts": SneakyFloat("nan")}),
    ):
        assert not valid
        assert errors == ["$.ts: nan is not a JSON number"]


async def test_names_that_cannot_be_hashed_or_shown_get_an_answer(manager: SchemaManager) -> None:
    data = json.dumps(V2_EVENT).encode()
    refused = await manager.validate_payload(7, V2_EVENT)  # type: ignore[arg-type]  # not a str

    assert await manager.validate_payload(BadHash(), V2_EVENT) == refused  # type: ignore[arg-type]
    assert await manager.validate_json(BadHash(), data) == refused  # type: ignore[arg-type]
    valid, errors = await manager.validate_json(BadHash(), b"{")  # type: ignore[arg-type]
    assert not valid
    assert errors[0].startswith("payload is not JSON: Expecting property name")

    for name in (BadRepr(), BadHash()):  # a repr that raises: the answer names the type instead
        assert await manager.validate_payload(name, V2_EVENT) == refused  # type: ignore[arg-type]
        assert await manager.validate_json(name, data) == refused  # type: ignore[arg-type]
        valid, errors = await manager.validate_json(name, b"[")  # type: ignore[arg-type]
        assert not valid
        assert errors[0].startswith("payload is not JSON: Expecting value")

    disabled = SchemaManager(enabled=False, metrics=False)
    for answer in (
        await disabled.validate_payload(BadHash(), V2_EVENT),  # type: ignore[arg-type]
        disabled.validate_payload_sync(BadHash(), V2_EVENT),  # type: ignore[arg-type]
        await disabled.validate_json(BadHash(), b"{"),  # type: ignore[arg-type]
        disabled.validate_json_sync(BadHash(), b"{"),  # type: ignore[arg-type]
    ):
        assert answer == (True, [])


async def test_an_invalid_payload_is_decoded_and_judged_once(
    manager: SchemaManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = manager._hot[FEEDBACK]
    verdicts: list[bool] = []
    judge = entry.is_valid

    def counted(payload: Any) -> bool:
        verdicts.append(judge(payload))
        return verdicts[-1]

    entry.is_valid = counted
    decodes: list[object] = []
    decode = records.strict_decode

    def decode_counted(data: Any) -> Any:
        decodes.append(data)
        return decode(data)

    monkeypatch.setattr(records, "strict_decode", decode_counted)

    assert (await manager.validate_payload(FEEDBACK, INVALID))[0] is False
    assert not manager.validate_payload_sync(FEEDBACK, INVALID)[0]
    assert (await manager.validate_json(FEEDBACK, json.dumps(INVALID)))[0] is False
    assert (await manager.validate_json(FEEDBACK, b'{"level": "ok",'))[0] is False

    assert verdicts == [False, False, False]
    assert len(decodes) == 2
    assert manager.get_stats()["validations"] == {"success": 1, "failure": 4, "error": 0}
    assert manager.get_stats()["cache_hits"] == 3  # the unreadable text needed no schema


async def test_a_shared_sink_keeps_counts_not_managers(server: RegistryServer) -> None:
    metrics = CollectorRegistry()
    sink = PrometheusMetrics(metrics)
    for _ in range(20):
        manager = SchemaManager(client=RegistryClient(server.url), metrics=sink)
        async with manager:
            await warm_calls(manager, 1)
        await manager.client.aclose()  # type: ignore[union-attr]  # the test's own client
        del manager
    gc.collect()

    assert samples(metrics) == (80.0, 60.0)  # each manager's first call fetched
    assert sink._warm == []  # nothing kept per manager that is gone


def test_counts_from_many_threads_are_exact_on_both_paths(server: RegistryServer) -> None:
    """Threads switching as often as the interpreter allows lose no count, warm or full."""
    metrics = CollectorRegistry()
    manager = SchemaManager(server.url, metrics_registry=metrics).start_in_thread()
    data = json.dumps(V2_EVENT).encode()
    rounds, threads = 2_000, 6

    def work() -> None:
        for _ in range(rounds):
            manager.validate_json_sync(FEEDBACK, data)  # the warm path
            manager.validate_payload_sync(FEEDBACK, V2_EVENT, prefer="v2")  # the full path

    try:
        assert manager.validate_payload_sync(FEEDBACK, V2_EVENT) == (True, [])  # fetched
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            workers = [threading.Thread(target=work) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        finally:
            sys.setswitchinterval(interval)
    finally:
        manager.close_sync()

    answers = 1 + 2 * rounds * threads
    assert manager.get_stats()["validations"]["success"] == answers
    assert samples(metrics) == (answers, answers - 1)
