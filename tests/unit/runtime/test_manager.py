"""SchemaManager over real HTTP: negotiation, caching, single-flight, degradation, metrics."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import (
    ConfigError,
    RegistryClient,
    RegistryServer,
    SchemaManager,
    SchemaNotFoundError,
)
from tests.helpers import (
    FEEDBACK,
    TOKEN,
    V1_EVENT,
    V2_EVENT,
    FakeClock,
    ManagerFactory,
    dead_url,
    nested,
)

pytestmark = pytest.mark.anyio

V2_PATH = f"/schemas/v2/{FEEDBACK}"


@pytest.fixture
def manager(make_manager: ManagerFactory) -> SchemaManager:
    return make_manager()


def metric(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


# -- validation ------------------------------------------------------------------------------------


async def test_valid_and_invalid_payloads_with_exact_error_paths(manager: SchemaManager) -> None:
    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])

    valid, errors = await manager.validate_payload(
        FEEDBACK, {**V2_EVENT, "queue_size": -1, "level": "meh", "schema_version": "3.0"}
    )

    assert not valid
    assert errors == [
        '$.level: "meh" is not one of "ok", "soft", "hard"',
        "$.queue_size: -1 is less than the minimum of 0",
        r'$.schema_version: "3.0" does not match "^2\.\d+\.\d+$"',
    ]


async def test_the_python_backend_gives_the_same_verdicts(make_manager: ManagerFactory) -> None:
    manager = make_manager(backend="jsonschema")

    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    valid, errors = await manager.validate_payload(FEEDBACK, {**V2_EVENT, "level": "meh"})
    assert not valid and errors[0].startswith("$.level: ")


async def test_hostile_payloads_are_answered_without_a_crash(manager: SchemaManager) -> None:
    huge = {**V2_EVENT, "reason": "x" * 201, "blob": ["y" * 100] * 50_000}  # > 5 MB

    assert (await manager.validate_payload(FEEDBACK, nested(100_000)))[0] is False
    assert (await manager.validate_payload(FEEDBACK, {**V2_EVENT, "ts": float("nan")})) == (
        False,
        ["$.ts: nan is not a JSON number"],
    )
    assert (await manager.validate_payload(FEEDBACK, {**V2_EVENT, "raw": b"\x00"})) == (
        False,
        ["$.raw: bytes is not a JSON value"],
    )
    valid, errors = await manager.validate_payload(FEEDBACK, huge)
    assert not valid
    assert len(errors) == 1
    assert errors[0].startswith('$.reason: "xxx') and errors[0].endswith(
        "longer than 200 characters"
    )
    assert (await manager.validate_payload(FEEDBACK, object()))[0] is False


# -- negotiation -----------------------------------------------------------------------------------


async def test_v2_is_preferred_when_present(manager: SchemaManager, server: RegistryServer) -> None:
    document = await manager.get_schema(FEEDBACK)

    assert (document.track, document.version) == ("v2", "2.0.0")
    assert server.count(V2_PATH) == 1 and server.count(f"/schemas/v1/{FEEDBACK}") == 0


async def test_v2_missing_falls_back_to_v1(
    manager: SchemaManager, server: RegistryServer, registry_dir: Path
) -> None:
    shutil.rmtree(registry_dir / "v2" / FEEDBACK)

    document = await manager.get_schema(FEEDBACK)

    assert (document.track, document.version) == ("v1", "1.1.2")
    assert await manager.validate_payload(FEEDBACK, V1_EVENT) == (True, [])
    assert server.count(V2_PATH) == 1  # negotiation is cached too: no second look at v2


async def test_v2_deprecated_falls_back_to_v1(
    manager: SchemaManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    document = await manager.get_schema("telemetry.HealthStatus")

    assert (document.track, document.deprecated) == ("v1", False)
    assert "is deprecated" not in caplog.text  # v1 itself is not deprecated: nothing to warn of


async def test_a_deprecated_fallback_is_used_with_a_warning(
    manager: SchemaManager, admin: RegistryClient, caplog: pytest.LogCaptureFixture
) -> None:
    content = {"type": "object"}
    await admin.upload_schema("legacy.Event", "v2", "2.0.0", content, deprecated=True)
    await admin.upload_schema(
        "legacy.Event", "v1", "1.0.0", content, deprecated=True, deprecation_note="retire by Q3"
    )
    caplog.set_level(logging.WARNING)

    document = await manager.get_schema("legacy.Event")

    assert (document.track, document.deprecated) == ("v1", True)
    assert "'legacy.Event' 1.0.0 on track v1 is deprecated: retire by Q3" in caplog.text


async def test_a_deprecated_preferred_schema_is_used_when_no_fallback_exists(
    manager: SchemaManager, admin: RegistryClient, caplog: pytest.LogCaptureFixture
) -> None:
    await admin.upload_schema("draft.Event", "v2", "2.0.0", {"type": "object"}, deprecated=True)
    caplog.set_level(logging.WARNING)

    document = await manager.get_schema("draft.Event")

    assert (document.track, document.deprecated) == ("v2", True)
    assert "is deprecated" in caplog.text


async def test_missing_on_both_tracks_is_not_found(manager: SchemaManager) -> None:
    with pytest.raises(SchemaNotFoundError, match="not found on track v2 nor on fallback track v1"):
        await manager.get_schema("telemetry.Nope")

    assert await manager.validate_payload("telemetry.Nope", {}) == (True, [])
    assert manager.get_stats()["registry_errors"] == {"not_found": 1}


async def test_explicit_tracks_per_call(manager: SchemaManager) -> None:
    document = await manager.get_schema(FEEDBACK, prefer="v1", fallback="v1")

    assert document.track == "v1"
    assert await manager.validate_payload(FEEDBACK, V1_EVENT, prefer="v1") == (True, [])
    assert (await manager.validate_payload(FEEDBACK, V1_EVENT))[0] is False  # v2 needs more


async def test_preferred_track_down_fails_over_to_fallback_briefly(
    manager: SchemaManager,
    server: RegistryServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.inject_fault(V2_PATH, status=500, times=1)
    caplog.set_level(logging.WARNING)

    assert (await manager.get_schema(FEEDBACK)).track == "v1"
    assert (
        "track v2 of 'telemetry.FeedbackEvent' unavailable (server); using track v1" in caplog.text
    )

    clock.advance(31)  # the failover is kept only for the back-off, not the whole TTL
    assert (await manager.get_schema(FEEDBACK)).track == "v1"  # answers now, refreshes behind
    await manager.wait_for_refreshes()
    assert (await manager.get_schema(FEEDBACK)).track == "v2"


# -- caching ---------------------------------------------------------------------------------------


async def test_warm_validation_makes_no_request(
    manager: SchemaManager, server: RegistryServer
) -> None:
    for _ in range(50):
        await manager.validate_payload(FEEDBACK, V2_EVENT)

    assert server.count(V2_PATH) == 1
    stats = manager.get_stats()
    assert (stats["cache_hits"], stats["cache_misses"], stats["cache_size"]) == (49, 1, 1)


async def test_ttl_expiry_refetches(
    manager: SchemaManager, server: RegistryServer, clock: FakeClock
) -> None:
    await manager.validate_payload(FEEDBACK, V2_EVENT)
    clock.advance(59.9)
    await manager.validate_payload(FEEDBACK, V2_EVENT)
    assert server.count(V2_PATH) == 1

    clock.advance(0.2)
    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])  # served stale
    await manager.wait_for_refreshes()

    assert server.count(V2_PATH) == 2
    assert manager.get_stats()["stale_serves"] == 0  # a routine refresh: no stale serve


async def test_a_new_version_is_picked_up_after_the_ttl(
    manager: SchemaManager, admin: RegistryClient, clock: FakeClock
) -> None:
    assert (await manager.validate_payload(FEEDBACK, {**V2_EVENT, "extra": 1}))[0]
    closed = {"type": "object", "additionalProperties": False, "properties": {"a": {}}}
    await admin.upload_schema(FEEDBACK, "v2", "2.1.0", closed)

    clock.advance(61)
    assert (await manager.validate_payload(FEEDBACK, {**V2_EVENT, "extra": 1}))[0]  # until...
    await manager.wait_for_refreshes()  # ...the background refresh brings the new version

    assert not (await manager.validate_payload(FEEDBACK, {**V2_EVENT, "extra": 1}))[0]
    assert (await manager.get_schema(FEEDBACK)).version == "2.1.0"


async def test_a_hundred_concurrent_first_calls_make_one_request(
    manager: SchemaManager, server: RegistryServer
) -> None:
    results = await asyncio.gather(
        *(manager.validate_payload(FEEDBACK, V2_EVENT) for _ in range(100))
    )

    assert results == [(True, [])] * 100
    assert server.count(V2_PATH) == 1


async def test_single_flight_shares_a_failure_too(
    manager: SchemaManager, server: RegistryServer
) -> None:
    server.inject_fault(V2_PATH, status=500, times=None)
    server.inject_fault(f"/schemas/v1/{FEEDBACK}", status=500, times=None)

    results = await asyncio.gather(
        *(manager.validate_payload(FEEDBACK, V2_EVENT) for _ in range(20))
    )

    assert results == [(True, [])] * 20
    assert server.count(V2_PATH) == 1
    assert manager.get_stats()["validations"]["error"] == 20


# -- degradation -----------------------------------------------------------------------------------


async def test_stale_if_error_then_recovery(
    manager: SchemaManager, server: RegistryServer, clock: FakeClock, metrics: CollectorRegistry
) -> None:
    await manager.validate_payload(FEEDBACK, V2_EVENT)
    server.inject_fault(V2_PATH, status=503, times=None)
    clock.advance(61)

    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    await manager.wait_for_refreshes()
    assert (await manager.validate_payload(FEEDBACK, V1_EVENT))[0] is False  # still the v2 schema
    requests_during_outage = server.count(V2_PATH)
    assert requests_during_outage == 1 + 3  # the warm-up, then one refresh of three attempts
    # the first answer came while the refresh ran (a hit); the second after it failed
    assert manager.get_stats()["stale_serves"] == 1
    assert metric(metrics, "schema_stale_serves_total", schema=FEEDBACK) == 1

    server.clear_faults()
    clock.advance(31)  # past the failure back-off
    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    await manager.wait_for_refreshes()
    assert server.count(V2_PATH) == requests_during_outage + 1
    clock.advance(1)
    await manager.validate_payload(FEEDBACK, V2_EVENT)
    assert server.count(V2_PATH) == requests_during_outage + 1  # fresh again


async def test_registry_down_from_the_start_degrades_to_valid_with_a_warning(
    make_manager: ManagerFactory, metrics: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    manager = make_manager(dead_url())

    assert await manager.validate_payload(FEEDBACK, {"anything": "goes"}) == (True, [])
    assert await manager.validate_payload(FEEDBACK, {"anything": "goes"}) == (True, [])

    assert "no schema for 'telemetry.FeedbackEvent'" in caplog.text
    stats = manager.get_stats()
    assert stats["validations"] == {"success": 0, "failure": 0, "error": 2}
    assert stats["registry_errors"] == {"network": 1}  # the second call did not ask again
    # the registry never said this name exists: an untrusted name gets no series of its own
    assert metric(metrics, "schema_validation_total", schema="__unknown__", outcome="error") == 2
    assert (
        metric(metrics, "schema_registry_errors_total", schema="__unknown__", error_type="network")
        == 1
    )


async def test_enforce_fail_closed_reports_not_validated(make_manager: ManagerFactory) -> None:
    manager = make_manager(dead_url(), validation_mode="enforce", fail_open=False)

    valid, errors = await manager.validate_payload(FEEDBACK, V2_EVENT)

    assert not valid
    assert errors[0].startswith("schema 'telemetry.FeedbackEvent' unavailable: ")


async def test_enforce_fail_open_lets_payloads_through(make_manager: ManagerFactory) -> None:
    manager = make_manager(dead_url(), validation_mode="strict")

    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])


async def test_a_broken_schema_in_the_registry_degrades_too(
    manager: SchemaManager, admin: RegistryClient
) -> None:
    await admin.upload_schema(
        "broken.Event", "v2", "1.0.0", {"pattern": "(unclosed", "type": "string"}
    )

    assert await manager.validate_payload("broken.Event", "x") == (True, [])
    assert manager.get_stats()["registry_errors"] == {"invalid_schema": 1}


async def test_failure_then_recovery_without_a_cached_schema(
    manager: SchemaManager, server: RegistryServer, clock: FakeClock
) -> None:
    server.inject_fault(V2_PATH, status=500, times=1)
    server.inject_fault(f"/schemas/v1/{FEEDBACK}", status=500, times=1)
    assert await manager.validate_payload(FEEDBACK, {}) == (True, [])  # degraded

    clock.advance(31)

    assert (await manager.validate_payload(FEEDBACK, {}))[0] is False  # a real verdict again


# -- off switches ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{"enabled": False}, {"validation_mode": "off"}])
async def test_disabled_validates_nothing_and_calls_nothing(
    make_manager: ManagerFactory, server: RegistryServer, kwargs: dict[str, Any]
) -> None:
    manager = make_manager(**kwargs)

    assert await manager.validate_payload(FEEDBACK, object()) == (True, [])
    assert await manager.preload([FEEDBACK]) == {}
    assert server.requests == []
    assert manager.get_stats()["enabled"] is False
    with pytest.raises(ConfigError, match="disabled"):
        await manager.get_schema(FEEDBACK)


def test_seed_style_construction_and_from_config() -> None:
    manager = SchemaManager(
        registry_url="http://r.test",
        token=TOKEN,
        cache_ttl=5,
        validation_mode="strict",
        metrics=False,
    )

    assert manager.config.enabled and manager.config.validation_mode == "enforce"
    assert SchemaManager().config.enabled is False
    assert SchemaManager.from_config(manager.config, metrics=False).config == manager.config
    with pytest.raises(ConfigError, match="cache_ttl=-1"):
        SchemaManager(registry_url="http://r.test", cache_ttl=-1)


# -- lifecycle, preload, stats, metrics ------------------------------------------------------------


async def test_async_with_preload_and_stats(
    server: RegistryServer, metrics: CollectorRegistry
) -> None:
    async with SchemaManager(registry_url=server.url, metrics_registry=metrics) as manager:
        loaded = await manager.preload(
            [FEEDBACK, "telemetry.RateAdjustment", "telemetry.Nope", FEEDBACK]
        )
        assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])

    assert sorted(loaded) == [FEEDBACK, "telemetry.RateAdjustment"]
    assert [(d.name, d.track) for d in manager.schemas_in_use()] == [
        (FEEDBACK, "v2"),
        ("telemetry.RateAdjustment", "v2"),
    ]
    assert manager.get_stats() == {
        "enabled": True,
        "mode": "log",
        "cache_hits": 1,
        "cache_misses": 3,
        "cache_size": 2,
        "stale_serves": 0,
        "validations": {"success": 1, "failure": 0, "error": 0},
        "registry_errors": {"not_found": 1},
    }
    assert metric(metrics, "schema_cache_size") == 2


async def test_every_metric_moves(
    manager: SchemaManager, server: RegistryServer, clock: FakeClock, metrics: CollectorRegistry
) -> None:
    await manager.validate_payload(FEEDBACK, V2_EVENT)
    await manager.validate_payload(FEEDBACK, {})
    server.inject_fault(V2_PATH, status=504, times=None)
    clock.advance(61)
    await manager.validate_payload(FEEDBACK, V2_EVENT)  # a hit, answered while it refreshes
    await manager.wait_for_refreshes()
    await manager.validate_payload(FEEDBACK, V2_EVENT)  # the refresh failed: a stale serve

    assert metric(metrics, "schema_validation_total", schema=FEEDBACK, outcome="success") == 3
    assert metric(metrics, "schema_validation_total", schema=FEEDBACK, outcome="failure") == 1
    assert metric(metrics, "schema_validation_failures_total", schema=FEEDBACK, mode="log") == 1
    assert metric(metrics, "schema_cache_hits_total", schema=FEEDBACK) == 2
    assert metric(metrics, "schema_cache_misses_total", schema=FEEDBACK) == 1
    assert metric(metrics, "schema_cache_size") == 1
    assert (
        metric(metrics, "schema_registry_errors_total", schema=FEEDBACK, error_type="server") == 1
    )
    assert metric(metrics, "schema_stale_serves_total", schema=FEEDBACK) == 1


async def test_two_managers_share_the_default_registry_without_colliding(
    server: RegistryServer,
) -> None:
    async with (
        SchemaManager(registry_url=server.url) as first,
        SchemaManager(registry_url=server.url) as second,
    ):
        assert await first.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
        assert await second.validate_payload(FEEDBACK, V2_EVENT) == (True, [])


async def test_metrics_off_and_custom_sinks(
    make_manager: ManagerFactory, metrics: CollectorRegistry
) -> None:
    seen: list[tuple[str, str]] = []

    class Sink:
        def __getattr__(self, event: str) -> Callable[..., None]:
            return lambda *labels: seen.append((event, str(labels)))

    quiet = make_manager(metrics=False)
    await quiet.validate_payload(FEEDBACK, V2_EVENT)
    assert metric(metrics, "schema_validation_total", schema=FEEDBACK, outcome="success") == 0

    custom = make_manager(metrics=Sink())
    await custom.validate_payload(FEEDBACK, V2_EVENT)
    assert ("validation", str((FEEDBACK, "success"))) in seen


# -- secrets ---------------------------------------------------------------------------------------


async def test_token_in_no_repr_log_record_or_error(
    make_manager: ManagerFactory, server: RegistryServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.inject_fault(V2_PATH, status=401, body={"detail": f"bad token {TOKEN}"}, times=None)
    manager = make_manager(token=TOKEN, validation_mode="enforce", fail_open=False)

    valid, errors = await manager.validate_payload(FEEDBACK, V2_EVENT)

    assert not valid
    assert server.requests[0].authorized
    for text in (
        repr(manager),
        repr(manager.config),
        str(manager.get_stats()),
        caplog.text,
        *errors,
    ):
        assert TOKEN not in text
