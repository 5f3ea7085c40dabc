"""SchemaManager over the Confluent REST dialect, against the embedded registry over real HTTP.

Names and tracks map onto subjects through a template (`{name}.{track}-value` here, one subject
per track; the default `{name}-value` has one subject for every track). Kafka records name their
writer schema by id or GUID (`validate_message`). The fault matrix runs for both dialects in
`tests/hardening/test_outages.py`.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import (
    RegistryClient,
    RegistryResponseError,
    RegistryServer,
    SchemaManager,
    SchemaNotFoundError,
)
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

V2_SUBJECT = f"/subjects/{FEEDBACK}.v2-value/versions/latest"
V1_SUBJECT = f"/subjects/{FEEDBACK}.v1-value/versions/latest"
INVALID = {**V2_EVENT, "queue_size": "not a number"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    """Serve the example FeedbackEvent as the subjects `telemetry.FeedbackEvent.v{1,2}-value`.

    It replaces the seed server of `conftest.py`, so `make_manager` speaks Confluent here.
    """
    root = write_subjects(tmp_path / "confluent")
    with RegistryServer(root, dialect="confluent", compatibility="NONE") as running:
        yield running


@pytest.fixture
def manager(make_manager: ManagerFactory) -> SchemaManager:
    return make_manager(subject_template=CONFLUENT_TEMPLATE)


# -- validation, negotiation -----------------------------------------------------------------------


async def test_v2_and_v1_payloads_are_judged_by_their_subjects(manager: SchemaManager) -> None:
    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    assert await manager.validate_payload(FEEDBACK, {**V2_EVENT, "level": "meh"}) == (
        False,
        ['$.level: "meh" is not one of "ok", "soft", "hard"'],
    )
    assert await manager.validate_payload(FEEDBACK, V1_EVENT, prefer="v1") == (True, [])
    assert await manager.validate_payload(FEEDBACK, {**V1_EVENT, "queue_size": -1}, "v1") == (
        False,
        ["$.queue_size: -1 is less than the minimum of 0"],
    )

    v2 = await manager.get_schema(FEEDBACK)
    v1 = await manager.get_schema(FEEDBACK, prefer="v1")
    assert (v2.track, v2.version, v2.content["$core_version"]) == ("v2", "1", "2.0.0")
    assert (v1.track, v1.version, v1.content["$core_version"]) == ("v1", "2", "1.1.2")


async def test_v2_subject_missing_falls_back_to_v1_without_a_deprecation_note(
    manager: SchemaManager, server: RegistryServer, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.rmtree(server.folder.root / "subjects" / f"{FEEDBACK}.v2-value")
    caplog.set_level(logging.WARNING)

    document = await manager.get_schema(FEEDBACK)

    assert (document.track, document.deprecated) == ("v1", False)
    assert await manager.validate_payload(FEEDBACK, V1_EVENT) == (True, [])
    assert (await manager.validate_payload(FEEDBACK, {**V1_EVENT, "level": 1}))[0] is False
    assert server.count(V2_SUBJECT) == 1 and server.count(V1_SUBJECT) == 1  # negotiated once
    assert "deprecated" not in caplog.text and "unavailable" not in caplog.text


async def test_both_subjects_missing_is_not_found_and_degrades(
    manager: SchemaManager, server: RegistryServer
) -> None:
    shutil.rmtree(server.folder.root / "subjects")

    with pytest.raises(SchemaNotFoundError, match="not found on track v2 nor on fallback track v1"):
        await manager.get_schema(FEEDBACK)
    assert await manager.validate_payload(FEEDBACK, INVALID) == (True, [])
    assert manager.get_stats()["registry_errors"] == {"not_found": 1}


async def test_the_default_template_reads_one_subject_for_every_track(
    make_manager: ManagerFactory, server: RegistryServer, tmp_path: Path
) -> None:
    root = write_subjects(tmp_path / "one-subject", "{name}-value")
    with RegistryServer(root, dialect="confluent") as single:
        manager = make_manager(single.url)  # subject_template defaults to {name}-value

        preferred = await manager.get_schema(FEEDBACK)
        pinned = await manager.get_schema(FEEDBACK, prefer="v1", fallback="v1")
        verdicts = [
            await manager.validate_payload(FEEDBACK, V2_EVENT, prefer=track, fallback=track)
            for track in ("v1", "v2", "v9")
        ]

        counts = single.counts()
    subject = f"/subjects/{FEEDBACK}-value/versions/latest"
    assert preferred.content == pinned.content  # both read the latest: v2's schema
    assert (preferred.track, pinned.track) == ("v2", "v1")  # named after the track asked for
    assert verdicts == [(True, [])] * 3
    # one request per (name, prefer, fallback) key, all to the one subject: (v2, v1), (v1, v1),
    # (v2, v2) and (v9, v9); the second (v1, v1) lookup was a cache hit
    assert counts == {("GET", subject): 4}


async def test_schemas_registered_through_the_server_validate(
    make_manager: ManagerFactory, tmp_path: Path
) -> None:
    examples = write_subjects(tmp_path / "examples")  # only read, as the source of contents
    (tmp_path / "empty").mkdir()
    with RegistryServer(tmp_path / "empty", dialect="confluent") as empty:
        async with httpx.AsyncClient(base_url=empty.url) as http:
            v1 = (examples / "subjects" / f"{FEEDBACK}.v1-value" / "2.json").read_text()
            answer = await http.post(
                f"/subjects/{FEEDBACK}.v1-value/versions",
                json={"schema": v1, "schemaType": "JSON"},
            )
        assert answer.status_code == 200, answer.text
        async with RegistryClient(
            empty.url, dialect="confluent", subject_template=CONFLUENT_TEMPLATE
        ) as client:
            v2 = json.loads((examples / "subjects" / f"{FEEDBACK}.v2-value" / "1.json").read_text())
            await client.register_schema(FEEDBACK, v2, track="v2")
        manager = make_manager(empty.url, subject_template=CONFLUENT_TEMPLATE)

        assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
        assert (await manager.validate_payload(FEEDBACK, V1_EVENT))[0] is False  # no version
        assert await manager.validate_payload(FEEDBACK, V1_EVENT, prefer="v1") == (True, [])


# -- caching ---------------------------------------------------------------------------------------


async def test_warm_validation_makes_one_request(
    manager: SchemaManager, server: RegistryServer
) -> None:
    for _ in range(50):
        await manager.validate_payload(FEEDBACK, V2_EVENT)

    assert server.count(V2_SUBJECT) == 1
    assert sum(server.counts().values()) == 1
    stats = manager.get_stats()
    assert (stats["cache_hits"], stats["cache_misses"], stats["cache_size"]) == (49, 1, 1)


async def test_stale_if_error_keeps_the_cached_subject_judging(
    manager: SchemaManager, server: RegistryServer, clock: FakeClock
) -> None:
    await manager.validate_payload(FEEDBACK, V2_EVENT)
    body = {"error_code": 50001, "message": "Error in the backend data store"}
    server.inject_fault(V2_SUBJECT, status=500, body=body, times=None)
    clock.advance(61)

    assert await manager.validate_payload(FEEDBACK, V2_EVENT) == (True, [])
    await manager.wait_for_refreshes()

    assert (await manager.validate_payload(FEEDBACK, INVALID))[0] is False
    assert manager.get_stats()["registry_errors"] == {"server": 1}
    assert server.count(V1_SUBJECT) == 0  # a cached schema beats a fallback


# -- schemas a JSON validator cannot use ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ({"schema": '{"type": "record", "name": "E", "fields": []}'}, "AVRO"),  # no schemaType
        ({"schemaType": "PROTOBUF", "schema": 'syntax = "proto3";'}, "PROTOBUF"),
    ],
    ids=["avro", "protobuf"],
)
async def test_a_subject_holding_another_schema_type_is_a_clear_error(
    make_manager: ManagerFactory, server: RegistryServer, answer: dict[str, Any], kind: str
) -> None:
    for path, track in ((V2_SUBJECT, "v2"), (V1_SUBJECT, "v1")):
        body = {"subject": f"{FEEDBACK}.{track}-value", "id": 7, "version": 1, **answer}
        server.inject_fault(path, status=200, body=body, times=None)
    logged = make_manager(subject_template=CONFLUENT_TEMPLATE)
    closed = make_manager(
        subject_template=CONFLUENT_TEMPLATE, validation_mode="enforce", fail_open=False
    )

    with pytest.raises(RegistryResponseError) as raised:
        await logged.get_schema(FEEDBACK)
    assert await logged.validate_payload(FEEDBACK, INVALID) == (True, [])
    valid, errors = await closed.validate_payload(FEEDBACK, INVALID)

    why = f"subject '{FEEDBACK}.v2-value' holds a schema of type {kind}; only JSON Schema"
    assert why in str(raised.value)
    assert not valid and why in errors[0]


# -- references ------------------------------------------------------------------------------------


async def test_a_ref_to_another_subject_validates_through_it(
    make_manager: ManagerFactory, server: RegistryServer
) -> None:
    level = {"type": "string", "enum": ["ok", "soft", "hard"]}
    event = {
        "type": "object",
        "properties": {"level": {"$ref": "level.json"}, "n": {"type": "integer"}},
        "required": ["level"],
    }
    async with RegistryClient(server.url, dialect="confluent") as client:
        await client.register_schema("telemetry.Level", level)
        reference = {"name": "level.json", "subject": "telemetry.Level-value", "version": 1}
        registered = await client.register_schema(
            "telemetry.Leveled", event, references=[reference]
        )
    manager = make_manager()

    assert await manager.validate_payload("telemetry.Leveled", {"level": "ok"}) == (True, [])
    assert await manager.validate_payload("telemetry.Leveled", {"level": "meh"}) == (
        False,
        ['$.level: "meh" is not one of "ok", "soft", "hard"'],
    )
    record = framed(registered["id"], {"level": "meh"})
    assert (await manager.validate_message(record))[0] is False  # the writer schema bundles it too
    assert server.count("/subjects/telemetry.Level-value/versions/1") == 1  # fetched once


# -- credentials -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credentials", "said"),
    [
        ({"basic_auth": "svc:s3cret"}, None),
        ({"basic_auth": "svc:wrong"}, "registry rejected the basic auth credentials (401)"),
        ({"url_userinfo": "svc:wrong@"}, "registry rejected the basic auth credentials (401)"),
        ({}, "registry needs credentials (a token or basic auth) (401)"),
    ],
    ids=["right", "wrong", "wrong-in-url", "none"],
)
async def test_basic_auth_reaches_a_locked_registry_and_a_refusal_names_it(
    make_manager: ManagerFactory, tmp_path: Path, credentials: dict[str, str], said: str | None
) -> None:
    root = write_subjects(tmp_path / "locked")
    with RegistryServer(root, dialect="confluent", user="svc", password="s3cret") as locked:
        url = locked.url.replace("://", f"://{credentials.pop('url_userinfo', '')}")
        manager = make_manager(
            url,
            subject_template=CONFLUENT_TEMPLATE,
            validation_mode="enforce",
            fail_open=False,
            **credentials,
        )

        valid, errors = await manager.validate_payload(FEEDBACK, V2_EVENT)

    if said is None:
        assert (valid, errors) == (True, [])
    else:
        assert not valid and said in errors[0], errors
        assert "wrong" not in errors[0] and "s3cret" not in errors[0]
