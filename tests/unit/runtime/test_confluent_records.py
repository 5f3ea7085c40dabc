"""SchemaManager.validate_message: Kafka records framed by Confluent serializers, over real HTTP.

A record names its writer schema by id (`0x00` + 4 bytes) or GUID (`0x01` + 16 bytes, in the
value or the `__value_schema_id` header). Records come from anyone who can produce to a topic:
a malformed one is invalid with the reason, an unknown id degrades like a missing schema, and a
flood of random ids costs a bounded number of registry requests and metrics series.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from pytest_schema_registry import RegistryServer, SchemaManager
from tests.helpers import (
    CONFLUENT_TEMPLATE,
    FEEDBACK,
    V1_EVENT,
    V2_EVENT,
    FakeClock,
    ManagerFactory,
    framed,
    write_subjects,
)

pytestmark = pytest.mark.anyio

INVALID = {**V2_EVENT, "queue_size": "not a number"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    """Serve the example FeedbackEvent as `telemetry.FeedbackEvent.v{1,2}-value` (Confluent)."""
    root = write_subjects(tmp_path / "confluent")
    with RegistryServer(root, dialect="confluent", compatibility="NONE") as running:
        yield running


@pytest.fixture
def manager(make_manager: ManagerFactory) -> SchemaManager:
    return make_manager(subject_template=CONFLUENT_TEMPLATE)


def metric(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def schema_labels(registry: CollectorRegistry) -> set[str]:
    """Return every value the `schema` label took in `registry`."""
    return {
        sample.labels["schema"]
        for family in registry.collect()
        for sample in family.samples
        if "schema" in sample.labels
    }


async def writer_id(server: RegistryServer, subject: str) -> tuple[int, str]:
    """Return the id and GUID the registry gave the latest version of `subject`."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = (await http.get(f"/subjects/{subject}/versions/latest")).json()
    return answer["id"], answer["guid"]


# -- Kafka records: validate_message ---------------------------------------------------------------


async def test_an_id_framed_record_is_judged_by_its_writer_schema(
    manager: SchemaManager, server: RegistryServer
) -> None:
    schema_id, _ = await writer_id(server, f"{FEEDBACK}.v2-value")

    assert await manager.validate_message(framed(schema_id, V2_EVENT)) == (True, [])
    valid, errors = await manager.validate_message(framed(schema_id, INVALID))
    for _ in range(100):
        await manager.validate_message(framed(schema_id, V2_EVENT))

    assert not valid and errors == ['$.queue_size: "not a number" is not of type "integer"']
    assert server.count(f"/schemas/ids/{schema_id}") == 1  # the writer schema is cached
    assert [(d.name, d.track) for d in manager.schemas_in_use()] == [(FEEDBACK, "v2")]


@pytest.mark.parametrize("where", ["value", "header-pairs", "header-dict"])
async def test_a_guid_framed_record_is_judged_by_its_writer_schema(
    manager: SchemaManager, server: RegistryServer, where: str
) -> None:
    _, guid = await writer_id(server, f"{FEEDBACK}.v1-value")
    prefix = b"\x01" + uuid.UUID(guid).bytes

    def record(payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        if where == "value":
            return {"value": prefix + body}
        pairs = [("trace", b"x"), ("__value_schema_id", prefix)]
        return {"value": body, "headers": pairs if where == "header-pairs" else dict(pairs)}

    assert await manager.validate_message(**record(V1_EVENT)) == (True, [])
    valid, errors = await manager.validate_message(**record({**V1_EVENT, "level": "meh"}))

    assert not valid and errors == ['$.level: "meh" is not one of "ok", "soft", "hard"']
    assert server.count(f"/schemas/guids/{guid}") == 1


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (json.dumps(V2_EVENT).encode(), None, "starts with byte 0x7b (JSON without framing?)"),
        (b"", None, "the record is empty"),
        (b"\x00\x00\x01", None, "the record ends after 3 bytes, inside its schema id"),
        (b"\x01" + bytes(10), None, "the record ends after 11 bytes, inside its schema id"),
        (b"\x00\x00\x00\x00\x07\xff\xfe{}", None, "record body (writer id 7) is not UTF-8"),
        (b"\x00\x00\x00\x00\x07{oops", None, "record body (writer id 7) is not JSON"),
        (b'\x00\x00\x00\x00\x07{"ts": NaN}', None, "NaN is not a JSON value"),
        (b"\x00\x00\x00\x00\x07[-Infinity]", None, "-Infinity is not a JSON value"),
        (b"\x00\x00\x00\x00\x07" + b"[" * 100_000, None, "nested too deep"),
        ("text", None, "a record value is bytes, got str"),
        (b"{}", {"__value_schema_id": b"\x02"}, "header starts with byte 0x02"),
        (b"{}", [("__value_schema_id", "text")], "the __value_schema_id header is bytes, got str"),
        (b"{}", 7, "record headers are not (key, bytes) pairs"),
    ],
    ids=[
        "unframed",
        "empty",
        "truncated-id",
        "truncated-guid",
        "not-utf8",
        "not-json",
        "nan",
        "infinity",
        "deep",
        "not-bytes",
        "bad-header-prefix",
        "bad-header-value",
        "bad-headers",
    ],
)
async def test_a_malformed_record_is_invalid_with_the_reason_and_costs_no_request(
    manager: SchemaManager,
    server: RegistryServer,
    metrics: CollectorRegistry,
    value: Any,
    headers: Any,
    reason: str,
) -> None:
    valid, errors = await manager.validate_message(value, headers=headers)

    assert not valid and len(errors) == 1 and reason in errors[0], errors
    assert server.requests == []
    assert schema_labels(metrics) == {"__malformed__"}


@pytest.mark.parametrize(
    ("kwargs", "verdict"),
    [({}, True), ({"validation_mode": "enforce", "fail_open": False}, False)],
    ids=["log", "enforce-closed"],
)
async def test_an_unknown_writer_id_degrades_like_a_missing_schema(
    make_manager: ManagerFactory, metrics: CollectorRegistry, kwargs: dict[str, Any], verdict: bool
) -> None:
    manager = make_manager(**kwargs)

    valid, errors = await manager.validate_message(framed(424242, INVALID))

    assert valid is verdict
    if verdict:
        assert errors == []
    else:
        assert len(errors) == 1 and errors[0].startswith("schema 'id:424242' unavailable: ")
        assert "schema '424242' not found (40403" in errors[0]
    assert manager.get_stats()["registry_errors"] == {"not_found": 1}
    assert schema_labels(metrics) == {"__unknown__"}


async def test_ten_thousand_random_ids_cost_a_bounded_number_of_requests(
    make_manager: ManagerFactory,
    server: RegistryServer,
    clock: FakeClock,
    metrics: CollectorRegistry,
) -> None:
    manager = make_manager(
        subject_template=CONFLUENT_TEMPLATE, validation_mode="enforce", fail_open=False
    )
    schema_id, _ = await writer_id(server, f"{FEEDBACK}.v2-value")
    assert await manager.validate_message(framed(schema_id, V2_EVENT)) == (True, [])  # warm
    server.reset_counts()
    draw = random.Random(7)  # noqa: S311  # ids an attacker might send, not secrets

    verdicts = set()
    for n in range(10_000):
        if n and n % 1000 == 0:
            clock.advance(1)  # nine seconds pass in all: about nine more lookups allowed
        verdicts.add((await manager.validate_message(framed(draw.randrange(2**32), {})))[0])

    assert verdicts == {False}
    assert len(server.requests) <= 20 + 9
    assert schema_labels(metrics) <= {"__unknown__", FEEDBACK}  # never an id: bounded series
    assert len(manager._lookup._writers._failures) <= 1024
    assert len(manager._lookup._writers.entries) == 1
    errors = manager.get_stats()["registry_errors"]
    assert errors["not_found"] <= 29 and errors["rate_limited"] >= 9_971
    # the id the service already reads keeps validating: only unknown ids are rationed
    assert await manager.validate_message(framed(schema_id, V2_EVENT)) == (True, [])
    assert (await manager.validate_message(framed(schema_id, INVALID)))[0] is False
    assert schema_labels(metrics) == {"__unknown__", FEEDBACK}  # a writer's label is its name


def test_sync_records_need_a_loop_only_to_fetch(server: RegistryServer) -> None:
    """As `validate_payload_sync`: an answer that needs no I/O is given right here."""
    disabled = SchemaManager(enabled=False, dialect="confluent", metrics=False)
    manager = SchemaManager(
        server.url, dialect="confluent", subject_template=CONFLUENT_TEMPLATE, metrics=False
    )
    latest = f"{server.url}/subjects/{FEEDBACK}.v2-value/versions/latest"
    schema_id = httpx.get(latest, timeout=10).json()["id"]

    assert disabled.validate_message_sync(framed(schema_id, INVALID)) == (True, [])
    assert manager.validate_message_sync(b"{}")[0] is False  # unframed: nothing to fetch
    manager.start_in_thread()
    try:
        assert manager.validate_message_sync(framed(schema_id, V2_EVENT)) == (True, [])
    finally:
        manager.close_sync()
    assert manager.validate_message_sync(framed(schema_id, INVALID))[0] is False  # warm
    assert server.count(f"/schemas/ids/{schema_id}") == 1


async def test_schemas_known_only_by_guid_keep_names_of_their_own(
    manager: SchemaManager, server: RegistryServer, metrics: CollectorRegistry
) -> None:
    """A registry may answer `/schemas/guids/{guid}` with the schema alone, no id or subject."""
    guids = [str(uuid.UUID(int=n)) for n in (1, 2)]
    for guid, level in zip(guids, ("ok", "hard"), strict=True):
        schema = {"type": "object", "properties": {"level": {"const": level}}}
        body = {"schema": json.dumps(schema), "schemaType": "JSON", "guid": guid}
        server.inject_fault(f"/schemas/guids/{guid}", status=200, body=body)

    verdicts = [
        await manager.validate_message(
            json.dumps({"level": "ok"}).encode(),
            headers={"__value_schema_id": b"\x01" + uuid.UUID(guid).bytes},
        )
        for guid in guids
    ]

    assert [valid for valid, _ in verdicts] == [True, False]
    names = sorted(d.name for d in manager.schemas_in_use())
    assert names == [f"schema-guid-{guid}" for guid in guids]  # two schemas, two names
    assert schema_labels(metrics) == set(names)
