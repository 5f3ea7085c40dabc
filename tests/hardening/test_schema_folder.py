"""Issue #12, finding 10: no file in the schema folder, and no upload, can hang or escape the server.

Bad files are reported (`SchemaFolder.problems`, path and reason) and left out, like every other
file the folder cannot serve; the rest of the folder is served.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from pytest_schema_registry import RegistryServer
from pytest_schema_registry._server.folder import SchemaFolder
from tests.helpers import TOKEN

T = TypeVar("T")
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
OUTSIDE = "schema file leads outside the schema folder (a symlink?)"


def within(seconds: float, call: Callable[[], T]) -> T:
    """Return `call()`, failing (not hanging) the test if it blocks longer than `seconds`."""
    result: list[T] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"still blocked after {seconds} s"
    return result[0]


def version_file(root: Path, name: str, version: str = "1.0.0", track: str = "v1") -> Path:
    path = root / track / name / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def served_names(server: RegistryServer) -> list[str]:
    index = httpx.get(f"{server.url}/index").json()
    return [item["name"] for item in index["tracks"]["v1"]["schemas"]]


def upload(server: RegistryServer, content: object, *, deprecated: bool = False) -> httpx.Response:
    body = {
        "name": "s",
        "track": "v1",
        "core_version": "1.0.0",
        "content": content,
        "deprecated": deprecated,
    }
    return httpx.post(f"{server.url}/admin/schemas", json=body, headers=ADMIN)


@pytest.mark.parametrize("depth", [300, 100_000], ids=["below the recursion limit", "far past it"])
def test_a_deeply_nested_file_is_reported_and_the_rest_served(tmp_path: Path, depth: int) -> None:
    version_file(tmp_path, "good").write_text("{}")
    deep = version_file(tmp_path, "deep")
    deep.write_text('{"a": ' * depth + "{}" + "}" * depth)

    with RegistryServer(tmp_path) as server:
        names = served_names(server)

    assert names == ["good"]
    (problem,) = server.folder.problems
    assert (problem.path, problem.reason) == (deep, "schema file nests deeper than 256 levels")


def test_a_fifo_in_the_folder_is_reported_not_waited_on(tmp_path: Path) -> None:
    version_file(tmp_path, "good").write_text("{}")
    pipe = version_file(tmp_path, "pipe")
    os.mkfifo(pipe)  # nothing ever writes to it: opening it for reading would block for good

    folder = within(5, lambda: SchemaFolder(tmp_path))

    assert folder.names("v1") == ["good"]
    assert [(p.path, p.reason) for p in folder.problems] == [
        (pipe, "schema file is not a regular file")
    ]


def test_a_deeply_nested_upload_is_refused(tmp_path: Path) -> None:
    deep: dict[str, object] = {}
    for _ in range(300):
        deep = {"a": deep}

    with RegistryServer(tmp_path, token=TOKEN) as server:
        nested = upload(server, deep)
        far = httpx.post(f"{server.url}/admin/schemas", content=b"[" * 100_000, headers=ADMIN)

    assert (nested.status_code, far.status_code) == (400, 400)
    assert nested.json()["detail"] == "request body nests deeper than 256 levels"
    assert far.json()["detail"] == "request body nests deeper than 256 levels"
    assert list(tmp_path.iterdir()) == []


def test_symlinks_leading_outside_the_folder_are_reported_not_served(tmp_path: Path) -> None:
    root, outside = tmp_path / "registry", tmp_path / "outside"
    version_file(root, "good").write_text("{}")
    secret = version_file(outside, "secret")
    secret.write_text('{"title": "not for serving"}')
    (root / "v2").symlink_to(outside / "v1")  # a track leading out
    version_file(root, "linked").symlink_to(secret)  # a version file leading out
    (root / "v1" / "shared").symlink_to(root / "v1" / "good")  # within the folder: fine

    with RegistryServer(root) as server:
        index = httpx.get(f"{server.url}/index").json()

    assert list(index["tracks"]) == ["v1"]
    assert [item["name"] for item in index["tracks"]["v1"]["schemas"]] == ["good", "shared"]
    assert sorted((p.path, p.reason) for p in server.folder.problems) == [
        (root / "v1" / "linked" / "1.0.0.json", OUTSIDE),
        (root / "v2" / "secret" / "1.0.0.json", OUTSIDE),
    ]


@pytest.mark.parametrize("link", ["v1", "v1/s"], ids=["track", "name"])
def test_an_upload_through_a_symlink_leading_outside_is_refused(tmp_path: Path, link: str) -> None:
    root, outside = tmp_path / "registry", tmp_path / "outside"
    (root / link).parent.mkdir(parents=True)
    outside.mkdir()
    (root / link).symlink_to(outside)

    with RegistryServer(root, token=TOKEN) as server:
        response = upload(server, {"type": "object"})

    assert response.status_code == 403
    assert response.json()["detail"] == "v1/s leads outside the schema folder (a symlink?)"
    assert list(outside.iterdir()) == []


def no_hard_links(source: object, target: object) -> None:
    raise PermissionError(1, "Operation not permitted")  # as on FAT and some network mounts


@pytest.mark.parametrize("hard_links", [True, False], ids=["hard links", "no hard links"])
def test_two_servers_on_one_folder_cannot_both_accept_one_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:
        monkeypatch.setattr(os, "link", no_hard_links)
    path = tmp_path / "v1" / "s" / "1.0.0.json"
    with (
        RegistryServer(tmp_path, token=TOKEN) as first,
        RegistryServer(tmp_path, token=TOKEN) as second,
    ):
        # The race: the second server scanned the folder just before the first wrote the version.
        # Freezing its rescans holds that instant open, which no timing can do reliably.
        monkeypatch.setattr(second.folder, "refresh", lambda: False)
        won = upload(first, {"title": "first"})
        written = (path.read_text(), path.with_name("1.0.0.meta.json").read_text())
        lost = upload(second, {"title": "second"}, deprecated=True)
        same = upload(second, {"title": "first"})

    assert (won.status_code, lost.status_code, same.status_code) == (201, 409, 200)
    assert "already exists with other content" in lost.json()["detail"]
    assert same.json()["status"] == "unchanged"
    assert (path.read_text(), path.with_name("1.0.0.meta.json").read_text()) == written
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_in_uploads_and_files(tmp_path: Path, constant: str) -> None:
    content = '{"const": ' + constant + "}"
    body = '{"name": "s", "track": "v1", "core_version": "1.0.0", "content": ' + content + "}"
    version_file(tmp_path, "good").write_text("{}")
    bad = version_file(tmp_path, "bad")
    bad.write_text(content)

    with RegistryServer(tmp_path, token=TOKEN) as server:
        response = httpx.post(f"{server.url}/admin/schemas", content=body.encode(), headers=ADMIN)
        names = served_names(server)

    reason = f"is not valid JSON: {constant} is not a JSON number"
    assert response.status_code == 400
    assert response.json()["detail"] == f"request body {reason}"
    assert names == ["good"]
    assert [(p.path, p.reason) for p in server.folder.problems] == [(bad, f"schema file {reason}")]
