"""This project's own contract tests, against examples/registry, replayed from cassettes/.

`pytest` on a fresh clone replays `cassettes/schema_registry.yaml` (no network, no server) and
checks it agrees with the snapshots in `tests/contracts/schemas/`. To re-record after changing
the example registry:

    schema-registry serve examples/registry --port 8081 --base-path /api/v1 &
    pytest tests/contracts --registry-mode=record --registry-url=http://127.0.0.1:8081/api/v1 \\
        --registry-record=all --schema-snapshot-update
"""

from __future__ import annotations

import pytest

from pytest_schema_registry import SchemaContract, SchemaDocument, SchemaManager

FEEDBACK = "telemetry.FeedbackEvent"
V1_EVENT = {
    "coordinator_id": "coord-1",
    "queue_size": 12,
    "capacity": 100,
    "level": "soft",
    "ts": 1.5,
}
V2_EVENT = {**V1_EVENT, "schema_version": "2.0.0", "reason": "queue_high_watermark"}


def test_v1_consumers_still_read_v2_feedback(schema_contract: SchemaContract) -> None:
    verdict = schema_contract.assert_compatible(FEEDBACK, "v1", "v2", level="FORWARD")

    assert verdict.compatible is True and verdict.level == "FORWARD"


def test_v2_feedback_is_the_default(schema_contract: SchemaContract) -> None:
    result = schema_contract.assert_valid(FEEDBACK, V2_EVENT)

    assert (result.schema.track, result.schema.version) == ("v2", "2.0.0")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"level": "panic"}, r"^\$\.level: "),
        ({"queue_size": -1}, r"^\$\.queue_size: "),
        ({"capacity": 0}, r"^\$\.capacity: "),
        ({"schema_version": "3.0.0"}, r"^\$\.schema_version: "),
        ({"reason": ""}, r"^\$\.reason: "),
    ],
)
def test_v2_feedback_rejections(
    schema_contract: SchemaContract, change: dict[str, object], error: str
) -> None:
    schema_contract.assert_invalid(FEEDBACK, {**V2_EVENT, **change}, match=error)


def test_v1_producers_stay_valid_on_v1(schema_contract: SchemaContract) -> None:
    schema_contract.assert_valid(
        FEEDBACK, {**V1_EVENT, "reason": "extra keys are fine"}, track="v1"
    )


def test_deprecated_v2_health_falls_back_to_v1(schema_contract: SchemaContract) -> None:
    result = schema_contract.assert_valid(
        "telemetry.HealthStatus",
        {
            "service": "pulse",
            "state": "degraded",
            "version": "1.4.0",
            "ts": 2.0,
            "components": [{"name": "db", "state": "healthy"}],
        },
    )

    assert result.schema.track == "v1"


@pytest.mark.registry_schema("telemetry.RateAdjustment", track="v2")
def test_rate_adjustment_v2_shape(schema: SchemaDocument) -> None:
    assert schema.content["required"] == ["schema_version", "provider", "scale", "reason", "ts"]


@pytest.mark.anyio
async def test_the_runtime_manager_from_async_code(schema_manager: SchemaManager) -> None:
    valid, errors = await schema_manager.validate_payload(
        "telemetry.RateAdjustment",
        {"schema_version": "2.0.0", "provider": "binance", "scale": 1.5, "reason": "hard", "ts": 3},
    )

    assert not valid
    assert errors == ["$.scale: 1.5 is greater than the maximum of 1"]
