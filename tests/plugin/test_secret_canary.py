"""Issue #12, finding 7: a canary secret given as token, URL password or `?token=` leaks nowhere.

A failing record run at `--log-level=DEBUG` against a registry that echoes the secret back: the
canary must appear in no file the run writes (cassette, snapshots, junit XML) and in no line of
its output (failure reprs with locals, captured logs, the summary).
"""

from __future__ import annotations

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import CONTRACT_TESTS

CANARY = "canary-7c1e55d0"
PLACES = {
    "token": ("{url}", ["--registry-token=" + CANARY]),
    "userinfo": ("http://svc:" + CANARY + "@{host}{path}", []),
    "query": ("{url}?token=" + CANARY, []),
}

FAILING_TESTS = """
def test_shows_the_config(registry_config, schema_manager):
    assert registry_config is None, repr(schema_manager)

def test_meets_the_echo(schema_contract):
    schema_contract.assert_valid("telemetry.HealthStatus", {})
"""


@pytest.mark.parametrize("place", sorted(PLACES))
def test_the_canary_leaks_nowhere(
    pytester: pytest.Pytester, server: RegistryServer, place: str
) -> None:
    template, options = PLACES[place]
    host, path = server.url.split("//", 1)[1].split("/", 1)
    url = template.format(url=server.url, host=host, path="/" + path)
    for track in ("v1", "v2"):  # a registry that echoes what it was sent, in an error body
        server.inject_fault(
            f"/schemas/{track}/telemetry.HealthStatus",
            status=500,
            body="x" * 70 + f" request from {CANARY} refused",
            times=None,
        )
    pytester.makepyfile(test_contracts=CONTRACT_TESTS, test_failing=FAILING_TESTS)

    result = pytester.runpytest(
        "--registry-mode=record",
        f"--registry-url={url}",
        *options,
        "--schema-snapshot-update",
        "--log-level=DEBUG",
        "-rA",
        "-v",
        "--showlocals",
        "--junitxml=junit.xml",
        "-p",
        "no:cacheprovider",
    )

    assert result.ret != 0
    assert "test_shows_the_config FAILED" in result.stdout.str()
    assert "HTTP Request: GET" in result.stdout.str()  # httpx's own log lines were captured
    output = result.stdout.str() + result.stderr.str()
    assert CANARY not in output
    assert CANARY[:10] not in output  # not even cut short
    written = [p for p in pytester.path.rglob("*") if p.is_file()]
    assert {"junit.xml", "schema_registry.yaml", "registry.lock.json"} <= {p.name for p in written}
    for file in written:
        assert CANARY.encode() not in file.read_bytes(), file
    assert any(request.path.endswith("telemetry.FeedbackEvent") for request in server.requests)
