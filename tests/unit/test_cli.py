"""`schema-registry` as a user runs it: a real process, real signals, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pytest_schema_registry import RegistryServer
from tests.helpers import EXAMPLES, PLUGIN_ENVIRONMENT, served_url, start_serve


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, without the outer run's registry variables."""
    environment = {k: v for k, v in os.environ.items() if k not in PLUGIN_ENVIRONMENT}
    return subprocess.run(
        [sys.executable, "-m", "pytest_schema_registry", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**environment, **(env or {})},
        cwd=cwd,
    )


@dataclass
class Serving:
    process: subprocess.Popen[str]
    url: str
    banner: str


@pytest.fixture
def serving(request: pytest.FixtureRequest) -> Iterator[Serving]:
    """Start `schema-registry serve` with the test's extra arguments; yield it, URL and banner."""
    extra: list[str] = getattr(request, "param", [])
    process, banner = start_serve(EXAMPLES, *extra)
    url = served_url(process, banner)
    try:
        yield Serving(process, url, banner)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_serve_answers_and_stops_cleanly_on_ctrl_c(
    serving: Serving,
) -> None:
    process, url = serving.process, serving.url

    body = httpx.get(f"{url}/schemas/v1/telemetry.FeedbackEvent").json()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=10)

    assert body["core_version"] == "1.1.2"
    assert process.returncode == 0
    assert "Stopped." in stdout
    assert "GET /schemas/v1/telemetry.FeedbackEvent" in stderr  # one access line per request
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "serving", [["--base-path", "/api/v1", "--token", "s3cret", "-q"]], indirect=True
)
def test_serve_with_base_path_token_and_quiet(serving: Serving) -> None:
    process, url = serving.process, serving.url

    assert url.endswith("/api/v1")
    assert httpx.get(f"{url}/health").json()["status"] == "ok"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=10)
    assert "admin API open" in serving.banner
    assert "s3cret" not in serving.banner + stdout + stderr
    assert "GET /health" not in stderr


def test_bad_files_are_listed_on_stderr_at_start(tmp_path: Path) -> None:
    (tmp_path / "v1" / "broken").mkdir(parents=True)
    (tmp_path / "v1" / "broken" / "1.0.0.json").write_text("{oops")
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_schema_registry", "serve", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)

    assert "Serving 0 schemas" in banner
    assert "skipped" in stderr and "1.0.0.json: schema file is not valid JSON" in stderr


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("serve", str(tmp_path / "nowhere"))

    assert result.returncode == 2
    assert "is not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_fails_with_a_clear_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = cli("serve", str(EXAMPLES), "--port", str(taken.getsockname()[1]))

    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [[], ["serve"], ["serve", ".", "--port", "nope"], ["frobnicate"]])
def test_bad_command_lines_exit_2_with_usage(args: list[str]) -> None:
    result = cli(*args)

    assert result.returncode == 2
    assert "usage: schema-registry" in result.stderr
    assert "Traceback" not in result.stderr


def test_out_of_range_port_is_a_usage_error() -> None:
    result = cli("serve", str(EXAMPLES), "--port", "70000")

    assert result.returncode == 2
    assert "expected a port number from 0 to 65535" in result.stderr


def test_help_and_version() -> None:
    help_text = cli("serve", "--help").stdout
    version = cli("--version").stdout

    for option in ("--host", "--port", "--token", "--base-path", "DIR"):
        assert option in help_text
    assert version.startswith("schema-registry ")


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "schema-registry"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("schema-registry ")


# -- fetch and diff -----------------------------------------------------------------------------


def test_fetch_all_writes_the_snapshot_format(server: RegistryServer, tmp_path: Path) -> None:
    result = cli("fetch", "--url", server.url, "--output", str(tmp_path / "snap"), "--all")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"fetched 3 schemas (track v2) into {tmp_path / 'snap'}: 3 new or changed, 0 unchanged"
    )
    lock = json.loads((tmp_path / "snap" / "registry.lock.json").read_text())
    assert [e["name"] for e in lock["schemas"]] == [
        "telemetry.FeedbackEvent",
        "telemetry.HealthStatus",
        "telemetry.RateAdjustment",
    ]
    assert (tmp_path / "snap" / "v2" / "telemetry.FeedbackEvent.json").is_file()
    again = cli("fetch", "--url", server.url, "--output", str(tmp_path / "snap"), "--all")
    assert "0 new or changed, 3 unchanged" in again.stdout


def test_fetch_named_schemas_on_a_track(server: RegistryServer, tmp_path: Path) -> None:
    result = cli(
        "fetch",
        "--url",
        server.url,
        "--output",
        str(tmp_path),
        "--track",
        "v1",
        "--name",
        "telemetry.HealthStatus",
        "--name",
        "telemetry.FeedbackEvent",
    )

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "v1").iterdir()) == [
        "telemetry.FeedbackEvent.json",
        "telemetry.HealthStatus.json",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "telemetry.Nope"], "schema 'telemetry.Nope' on track v2 not found (404)"),
        (["--all", "--dead"], "registry unavailable (network)"),
    ],
)
def test_fetch_fails_cleanly(
    server: RegistryServer, tmp_path: Path, args: list[str], message: str
) -> None:
    url = server.url
    if "--dead" in args:
        args.remove("--dead")
        server.stop()
    result = cli("fetch", "--url", url, "--output", str(tmp_path / "snap"), *args)

    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.startswith("schema-registry: ")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "snap").exists()  # nothing half-written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["fetch", "--url", "http://x.test", "--output", "o"],
            "one of the arguments --name --all is required",
        ),
        (
            ["fetch", "--url", "x.test", "--output", "o", "--all"],
            "--url 'x.test': expected an absolute",
        ),
        (
            ["fetch", "--url", "http://x.test", "--output", "o", "--all", "--timeout", "0"],
            "timeout=0",
        ),
        (
            ["diff", "--url", "http://x.test", "--snapshots", "/nonexistent"],
            "holds no snapshots",
        ),
    ],
)
def test_fetch_and_diff_usage_errors(args: list[str], message: str) -> None:
    result = cli(*args)

    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_is_quiet_without_drift_and_exits_1_with_it(
    server: RegistryServer, tmp_path: Path
) -> None:
    cli("fetch", "--url", server.url, "--output", str(tmp_path), "--all")
    clean = cli("diff", "--url", server.url, "--snapshots", str(tmp_path))
    folder = server.folder.root / "v2" / "telemetry.RateAdjustment"
    content = json.loads((folder / "2.0.0.json").read_text())
    content.update({"$core_version": "2.1.0", "title": "RateAdjustment 2.1"})
    (folder / "2.1.0.json").write_text(json.dumps(content))

    drifted = cli("diff", "--url", server.url, "--snapshots", str(tmp_path))

    assert (clean.returncode, clean.stdout.strip()) == (0, f"no drift: 3 schemas match {tmp_path}")
    assert drifted.returncode == 1
    assert "telemetry.RateAdjustment (v2): snapshot 2.0.0, registry 2.1.0" in drifted.stdout
    assert '  -  "title": "RateAdjustment",' in drifted.stdout
    assert '  +  "title": "RateAdjustment 2.1",' in drifted.stdout
    assert drifted.stdout.strip().endswith("drift: 1 of 3 schemas differ")


def test_diff_against_a_dead_registry_fails_cleanly(server: RegistryServer, tmp_path: Path) -> None:
    cli("fetch", "--url", server.url, "--output", str(tmp_path), "--all")
    server.stop()

    result = cli("diff", "--url", server.url, "--snapshots", str(tmp_path), "--timeout", "2")

    assert result.returncode == 1
    assert "registry unavailable (network)" in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_against_a_broken_lock_file_says_which_file(
    server: RegistryServer, tmp_path: Path
) -> None:
    cli("fetch", "--url", server.url, "--output", str(tmp_path), "--all")
    (tmp_path / "registry.lock.json").write_text('{"schemas": [{"name": "no track"}]}')

    result = cli("diff", "--url", server.url, "--snapshots", str(tmp_path))

    assert result.returncode == 1
    assert result.stderr.startswith(f"schema-registry: {tmp_path / 'registry.lock.json'} is not a")
    assert "Traceback" not in result.stderr


def test_diff_reads_the_snapshot_files_not_only_the_lock(
    server: RegistryServer, tmp_path: Path
) -> None:
    cli("fetch", "--url", server.url, "--output", str(tmp_path), "--all", "--track", "v1")
    snapshot = tmp_path / "v1" / "telemetry.FeedbackEvent.json"
    snapshot.write_text(json.dumps({"type": "object"}))  # edited by hand, lock untouched

    result = cli("diff", "--url", server.url, "--snapshots", str(tmp_path))

    assert result.returncode == 1
    assert "telemetry.FeedbackEvent (v1): snapshot 1.1.2, registry 1.1.2" in result.stdout


def serve_briefly(directory: Path, *extra: str) -> tuple[str, str]:
    """Start `serve`, read its banner, stop it; return (stdout, stderr)."""
    process, banner = start_serve(directory, *extra)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    return banner + out, err


def test_serve_on_an_empty_folder_warns_with_the_expected_layout(tmp_path: Path) -> None:
    out, err = serve_briefly(tmp_path)

    assert "Serving 0 schemas" in out
    assert "holds no schemas; expected DIR/{track}/{name}/{version}.json" in err


def test_serve_can_want_the_token_on_reads(tmp_path: Path) -> None:
    refused = cli("serve", str(EXAMPLES), "--port", "0", "--require-token")
    out, _ = serve_briefly(EXAMPLES, "--token", "t", "--require-token")

    assert refused.returncode == 2
    assert "--require-token needs --token TOKEN" in refused.stderr
    assert "admin API open with the token, reads need it too" in out


def test_diff_sees_a_snapshot_file_the_lock_does_not_list(
    server: RegistryServer, tmp_path: Path
) -> None:
    cli("fetch", "--url", server.url, "--output", str(tmp_path), "--all", "--track", "v1")
    (tmp_path / "registry.lock.json").unlink()

    result = cli("diff", "--url", server.url, "--snapshots", str(tmp_path))

    assert result.returncode == 1
    assert "telemetry.FeedbackEvent (v1): registry.lock.json does not describe" in result.stdout


@pytest.mark.parametrize(
    "serving",
    [["--token", "t", "--max-body-bytes", "100", "--max-connections", "1"]],
    indirect=True,
)
def test_serve_takes_its_limits_from_flags(serving: Serving) -> None:
    upload = {"name": "a.B", "track": "v2", "core_version": "1.0.0", "content": {"x": "y" * 200}}
    too_big = httpx.post(
        f"{serving.url}/admin/schemas", json=upload, headers={"Authorization": "Bearer t"}
    )
    with httpx.Client() as first:  # holds the one connection the server allows
        first.get(f"{serving.url}/health")
        refused = httpx.get(f"{serving.url}/health")

    assert too_big.status_code == 413
    assert refused.status_code == 503


@pytest.mark.parametrize(
    ("flag", "value", "complaint"),
    [
        ("--max-connections", "0", "'0': expected a whole number > 0"),
        ("--idle-timeout", "soon", "'soon': expected a number > 0"),
        ("--max-body-bytes", "1.5", "'1.5': expected a whole number > 0"),
    ],
)
def test_serve_refuses_a_limit_that_is_not_positive(flag: str, value: str, complaint: str) -> None:
    result = cli("serve", str(EXAMPLES), "--port", "0", flag, value)

    assert result.returncode == 2
    assert f"argument {flag}: {complaint}" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_gates_uploads_on_a_compatibility_level(tmp_path: Path) -> None:
    state = tmp_path / "v1" / "orders.State"
    state.mkdir(parents=True)
    (state / "1.0.0.json").write_text(json.dumps({"enum": ["new", "paid"]}))
    process, banner = start_serve(tmp_path, "--token", "t", "--compatibility", "backward", "-q")
    try:
        url = served_url(process, banner)

        def upload(version: str, content: object) -> httpx.Response:
            body = {"name": "orders.State", "track": "v1", "core_version": version}
            return httpx.post(
                f"{url}/admin/schemas",
                json={**body, "content": content},
                headers={"Authorization": "Bearer t"},
                timeout=30,
            )

        narrowed = upload("2.0.0", {"enum": ["new"]})
        extended = upload("1.1.0", {"enum": ["new", "paid", "void"]})
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)

    assert "uploads must be BACKWARD compatible" in banner
    assert narrowed.status_code == 409
    assert narrowed.json()["x_compat"]["problems"][0]["counterexample"] == "paid"
    assert extended.status_code == 201


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--token", "t", "--compatibility", "SIDEWAYS"], "argument --compatibility: invalid"),
        (["--compatibility", "FULL"], "--compatibility gates uploads, which need --token TOKEN"),
        (
            ["--token", "t", "--compatibility-rules", "vibes"],
            "argument --compatibility-rules: invalid choice: 'vibes'",
        ),
    ],
)
def test_serve_refuses_a_compatibility_it_cannot_keep(args: list[str], complaint: str) -> None:
    result = cli("serve", str(EXAMPLES), "--port", "0", *args)

    assert result.returncode == 2
    assert complaint in result.stderr


# -- serve --dialect confluent ------------------------------------------------------------------


def test_serve_speaks_confluent_with_basic_credentials(tmp_path: Path) -> None:
    subject = tmp_path / "subjects" / "orders-value"
    subject.mkdir(parents=True)
    (subject / "1.json").write_text(json.dumps({"enum": ["new", "paid"]}))
    process, banner = start_serve(
        tmp_path, "--dialect", "confluent", "--user", "alice", "--password", "s3cret", "-q"
    )
    try:
        url = served_url(process, banner)
        anonymous = httpx.get(f"{url}/subjects")
        listed = httpx.get(f"{url}/subjects", auth=("alice", "s3cret"))
        narrowed = httpx.post(
            f"{url}/subjects/orders-value/versions",
            json={"schema": json.dumps({"enum": ["new"]}), "schemaType": "JSON"},
            auth=("alice", "s3cret"),
            timeout=30,
        )
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)

    assert "Serving 1 subjects" in banner and "Confluent API" in banner
    assert "every request needs a credential, compatibility BACKWARD" in banner
    assert anonymous.status_code == 401
    assert listed.json() == ["orders-value"]
    assert narrowed.status_code == 409  # BACKWARD by default, with no token needed for writes
    assert "s3cret" not in banner + stdout + stderr


def test_serve_confluent_on_an_empty_folder_names_the_confluent_layout(tmp_path: Path) -> None:
    out, err = serve_briefly(tmp_path, "--dialect", "confluent", "--compatibility", "full")

    assert "Serving 0 subjects" in out and "open to anyone, compatibility FULL" in out
    assert "holds no subjects; expected DIR/subjects/{subject}/{version}.json" in err


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--dialect", "confluent", "--user", "alice"], "--user and --password go together"),
        (["--dialect", "confluent", "--password", "p"], "--user and --password go together"),
        (["--user", "a", "--password", "p"], "--user/--password are for --dialect confluent"),
        (
            ["--dialect", "confluent", "--token", "t", "--require-token"],
            "--require-token is for the seed dialect",
        ),
        (["--dialect", "avro"], "argument --dialect: invalid choice: 'avro'"),
    ],
)
def test_serve_refuses_credentials_the_dialect_cannot_use(args: list[str], complaint: str) -> None:
    result = cli("serve", str(EXAMPLES), "--port", "0", *args)

    assert result.returncode == 2
    assert "error: " in result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr
