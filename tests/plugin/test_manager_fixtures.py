"""schema_manager, registry_client, registry_schema and registry_config, from sync and async tests."""

from __future__ import annotations

import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import VALID_V2


def test_sync_tests_use_the_manager_client_and_factory(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(f"""
        import json

        def test_manager(schema_manager):
            assert schema_manager.validate_payload_sync("telemetry.FeedbackEvent", json.loads('{VALID_V2}')) == (True, [])
            valid, errors = schema_manager.validate_payload_sync("telemetry.FeedbackEvent", {{}})
            assert not valid and errors

        def test_factory(registry_schema, registry_config):
            assert registry_schema("telemetry.FeedbackEvent").version == "2.0.0"
            assert registry_schema("telemetry.FeedbackEvent", track="v1").version == "1.1.2"
            assert registry_schema("telemetry.FeedbackEvent", track="v1", version="1.1.0").version == "1.1.0"
            assert registry_config.prefer_track == "v2"

        def test_same_manager_every_time(schema_manager, request):
            assert request.getfixturevalue("schema_manager") is schema_manager
    """)

    result = pytester.runpytest(f"--registry-url={server.url}", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=3)
    assert server.count("/schemas/v2/telemetry.FeedbackEvent") == 1  # one manager, one cache


@pytest.mark.parametrize("marker", ["asyncio", "anyio"])
def test_async_tests_await_the_same_manager_from_their_own_loops(
    pytester: pytest.Pytester, server: RegistryServer, marker: str
) -> None:
    pytester.makepyfile(f"""
        import json
        import pytest

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.{marker}
        async def test_first(schema_manager):
            assert await schema_manager.validate_payload("telemetry.FeedbackEvent", json.loads('{VALID_V2}')) == (True, [])

        @pytest.mark.{marker}
        async def test_second_on_a_new_loop(schema_manager, registry_client):
            assert (await schema_manager.validate_payload("telemetry.HealthStatus", {{}}))[0] is False
            assert (await registry_client.health())["status"] == "ok"

        def test_and_a_sync_one(schema_manager):
            assert schema_manager.get_schema_sync("telemetry.HealthStatus").track == "v1"
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=3)
