"""The example registry, served in the Confluent dialect: what a newcomer gets with no JVM.

`schema-registry serve examples/registry --dialect confluent` serves `subjects/` (FeedbackEvent,
HealthStatus and RateAdjustment, version 1 each); confluent-kafka frames a record against it and
our manager judges that record by the id in its framing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from pytest_schema_registry import RegistryServer, SchemaManager
from tests.helpers import FEEDBACK

pytestmark = pytest.mark.anyio

EVENT = {"coordinator_id": "c-1", "queue_size": 3, "capacity": 10, "level": "ok", "ts": 1.5}


@pytest.fixture
def confluent(registry_dir: Path) -> Iterator[RegistryServer]:
    with RegistryServer(registry_dir, dialect="confluent") as running:
        yield running


async def test_the_example_subjects_validate_payloads_and_framed_records(
    confluent: RegistryServer,
) -> None:
    with SchemaRegistryClient({"url": confluent.url, "max.retries": 0}) as registry:
        serializer = JSONSerializer(
            None, registry, conf={"auto.register.schemas": False, "use.latest.version": True}
        )
        record = serializer(EVENT, SerializationContext(FEEDBACK, MessageField.VALUE))
        subjects = registry.get_subjects()
    assert record is not None

    async with SchemaManager(confluent.url, dialect="confluent", metrics=False) as manager:
        payload = await manager.validate_payload(FEEDBACK, {**EVENT, "level": "panic"})
        framed = await manager.check_message(record)

    assert payload[0] is False and "panic" in payload[1][0]
    assert framed.valid and (framed.schema.name, framed.schema.version) == (FEEDBACK, "1")
    assert sorted(subjects) == [
        f"{name}-value" for name in (FEEDBACK, "telemetry.HealthStatus", "telemetry.RateAdjustment")
    ]
