"""Issue #12, finding 1: `validate_payload` never raises, whatever the name or the registry says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from pytest_schema_registry import RegistryServer, SchemaManager
from tests.helpers import BACKENDS, V2_EVENT

pytestmark = pytest.mark.anyio

BAD_NAMES: list[tuple[str, Any]] = [
    ("empty", ""),
    ("none", None),
    ("huge", "x" * 70_000),
    ("surrogate", "telemetry.\ud800"),
    ("newline", "telemetry.FeedbackEvent\nERROR forged"),
    ("list", ["telemetry.FeedbackEvent"]),
    ("number", 7),
]


@pytest.fixture(params=["log", "enforce-open", "enforce-closed"])
async def manager(
    server: RegistryServer, request: pytest.FixtureRequest
) -> AsyncIterator[SchemaManager]:
    mode, _, closed = str(request.param).partition("-")
    async with SchemaManager(
        server.url, validation_mode=mode, fail_open=closed != "closed", metrics=False
    ) as running:
        yield running


@pytest.mark.parametrize(("case", "name"), BAD_NAMES, ids=[case for case, _ in BAD_NAMES])
async def test_a_name_no_schema_can_have_gets_a_verdict(
    manager: SchemaManager, server: RegistryServer, case: str, name: Any
) -> None:
    valid, errors = await manager.validate_payload(name, V2_EVENT)

    closed = manager.config.validation_mode == "enforce" and not manager.config.fail_open
    assert valid is not closed
    assert len(errors) == (1 if closed else 0)
    assert all(len(error) < 400 and "\n" not in error for error in errors)
    assert server.requests == []  # a name no schema can have costs the registry nothing
    assert manager.get_stats()["cache_misses"] == 0


@pytest.mark.parametrize("status", [200, 500])
async def test_json_nested_past_reading_is_a_registry_error_not_a_crash(
    manager: SchemaManager, server: RegistryServer, status: int
) -> None:
    for path in ("/schemas/v2/telemetry.FeedbackEvent", "/schemas/v1/telemetry.FeedbackEvent"):
        server.inject_fault(path, status=status, body="[" * 100_000, times=None)

    first = await manager.validate_payload("telemetry.FeedbackEvent", V2_EVENT)
    again = await manager.validate_payload("telemetry.FeedbackEvent", V2_EVENT)

    closed = manager.config.validation_mode == "enforce" and not manager.config.fail_open
    assert first[0] is again[0] is not closed
    assert manager.get_stats()["registry_errors"]


BAD_TRACKS: list[tuple[str, dict[str, Any]]] = [
    ("prefer-number", {"prefer": 2}),
    ("fallback-number", {"fallback": 2}),
    ("fallback-bytes", {"prefer": "v2", "fallback": b"v1"}),
    ("prefer-newline", {"prefer": "v2\nERROR forged"}),
    ("prefer-list", {"prefer": ["v2"]}),
]


@pytest.mark.parametrize(("case", "tracks"), BAD_TRACKS, ids=[case for case, _ in BAD_TRACKS])
async def test_a_track_no_schema_can_be_on_gets_a_verdict(
    manager: SchemaManager, server: RegistryServer, case: str, tracks: dict[str, Any]
) -> None:
    valid, errors = await manager.validate_payload("telemetry.FeedbackEvent", V2_EVENT, **tracks)

    closed = manager.config.validation_mode == "enforce" and not manager.config.fail_open
    assert valid is not closed
    assert all("\n" not in error for error in errors)
    assert server.requests == []


async def test_a_schema_nested_past_reading_is_a_compile_error_on_either_backend(
    server: RegistryServer,
) -> None:
    depth = 300
    content = '{"properties": {"a": ' * depth + '{"type": "object"}' + "}}" * depth
    body = (
        '{"name": "telemetry.FeedbackEvent", "track": "v2", "core_version": "2.0.0", '
        f'"sha256": "00", "$schema_id": "x", "content": {content}}}'
    )
    server.inject_fault("/schemas/v2/telemetry.FeedbackEvent", status=200, body=body, times=None)

    for backend in BACKENDS:
        async with SchemaManager(server.url, backend=backend, metrics=False) as manager:
            assert await manager.validate_payload("telemetry.FeedbackEvent", V2_EVENT) == (
                True,
                [],
            )
            assert manager.get_stats()["registry_errors"] == {"invalid_schema": 1}
