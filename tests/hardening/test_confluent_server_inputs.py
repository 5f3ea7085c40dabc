"""The Confluent dialect's server under odd input: numbers, digits, credentials, referrers.

Findings of a review of the embedded Confluent registry; each answered 200 with a broken schema,
500 with a traceback, or left the registry open, before its fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import ConfigError, RegistryServer
from pytest_schema_registry.cli import main

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


def register(http: httpx.Client, subject: str, schema: Any, **extra: Any) -> httpx.Response:
    body = {"schema": json.dumps(schema), "schemaType": "JSON", **extra}
    return http.post(f"/subjects/{subject}/versions", json=body)


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    with (
        RegistryServer(tmp_path, dialect="confluent", compatibility="NONE") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def test_a_number_too_large_for_a_float_is_refused_not_stored_as_infinity(
    http: httpx.Client, tmp_path: Path
) -> None:
    text = '{"type": "number", "default": 1e999}'
    refused = http.post("/subjects/f-value/versions", json={"schema": text, "schemaType": "JSON"})
    sneaked = http.post(
        "/subjects/f-value/versions",
        content=b'{"schema": "{}", "schemaType": "JSON", "ruleSet": {"x": 1e999}}',
        headers={"Content-Type": CONTENT_TYPE},
    )

    assert (refused.status_code, refused.json()["error_code"]) == (422, 42201)
    assert "1e999" in refused.json()["message"]
    assert sneaked.status_code == 400
    assert not (tmp_path / "subjects" / "f-value").exists()  # nothing half-written
    assert register(http, "f-value", {"type": "number"}).status_code == 200


def test_a_lone_surrogate_escape_is_refused_not_a_500(http: httpx.Client) -> None:
    body = b'{"schema": "{}", "schemaType": "JSON", "metadata": {"properties": {"k": "\\ud800"}}}'
    answer = http.post(
        "/subjects/s-value/versions", content=body, headers={"Content-Type": CONTENT_TYPE}
    )
    in_schema = http.post(
        "/subjects/s-value/versions",
        json={"schema": '{"title": "\\ud800"}', "schemaType": "JSON"},
    )

    assert answer.status_code == 400 and "lone surrogate" in answer.json()["message"]
    assert in_schema.status_code == 422 and "lone surrogate" in in_schema.json()["message"]


@pytest.mark.parametrize("odd", ["%C2%B2", "1" * 5000, "0x10", "-5"])
def test_numbers_in_paths_and_queries_are_ascii_digits_or_refused(
    http: httpx.Client, odd: str
) -> None:
    register(http, "a-value", {"type": "string"})

    version = http.get(f"/subjects/a-value/versions/{odd}")
    by_id = http.get(f"/schemas/ids/{odd}")
    page = http.get(f"/subjects?offset={odd}&limit={odd}")

    assert (version.status_code, version.json()["error_code"]) == (422, 42202)
    assert (by_id.status_code, by_id.json()["error_code"]) == (404, 40403)
    assert page.status_code == 200 and page.json() == ["a-value"]  # not a number: ignored


@pytest.mark.parametrize(
    ("credentials", "said"),
    [
        ({"user": "", "password": "s3cret"}, "non-empty user"),
        ({"user": "svc", "password": ""}, "non-empty password"),
        ({"user": "a:b", "password": "s3cret"}, "without ':'"),
        ({"token": ""}, "empty token"),
        ({"token": "  "}, "empty token"),
    ],
)
def test_an_empty_credential_never_leaves_the_registry_open(
    tmp_path: Path, credentials: dict[str, str], said: str
) -> None:
    with pytest.raises(ConfigError, match=said):
        RegistryServer(tmp_path, dialect="confluent", **credentials)


def test_serve_refuses_an_empty_user_from_an_unset_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", str(tmp_path), "--dialect", "confluent", "--user", "", "--password", "p"])

    assert exited.value.code == 2
    assert "non-empty user" in capsys.readouterr().err


def test_referencedby_lists_the_soft_deleted_referrers_that_block_a_delete(
    http: httpx.Client,
) -> None:
    register(http, "addr-value", {"type": "object"})
    order = register(
        http,
        "order-value",
        {"properties": {"to": {"$ref": "addr.json"}}},
        references=[{"name": "addr.json", "subject": "addr-value", "version": 1}],
    ).json()
    http.delete("/subjects/order-value/versions/1")

    listed = http.get("/subjects/addr-value/versions/1/referencedby")
    refused = http.delete("/subjects/addr-value/versions/1")

    assert (refused.status_code, refused.json()["error_code"]) == (422, 42206)
    assert listed.json() == [order["id"]]  # what blocks the delete can be found
