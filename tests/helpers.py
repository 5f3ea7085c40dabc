"""What several test modules share: paths, the canary token, payload builders, inner-session setup.

Test modules import from here, never from `conftest` or from each other. Kept light (no pytest at
import time): a test's child process imports it too.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_schema_registry import SchemaDocument, SchemaManager, content_sha256
from pytest_schema_registry._core.config import ENV_VARIABLES
from pytest_schema_registry._harness.options import OPTIONS

if TYPE_CHECKING:
    import pytest

    from pytest_schema_registry import RegistryServer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "registry"
README = ROOT / "README.md"
TOKEN = "canary-token-7f3a9c"  # a distinctive value, so a leak anywhere is easy to find
FEEDBACK = "telemetry.FeedbackEvent"
BACKENDS = ["jsonschema-rs", "jsonschema"]


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


ManagerFactory = Callable[..., SchemaManager]  # what the `make_manager` fixture returns

# -- payloads ----------------------------------------------------------------------------------------

V1_EVENT = {"coordinator_id": "c-1", "queue_size": 3, "capacity": 10, "level": "soft", "ts": 1.5}
V2_EVENT = {**V1_EVENT, "schema_version": "2.0.0"}
RECURSIVE = {
    "definitions": {"n": {"type": "object", "properties": {"a": {"$ref": "#/definitions/n"}}}},
    "$ref": "#/definitions/n",
}


def nested(depth: int) -> dict[str, Any]:
    """Return {"a": {"a": ...}} with `depth` dicts in all, built without recursion."""
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth - 1):
        node["a"] = {}
        node = node["a"]
    return root


# -- registries ----------------------------------------------------------------------------------------

CONFLUENT_TEMPLATE = "{name}.{track}-value"  # one subject per track: negotiation has two to pick


def write_subjects(
    root: Path, template: str = CONFLUENT_TEMPLATE, names: tuple[str, ...] = (FEEDBACK,)
) -> Path:
    """Write the example schemas as a Confluent-dialect folder by hand; return `root`.

    Each track's versions, oldest first, become versions 1, 2, ... of the subject `template`
    names (`DIR/subjects/<subject>/<n>.json`); a template without {track} gets v1's versions,
    then v2's, so its latest is v2's. The server derives ids and GUIDs from the content.
    """
    for name in names:
        for track in ("v1", "v2"):
            subject = root / "subjects" / template.replace("{name}", name).replace("{track}", track)
            subject.mkdir(parents=True, exist_ok=True)
            first = len(list(subject.glob("*[0-9].json"))) + 1
            files = sorted((EXAMPLES / track / name).glob("*[0-9].json"), key=_version_order)
            for number, source in enumerate(files, start=first):
                (subject / f"{number}.json").write_text(source.read_text())
    return root


def _version_order(path: Path) -> list[int]:
    return [int(part) for part in path.name.removesuffix(".json").split(".")]


def framed(schema_id: int, payload: Any) -> bytes:
    """Return a Kafka record value as confluent-kafka's JSONSerializer frames it (0x00 + id)."""
    return b"\x00" + schema_id.to_bytes(4, "big") + json.dumps(payload).encode()


def dead_url() -> str:
    """Return the URL of a port nothing listens on: a registry that is down from the start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class RecordedSleeps(list[float]):
    """Stand in for `anyio.sleep`: remember each requested wait, wait for none."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


# -- inner pytest sessions (pytester) --------------------------------------------------------------------

# Every variable an inner session's settings read, from the tables that read them: none may leak in.
PLUGIN_ENVIRONMENT = tuple(sorted({*ENV_VARIABLES, *(o.env for o in OPTIONS if o.env)}))
INI_BASE = (
    "[pytest]\nasyncio_default_fixture_loop_scope = function\n"  # pytest-asyncio nags without
)

VALID_V2 = (
    '{"schema_version": "2.0.0", "coordinator_id": "c-1", "queue_size": 3, "capacity": 10, '
    '"level": "ok", "ts": 1.5}'
)

TEST_NEEDING_A_REGISTRY = """
def test_needs_registry(schema_contract):
    schema_contract.assert_valid("telemetry.FeedbackEvent", {})

def test_does_not(tmp_path):
    assert tmp_path.exists()
"""

CONTRACT_TESTS = """
import pytest

EVENT = {"schema_version": "2.0.0", "coordinator_id": "c-1", "queue_size": 3, "capacity": 10,
         "level": "ok", "ts": 1.5}

def test_valid(schema_contract):
    schema_contract.assert_valid("telemetry.FeedbackEvent", EVENT)

def test_invalid(schema_contract):
    schema_contract.assert_invalid("telemetry.FeedbackEvent", dict(EVENT, level="meh"), match=r"^\\$\\.level")

def test_fallback(schema_contract):
    assert schema_contract.validate("telemetry.HealthStatus", {}).schema.track == "v1"

@pytest.mark.registry_schema("telemetry.FeedbackEvent", track="v1")
def test_marker(schema):
    assert schema.version == "1.1.2"
"""

CASSETTE = Path("cassettes/schema_registry.yaml")
LOCK = Path("tests/contracts/schemas/registry.lock.json")


def write_ini(pytester: pytest.Pytester, body: str = "") -> None:
    """Write the inner session's pytest.ini; a later call replaces it."""
    pytester.makefile(".ini", pytest=f"{INI_BASE}{body}\n")


def record(pytester: pytest.Pytester, server: RegistryServer, *args: str) -> pytest.RunResult:
    """Run the inner session in record mode against `server`."""
    return pytester.runpytest(
        "--registry-mode=record", f"--registry-url={server.url}", f"--registry-token={TOKEN}", *args
    )


def readme_example(marker: str) -> str:
    """Return the code block that follows `<!-- example: {marker} ... -->` in the README."""
    pattern = rf"<!-- example: {re.escape(marker)}[^>]*-->\s*```python\n(.*?)```"
    match = re.search(pattern, README.read_text(), re.DOTALL)
    assert match, f"no example {marker!r} in the README"
    return match.group(1)


def summary_lines(result: pytest.RunResult) -> list[str]:
    """Return the lines of an inner session's "schema registry" summary section."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "= schema registry =" in line) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("=")), len(lines))
    return lines[start:end]


def start_serve(directory: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start the real `schema-registry serve DIR --port 0 ...`; return it and its banner line."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_schema_registry",
            "serve",
            str(directory),
            "--port",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


def served_url(process: subprocess.Popen[str], banner: str) -> str:
    """Return the URL the banner announces, or fail with what the server said instead."""
    match = re.search(r"at (http://\S+) ", banner)
    assert match, f"no URL in {banner!r}; stderr: {process.stderr.read() if process.stderr else ''}"
    return match.group(1)


def run_python(script: str, *flags: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `script` in a child Python from the repository root: a crash or a hang stays there."""
    return subprocess.run(
        [sys.executable, *flags, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=timeout,
    )


def schema_document(
    name: str,
    track: str = "v1",
    content: dict[str, Any] | None = None,
    schema_id: str | None = None,
) -> SchemaDocument:
    """Return a registry answer for `name`: version 1.0.0 of `content` (an open object)."""
    content = content or {"type": "object"}
    return SchemaDocument(
        name=name,
        track=track,
        version="1.0.0",
        sha256=content_sha256(content),
        schema_id=schema_id or name,
        content=content,
    )
