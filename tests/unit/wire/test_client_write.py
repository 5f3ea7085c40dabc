"""Uploading through the admin API, over real HTTP; versions are immutable and names stay inside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_schema_registry import (
    RegistryAuthError,
    RegistryClient,
    RegistryRequestError,
    RegistryServer,
    RetryPolicy,
    content_sha256,
)

pytestmark = pytest.mark.anyio

CONTENT = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}


async def test_upload_writes_a_new_version_that_is_served_at_once(
    admin: RegistryClient, server: RegistryServer, registry_dir: Path
) -> None:
    answer = await admin.upload_schema(
        "orders.OrderPlaced",
        "v1",
        "1.0.0",
        CONTENT,
        schema_id="orders.OrderPlaced",
        deprecation_note=None,
    )

    assert answer["status"] == "created"
    assert answer["sha256"] == content_sha256(CONTENT)
    on_disk = registry_dir / "v1" / "orders.OrderPlaced" / "1.0.0.json"
    assert json.loads(on_disk.read_text()) == CONTENT
    assert not list(on_disk.parent.glob(".*"))  # no temporary files left behind
    document = await admin.fetch_schema("orders.OrderPlaced", track="v1")
    assert (document.version, document.schema_id, document.content) == (
        "1.0.0",
        "orders.OrderPlaced",
        CONTENT,
    )
    assert server.requests[0].method == "POST" and server.requests[0].authorized


async def test_upload_keeps_deprecation_metadata(admin: RegistryClient) -> None:
    await admin.upload_schema(
        "orders.OrderPlaced",
        "v2",
        "2.0.0-rc1",
        CONTENT,
        deprecated=True,
        deprecation_note="use 2.0.0",
    )

    document = await admin.fetch_schema("orders.OrderPlaced", track="v2")
    assert document.deprecated
    assert document.deprecation_note == "use 2.0.0"
    assert document.schema_id == "orders.OrderPlaced@v2"


async def test_identical_reupload_is_accepted_and_changes_nothing(
    admin: RegistryClient, registry_dir: Path
) -> None:
    await admin.upload_schema("orders.OrderPlaced", "v1", "1.0.0", CONTENT)
    meta = registry_dir / "v1" / "orders.OrderPlaced" / "1.0.0.meta.json"
    before = meta.read_text()

    answer = await admin.upload_schema("orders.OrderPlaced", "v1", "1.0.0", CONTENT)

    assert answer["status"] == "unchanged"
    assert meta.read_text() == before


async def test_changing_an_existing_version_is_refused(admin: RegistryClient) -> None:
    with pytest.raises(RegistryRequestError, match="already exists with other content") as caught:
        await admin.upload_schema("telemetry.FeedbackEvent", "v1", "1.1.2", CONTENT)
    assert caught.value.status_code == 409


async def test_upload_without_a_token_fails_before_sending(
    client: RegistryClient, server: RegistryServer
) -> None:
    with pytest.raises(RegistryAuthError, match="needs a token"):
        await client.upload_schema("orders.OrderPlaced", "v1", "1.0.0", CONTENT)
    assert server.requests == []


async def test_upload_with_a_wrong_token_is_an_auth_error(
    server: RegistryServer, retry: RetryPolicy
) -> None:
    async with RegistryClient(server.url, token="wrong", retry=retry) as intruder:
        with pytest.raises(RegistryAuthError, match="rejected the token \\(401\\)") as caught:
            await intruder.upload_schema("orders.OrderPlaced", "v1", "1.0.0", CONTENT)
    assert caught.value.status_code == 401
    assert "wrong" not in str(caught.value)


async def test_admin_api_is_closed_on_a_server_without_a_token(registry_dir: Path) -> None:
    with RegistryServer(registry_dir) as open_server:
        async with RegistryClient(open_server.url, token="anything") as registry:
            with pytest.raises(RegistryAuthError, match="admin API is closed"):
                await registry.upload_schema("orders.OrderPlaced", "v1", "1.0.0", CONTENT)
    assert not (registry_dir / "v1" / "orders.OrderPlaced").exists()


@pytest.mark.parametrize(
    ("name", "track", "version"),
    [
        ("../escape", "v1", "1.0.0"),
        ("a/b", "v1", "1.0.0"),
        (".hidden", "v1", "1.0.0"),
        ("ok", "../v1", "1.0.0"),
        ("ok", "v1", "../../1.0.0"),
        ("ok", "v1", "1.0.0.meta"),
        ("ok", "by-id", "1.0.0"),
        ("x" * 201, "v1", "1.0.0"),
    ],
)
async def test_unsafe_identifiers_are_refused_and_nothing_escapes(
    admin: RegistryClient, registry_dir: Path, name: str, track: str, version: str
) -> None:
    before = sorted(p for p in registry_dir.parent.rglob("*"))

    with pytest.raises(RegistryRequestError) as caught:
        await admin.upload_schema(name, track, version, CONTENT)

    assert caught.value.status_code == 422
    assert sorted(p for p in registry_dir.parent.rglob("*")) == before


async def test_content_contradicting_its_version_is_refused(admin: RegistryClient) -> None:
    with pytest.raises(RegistryRequestError, match=r"\$core_version='9.0.0'"):
        await admin.upload_schema("orders.OrderPlaced", "v1", "1.0.0", {"$core_version": "9.0.0"})
