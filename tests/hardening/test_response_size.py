"""Issue #12, finding 6: a registry answer is read up to a size cap, after decompression."""

from __future__ import annotations

import tracemalloc
import zlib

import pytest

from pytest_schema_registry import (
    ConfigError,
    RegistryClient,
    RegistryConfig,
    RegistryResponseError,
    RegistryServer,
    SchemaManager,
)
from tests.helpers import FEEDBACK

pytestmark = pytest.mark.anyio

PATH = f"/schemas/v2/{FEEDBACK}"
MiB = 1024 * 1024


def gzip_bomb(decoded_mib: int) -> bytes:
    """Gzip `decoded_mib` MiB of zeros (about 1 KiB per MiB), without holding them in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    chunk = bytes(MiB)
    return b"".join(packer.compress(chunk) for _ in range(decoded_mib)) + packer.flush()


async def test_a_gzip_bomb_is_refused_within_bounded_memory(server: RegistryServer) -> None:
    bomb = gzip_bomb(256)
    server.inject_fault(PATH, status=200, body=bomb, headers={"Content-Encoding": "gzip"})

    async with RegistryClient(server.url) as client:
        tracemalloc.start()
        try:
            with pytest.raises(RegistryResponseError, match="over the 16,777,216 byte limit"):
                await client.fetch_schema(FEEDBACK, track="v2")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert len(bomb) < 300_000
    assert peak < 64 * MiB, f"peak {peak / MiB:.0f} MiB for a {len(bomb) / 1024:.0f} KiB answer"


async def test_a_huge_declared_body_is_refused_unread(server: RegistryServer) -> None:
    server.inject_fault(PATH, status=200, body=b" " * (20 * MiB))

    async with RegistryClient(server.url) as client:
        tracemalloc.start()
        try:
            with pytest.raises(RegistryResponseError) as caught:
                await client.fetch_schema(FEEDBACK, track="v2")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert "answered 200 with a body over the 16,777,216 byte limit" in str(caught.value)
    assert "max_response_bytes" in str(caught.value)
    assert peak < 4 * MiB


async def test_the_cap_is_configurable(server: RegistryServer) -> None:
    async with RegistryClient(server.url, max_response_bytes=100) as client:
        with pytest.raises(RegistryResponseError, match="over the 100 byte limit"):
            await client.fetch_schema(FEEDBACK, track="v2")

    config = RegistryConfig.from_env(
        {"REGISTRY_URL": server.url, "REGISTRY_MAX_RESPONSE_BYTES": "100"}
    )
    async with SchemaManager(config=config, metrics=False) as manager:
        assert await manager.validate_payload(FEEDBACK, {}) == (True, [])  # degraded, not crashed
        assert manager.get_stats()["registry_errors"] == {"response": 1}


@pytest.mark.parametrize("raw", ["0", "-1", "16MiB", "1.5"])
def test_a_bad_cap_names_the_variable_and_the_form(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        RegistryConfig.from_env({"REGISTRY_MAX_RESPONSE_BYTES": raw})

    assert str(caught.value) == f"REGISTRY_MAX_RESPONSE_BYTES={raw!r}: expected a whole number >= 1"
