"""The cassette file without a pytest session: what one recording replaces, and what it scrubs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vcr.request import Request as VcrRequest

from pytest_schema_registry._offline.cassettes import RegistryCassette
from tests.helpers import TOKEN, run_python


def response(body: bytes = b"{}", **headers: str) -> dict[str, Any]:
    return {
        "status": {"code": 200, "message": "OK"},
        "headers": {name: [value] for name, value in headers.items()},
        "body": {"string": body},
    }


def get(url: str, **headers: str) -> VcrRequest:
    return VcrRequest("GET", url, b"", headers)


def test_one_recording_per_method_path_and_query(tmp_path: Path) -> None:
    cassette = RegistryCassette(tmp_path / "c.yaml", "record")
    for url in (
        "http://r.test/schemas/v1/a?version=1&x=2",
        "http://other.test:9/schemas/v1/a?x=2&version=1",  # same recording: host, port, order ignored
        "http://r.test/schemas/v1/a?version=2",
        "http://r.test/schemas/v1/b",
    ):
        cassette.record(get(url), response())
    cassette.record(VcrRequest("POST", "http://r.test/schemas/v1/b", b"{}", {}), response())

    assert cassette.recorded() == [
        "GET /schemas/v1/a?version=1&x=2",
        "GET /schemas/v1/a?version=2",
        "GET /schemas/v1/b",
        "POST /schemas/v1/b",
    ]
    assert cassette.save() == 4


def test_recordings_keep_no_credentials(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    cassette = RegistryCassette(path, "record", secrets=(TOKEN,))
    request = get(
        f"http://user:pass@r.test/index?token={TOKEN}&page=2",
        Authorization=f"Bearer {TOKEN}",
        Accept="application/json",
    )
    echoed = f'{{"hint": "you sent {TOKEN}"}}'.encode()

    cassette.record(request, response(echoed, **{"Set-Cookie": "s=1", "X-Echo": f"t={TOKEN}"}))
    cassette.save()
    text = path.read_text()

    assert TOKEN not in text
    assert "user:pass" not in text
    assert "Set-Cookie" not in text
    assert "Authorization" not in text
    assert "uri: http://r.test/index?token=***&page=2" in text
    assert "Accept" in text  # harmless headers stay


def test_matching_survives_python_dash_o(tmp_path: Path) -> None:
    """vcrpy matchers signal a mismatch with AssertionError; `-O` strips bare asserts."""
    script = (
        "from pathlib import Path\n"
        "from vcr.request import Request\n"
        "from pytest_schema_registry._offline.cassettes import RegistryCassette\n"
        f"cassette = RegistryCassette(Path({str(tmp_path / 'c.yaml')!r}), 'record')\n"
        "for path in ('/a', '/b'):\n"
        "    cassette.record(Request('GET', 'http://r.test' + path, b'', {}),\n"
        "                    {'status': {'code': 200, 'message': 'OK'}, 'headers': {}, 'body': {'string': b''}})\n"
        "print(cassette.recorded())\n"
    )

    result = run_python(script, "-O")

    assert (result.returncode, result.stdout.strip()) == (0, "['GET /a', 'GET /b']"), result.stderr
