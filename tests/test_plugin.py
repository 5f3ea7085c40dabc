"""The pytest plugin as users meet it: real pytest sessions (pytester) against the real server."""

from __future__ import annotations

import pytest

from pytest_schema_registry import RegistryServer
from pytest_schema_registry.plugin import SETTINGS_KEY

from .conftest import TOKEN, dead_url

pytestmark = pytest.mark.filterwarnings(  # inner sessions without an ini: pytest-asyncio nags
    'ignore:The configuration option "asyncio_default_fixture_loop_scope" is unset'
)

VALID_V2 = (
    '{"schema_version": "2.0.0", "coordinator_id": "c-1", "queue_size": 3, "capacity": 10, '
    '"level": "ok", "ts": 1.5}'
)


def write_ini(pytester: pytest.Pytester, body: str = "") -> None:
    """Write the inner session's pytest.ini (pytest-asyncio nags in every session without one)."""
    pytester.makefile(
        ".ini", pytest=f"[pytest]\nasyncio_default_fixture_loop_scope = function\n{body}\n"
    )


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    """Inner sessions must see only what a test sets."""
    write_ini(pytester)
    for variable in (
        "REGISTRY_URL",
        "REGISTRY_TOKEN",
        "SCHEMA_PREFER_TRACK",
        "SCHEMA_FALLBACK_TRACK",
        "REGISTRY_TIMEOUT",
        "REGISTRY_CACHE_TTL",
        "REGISTRY_ENABLED",
        "REGISTRY_VALIDATION_MODE",
        "REGISTRY_ENFORCEMENT",
    ):
        monkeypatch.delenv(variable, raising=False)


# -- options ----------------------------------------------------------------------------------------


def test_help_shows_the_group_with_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")

    text = result.stdout.str()
    assert "contract testing against a schema registry:" in text
    for flag in (
        "--registry-url=URL",
        "--registry-token=TOKEN",
        "--schema-track=TRACK",
        "--schema-fallback-track=TRACK",
        "--registry-timeout=SECONDS",
        "--registry-cache-ttl=SECONDS",
        "--registry-mode=MODE",
        "--registry-required",
        "--registry-record=WHAT",
        "--registry-cassette-dir=DIR",
        "--schema-snapshot-dir=DIR",
        "--schema-snapshot-update",
    ):
        assert flag in text
    assert "[env: REGISTRY_URL]" in text
    assert "registry_url (string)" in text  # the ini key


def test_markers_are_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    result.stdout.fnmatch_lines(["@pytest.mark.registry_schema(name, track=None, version=None): *"])


@pytest.mark.parametrize(
    ("cli", "ini", "env", "expected", "origin"),
    [
        ([], "", {}, (None, "v2", 300.0), None),
        (
            [],
            "",
            {"REGISTRY_URL": "http://env.test", "REGISTRY_CACHE_TTL": "7"},
            ("http://env.test", "v2", 7.0),
            "REGISTRY_URL",
        ),
        (
            [],
            "registry_url = http://ini.test\nregistry_cache_ttl = 8\nschema_track = v9",
            {"REGISTRY_URL": "http://env.test", "REGISTRY_CACHE_TTL": "7"},
            ("http://ini.test", "v9", 8.0),
            "ini registry_url",
        ),
        (
            ["--registry-url=http://cli.test", "--registry-cache-ttl=9"],
            "registry_url = http://ini.test\nregistry_cache_ttl = 8",
            {"REGISTRY_URL": "http://env.test", "SCHEMA_PREFER_TRACK": "v5"},
            ("http://cli.test", "v5", 9.0),
            "--registry-url",
        ),
    ],
    ids=["defaults", "environment", "ini-over-environment", "cli-over-ini"],
)
def test_precedence_is_cli_then_ini_then_environment_then_default(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    cli: list[str],
    ini: str,
    env: dict[str, str],
    expected: tuple[object, ...],
    origin: str | None,
) -> None:
    write_ini(pytester, ini)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    settings = pytester.parseconfigure(*cli).stash[SETTINGS_KEY]

    config = settings.config
    assert (config.url, config.prefer_track, config.cache_ttl) == expected
    assert config.enabled is (config.url is not None)
    if origin:
        assert settings.origins["registry_url"] == origin


def test_every_option_has_an_ini_key(pytester: pytest.Pytester) -> None:
    write_ini(
        pytester,
        "registry_url = http://ini.test\nregistry_token = t\nschema_track = v3\n"
        "schema_fallback_track = none\nregistry_timeout = 4\nregistry_cache_ttl = 5\n"
        "registry_mode = off\nregistry_required = true\n",
    )

    settings = pytester.parseconfigure().stash[SETTINGS_KEY]

    config = settings.config
    assert (config.url, config.token, config.prefer_track, config.fallback_track) == (
        "http://ini.test",
        "t",
        "v3",
        None,
    )
    assert (config.timeout, config.cache_ttl, settings.access, settings.required) == (
        4,
        5,
        "off",
        True,
    )
    assert not config.enabled and not settings.available


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--registry-timeout=abc"], "--registry-timeout='abc': expected seconds as a number > 0"),
        (
            ["--registry-url=localhost:8081"],
            "--registry-url='localhost:8081': expected an absolute",
        ),
        (
            ["--registry-mode=sometimes"],
            "--registry-mode='sometimes': expected one of auto, replay, record, live, off",
        ),
        (
            ["--registry-record=sometimes"],
            "--registry-record='sometimes': expected one of new, all",
        ),
    ],
)
def test_bad_values_stop_the_session_with_a_usage_error(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    result = pytester.runpytest(*args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"schema registry: {message}" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_bad_ini_values_name_the_key(pytester: pytest.Pytester) -> None:
    write_ini(pytester, "registry_required = perhaps")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "ini registry_required='perhaps': expected true or false" in result.stderr.str()


def test_bad_environment_values_name_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_CACHE_TTL", "abc")

    result = pytester.runpytest()

    assert "REGISTRY_CACHE_TTL='abc': expected seconds as a number >= 0" in result.stderr.str()


# -- fixtures, sync and async -------------------------------------------------------------------------


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


# -- the marker -------------------------------------------------------------------------------------


def test_marker_binds_the_schema_fixture(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.registry_schema("telemetry.FeedbackEvent", track="v1")
        def test_v1(schema):
            assert (schema.track, schema.version) == ("v1", "1.1.2")

        @pytest.mark.registry_schema("telemetry.HealthStatus")
        def test_negotiated(schema):
            assert schema.track == "v1"  # v2 is deprecated

        @pytest.mark.registry_schema(name="telemetry.FeedbackEvent", track="v1", version="1.1.0")
        def test_pinned(schema):
            assert schema.version == "1.1.0"
    """)

    result = pytester.runpytest(f"--registry-url={server.url}", "--strict-markers")

    result.assert_outcomes(passed=3)


def test_bad_marker_use_fails_with_usage(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile("""
        import pytest

        @pytest.mark.registry_schema()
        def test_no_name(schema):
            pass

        @pytest.mark.registry_schema("x", colour="red")
        def test_unknown_argument(schema):
            pass

        @pytest.mark.registry_schema("x", track=2)
        def test_bad_track(schema):
            pass

        def test_no_marker(schema):
            pass
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(errors=4)
    text = result.stdout.str()
    assert (
        "registry_schema marker: bad arguments () {}; usage: @pytest.mark.registry_schema(" in text
    )
    assert "unknown argument(s) colour" in text
    assert "registry_schema marker: track=2 is not a string" in text
    assert "the `schema` fixture needs a marker" in text


# -- contract assertions ------------------------------------------------------------------------------


def test_failing_assert_valid_lists_every_error_path_and_the_schema(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile("""
        def test_contract(schema_contract):
            schema_contract.assert_valid(
                "telemetry.FeedbackEvent",
                {"coordinator_id": 7, "queue_size": -1, "capacity": 0, "level": "meh"},
                track="v1",
            )
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*AssertionError: payload is invalid against telemetry.FeedbackEvent "
            "(track v1, version 1.1.2, sha256 *):",
            'E*  $: "ts" is a required property',
            "E*  $.capacity: 0 is less than or equal to the minimum of 0",
            'E*  $.coordinator_id: 7 is not of type "string"',
            'E*  $.level: "meh" is not one of "ok", "soft" or "hard"',
            "E*  $.queue_size: -1 is less than the minimum of 0",
        ]
    )


def test_assert_invalid_with_match(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile(f"""
        import json

        def test_rejected_for_the_right_reason(schema_contract):
            schema_contract.assert_invalid("telemetry.FeedbackEvent", {{"level": "ok"}}, match="required")

        def test_wrong_reason(schema_contract):
            schema_contract.assert_invalid("telemetry.FeedbackEvent", {{}}, match="minimum")

        def test_unexpectedly_valid(schema_contract):
            schema_contract.assert_invalid("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))

        def test_validate_returns_the_result(schema_contract):
            result = schema_contract.validate("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))
            assert result and result.schema.version == "2.0.0"
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*payload is invalid, but no error matches 'minimum'; it is invalid against*",
            "*payload should be invalid but is valid against telemetry.FeedbackEvent (track v2*",
        ]
    )


# -- no registry, dead registry ---------------------------------------------------------------------


TEST_NEEDING_A_REGISTRY = """
def test_needs_registry(schema_contract):
    schema_contract.assert_valid("telemetry.FeedbackEvent", {})

def test_does_not(tmp_path):
    assert tmp_path.exists()
"""


def test_without_a_registry_tests_that_need_one_skip_saying_what_to_pass(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest("-rs")

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*no schema registry configured: pass --registry-url URL, set "
            "REGISTRY_URL, or add registry_url to the [[]pytest[]] ini section*"
        ]
    )
    assert "schema registry" not in result.stdout.str().split("short test summary")[0][-500:]


def test_registry_required_turns_the_skip_into_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest("--registry-required")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*no schema registry configured: pass --registry-url URL*"])


def test_mode_off_skips_registry_tests(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest(f"--registry-url={server.url}", "--registry-mode=off", "-rs")

    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*schema registry disabled by --registry-mode=off*"])
    assert server.requests == []


def test_a_dead_registry_fails_with_a_clear_message_and_no_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TEST_NEEDING_A_REGISTRY)

    result = pytester.runpytest(f"--registry-url={dead_url()}", "--registry-timeout=2")

    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    failure = text.split("_ test_needs_registry _")[1].split("-- Captured log call --")[0]
    lines = [line.strip("_- ") for line in failure.splitlines() if line.strip("_- ")]
    assert len(lines) == 1, failure  # the message alone: no traceback, no source
    assert lines[0].startswith("RegistryUnavailableError: GET http://127.0.0.1:")
    assert "registry unavailable (network): ConnectError" in lines[0]
    assert "registry errors: 1 network" in text


# -- summary, xdist, secrets --------------------------------------------------------------------------


def test_summary_section(pytester: pytest.Pytester, server: RegistryServer) -> None:
    pytester.makepyfile(f"""
        import json

        def test_a(schema_contract):
            schema_contract.assert_valid("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))
            schema_contract.assert_invalid("telemetry.FeedbackEvent", {{}})

        def test_b(schema_contract):
            schema_contract.assert_valid("telemetry.HealthStatus",
                {{"service": "s", "state": "healthy", "version": "1", "ts": 1}})
    """)

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*= schema registry =*",
            f"schemas from {server.url} (live)",
            "  telemetry.FeedbackEvent  v2   2.0.0        ????????????",
            "  telemetry.HealthStatus   v1   1.0.0        ????????????",
            "validations: 2 valid, 1 invalid, 0 without a schema",
            "cache: 1 hit, 2 misses",
            "registry errors: none",
        ]
    )


def test_no_summary_when_the_registry_is_not_used(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")

    result = pytester.runpytest(f"--registry-url={server.url}")

    result.assert_outcomes(passed=1)
    assert "schema registry" not in result.stdout.str()
    assert server.requests == []


def test_xdist_runs_one_manager_per_worker_and_merges_the_summary(
    pytester: pytest.Pytester, server: RegistryServer
) -> None:
    pytester.makepyfile(
        **{
            f"test_part{i}": f"""
            import json

            def test_{i}(schema_contract):
                schema_contract.assert_valid("telemetry.FeedbackEvent", json.loads('{VALID_V2}'))
        """
            for i in range(4)
        }
    )

    result = pytester.runpytest_subprocess(
        f"--registry-url={server.url}", "-n", "2", "-p", "no:cacheprovider"
    )

    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*= schema registry =*",
            "validations: 4 valid, 0 invalid, 0 without a schema",
            "cache: * hit*, * miss* (over 2 workers)",
        ]
    )
    assert 1 <= server.count("/schemas/v2/telemetry.FeedbackEvent") <= 2


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


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")

    result = pytester.runpytest("-p", "no:schema_registry")

    result.assert_outcomes(passed=1)
