"""Issue #12, finding 7: a canary secret (token, URL password, `?token=`, Basic auth) leaks nowhere.

A failing record run at `--log-level=DEBUG` against a registry that echoes the secret back: the
canary must appear in no file the run writes (cassette, snapshots, junit XML) and in no line of
its output (failure reprs with locals, captured logs, the summary). In both dialects: the
Confluent one takes Basic auth from `REGISTRY_BASIC_AUTH` as well as a Bearer token.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import CONTRACT_TESTS, EXAMPLES, FEEDBACK

CANARY = "canary-7c1e55d0"
HEALTH = "telemetry.HealthStatus"
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

    result = run_failing_record_session(pytester, url, *options)

    assert_the_canary_is_nowhere(pytester, result)
    assert any(request.path.endswith("telemetry.FeedbackEvent") for request in server.requests)


def run_failing_record_session(
    pytester: pytest.Pytester, url: str, *options: str
) -> pytest.RunResult:
    """Record against `url` at DEBUG with every report a failure can write: the canary's chances."""
    return pytester.runpytest(
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


def assert_the_canary_is_nowhere(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    """Check the run failed as planned and the canary is in no output line and no file."""
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


# -- the Confluent dialect -------------------------------------------------------------------------

# How the inner run gets the canary, and how the registry checks it: Basic from the environment
# (in-process, `monkeypatch.setenv` is what the inner session reads), Bearer from the command line.
CONFLUENT_PLACES = {
    "basic-env": (
        {"user": "svc", "password": CANARY},
        {"REGISTRY_BASIC_AUTH": f"svc:{CANARY}"},
        [],
    ),
    "bearer": ({"token": CANARY}, {}, ["--registry-token=" + CANARY]),
}
ECHOED = {"error_code": 50001, "message": "x" * 70 + f" request from svc:{CANARY} refused"}


def confluent_folder(root: Path) -> Path:
    """Write FeedbackEvent (v2) and HealthStatus (v1) as hand-written Confluent subjects."""
    for name, track, version in [(FEEDBACK, "v2", "2.0.0"), (HEALTH, "v1", "1.0.0")]:
        target = root / "subjects" / f"{name}-value" / "1.json"
        target.parent.mkdir(parents=True)
        target.write_text((EXAMPLES / track / name / f"{version}.json").read_text())
    return root


@pytest.mark.parametrize("place", sorted(CONFLUENT_PLACES))
def test_the_canary_leaks_nowhere_in_the_confluent_dialect(
    pytester: pytest.Pytester,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    place: str,
) -> None:
    credentials, environment, options = CONFLUENT_PLACES[place]
    folder = confluent_folder(tmp_path_factory.mktemp("confluent-registry"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(test_contracts=CONTRACT_TESTS, test_failing=FAILING_TESTS)

    with RegistryServer(folder, dialect="confluent", **credentials) as server:
        server.inject_fault(
            f"/subjects/{HEALTH}-value/versions/latest", status=500, body=ECHOED, times=None
        )
        result = run_failing_record_session(
            pytester, server.url, "--registry-dialect=confluent", *options
        )

    assert_the_canary_is_nowhere(pytester, result)
    reached = [r for r in server.requests if r.path.startswith(f"/subjects/{FEEDBACK}-value")]
    assert reached and all(r.authorized for r in reached)  # the credential did get through
    assert any(r.path == f"/subjects/{HEALTH}-value/versions/latest" for r in server.requests)
