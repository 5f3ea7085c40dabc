"""A real redis-server for these tests: one per session and xdist worker, emptied before each test.

Without a redis-server these tests fail (never skip) and say how to install one.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import RegistryServer, SchemaManager
from tests.helpers import ROOT
from tests.redis_streams.server import INSTALL, RedisServer, find_redis_server

if TYPE_CHECKING:
    import redis as sync_redis
    from redis.asyncio import Redis

# The example consumer is a script folder, not a package: import it as its own tests do.
sys.path.insert(0, str(ROOT / "examples" / "feedback_consumer"))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Start redis-server on a free port on 127.0.0.1 in a temp dir; stop it after the session."""
    binary = find_redis_server()
    if binary is None:
        pytest.fail(
            "no redis-server found ($REDIS_SERVER, this interpreter's scripts, PATH) for the "
            f"Redis Streams tests. Install one: {INSTALL}",
            pytrace=False,
        )
    with RedisServer(binary, tmp_path_factory.mktemp("redis-server")) as server:
        yield server


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """Return an asyncio client of the session's server, emptied first: each test starts clean."""
    try:
        from redis.asyncio import Redis
    except ImportError:
        pytest.fail('the redis client is missing: pip install -e ".[dev]" (or ".[redis]")')
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
def redis_db(redis_server: RedisServer) -> Iterator[sync_redis.Redis]:
    """Return a blocking client of the session's server, emptied first: for tests that poll."""
    try:
        import redis as sync_redis
    except ImportError:
        pytest.fail('the redis client is missing: pip install -e ".[dev]" (or ".[redis]")')
    client = sync_redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
async def manager(
    server: RegistryServer, metrics: CollectorRegistry
) -> AsyncIterator[SchemaManager]:
    """A started manager on the example registry, its metrics on the test's own registry."""
    async with SchemaManager(registry_url=server.url, metrics_registry=metrics) as running:
        yield running
