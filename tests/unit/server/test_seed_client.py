"""The seed registry's published client (`core-registry-client` 0.2.0) parses our server.

Its pydantic models are the most precise public statement of the wire format (`$schema_id` as a
key, datetimes, tracks limited to v1/v2), so every endpoint it calls is exercised here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from core_registry_client import RegistryClient as SeedClient
from core_registry_client.client import SchemaNotFoundError as SeedNotFound

from pytest_schema_registry import RegistryServer, content_sha256
from tests.helpers import TOKEN

pytestmark = pytest.mark.anyio


@pytest.fixture
async def seed(server: RegistryServer) -> AsyncIterator[SeedClient]:
    async with SeedClient(server.url, token=TOKEN) as client:
        yield client


async def test_index(seed: SeedClient) -> None:
    index = await seed.get_index()

    assert set(index.tracks) == {"v1", "v2"}
    assert index.tracks["v1"].count == 3
    names = [item.name for item in index.tracks["v1"].schemas]
    assert names == [
        "telemetry.FeedbackEvent",
        "telemetry.HealthStatus",
        "telemetry.RateAdjustment",
    ]
    assert index.tracks["v1"].schemas[0].schema_id == "telemetry.FeedbackEvent"


async def test_fetch_schema_latest_and_pinned(seed: SeedClient) -> None:
    latest = await seed.fetch_schema("v1", "telemetry.FeedbackEvent")
    pinned = await seed.fetch_schema("v1", "telemetry.FeedbackEvent", version="1.1.0")

    assert (latest.core_version, pinned.core_version) == ("1.1.2", "1.1.0")
    assert latest.sha256 == content_sha256(latest.content)
    assert latest.schema_id == "telemetry.FeedbackEvent"


async def test_fetch_by_id_and_versions(seed: SeedClient) -> None:
    by_id = await seed.fetch_schema_by_id("telemetry.RateAdjustment")
    versions = await seed.list_versions("v1", "telemetry.FeedbackEvent")

    assert (by_id.track, by_id.core_version) == ("v2", "2.0.0")
    assert [v.core_version for v in versions] == ["1.1.0", "1.1.2"]
    assert all(v.created_at.tzinfo is not None for v in versions)


async def test_not_found(seed: SeedClient) -> None:
    with pytest.raises(SeedNotFound):
        await seed.fetch_schema("v1", "telemetry.Missing")


async def test_negotiate_falls_back_from_a_deprecated_v2(seed: SeedClient) -> None:
    result = await seed.negotiate("telemetry.HealthStatus", prefer="v2", fallback="v1")

    assert (result.track, result.core_version, result.deprecated) == ("v1", "1.0.0", False)


async def test_upload(seed: SeedClient) -> None:
    answer = await seed.upload_schema(
        name="orders.OrderPlaced",
        track="v1",
        core_version="1.0.0",
        content={"type": "object"},
        schema_id_str="orders.OrderPlaced",
    )

    assert answer["status"] == "created"
    uploaded = await seed.fetch_schema("v1", "orders.OrderPlaced")
    assert uploaded.schema_id == "orders.OrderPlaced"
