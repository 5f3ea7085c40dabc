"""RegistryClient's read API, over real HTTP against the embedded registry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pytest_schema_registry import (
    CompatibilityReport,
    Integrity,
    RegistryClient,
    RegistryServer,
    SchemaDocument,
    SchemaNotFoundError,
    content_sha256,
    verdict_of,
)
from tests.helpers import FEEDBACK

pytestmark = pytest.mark.anyio


async def test_index_lists_latest_version_of_every_schema_per_track(client: RegistryClient) -> None:
    index = await client.index()

    assert index.tracks == ("v1", "v2")
    assert index.names("v1") == [FEEDBACK, "telemetry.HealthStatus", "telemetry.RateAdjustment"]
    entry = index.find(FEEDBACK, "v1")
    assert entry is not None
    assert (entry.latest_version, entry.schema_id, entry.deprecated) == ("1.1.2", FEEDBACK, False)
    health_v2 = index.find("telemetry.HealthStatus", "v2")
    assert health_v2 is not None and health_v2.deprecated
    assert index.find(FEEDBACK, "v3") is None
    assert index.generated_at is not None and index.generated_at.tzinfo is not None


async def test_fetch_schema_returns_latest_with_verified_integrity(client: RegistryClient) -> None:
    document = await client.fetch_schema(FEEDBACK, track="v1")

    assert isinstance(document, SchemaDocument)
    assert (document.name, document.track, document.version) == (FEEDBACK, "v1", "1.1.2")
    assert document.schema_id == FEEDBACK
    assert document.content["required"] == [
        "coordinator_id",
        "queue_size",
        "capacity",
        "level",
        "ts",
    ]
    assert document.sha256 == content_sha256(document.content)
    assert document.integrity is Integrity.VERIFIED
    assert document.short_sha == document.sha256[:12]
    assert not document.deprecated and document.deprecation_note is None


async def test_fetch_schema_by_version(client: RegistryClient, server: RegistryServer) -> None:
    document = await client.fetch_schema(FEEDBACK, track="v1", version="1.1.0")

    assert document.version == "1.1.0"
    assert "source" not in document.content["properties"]
    assert server.requests[-1].query == {"version": "1.1.0"}


async def test_deprecated_schema_carries_its_note(client: RegistryClient) -> None:
    document = await client.fetch_schema("telemetry.HealthStatus", track="v2")

    assert document.deprecated
    assert document.deprecation_note is not None and "use track v1" in document.deprecation_note


async def test_fetch_by_id_prefers_the_highest_track(client: RegistryClient) -> None:
    document = await client.fetch_schema_by_id(FEEDBACK)

    assert (document.track, document.version) == ("v2", "2.0.0")


async def test_list_versions_oldest_first(client: RegistryClient) -> None:
    versions = await client.list_versions(FEEDBACK, track="v1")

    assert [v.version for v in versions] == ["1.1.0", "1.1.2"]
    assert versions[0].created_at == datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    assert all(len(v.sha256) == 64 and not v.deprecated for v in versions)


async def test_health(client: RegistryClient) -> None:
    assert await client.health() == {"status": "ok", "schemas": 6, "tracks": ["v1", "v2"]}


async def test_compatibility_report_carries_the_typed_verdict(client: RegistryClient) -> None:
    report = await client.check_compatibility(FEEDBACK, "v1", "1.1.0", "v1", "1.1.2")
    verdict = verdict_of(report)

    assert isinstance(report, CompatibilityReport)
    assert report.compatible is False
    assert verdict is not None and verdict.compatible is False and verdict.level == "BACKWARD"
    assert [p.kind for p in verdict.problems] == ["OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"]
    assert verdict.problems[0].proven and "source" in verdict.problems[0].counterexample
    assert len(report.breaking_reasons) == 1 and "#/properties/source" in report.breaking_reasons[0]
    assert report.advice and "'source'" in report.advice[0]


async def test_compatibility_of_an_unknown_version_is_schema_not_found(
    client: RegistryClient,
) -> None:
    with pytest.raises(SchemaNotFoundError) as caught:
        await client.check_compatibility(FEEDBACK, "v1", "0.0.1", "v2", "2.0.0")
    assert caught.value.status_code == 404


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.fetch_schema("telemetry.Missing", track="v1"),
            "'telemetry.Missing' on track v1",
        ),
        (
            lambda c: c.fetch_schema(FEEDBACK, track="v1", version="9.9.9"),
            "version '9.9.9' on track v1",
        ),
        (lambda c: c.fetch_schema(FEEDBACK, track="v3"), "on track v3"),
        (lambda c: c.list_versions("telemetry.Missing", track="v1"), "'telemetry.Missing'"),
        (lambda c: c.fetch_schema_by_id("no-such-id"), "'no-such-id'"),
    ],
    ids=["name", "version", "track", "versions", "by-id"],
)
async def test_missing_schemas_raise_not_found_with_context(
    client: RegistryClient, call, message: str
) -> None:
    with pytest.raises(SchemaNotFoundError, match=message) as caught:
        await call(client)
    assert caught.value.status_code == 404
    assert caught.value.url is not None and caught.value.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    ("name", "sent_as"),
    [
        ("a/b", "/schemas/v1/a%2Fb"),
        ("..", "/schemas/v1/%2E%2E"),
        (".", "/schemas/v1/%2E"),
        ("a b?c#d", "/schemas/v1/a%20b%3Fc%23d"),
        ("événement", "/schemas/v1/%C3%A9v%C3%A9nement"),
    ],
)
async def test_names_are_quoted_as_one_path_segment(
    client: RegistryClient, server: RegistryServer, name: str, sent_as: str
) -> None:
    with pytest.raises(SchemaNotFoundError) as caught:
        await client.fetch_schema(name, track="v1")

    assert server.count(sent_as) == 1
    assert caught.value.name == name and caught.value.track == "v1"


async def test_names_with_dots_are_served(client: RegistryClient, server: RegistryServer) -> None:
    document = await client.fetch_schema("telemetry.HealthStatus", track="v1")

    assert document.name == "telemetry.HealthStatus"
    assert server.count("/schemas/v1/telemetry.HealthStatus") == 1


async def test_empty_segment_is_refused_before_any_request(
    client: RegistryClient, server: RegistryServer
) -> None:
    with pytest.raises(ValueError, match="non-empty string"):
        await client.fetch_schema("", track="v1")
    assert server.requests == []


async def test_connections_are_pooled(client: RegistryClient, server: RegistryServer) -> None:
    for _ in range(5):
        await client.fetch_schema(FEEDBACK, track="v1")

    assert server.count(f"/schemas/v1/{FEEDBACK}") == 5
    assert server.connections == 1


async def test_a_client_passed_in_is_left_open(server: RegistryServer) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        async with RegistryClient(server.url, http_client=http) as registry:
            await registry.health()
        assert not http.is_closed
        assert (await http.get(server.url + "/health")).status_code == 200
