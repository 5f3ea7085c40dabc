"""confluent-kafka's own client and JSON serde against the embedded registry's Confluent dialect.

`SchemaRegistryClient`, `JSONSerializer` and `JSONDeserializer` (2.16) use their own HTTP stack
and parse our answers with their own models: the most direct proof that a team can point its
producers and consumers at `schema-registry serve DIR --dialect confluent` in tests. Every
call below answers 2xx or 4xx: the client retries 5xx, 408 and 429 with backoff.
"""

from __future__ import annotations

import copy
import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka.schema_registry import (
    Metadata,
    MetadataProperties,
    Schema,
    SchemaRegistryClient,
    header_schema_id_serializer,
)
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import (
    JSONDeserializer,
    JSONSerializer,
)
from confluent_kafka.serialization import (
    MessageField,
    SerializationContext,
    SerializationError,
)

from pytest_schema_registry import RegistryServer
from tests.helpers import EXAMPLES, FEEDBACK, TOKEN

SUBJECT = "telemetry.FeedbackEvent-value"
TOPIC = "telemetry.FeedbackEvent"
FEEDBACK_V1 = json.loads((EXAMPLES / "v1" / FEEDBACK / "1.1.2.json").read_text())
EVENT = {"coordinator_id": "c-1", "queue_size": 3, "capacity": 10, "level": "ok", "ts": 1.5}
NO_RETRIES = {"max.retries": 0}  # a 5xx here would be a bug: fail at once, do not back off


def v2_with(required: str) -> dict[str, Any]:
    """Return FeedbackEvent v1 with a new required property: BACKWARD-incompatible."""
    schema = copy.deepcopy(FEEDBACK_V1)
    schema["properties"][required] = {"type": "string"}
    schema["required"].append(required)
    return schema


def json_schema(document: Any, **properties: str) -> Schema:
    """Return a JSON `Schema`, with `metadata.properties` when any are given."""
    metadata = Metadata(None, MetadataProperties(properties), None) if properties else None
    return Schema(json.dumps(document), "JSON", metadata=metadata)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path, dialect="confluent") as running:
        yield running


@pytest.fixture
def client(server: RegistryServer) -> Iterator[SchemaRegistryClient]:
    with SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as registry:
        yield registry


def value_context(headers: Any = None) -> SerializationContext:
    return SerializationContext(TOPIC, MessageField.VALUE, headers)


def test_register_look_up_and_read_back(client: SchemaRegistryClient) -> None:
    schema_id = client.register_schema(SUBJECT, json_schema(FEEDBACK_V1))

    found = client.lookup_schema(SUBJECT, json_schema(FEEDBACK_V1))
    latest = client.get_latest_version(SUBJECT)
    numbered = client.get_version(SUBJECT, 1)
    by_id = client.get_schema(schema_id)

    assert (found.schema_id, found.version, found.subject) == (schema_id, 1, SUBJECT)
    assert (latest.schema_id, latest.version, numbered.schema_id) == (schema_id, 1, schema_id)
    assert latest.schema.schema_type == "JSON"
    assert json.loads(by_id.schema_str) == FEEDBACK_V1
    assert client.get_subjects() == [SUBJECT]
    assert client.get_versions(SUBJECT) == [1]
    assert client.get_schema_types() == ["JSON"]
    assert [(v.subject, v.version) for v in client.get_schema_versions(schema_id)] == [(SUBJECT, 1)]
    assert client.get_subjects_by_schema_id(schema_id) == [SUBJECT]
    assert client.register_schema(SUBJECT, json_schema(FEEDBACK_V1)) == schema_id


def test_compatibility_and_levels(client: SchemaRegistryClient) -> None:
    client.register_schema(SUBJECT, json_schema(FEEDBACK_V1))
    compatible = {**FEEDBACK_V1, "description": "the same payloads, described differently"}

    assert client.test_compatibility(SUBJECT, json_schema(compatible)) is True
    assert client.test_compatibility(SUBJECT, json_schema(v2_with("region"))) is False
    assert client.test_compatibility_all_versions(SUBJECT, json_schema(compatible)) is True
    assert client.get_compatibility() == "BACKWARD"
    assert client.set_compatibility(SUBJECT, "FULL") == {"compatibility": "FULL"}
    assert client.get_compatibility(SUBJECT) == "FULL"
    assert client.set_compatibility(level="none") == {"compatibility": "NONE"}
    assert client.get_compatibility() == "NONE"
    assert client.get_config().compatibility_level == "NONE"
    client.delete_config(SUBJECT)
    assert (
        client.register_schema_full_response(SUBJECT, json_schema(v2_with("region"))).version == 2
    )


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (lambda c: c.get_latest_version("nobody"), 404, 40401),
        (lambda c: c.get_version(SUBJECT, 9), 404, 40402),
        (lambda c: c.get_schema(424242), 404, 40403),
        (lambda c: c.set_compatibility(level="SIDEWAYS"), 422, 42203),
        (lambda c: c.register_schema(SUBJECT, json_schema(v2_with("region"))), 409, 409),
        (lambda c: c.register_schema(SUBJECT, Schema(json.dumps(FEEDBACK_V1))), 422, 42201),
        (lambda c: c.get_compatibility(SUBJECT), 404, 40408),
    ],
    ids=["subject", "version", "id", "level", "incompatible", "avro", "no-subject-level"],
)
def test_errors_carry_confluent_codes(
    client: SchemaRegistryClient, call: Any, status: int, code: int
) -> None:
    client.register_schema(SUBJECT, json_schema(FEEDBACK_V1))

    with pytest.raises(SchemaRegistryError) as raised:
        call(client)

    assert (raised.value.http_status_code, raised.value.error_code) == (status, code)


def test_delete_versions_and_subjects_soft_then_permanently(
    client: SchemaRegistryClient, tmp_path: Path
) -> None:
    client.set_compatibility(level="NONE")
    client.register_schema(SUBJECT, json_schema(FEEDBACK_V1))
    client.register_schema(SUBJECT, json_schema(v2_with("region")))

    assert client.delete_version(SUBJECT, 2) == 2
    assert client.delete_version(SUBJECT, 2, permanent=True) == 2
    assert client.get_versions(SUBJECT) == [1]
    assert client.delete_subject(SUBJECT) == [1]
    assert client.get_subjects() == []
    assert client.delete_subject(SUBJECT, permanent=True) == [1]
    assert not (tmp_path / "subjects" / SUBJECT).exists()


@pytest.mark.parametrize(
    "credentials",
    [
        {"basic.auth.user.info": "alice:s3cret"},
        {
            "bearer.auth.credentials.source": "STATIC_TOKEN",
            "bearer.auth.token": TOKEN,
            "bearer.auth.logical.cluster": "lsrc-test",
            "bearer.auth.identity.pool.id": "pool-test",
        },
    ],
    ids=["basic", "bearer"],
)
def test_credentials_the_client_sends_are_accepted(
    tmp_path: Path, credentials: dict[str, str]
) -> None:
    with RegistryServer(
        tmp_path, dialect="confluent", user="alice", password="s3cret", token=TOKEN
    ) as server:
        with SchemaRegistryClient({"url": server.url, **NO_RETRIES, **credentials}) as client:
            schema_id = client.register_schema(SUBJECT, json_schema(FEEDBACK_V1))
        with (
            SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as anonymous,
            pytest.raises(SchemaRegistryError) as refused,
        ):
            anonymous.get_subjects()

    assert schema_id > 0
    assert (refused.value.http_status_code, refused.value.error_code) == (401, 401)
    assert all(r.authorized for r in server.requests[:-1])


def test_the_serializer_registers_frames_and_the_deserializer_reads_back(
    server: RegistryServer,
) -> None:
    with SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as producer_side:
        serialize = JSONSerializer(json.dumps(FEEDBACK_V1), producer_side)
        framed = serialize(EVENT, value_context())
        with pytest.raises(SerializationError):
            serialize({**EVENT, "level": "molten"}, value_context())
    schema_id = httpx.get(f"{server.url}/subjects/{SUBJECT}/versions/latest").json()["id"]
    with SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as consumer_side:
        read = JSONDeserializer(None, schema_registry_client=consumer_side)(framed, value_context())

    assert framed[0] == 0
    assert int.from_bytes(framed[1:5], "big") == schema_id
    assert json.loads(framed[5:]) == EVENT
    assert read == EVENT
    assert server.count(f"/schemas/ids/{schema_id}") == 1  # the consumer fetched the writer


def test_the_serializer_can_use_the_latest_version_without_registering(
    server: RegistryServer, client: SchemaRegistryClient
) -> None:
    schema_id = client.register_schema(SUBJECT, json_schema(FEEDBACK_V1))
    config = {"auto.register.schemas": False, "use.latest.version": True}
    serialize = JSONSerializer(json.dumps(FEEDBACK_V1), client, conf=config)
    looked_up = JSONSerializer(
        json.dumps(FEEDBACK_V1), client, conf={"auto.register.schemas": False}
    )

    latest = serialize(EVENT, value_context())
    framed = looked_up(EVENT, value_context())

    assert int.from_bytes(latest[1:5], "big") == int.from_bytes(framed[1:5], "big") == schema_id
    assert server.count(f"/subjects/{SUBJECT}/versions/latest") == 1
    assert server.count(f"/subjects/{SUBJECT}", "POST") == 1  # the lookup, not a registration


def register_tracks(client: SchemaRegistryClient) -> tuple[int, int]:
    """Keep two tracks in one subject: v1 and, breaking it, v2 (level NONE); return their ids."""
    client.set_compatibility(SUBJECT, "NONE")
    v1 = client.register_schema(SUBJECT, json_schema(FEEDBACK_V1, track="v1"))
    v2 = client.register_schema(SUBJECT, json_schema(v2_with("region"), track="v2"))
    return v1, v2


def test_tracks_in_one_subject_are_found_by_their_metadata(client: SchemaRegistryClient) -> None:
    v1_id, v2_id = register_tracks(client)

    v1 = client.get_latest_with_metadata(SUBJECT, {"track": "v1"})
    v2 = client.get_latest_with_metadata(SUBJECT, {"track": "v2"})
    with pytest.raises(SchemaRegistryError) as missing:
        client.get_latest_with_metadata(SUBJECT, {"track": "v3"})

    assert (v1.version, v1.schema_id, v2.version, v2.schema_id) == (1, v1_id, 2, v2_id)
    assert v1.schema.metadata is not None and v1.schema.metadata.properties is not None
    assert v1.schema.metadata.properties.properties == {"track": "v1"}
    assert json.loads(v1.schema.schema_str or "") == FEEDBACK_V1
    assert (missing.value.http_status_code, missing.value.error_code) == (404, 40403)
    assert client.register_schema(SUBJECT, json_schema(FEEDBACK_V1, track="v1")) == v1_id


def test_the_serializer_frames_with_the_version_its_metadata_names(
    server: RegistryServer, client: SchemaRegistryClient
) -> None:
    v1_id, v2_id = register_tracks(client)

    def serializer(track: str) -> JSONSerializer:
        config = {"auto.register.schemas": False, "use.latest.with.metadata": {"track": track}}
        return JSONSerializer(json.dumps(FEEDBACK_V1), client, conf=config)

    framed = serializer("v1")(EVENT, value_context())
    with pytest.raises(SerializationError):  # v2 requires "region": validated against v2
        serializer("v2")(EVENT, value_context())

    assert int.from_bytes(framed[1:5], "big") == v1_id != v2_id
    assert json.loads(framed[5:]) == EVENT
    assert server.count(f"/subjects/{SUBJECT}/metadata") == 2
    assert server.count(f"/subjects/{SUBJECT}/versions", "POST") == 2  # the two registrations


def test_guid_framing_in_headers_resolves_through_schemas_guids(server: RegistryServer) -> None:
    headers: list[tuple[str, bytes]] = []
    with SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as producer_side:
        serialize = JSONSerializer(
            json.dumps(FEEDBACK_V1),
            producer_side,
            conf={"schema.id.serializer": header_schema_id_serializer},
        )
        bare = serialize(EVENT, value_context(headers))
    guid = httpx.get(f"{server.url}/subjects/{SUBJECT}/versions/1").json()["guid"]
    with SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as consumer_side:
        read = JSONDeserializer(None, schema_registry_client=consumer_side)(
            bare, value_context(headers)
        )

    ((key, value),) = headers
    assert key == "__value_schema_id"
    assert json.loads(bare) == EVENT
    assert value[0] == 1 and str(uuid.UUID(bytes=value[1:17])) == guid
    assert read == EVENT
    assert server.count(f"/schemas/guids/{guid}") == 1


def test_a_turned_away_connection_reads_as_confluents_50003(tmp_path: Path) -> None:
    with (
        RegistryServer(tmp_path, dialect="confluent", max_connections=1) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as held,
    ):
        held.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        held.recv(4096)  # answered, so admitted: the one slot stays taken
        with (
            SchemaRegistryClient({"url": server.url, **NO_RETRIES}) as client,
            pytest.raises(SchemaRegistryError) as refused,
        ):
            client.get_subjects()

    assert (refused.value.http_status_code, refused.value.error_code) == (503, 50003)
    assert "too many connections" in refused.value.error_message
