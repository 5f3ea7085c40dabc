"""--registry-token: the token is never printed, and reaches no file the plugin writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import TEST_NEEDING_A_REGISTRY, TOKEN, record


def test_the_token_is_never_printed(pytester: pytest.Pytester, server: RegistryServer) -> None:
    server.inject_fault(
        "/schemas/v2/telemetry.FeedbackEvent",
        status=401,
        body={"detail": f"token {TOKEN} expired"},
        times=None,
    )
    pytester.makepyfile(f"""
        def test_config(registry_config):
            print(repr(registry_config))
            assert registry_config.token == "{TOKEN}"

        def test_rejected(schema_contract):
            schema_contract.assert_valid("telemetry.FeedbackEvent", {{}})
    """)

    result = pytester.runpytest(
        f"--registry-url={server.url}",
        f"--registry-token={TOKEN}",
        "-v",
        "-s",
        "-rA",
        "--showlocals",
    )

    result.assert_outcomes(passed=1, failed=1)
    assert server.requests[0].authorized
    assert "RegistryAuthError" in result.stdout.str()
    assert TOKEN not in result.stdout.str() + result.stderr.str()


@pytest.mark.usefixtures("contract_project")
def test_the_canary_token_reaches_no_written_file(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    server.inject_fault(
        "/schemas/v2/telemetry.HealthStatus",
        status=200,
        times=None,
        body={"detail": f"echoing {TOKEN}"},
    )  # a registry that echoes the token
    record(pytester, server, "--schema-snapshot-update", "-p", "no:cacheprovider")
    pytester.runpytest("--schema-snapshot-update", "-p", "no:cacheprovider")

    written = [p for p in pytester.path.rglob("*") if p.is_file()]
    assert any(p.name == "schema_registry.yaml" for p in written)
    assert any(p.name == "registry.lock.json" for p in written)
    for path in written:
        assert TOKEN.encode() not in path.read_bytes(), path
    assert server.requests[0].authorized  # it was sent, all the same


def test_a_wrong_token_fails_locally_as_it_would_against_a_real_registry(
    pytester: pytest.Pytester, registry_dir: Path
) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    with RegistryServer(registry_dir, token=TOKEN, reads_need_token=True) as locked:
        wrong = pytester.runpytest(f"--registry-url={locked.url}", "--registry-token=stale")
        right = pytester.runpytest(f"--registry-url={locked.url}", f"--registry-token={TOKEN}")

    wrong.assert_outcomes(passed=1, failed=1)
    wrong.stdout.fnmatch_lines(["RegistryAuthError: *registry rejected the token (401)*"])
    assert "stale" not in wrong.stdout.str()
    right.assert_outcomes(passed=1, failed=1)  # the payload is invalid: the registry answered
    right.stdout.fnmatch_lines(["*payload is invalid against telemetry.FeedbackEvent (track v2*"])
