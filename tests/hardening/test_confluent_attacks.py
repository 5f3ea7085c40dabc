"""The Confluent dialect and the Kafka record path under hostile registry answers and records.

Each test is one finding of the adversarial review of the Confluent code: a registry answer, a
record or a setting that broke a promise (a verdict or a clear error, bounded in time and
memory, no exception out of the never-raising API, no secret in any text).
"""

from __future__ import annotations

import json
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
