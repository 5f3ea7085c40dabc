"""The Confluent dialect and the Kafka record path under hostile registry answers and records.

Each test is one finding of the adversarial review of the Confluent code: a registry answer, a
record or a setting that broke a promise (a verdict or a clear error, bounded in time and
memory, no exception out of the never-raising API, no secret in any text).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import (
    RegistryClient,
    RegistryResponseError,
    RegistryServer,
    SchemaManager,
)
from pytest_schema_registry._core.subjects import SubjectTemplate
from pytest_schema_registry._wire.retry import RetryPolicy

pytestmark = pytest.mark.anyio

LATEST = "/subjects/orders-value/versions/latest"


def version_answer(subject: str, schema: Any, references: Any = (), **extra: Any) -> bytes:
    """Return a `/subjects/{s}/versions/{v}` body as a Confluent registry sends it."""
    body = {
        "subject": subject,
        "id": 1,
        "version": 1,
        "schemaType": "JSON",
        "schema": json.dumps(schema),
        "references": list(references),
        **extra,
    }
    return json.dumps(body).encode()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as running:
        yield running


@pytest.fixture
async def client(server: RegistryServer) -> AsyncIterator[RegistryClient]:
    async with RegistryClient(
        server.url, dialect="confluent", retry=RetryPolicy(attempts=1)
    ) as opened:
        yield opened


@pytest.fixture
async def manager(server: RegistryServer) -> AsyncIterator[SchemaManager]:
    async with SchemaManager(server.url, dialect="confluent", metrics=False) as started:
        yield started


# -- finding 1: a reference to the empty subject -------------------------------------------------


@pytest.mark.parametrize("field", ["subject", "name"])
async def test_a_reference_with_an_empty_subject_or_name_is_a_registry_error_not_a_crash(
    server: RegistryServer, client: RegistryClient, manager: SchemaManager, field: str
) -> None:
    reference = {"name": "a.json", "subject": "address-value", "version": 1, field: ""}
    answer = version_answer("orders-value", {"$ref": "a.json"}, [reference])
    server.inject_fault(LATEST, status=200, body=answer, times=None)

    with pytest.raises(RegistryResponseError, match="reference should be"):
        await client.fetch_schema("orders", track="v1")
    verdict = await manager.validate_payload("orders", {})  # degrades, never raises

    assert verdict == (True, [])


# -- finding 2: references that embed one document over and over --------------------------------


def serve_reference_ladder(
    server: RegistryServer, levels: int, width: int, leaf: dict[str, Any]
) -> None:
    """Serve `orders-value` -> s1 -> ... -> s<levels>, each step `width` references to the next.

    Each answer is a few hundred bytes, and each subject is fetched once; bundled naively, the
    leaf is copied width ** levels times.
    """
    for level in range(levels + 1):
        subject = "orders-value" if level == 0 else f"s{level}"
        path = LATEST if level == 0 else f"/subjects/{subject}/versions/1"
        if level == levels:
            server.inject_fault(path, status=200, body=version_answer(subject, leaf), times=None)
            continue
        names = [f"r{k}.json" for k in range(width)]
        schema = {"properties": {name: {"$ref": name} for name in names}}
        refs = [{"name": name, "subject": f"s{level + 1}", "version": 1} for name in names]
        server.inject_fault(
            path, status=200, body=version_answer(subject, schema, refs), times=None
        )


@pytest.mark.parametrize(
    ("levels", "width", "leaf"),
    [
        (15, 4, {"type": "object"}),  # 4 ** 15: a billion copies of a tiny leaf
        (12, 2, {"description": "x" * 100_000}),  # 4,096 copies of a 100 KB string
    ],
    ids=["many-nodes", "long-strings"],
)
async def test_references_that_copy_a_document_exponentially_are_refused(
    server: RegistryServer, levels: int, width: int, leaf: Any
) -> None:
    serve_reference_ladder(server, levels, width, leaf)

    async with RegistryClient(  # the bound is max_response_bytes: a small one keeps this quick
        server.url, dialect="confluent", retry=RetryPolicy(attempts=1), max_response_bytes=10**6
    ) as client:
        with pytest.raises(RegistryResponseError, match="references bundle into more than"):
            await client.fetch_schema("orders", track="v1")

    assert len(server.requests) <= levels + 1  # each subject once: the copies cost no request


async def test_a_reference_ladder_of_ordinary_size_still_bundles(
    server: RegistryServer, client: RegistryClient
) -> None:
    serve_reference_ladder(server, 4, 2, {"type": "string"})  # 16 copies of a leaf

    document = await client.fetch_schema("orders", track="v1")

    assert json.dumps(document.content).count('"type": "string"') == 16


# -- finding 3: one answer naming thousands of references ---------------------------------------


async def test_a_reference_fan_out_costs_a_bounded_number_of_requests(
    server: RegistryServer, client: RegistryClient
) -> None:
    width = 2_000  # 100 KB of answer; 16 MB would name 300,000 subjects, fetched one by one
    refs = [{"name": f"r{k}.json", "subject": f"s{k}", "version": 1} for k in range(width)]
    server.inject_fault(LATEST, status=200, body=version_answer("orders-value", {}, refs))
    for k in range(width):  # every subject exists
        path = f"/subjects/s{k}/versions/1"
        server.inject_fault(path, status=200, body=version_answer(f"s{k}", {}), times=None)

    with pytest.raises(RegistryResponseError, match="references than one document may"):
        await client.fetch_schema("orders", track="v1")

    assert len(server.requests) <= 1 + 256


# -- finding 4: record headers and values that are not bytes, or whose reads fail ----------------


def headers_failing_midway() -> Iterator[tuple[str, bytes]]:
    yield ("traceparent", b"00-abc")
    raise RuntimeError("the consumer's header decoder failed")


class UnreadableHeaders:
    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        raise KeyError("headers")


def released_view() -> memoryview:
    view = memoryview(b"\x00\x00\x00\x00\x01{}")
    view.release()
    return view


HOSTILE_RECORDS: list[tuple[str, Any, Any]] = [
    ("headers-raise-midway", b"\x00\x00\x00\x00\x01{}", headers_failing_midway),
    ("headers-iter-raises", b"\x00\x00\x00\x00\x01{}", UnreadableHeaders),
    ("header-int-huge", b"{}", lambda: [("__value_schema_id", 2**62)]),  # bytes(n): n zeros
    ("header-int", b"{}", lambda: [("__value_schema_id", 17)]),  # not 17 zero bytes: id 0
    ("header-int-in-dict", b"{}", lambda: {"__value_schema_id": 5}),
    ("header-list-of-ints", b"{}", lambda: [("__value_schema_id", [1] * 17)]),
    ("value-released-view", released_view, lambda: None),
]


@pytest.mark.parametrize(
    ("case", "value", "headers"), HOSTILE_RECORDS, ids=[case for case, *_ in HOSTILE_RECORDS]
)
@pytest.mark.parametrize("mode", ["log", "enforce"])
async def test_a_record_whose_headers_or_value_cannot_be_read_is_malformed_not_raised(
    server: RegistryServer, manager: SchemaManager, case: str, value: Any, headers: Any, mode: str
) -> None:
    from pytest_schema_registry import Decision, InMemoryDeadLetterSink, ValidationGate

    gate = ValidationGate(manager, mode=mode, sink=InMemoryDeadLetterSink())
    read = value if isinstance(value, bytes) else value()

    valid, errors = await manager.validate_message(read, headers=headers())
    result = await gate.check_message(
        value if isinstance(value, bytes) else value(), headers=headers()
    )

    assert not valid and errors[0].startswith("unreadable record: ")
    assert result.decision is Decision.REJECT
    assert (result.reason or "").startswith("malformed envelope: unreadable record: ")
    assert server.requests == []  # no schema id was read, so none was looked up


# -- finding 5: reading subjects back with a backtracking regex ---------------------------------


@pytest.mark.parametrize(
    ("template", "hostile", "good"),
    [
        ("{name}_{track}", "_" * 20_000 + ".", ("orders", "v2")),  # "_" may be in a track
        ("{name}:{track}-value", ":" * 20_000 + ".", ("orders", "v2")),
        ("{name}{track}", "a" * 20_000 + ".", ("orders", "2")),
    ],
)
async def test_a_long_subject_in_the_index_is_read_in_linear_time(
    server: RegistryServer, template: str, hostile: str, good: tuple[str, str]
) -> None:
    """The regex took 1.4 s for 8,000 characters, quadratically: 16 MB of subjects, forever."""
    subject = SubjectTemplate.of(template).format(*good)
    server.inject_fault("/subjects", status=200, body=[hostile, subject])
    async with RegistryClient(server.url, dialect="confluent", subject_template=template) as client:
        started = time.perf_counter()

        index = await client.index()

        assert time.perf_counter() - started < 1.0  # seconds before; milliseconds now
    assert [(entry.name, entry.track) for entry in index.entries] == [good]


def test_subjects_read_back_as_the_regex_read_them() -> None:
    """The linear reading keeps the old rule: the name takes all it can, a track no . or -."""

    def regex(text: str) -> re.Pattern[str]:
        parts = re.split(r"(\{name\}|\{track\})", text)
        fields = {"{name}": "(?P<name>.+)", "{track}": "(?P<track>[^.\\-]+)"}
        return re.compile("".join(fields.get(p, re.escape(p)) for p in parts), re.DOTALL)

    rng = random.Random(12)  # noqa: S311  # reproducible cases, not secrets
    for text in (
        "{name}-value",
        "{name}.{track}-value",
        "{name}_{track}",
        "{track}{name}",
        "{track}..{name}",
        "x{name}ab{track}y",
        "{name}{track}",
        "{track}-{name}",
    ):
        template, pattern = SubjectTemplate.of(text), regex(text)
        for _ in range(3_000):
            subject = "".join(rng.choice("ab._-x:y\n") for _ in range(rng.randrange(12)))
            if rng.random() < 0.5:
                subject = template.format(subject or "n", rng.choice(["v2", "a_b", ":"]))
            match = pattern.fullmatch(subject)
            expected = (match["name"], match.groupdict().get("track") or "*") if match else None
            assert template.parse(subject) == expected, (text, subject)


# -- finding 6: a writer schema named after whatever subject the registry says holds it ---------


@pytest.mark.parametrize(
    "subject",
    ["evil\nCRITICAL forged line-value", "x" * 1_000_000 + "-value", "a\ud800-value", "a\x1b[2J"],
    ids=["newline", "1-MB", "lone-surrogate", "escape-sequence"],
)
async def test_a_writer_schema_is_not_named_by_an_unusable_holder_subject(
    server: RegistryServer, caplog: pytest.LogCaptureFixture, subject: str
) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from pytest_schema_registry import Decision, ValidationGate

    async with RegistryClient(server.url, dialect="confluent") as client:
        schema_id = (await client.register_schema("orders", {"required": ["a"]}))["id"]
    holders = json.dumps([{"subject": subject, "version": 1}]).encode()
    server.inject_fault(f"/schemas/ids/{schema_id}/versions", status=200, body=holders)
    metrics = CollectorRegistry()
    record = b"\x00" + schema_id.to_bytes(4, "big") + b"{}"  # invalid: "a" is required

    async with SchemaManager(server.url, dialect="confluent", metrics_registry=metrics) as manager:
        result = await ValidationGate(manager, mode="log").check_message(record)

    assert result.decision is Decision.ACCEPT_WITH_WARNING  # judged, against the right schema
    assert result.schema == f"schema-id-{schema_id}"  # named by its id, as with no holder
    assert generate_latest(metrics)  # the scrape still encodes (a lone surrogate broke it)
    assert all("\n" not in r.getMessage() and len(r.getMessage()) < 2_000 for r in caplog.records)


# -- finding 7: a secret echoed back, then shown escaped or cut before it was masked -------------

SECRET = "Sx\\9Qz'-canary-4e1d"  # printable ASCII, as basic_auth allows: a backslash and a quote


def shown_parts(secret: str) -> list[str]:
    """Return every 6-character piece of the secret, as written and as repr/JSON escape it."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], secret.replace("\\", "\\\\")}
    return [form[i : i + 6] for form in forms for i in range(len(form) - 5)]


ECHOES: list[tuple[str, str, Any]] = [
    ("body-not-an-object", LATEST, ["echo", SECRET]),
    ("subjects-not-strings", "/subjects", [SECRET, 1]),
    (
        "reference-cut-at-80",
        LATEST,
        {"schemaType": "JSON", "references": [{"name": "x" * 64 + SECRET}]},
    ),
    ("schema-type", LATEST, {"schemaType": "AVRO" + SECRET}),
]


@pytest.mark.parametrize(("case", "path", "body"), ECHOES, ids=[case for case, *_ in ECHOES])
async def test_a_secret_the_registry_echoes_shows_in_no_form_in_the_error(
    server: RegistryServer, case: str, path: str, body: Any
) -> None:
    if isinstance(body, dict):
        body = {"subject": "orders-value", "id": 1, "version": 1, "schema": "{}", **body}
    server.inject_fault(path, status=200, body=json.dumps(body).encode())
    async with RegistryClient(
        server.url, dialect="confluent", basic_auth=f"key:{SECRET}", retry=RetryPolicy(attempts=1)
    ) as client:
        with pytest.raises(RegistryResponseError) as caught:
            await (
                client.index() if path == "/subjects" else client.fetch_schema("orders", track="v1")
            )

    message = str(caught.value)
    assert not [part for part in shown_parts(SECRET) if part in message], message


# -- finding 8: a name holding "{track}" or "{name}" ----------------------------------------------


@pytest.mark.parametrize(
    ("template", "name", "track", "subject"),
    [
        ("{name}-value", "orders{track}", "v2", "orders{track}-value"),
        ("{name}.{track}-value", "a{track}", "v2", "a{track}.v2-value"),
        ("{track}.{name}", "x", "v{name}", "v{name}.x"),
    ],
)
def test_a_name_or_track_is_put_into_its_subject_as_written(
    template: str, name: str, track: str, subject: str
) -> None:
    assert SubjectTemplate.of(template).format(name, track) == subject


async def test_a_name_holding_the_track_placeholder_reads_no_other_names_subject(
    server: RegistryServer, client: RegistryClient, manager: SchemaManager
) -> None:
    await client.register_schema("ordersv2", {"required": ["a"]})  # subject ordersv2-value

    verdict = await manager.validate_payload("orders{track}", {})  # from an untrusted envelope

    assert verdict == (True, [])  # no such schema: degraded, not judged by ordersv2's
    assert server.count("/subjects/ordersv2-value/versions/latest") == 0


# -- finding 9: the gate reading one-shot headers twice ------------------------------------------


async def test_a_gate_names_the_writer_of_a_record_whose_headers_are_a_generator(
    manager: SchemaManager,
) -> None:
    from pytest_schema_registry import Decision, ValidationGate

    guid = bytes(range(16))
    headers = (pair for pair in [("__value_schema_id", b"\x01" + guid)])  # read once, then empty

    result = await ValidationGate(manager, mode="log").check_message(b"{}", headers=headers)

    assert result.decision is Decision.ACCEPT_WITH_WARNING  # no such GUID: let through
    assert result.schema == "guid:00010203-0405-0607-0809-0a0b0c0d0e0f"  # not "__malformed__"
