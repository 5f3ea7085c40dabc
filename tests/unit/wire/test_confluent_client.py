"""RegistryClient(dialect="confluent"), over real HTTP against the embedded Confluent-dialect registry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import (
    ConfigError,
    Integrity,
    RegistryAuthError,
    RegistryClient,
    RegistryResponseError,
    RegistryServer,
    RegistryUnavailableError,
    SchemaNotFoundError,
)
from pytest_schema_registry._wire.retry import RetryPolicy
from tests.helpers import EXAMPLES, FEEDBACK

pytestmark = pytest.mark.anyio

FEEDBACK_V1 = json.loads((EXAMPLES / "v1" / FEEDBACK / "1.1.2.json").read_text())
PER_TRACK = "{name}.{track}-value"
ADDRESS = {"type": "object", "properties": {"street": {"type": "string"}}, "required": ["street"]}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as running:
        yield running


@pytest.fixture
async def client(server: RegistryServer) -> AsyncIterator[RegistryClient]:
    async with RegistryClient(
        server.url, dialect="confluent", subject_template=PER_TRACK, retry=RetryPolicy(attempts=1)
    ) as opened:
        yield opened


async def test_a_registered_schema_reads_back_as_the_same_document_model(
    client: RegistryClient,
) -> None:
    answer = await client.register_schema(FEEDBACK, FEEDBACK_V1, track="v1")
    document = await client.fetch_schema(FEEDBACK, track="v1")

    assert (document.name, document.track, document.version) == (FEEDBACK, "v1", "1")
    assert document.schema_id == str(answer["id"])
    assert document.content == FEEDBACK_V1  # sent and served as a JSON string, read as a dict
    assert document.integrity is Integrity.UNKNOWN  # Confluent publishes no hash to verify
    assert await client.fetch_schema(FEEDBACK, track="v1", version="1") == document
    by_id = await client.fetch_schema_by_id(document.schema_id)
    assert (by_id.name, by_id.track, by_id.content) == (FEEDBACK, "v1", FEEDBACK_V1)
    assert [v.version for v in await client.list_versions(FEEDBACK, track="v1")] == ["1"]


async def test_the_index_reads_names_and_tracks_back_from_subjects(
    client: RegistryClient, server: RegistryServer
) -> None:
    await client.register_schema(FEEDBACK, FEEDBACK_V1, track="v1")
    await client.register_schema(FEEDBACK, FEEDBACK_V1, track="v2")
    async with RegistryClient(server.url, dialect="confluent") as other:
        await other.register_schema("orders", ADDRESS)  # orders-value: not of this template

    index = await client.index()

    assert index.names("v1") == [FEEDBACK] and index.names("v2") == [FEEDBACK]
    assert index.find("orders", "v1") is None


async def test_a_template_without_track_serves_every_track_from_one_subject(
    server: RegistryServer,
) -> None:
    async with RegistryClient(server.url, dialect="confluent") as client:
        await client.register_schema(FEEDBACK, FEEDBACK_V1)
        index = await client.index()
        v1 = await client.fetch_schema(FEEDBACK, track="v1")
        v2 = await client.fetch_schema(FEEDBACK, track="v2")

    assert index.names("v1") == index.names("v2") == [FEEDBACK]
    assert index.find(FEEDBACK, "anything") is not None
    assert (v1.track, v2.track, v1.content) == ("v1", "v2", v2.content)
    assert server.count(f"/subjects/{FEEDBACK}-value/versions/latest") == 2


async def test_references_to_other_subjects_are_bundled_into_one_document(
    client: RegistryClient,
) -> None:
    await client.register_schema("address", ADDRESS, track="v1")
    street_ref = [{"name": "address.json", "subject": "address.v1-value", "version": 1}]
    person = {"type": "object", "properties": {"home": {"$ref": "address.json"}}}
    await client.register_schema("person", person, track="v1", references=street_ref)
    person_ref = [{"name": "person.json", "subject": "person.v1-value", "version": 1}]
    team = {"type": "array", "items": {"$ref": "person.json"}}
    await client.register_schema("team", team, track="v1", references=person_ref)

    document = await client.fetch_schema("team", track="v1")

    import jsonschema_rs

    validator = jsonschema_rs.Draft7Validator(document.content)
    assert validator.is_valid([{"home": {"street": "Main"}}])
    assert not validator.is_valid([{"home": {"street": 7}}])  # the grandchild's rule holds
    assert "$ref" not in json.dumps(document.content).replace('"$ref": "#/', "")


async def test_a_registry_answer_that_is_not_a_json_schema_says_so_naming_the_subject(
    client: RegistryClient, server: RegistryServer
) -> None:
    path = "/subjects/telemetry.FeedbackEvent.v1-value/versions/latest"
    avro = {"subject": "telemetry.FeedbackEvent.v1-value", "id": 1, "version": 1, "schema": "{}"}
    for body, said in (
        ({**avro, "schemaType": "AVRO"}, "holds a schema of type AVRO"),
        (avro, "holds a schema of type AVRO"),  # no schemaType: Confluent's own rule says Avro
        ({**avro, "schemaType": "JSON", "schema": "{not json"}, "schema string is not JSON"),
        ({**avro, "schemaType": "JSON", "schema": "[1]"}, "not a schema"),
        ({**avro, "schemaType": "JSON", "schema": {"type": "object"}}, "as a string"),
    ):
        server.inject_fault(path, status=200, body=body)
        with pytest.raises(RegistryResponseError, match=said) as caught:
            await client.fetch_schema(FEEDBACK, track="v1")
        assert "telemetry.FeedbackEvent" in str(caught.value)


async def test_confluent_error_codes_map_onto_the_error_tree(
    client: RegistryClient, server: RegistryServer
) -> None:
    await client.register_schema(FEEDBACK, FEEDBACK_V1, track="v1")
    with pytest.raises(SchemaNotFoundError) as subject_missing:
        await client.fetch_schema("nope", track="v1")
    with pytest.raises(SchemaNotFoundError) as version_missing:
        await client.fetch_schema(FEEDBACK, track="v1", version="9")
    with pytest.raises(SchemaNotFoundError) as id_missing:
        await client.fetch_schema_by_id("4242")
    path = "/subjects/telemetry.FeedbackEvent.v1-value/versions/latest"
    server.inject_fault(path, status=500, body={"error_code": 50001, "message": "store down"})
    with pytest.raises(RegistryUnavailableError, match="store down") as down:
        await client.fetch_schema(FEEDBACK, track="v1")
    server.inject_fault(path, status=401, body={"error_code": 401, "message": "Unauthorized"})
    with pytest.raises(RegistryAuthError):
        await client.fetch_schema(FEEDBACK, track="v1")

    assert subject_missing.value.error_code == 40401
    assert version_missing.value.error_code == 40402
    assert id_missing.value.error_code == 40403
    assert down.value.error_code == 50001 and down.value.error_type == "server"


async def test_a_version_confluent_cannot_have_is_refused_before_any_request(
    client: RegistryClient, server: RegistryServer
) -> None:
    server.reset_counts()
    with pytest.raises(SchemaNotFoundError, match=r"numbers versions 1, 2, 3"):
        await client.fetch_schema(FEEDBACK, track="v1", version="1.1.2")
    with pytest.raises(SchemaNotFoundError, match="whole number"):
        await client.fetch_schema_by_id("abc")
    assert server.requests == []


async def test_compatibility_and_config_go_to_the_registry(
    client: RegistryClient, server: RegistryServer
) -> None:
    await client.register_schema(FEEDBACK, FEEDBACK_V1, track="v1")
    breaking = {**FEEDBACK_V1, "required": [*FEEDBACK_V1["required"], "extra"]}
    await client.register_schema(FEEDBACK, breaking, track="v1")  # the server gates nothing here

    level = await client.compatibility_level()
    subject_level = await client.compatibility_level(FEEDBACK, track="v1")
    report = await client.check_compatibility(FEEDBACK, "v1", "1", "v1", "2")

    assert level == subject_level == "NONE"  # as the server was started, none of its own
    assert report.compatible is True  # NONE accepts anything


async def test_basic_auth_travels_in_a_header_and_never_shows(tmp_path: Path) -> None:
    with RegistryServer(tmp_path, dialect="confluent", user="key", password="s3cret-pw") as server:
        async with RegistryClient(
            server.url, dialect="confluent", basic_auth="key:s3cret-pw"
        ) as client:
            await client.register_schema(FEEDBACK, FEEDBACK_V1)
            assert (await client.fetch_schema(FEEDBACK, track="v1")).version == "1"
        async with RegistryClient(
            server.url, dialect="confluent", basic_auth="key:wrong-pw", retry=RetryPolicy(1)
        ) as wrong:
            with pytest.raises(RegistryAuthError) as refused:
                await wrong.fetch_schema(FEEDBACK, track="v1")

    assert "wrong-pw" not in str(refused.value) and "wrong-pw" not in repr(wrong)
    assert refused.value.status_code == 401


async def test_calls_of_the_other_dialect_are_refused_saying_which_to_use(
    client: RegistryClient, server: RegistryServer
) -> None:
    with pytest.raises(ConfigError, match="register_schema"):
        await client.upload_schema(FEEDBACK, "v1", "1.2.0", FEEDBACK_V1)
    with pytest.raises(ConfigError, match="track"):
        await client.register_schema(FEEDBACK, FEEDBACK_V1)  # the template names the track
    with pytest.raises(ConfigError, match="names the track; pass track="):
        await client.compatibility_level(FEEDBACK)
    async with RegistryClient(server.url) as seed:
        with pytest.raises(ConfigError, match="dialect='confluent'"):
            await seed.register_schema(FEEDBACK, FEEDBACK_V1)
        with pytest.raises(ConfigError, match="dialect='confluent'"):
            await seed.fetch_schema_by_guid("0e5f0000-0000-0000-0000-000000000000")
    with pytest.raises(ConfigError, match="dialect"):
        RegistryClient(server.url, dialect="avro")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="subject_template"):
        RegistryClient(server.url, dialect="confluent", subject_template="{topic}-value")


async def test_the_guid_form_resolves_through_the_guid_route(client: RegistryClient) -> None:
    answer: dict[str, Any] = await client.register_schema(FEEDBACK, FEEDBACK_V1, track="v1")

    document = await client.fetch_schema_by_guid(answer["guid"])

    assert (document.name, document.track, document.content) == (FEEDBACK, "v1", FEEDBACK_V1)
    assert document.schema_id == str(answer["id"])
