"""Shared fixtures: a real embedded registry on 127.0.0.1 (port 0), clients, and inner sessions.

Helpers that are not fixtures live in `tests/helpers.py`; test modules import them from there.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio._backends._asyncio  # noqa: F401
import httpcore  # noqa: F401
import hypothesis  # noqa: F401
import pytest
from prometheus_client import CollectorRegistry

import pytest_schema_registry._harness.compat
import pytest_schema_registry._harness.session
import pytest_schema_registry._offline.cassettes
import pytest_schema_registry._runtime.manager
import pytest_schema_registry.strategies  # noqa: F401
from pytest_schema_registry import RegistryClient, RegistryServer, RetryPolicy, SchemaManager
from tests.helpers import (
    EXAMPLES,
    PLUGIN_ENVIRONMENT,
    TOKEN,
    FakeClock,
    ManagerFactory,
    RecordedSleeps,
    write_ini,
)

# The imports above load the whole runtime (httpcore is imported lazily by httpx; vcrpy and PyYAML
# by the cassettes) before any test runs: pytester's in-process sessions unload modules first
# imported inside them, and a later re-import pairs fresh modules with stale ones: httpx's cached
# error map of the old httpcore, or PyYAML's C emitter with the old module's node classes (a
# second record run then dies with "EmitterError: expected SCALAR ..."). The compatibility
# checker's helper process belongs to its module: re-imported, each session would start another.

pytest_plugins = ["pytester"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    """Return a private, writable copy of the example registry folder."""
    target = tmp_path / "registry"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture
def server(registry_dir: Path) -> Iterator[RegistryServer]:
    """Serve the example registry (admin API open with TOKEN) under a real base path."""
    with RegistryServer(registry_dir, token=TOKEN, base_path="/api/v1") as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    """Monotonic seconds for a manager, moving only when the test says so."""
    return FakeClock()


@pytest.fixture
def metrics() -> CollectorRegistry:
    """A Prometheus registry of the test's own."""
    return CollectorRegistry()


@pytest.fixture
async def make_manager(
    server: RegistryServer, retry: RetryPolicy, clock: FakeClock, metrics: CollectorRegistry
) -> AsyncIterator[ManagerFactory]:
    """Build started-on-demand managers wired to the test server, a fake clock and fresh metrics.

    The client speaks the server's dialect unless `dialect=` says otherwise; `dialect`,
    `subject_template` and `basic_auth` go to both the client and the manager's settings.
    """
    managers: list[SchemaManager] = []

    def make(url: str | None = None, **kwargs: Any) -> SchemaManager:
        kwargs.setdefault("dialect", server.dialect)
        wire = {k: kwargs[k] for k in ("dialect", "subject_template", "basic_auth") if k in kwargs}
        client = RegistryClient(
            url or server.url,
            token=kwargs.pop("token", None),
            timeout=kwargs.pop("timeout", 30.0),
            retry=retry,
            **wire,
        )
        kwargs.setdefault("cache_ttl", 60.0)
        manager = SchemaManager(client=client, clock=clock, metrics_registry=metrics, **kwargs)
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        await manager.close()
        if manager.client is not None:
            await manager.client.aclose()


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
def retry(sleeps: RecordedSleeps) -> RetryPolicy:
    """Retry as in production, but record the waits instead of sleeping; jitter pinned to max."""
    return RetryPolicy(sleep=sleeps, random=lambda: 1.0)


@pytest.fixture
async def client(server: RegistryServer, retry: RetryPolicy) -> AsyncIterator[RegistryClient]:
    async with RegistryClient(server.url, retry=retry, timeout=5.0) as registry:
        yield registry


@pytest.fixture
async def admin(server: RegistryServer, retry: RetryPolicy) -> AsyncIterator[RegistryClient]:
    async with RegistryClient(server.url, token=TOKEN, retry=retry, timeout=5.0) as registry:
        yield registry


@pytest.fixture
def inner_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """Return a pytester project with its own pytest.ini and none of the plugin's variables set.

    An inner session reads the environment (REGISTRY_URL, SCHEMA_PREFER_TRACK, ...); CI sets
    some of them for the outer run, so each one is cleared: an inner session sees only what its
    test sets. Tests that need ini keys call `write_ini(pytester, body)` again.
    """
    for name in PLUGIN_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    write_ini(pytester)
    return pytester
