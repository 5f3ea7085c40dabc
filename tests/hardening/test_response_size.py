"""Issue #12, finding 6: a registry answer is read up to a size cap, after decompression."""

from __future__ import annotations

import tracemalloc
import zlib
from pathlib import Path

import httpx
import pytest

from pytest_schema_registry import (
    ConfigError,
    RegistryClient,
    RegistryConfig,
    RegistryResponseError,
    RegistryServer,
    SchemaManager,
)
from pytest_schema_registry._offline.cassettes import RegistryCassette
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


async def test_raw_deflate_is_decoded_as_servers_send_it(server: RegistryServer) -> None:
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # no zlib header, as many send
    body = raw.compress(b'{"status": "ok"}') + raw.flush()
    server.inject_fault("/health", status=200, body=body, headers={"Content-Encoding": "deflate"})
    wrapped = zlib.compress(b'{"status": "wrapped"}')
    server.inject_fault(
        "/health", status=200, body=wrapped, headers={"Content-Encoding": "deflate"}
    )

    async with RegistryClient(server.url) as client:
        assert (await client.health())["status"] == "ok"
        assert (await client.health())["status"] == "wrapped"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"not gzip", {"Content-Encoding": "gzip"}),
        (b" " * (17 * MiB), {}),
        (gzip_bomb(64), {"Content-Encoding": "gzip"}),
    ],
    ids=["broken-gzip", "huge", "bomb"],
)
async def test_an_error_status_counts_whatever_its_body(
    server: RegistryServer, body: bytes, headers: dict[str, str]
) -> None:
    """A 404's unreadable explanation must not hide the 404: negotiation falls back on it."""
    server.inject_fault(f"/schemas/v2/{FEEDBACK}", status=404, body=body, headers=headers)

    async with SchemaManager(server.url, metrics=False) as manager:
        document = await manager.get_schema(FEEDBACK)

    assert document.track == "v1"


async def test_recording_a_cassette_reads_under_the_cap_too(
    server: RegistryServer, tmp_path: Path
) -> None:
    server.inject_fault(PATH, status=200, body=gzip_bomb(256), headers={"Content-Encoding": "gzip"})
    cassette = RegistryCassette(tmp_path / "cassette.yaml", "record")

    async with (
        httpx.AsyncClient(transport=cassette.transport(server.url)) as pool,
        RegistryClient(server.url, http_client=pool) as client,
    ):
        tracemalloc.start()
        try:
            with pytest.raises(RegistryResponseError, match="16,777,216 byte limit"):
                await client.fetch_schema(FEEDBACK, track="v2")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert peak < 64 * MiB, f"peak {peak / MiB:.0f} MiB while recording a gzip bomb"
    assert cassette.recorded() == []
