"""Every failure the registry can produce maps to one error class, over real HTTP.

Faults are produced by the embedded server itself (`inject_fault`); nothing here is mocked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from pytest_schema_registry import (
    RegistryAuthError,
    RegistryClient,
    RegistryRequestError,
    RegistryResponseError,
    RegistryServer,
    RegistryUnavailableError,
    RetryPolicy,
    SchemaIntegrityError,
    SchemaRegistryError,
)
from tests.helpers import TOKEN, RecordedSleeps, dead_url

pytestmark = pytest.mark.anyio

PATH = "/schemas/v1/telemetry.FeedbackEvent"


async def fetch(client: RegistryClient) -> object:
    return await client.fetch_schema("telemetry.FeedbackEvent", track="v1")


async def test_registry_down_from_the_start_is_network_unavailable_after_retries(
    retry: RetryPolicy, sleeps: RecordedSleeps
) -> None:
    async with RegistryClient(dead_url(), retry=retry) as client:
        with pytest.raises(RegistryUnavailableError, match=r"unavailable \(network\)") as caught:
            await fetch(client)

    assert caught.value.error_type == "network"
    assert caught.value.status_code is None
    assert caught.value.name == "telemetry.FeedbackEvent" and caught.value.track == "v1"
    assert sleeps == [0.2, 0.4]  # three attempts; backoff doubles (jitter pinned to its maximum)


async def test_a_server_that_went_away_is_network_unavailable(
    server: RegistryServer, client: RegistryClient
) -> None:
    await fetch(client)
    server.stop()

    with pytest.raises(RegistryUnavailableError) as caught:
        await fetch(client)
    assert caught.value.error_type == "network"


async def test_500_is_server_unavailable_and_not_retried(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps
) -> None:
    server.inject_fault(PATH, status=500, body={"detail": "database is on fire"}, times=None)

    with pytest.raises(RegistryUnavailableError, match=r"500 .*database is on fire") as caught:
        await fetch(client)

    assert (caught.value.error_type, caught.value.status_code) == ("server", 500)
    assert server.count(PATH) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_transient_statuses_are_retried_then_succeed(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps, status: int
) -> None:
    server.inject_fault(PATH, status=status, times=2)

    document = await fetch(client)

    assert document is not None
    assert server.count(PATH) == 3
    assert sleeps == [0.2, 0.4]


async def test_503_with_retry_after_seconds_waits_as_asked(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps
) -> None:
    server.inject_fault(PATH, status=503, headers={"Retry-After": "3"}, times=None)

    with pytest.raises(RegistryUnavailableError) as caught:
        await fetch(client)

    assert server.count(PATH) == 3
    assert sleeps == [3.0, 3.0]
    assert (caught.value.status_code, caught.value.retry_after) == (503, 3.0)


async def test_retry_after_as_http_date(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    server.inject_fault(PATH, status=429, headers={"Retry-After": when}, times=1)

    await fetch(client)

    assert len(sleeps) == 1 and 15 < sleeps[0] <= 20


async def test_retry_after_beyond_the_cap_fails_at_once(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps
) -> None:
    server.inject_fault(PATH, status=503, headers={"Retry-After": "3600"}, times=None)

    with pytest.raises(RegistryUnavailableError) as caught:
        await fetch(client)

    assert server.count(PATH) == 1 and sleeps == []
    assert caught.value.retry_after == 3600.0


async def test_4xx_is_never_retried(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps
) -> None:
    server.inject_fault(PATH, status=400, body={"detail": "bad track"}, times=None)

    with pytest.raises(RegistryRequestError, match=r"refused the request \(400\): bad track"):
        await fetch(client)
    assert server.count(PATH) == 1 and sleeps == []


async def test_timeout_covers_the_whole_request_and_is_not_retried(
    server: RegistryServer, retry: RetryPolicy, sleeps: RecordedSleeps
) -> None:
    server.inject_fault(PATH, status=200, delay=5.0, times=None)

    async with RegistryClient(server.url, retry=retry, timeout=0.2) as client:
        with pytest.raises(RegistryUnavailableError, match=r"no answer within 0\.2s") as caught:
            await fetch(client)

    assert caught.value.error_type == "timeout"
    assert server.count(PATH) == 1 and sleeps == []


async def test_truncated_body_is_network_unavailable(
    server: RegistryServer, client: RegistryClient, sleeps: RecordedSleeps
) -> None:
    server.inject_fault(PATH, status=200, body=b'{"name": "telemetry.Fe', truncate=True)

    with pytest.raises(RegistryUnavailableError) as caught:
        await fetch(client)
    assert caught.value.error_type == "network"
    assert sleeps == []  # the registry answered: a retry could repeat a write


async def test_reset_connection_is_network_unavailable(
    server: RegistryServer, client: RegistryClient
) -> None:
    server.inject_fault(PATH, reset=True)

    with pytest.raises(RegistryUnavailableError) as caught:
        await fetch(client)
    assert caught.value.error_type == "network"


async def test_non_json_body_is_a_response_error(
    server: RegistryServer, client: RegistryClient
) -> None:
    server.inject_fault(
        PATH, status=200, body=b"<html>gateway</html>", headers={"Content-Type": "text/html"}
    )

    with pytest.raises(RegistryResponseError, match=r"not JSON \(text/html\).*<html>gateway"):
        await fetch(client)


async def test_body_missing_content_names_the_key_and_the_url(
    server: RegistryServer, client: RegistryClient
) -> None:
    body = {"name": "x", "track": "v1", "core_version": "1", "sha256": "", "$schema_id": "x"}
    server.inject_fault(PATH, status=200, body=body)

    with pytest.raises(RegistryResponseError) as caught:
        await fetch(client)

    message = str(caught.value)
    assert "missing key 'content'" in message
    assert f"{server.url}{PATH}" in message
    assert caught.value.url == f"{server.url}{PATH}"


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([1, 2], "expected a JSON object for schema response, got an array"),
        ({"content": "{}"}, "key 'content' should be an object, got a string"),
        (None, "expected a JSON object for schema response, got null"),
    ],
)
async def test_wrong_shapes_are_response_errors(
    server: RegistryServer, client: RegistryClient, body: object, complaint: str
) -> None:
    server.inject_fault(PATH, status=200, body=b"null" if body is None else body)

    with pytest.raises(RegistryResponseError, match=complaint):
        await fetch(client)


async def test_index_on_a_wrong_base_url_hints_at_the_base_path(server: RegistryServer) -> None:
    root = server.url.removesuffix("/api/v1")
    async with RegistryClient(root) as client:
        with pytest.raises(RegistryRequestError, match="is the base URL right"):
            await client.index()


async def test_redirects_are_reported_not_followed(
    server: RegistryServer, client: RegistryClient
) -> None:
    server.inject_fault(PATH, status=308, headers={"Location": "https://elsewhere.test/x"})

    with pytest.raises(RegistryRequestError, match=r"redirected \(308\) to https://elsewhere"):
        await fetch(client)


async def test_integrity_mismatch_is_recorded_by_default_and_raised_when_strict(
    server: RegistryServer, retry: RetryPolicy
) -> None:
    body = {
        "name": "telemetry.FeedbackEvent",
        "track": "v1",
        "core_version": "1.1.2",
        "sha256": "0" * 64,
        "$schema_id": "telemetry.FeedbackEvent",
        "content": {"type": "object"},
    }
    server.inject_fault(PATH, status=200, body=body, times=2)

    async with RegistryClient(server.url, retry=retry) as lenient:
        assert (await fetch(lenient)).integrity == "mismatch"  # type: ignore[attr-defined]
    async with RegistryClient(server.url, retry=retry, strict_integrity=True) as strict:
        with pytest.raises(SchemaIntegrityError) as caught:
            await fetch(strict)
    assert caught.value.expected == "0" * 64
    assert len(caught.value.actual) == 64


async def test_every_error_is_a_schema_registry_error(client: RegistryClient) -> None:
    with pytest.raises(SchemaRegistryError):
        await client.fetch_schema("telemetry.Missing", track="v1")


# -- secrets --------------------------------------------------------------------------------------


async def test_token_is_sent_but_never_logged_or_repr(
    server: RegistryServer, admin: RegistryClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.inject_fault(PATH, status=503, times=1)

    await fetch(admin)

    assert [r.authorized for r in server.requests] == [True, True]
    assert TOKEN not in caplog.text
    assert caplog.records, "the request and the retry should be logged"
    assert TOKEN not in repr(admin) and "token='***'" in repr(admin)


async def test_token_echoed_by_the_registry_is_masked_in_errors(
    server: RegistryServer, admin: RegistryClient
) -> None:
    server.inject_fault(PATH, status=403, body={"detail": f"token {TOKEN} is revoked"})

    with pytest.raises(RegistryAuthError) as caught:
        await fetch(admin)

    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert "token *** is revoked" in str(caught.value)
    assert all(TOKEN not in str(v) for v in vars(caught.value).values())


async def test_credentials_in_the_url_never_reach_errors_or_repr(server: RegistryServer) -> None:
    url = server.url.replace("http://", f"http://user:{TOKEN}@") + "?token=" + TOKEN
    server.inject_fault("/index", status=500)

    async with RegistryClient(url, retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(RegistryUnavailableError) as caught:
            await client.index()
        assert TOKEN not in repr(client) and TOKEN not in client.base_url
    assert TOKEN not in str(caught.value) and TOKEN not in (caught.value.url or "")
