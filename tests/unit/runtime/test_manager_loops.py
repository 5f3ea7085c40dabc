"""One manager, many event loops and threads: the session-fixture situation, over real HTTP."""

from __future__ import annotations

import asyncio
import gc
import threading

import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import (
    RegistryClient,
    RegistryServer,
    RegistryUnavailableError,
    SchemaManager,
    ValidationResult,
)
from tests.helpers import FEEDBACK

EVENT = {
    "coordinator_id": "c",
    "queue_size": 1,
    "capacity": 2,
    "level": "ok",
    "ts": 1.0,
    "schema_version": "2.0.0",
}


@pytest.fixture
def threaded(server: RegistryServer):
    manager = SchemaManager(registry_url=server.url, metrics_registry=CollectorRegistry())
    manager.start_in_thread()
    yield manager
    manager.close_sync()


def test_sync_calls_through_the_managers_own_thread(
    threaded: SchemaManager, server: RegistryServer
) -> None:
    assert threaded.validate_payload_sync(FEEDBACK, EVENT) == (True, [])
    assert threaded.validate_payload_sync(FEEDBACK, {})[0] is False
    assert threaded.get_schema_sync(FEEDBACK).version == "2.0.0"

    assert server.count(f"/schemas/v2/{FEEDBACK}") == 1
    assert threaded.get_stats()["cache_hits"] == 2


def test_async_callers_on_other_loops_share_the_cache_and_the_pool(
    threaded: SchemaManager, server: RegistryServer
) -> None:
    async def test_body() -> tuple[bool, list[str]]:
        return await threaded.validate_payload(FEEDBACK, EVENT)

    results = [asyncio.run(test_body()) for _ in range(3)]  # three tests, three fresh loops

    assert results == [(True, [])] * 3
    assert server.count(f"/schemas/v2/{FEEDBACK}") == 1
    assert server.connections == 1


def test_concurrent_cold_calls_from_many_threads_make_one_request(
    threaded: SchemaManager, server: RegistryServer
) -> None:
    barrier = threading.Barrier(8)
    results: list[tuple[bool, list[str]]] = []

    def worker() -> None:
        barrier.wait()
        results.append(threaded.validate_payload_sync(FEEDBACK, EVENT))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == [(True, [])] * 8
    assert server.count(f"/schemas/v2/{FEEDBACK}") == 1


# Closing a loop with connections open abandons them (asyncio warns when it collects them); what
# matters is that the manager recovers. Collect here, so the warning cannot surface in a later test.
abandons_a_loop = pytest.mark.filterwarnings("ignore::ResourceWarning")


@abandons_a_loop
def test_a_manager_outlives_the_loop_it_started_on(server: RegistryServer) -> None:
    manager = SchemaManager(registry_url=server.url, metrics=False, cache_ttl=0)

    async def first() -> None:
        await manager.start()
        assert await manager.validate_payload(FEEDBACK, EVENT) == (True, [])

    async def second() -> tuple[bool, list[str]]:  # the first loop is closed by now
        try:
            return await manager.validate_payload(FEEDBACK, EVENT)
        finally:
            await manager.close()

    asyncio.run(first())

    assert asyncio.run(second()) == (True, [])
    assert server.count(f"/schemas/v2/{FEEDBACK}") == 2  # ttl 0: the second loop fetched again
    gc.collect()


@abandons_a_loop
def test_a_client_recovers_when_its_loop_is_gone(server: RegistryServer) -> None:
    client = RegistryClient(server.url)

    for _ in range(2):
        assert asyncio.run(client.health())["status"] == "ok"
    asyncio.run(client.aclose())
    gc.collect()

    assert server.connections == 2


def test_check_says_which_schema_judged(threaded: SchemaManager) -> None:
    result = threaded.check_sync(FEEDBACK, {**EVENT, "level": "meh"})

    assert isinstance(result, ValidationResult)
    assert not result
    assert (result.schema.track, result.schema.version) == ("v2", "2.0.0")
    assert result.describe().startswith(
        "invalid against telemetry.FeedbackEvent (track v2, version 2.0.0, sha256 "
    )
    assert '\n  $.level: "meh" is not one of' in result.describe()
    assert threaded.check_sync(FEEDBACK, EVENT).describe().startswith("valid against ")


def test_check_raises_where_validate_payload_degrades(server: RegistryServer) -> None:
    server.inject_fault(f"/schemas/v2/{FEEDBACK}", status=500, times=None)
    server.inject_fault(f"/schemas/v1/{FEEDBACK}", status=500, times=None)
    manager = SchemaManager(registry_url=server.url, metrics=False).start_in_thread()
    try:
        assert manager.validate_payload_sync(FEEDBACK, EVENT) == (True, [])
        with pytest.raises(RegistryUnavailableError):
            manager.check_sync(FEEDBACK, EVENT)
    finally:
        manager.close_sync()


def test_sync_calls_without_a_home_loop_say_what_to_do(server: RegistryServer) -> None:
    manager = SchemaManager(registry_url=server.url, metrics=False)

    with pytest.raises(RuntimeError, match=r"call manager.start_in_thread\(\) first"):
        manager.validate_payload_sync(FEEDBACK, EVENT)


def test_sync_calls_on_the_home_loop_refuse_to_deadlock(server: RegistryServer) -> None:
    manager = SchemaManager(registry_url=server.url, metrics=False)

    async def body() -> None:
        await manager.start()
        with pytest.raises(RuntimeError, match="would deadlock"):
            manager.validate_payload_sync(FEEDBACK, EVENT)
        await manager.close()

    asyncio.run(body())
