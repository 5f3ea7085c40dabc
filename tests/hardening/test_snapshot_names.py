"""Issue #12, finding 10: a schema name too long for a file name still gets a snapshot.

A file name holds 255 bytes, and the atomic write's temporary file adds 14: past an encoded name
of 236 characters every write failed with ENAMETOOLONG (errno 36).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import SchemaDocument
from pytest_schema_registry._offline.snapshots import SnapshotStore
from tests.helpers import schema_document

LONG = "telemetry." + "Long" * 60  # 250 characters
LONG_FILE = "v1/telemetry." + "Long" * 22 + "Lo%~47d8a6709f856320838da40330c5385a.json"


def document(name: str, track: str = "v1", content: dict[str, Any] | None = None) -> SchemaDocument:
    return schema_document(name, track, content, schema_id="42")  # a short id for long names


def relative(store: SnapshotStore, name: str, track: str = "v1") -> str:
    return store.path_for(name, track).relative_to(store.directory).as_posix()


@pytest.mark.parametrize(
    ("name", "track"),
    [
        (LONG, "v1"),
        ("x" * 10_000, "v1"),
        ("é" * 100, "v1"),  # 100 characters, 600 once encoded
        ("ok", "track-" * 60),
        ("%~" * 200, "v1"),
    ],
    ids=["250 chars", "10,000 chars", "non-ascii", "long track", "marker in name"],
)
def test_a_long_name_gets_a_snapshot_that_round_trips(
    tmp_path: Path, name: str, track: str
) -> None:
    store = SnapshotStore(tmp_path)

    assert store.write([document(name, track)]) == 1

    file = store.path_for(name, track)
    assert file.is_file()
    assert all(len(part) <= 241 for part in file.relative_to(tmp_path).parts)
    assert store.content(name, track) == {"type": "object"}
    assert store.compare([document(name, track)]) == []
    assert store.write([document(name, track)]) == 0
    assert [e["name"] for e in json.loads(store.lock_path.read_text())["schemas"]] == [name]
    assert store.keys() == [(name, track)]
    assert store.unused({(name, track)}) == []
    assert store.unused(set()) == [(name, track)]
    assert store.remove([(name, track)]) == 1
    assert not file.exists()
    assert store.keys() == []


def test_the_shortened_file_name_is_stable(tmp_path: Path) -> None:
    """Snapshots are committed: the same name must map to the same file in every run."""
    assert relative(SnapshotStore(tmp_path), LONG) == LONG_FILE


def test_names_that_fitted_keep_their_files(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    longest = "n" * 236  # the longest that could be written before

    assert relative(store, longest) == f"v1/{longest}.json"
    assert relative(store, "n" * 237).startswith("v1/" + "n" * 100 + "%~")
    assert store.write([document(longest)]) == 1


def test_long_names_with_a_common_prefix_get_their_own_files(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    names = [LONG + "A", LONG + "B", LONG, LONG[:-1]]

    store.write([document(name, content={"title": name}) for name in names])

    assert len({store.path_for(name, "v1") for name in names}) == 4
    assert store.keys() == sorted((name, "v1") for name in names)
    assert all(store.content(name, "v1") == {"title": name} for name in names)


def test_a_short_name_can_never_take_a_long_names_file(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    shortened = Path(LONG_FILE).stem  # a name spelled like the file of LONG

    assert store.path_for(shortened, "v1") != store.path_for(LONG, "v1")
    assert relative(store, shortened).startswith("v1/telemetry.")
    assert "%25~" in relative(store, shortened)


def test_a_shortened_file_without_its_lock_entry_is_listed_and_pruned(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([document("a"), document(LONG)])
    lock = json.loads(store.lock_path.read_text())
    lock["schemas"] = [e for e in lock["schemas"] if e["name"] == "a"]
    store.lock_path.write_text(json.dumps(lock))
    orphan = store.path_for(LONG, "v1")

    unused = store.unused({("a", "v1")})

    assert len(unused) == 1  # listed under its file name: only the lock knew the whole name
    assert store.remove(unused) == 1
    assert not orphan.exists()
    assert store.keys() == [("a", "v1")]
