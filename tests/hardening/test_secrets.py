"""Issue #12, finding 7, piece by piece (the end-to-end canary run is in tests/plugin)."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from pytest_schema_registry import (
    ConfigError,
    RegistryClient,
    RegistryConfig,
    RegistryResponseError,
    RegistryServer,
    SchemaManager,
    SchemaRegistryError,
)
from tests.helpers import FEEDBACK, TOKEN

pytestmark = pytest.mark.anyio

PASSWORD = "pw-canary-31c9e"
QUERY_SECRET = "q-canary-88ad0"


def test_the_config_repr_shows_no_url_secret() -> None:
    config = RegistryConfig(
        enabled=True, url=f"https://svc:{PASSWORD}@registry.test/api?token={QUERY_SECRET}"
    )

    shown = repr(config)

    assert PASSWORD not in shown and QUERY_SECRET not in shown
    assert "url='https://registry.test/api?token=***'" in shown


async def test_url_credentials_travel_as_basic_auth_not_in_the_url(server: RegistryServer) -> None:
    sent: list[httpx.Request] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(request)

    host_and_path = server.url.split("//", 1)[1]
    async with (
        httpx.AsyncClient(event_hooks={"request": [keep]}) as pool,
        RegistryClient(f"http://svc:{PASSWORD}@{host_and_path}", http_client=pool) as client,
    ):
        await client.fetch_schema(FEEDBACK, track="v2")
        shown = repr(client) + client.base_url

    expected = base64.b64encode(f"svc:{PASSWORD}".encode()).decode()
    assert sent[0].headers["Authorization"] == f"Basic {expected}"
    assert "@" not in str(sent[0].url) and PASSWORD not in shown


@pytest.mark.parametrize("offset", [0, 70, 75, 79])
async def test_a_secret_is_masked_before_an_echoing_body_is_cut_short(
    server: RegistryServer, offset: int
) -> None:
    body = "x" * offset + f"{TOKEN} {PASSWORD} {QUERY_SECRET}" + "y" * 200
    server.inject_fault(f"/schemas/v2/{FEEDBACK}", status=200, body=body)
    server.inject_fault(f"/schemas/v1/{FEEDBACK}", status=500, body=body)
    host_and_path = server.url.split("//", 1)[1]
    url = f"http://svc:{PASSWORD}@{host_and_path}?token={QUERY_SECRET}"

    async with RegistryClient(url, token=TOKEN) as client:
        with pytest.raises(RegistryResponseError) as not_json:
            await client.fetch_schema(FEEDBACK, track="v2")
        with pytest.raises(SchemaRegistryError) as failed:
            await client.fetch_schema(FEEDBACK, track="v1")

    for message in (str(not_json.value), str(failed.value)):
        for secret in (TOKEN, PASSWORD, QUERY_SECRET):
            assert secret[:6] not in message, message


async def test_httpx_request_log_lines_carry_no_query_secret(
    server: RegistryServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async with RegistryClient(f"{server.url}?token={QUERY_SECRET}") as client:
        await client.fetch_schema(FEEDBACK, track="v2")

    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("httpx", "httpcore"))]
    assert any(line.startswith("HTTP Request: GET") for line in ours)
    assert not [line for line in ours if QUERY_SECRET in line]


def test_the_manager_repr_shows_no_url_secret_before_it_starts() -> None:
    manager = SchemaManager(f"http://svc:{PASSWORD}@registry.test?token={QUERY_SECRET}")

    assert repr(manager) == (
        "SchemaManager(url='http://registry.test?token=***', mode='log', cached=0)"
    )


def test_a_token_read_from_a_file_loses_its_newline_and_a_bad_one_is_refused_unshown() -> None:
    assert RegistryConfig(token=f"{TOKEN}\n").token == TOKEN
    assert RegistryClient("http://r.test", token=f" {TOKEN}\n")._wire._headers() == {
        "Authorization": f"Bearer {TOKEN}"
    }
    for bad in (f"{TOKEN}é", f"{TOKEN}\nX-Injected: 1", f"{TOKEN} two"):
        with pytest.raises(ConfigError) as caught:
            RegistryConfig(token=bad)
        assert "canary" not in str(caught.value)
        assert "printable ASCII" in str(caught.value)


@pytest.mark.parametrize(
    ("userinfo", "query", "echoed"),
    [
        (f"svc:{PASSWORD}@", "", base64.b64encode(f"svc:{PASSWORD}".encode()).decode()),
        (f"svc:{PASSWORD}%40x@", "", f"{PASSWORD}%40x"),
        (f"{PASSWORD}@", "", PASSWORD),  # a token given as the user name
        ("", f"?token={QUERY_SECRET}+x", f"{QUERY_SECRET}+x"),
        ("", f"?token={QUERY_SECRET}%2Fx", f"{QUERY_SECRET}%2Fx"),
    ],
)
async def test_a_secret_echoed_in_any_form_is_masked(
    server: RegistryServer, userinfo: str, query: str, echoed: str
) -> None:
    server.inject_fault(
        f"/schemas/v2/{FEEDBACK}", status=401, body={"detail": f"refused {echoed}"}, times=None
    )
    scheme, rest = server.url.split("//", 1)

    async with RegistryClient(f"{scheme}//{userinfo}{rest}{query}") as client:
        with pytest.raises(SchemaRegistryError) as caught:
            await client.fetch_schema(FEEDBACK, track="v2")
        shown = str(caught.value) + repr(client)

    assert echoed not in shown
    assert "canary" not in shown


async def test_a_wrongly_shaped_answer_is_masked_before_it_is_cut(server: RegistryServer) -> None:
    server.inject_fault(
        f"/schemas/v1/{FEEDBACK}/versions", status=200, body={"echo": "x" * 62 + TOKEN}
    )

    async with RegistryClient(server.url, token=TOKEN) as client:
        with pytest.raises(RegistryResponseError) as caught:
            await client.list_versions(FEEDBACK, track="v1")

    assert "canary" not in str(caught.value)
