"""SnapshotStore: names from the registry never become paths outside the snapshot folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_schema_registry import SnapshotError
from pytest_schema_registry._offline.snapshots import SnapshotStore
from tests.helpers import schema_document


@pytest.mark.parametrize(
    ("name", "track", "file"),
    [
        ("telemetry.FeedbackEvent", "v1", "v1/telemetry.FeedbackEvent.json"),
        ("../../etc/passwd", "v1", "v1/%2E%2E%2F..%2Fetc%2Fpasswd.json"),
        ("/etc/passwd", "v1", "v1/%2Fetc%2Fpasswd.json"),
        ("..", "v1", "v1/%2E%2E.json"),
        ("a b\\c:d", "v1", "v1/a%20b%5Cc%3Ad.json"),
        ("ok", "..", "%2E%2E/ok.json"),
        ("ok", "../v9", "%2E%2E%2Fv9/ok.json"),
        (".hidden", "v1", "v1/%2Ehidden.json"),
        ("événement", "v1", "v1/%C3%A9v%C3%A9nement.json"),
    ],
)
def test_names_are_encoded_and_stay_inside(
    tmp_path: Path, name: str, track: str, file: str
) -> None:
    store = SnapshotStore(tmp_path / "snap")

    store.write([schema_document(name, track)])

    assert store.path_for(name, track) == tmp_path / "snap" / file
    written = {p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert written == {tmp_path / "snap" / file, tmp_path / "snap" / "registry.lock.json"}
    entry = json.loads((tmp_path / "snap" / "registry.lock.json").read_text())["schemas"][0]
    assert (entry["name"], entry["track"]) == (name, track)


def test_an_unchanged_schema_keeps_its_fetch_time(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    store = SnapshotStore(tmp_path)
    first = store.write([schema_document("a")], now=datetime(2026, 1, 1, tzinfo=UTC))
    second = store.write([schema_document("a")], now=datetime(2026, 2, 1, tzinfo=UTC))

    assert (first, second) == (1, 0)
    assert store.entries()[("a", "v1")]["fetched_at"] == "2026-01-01T00:00:00+00:00"


def test_compare_reports_new_and_changed_with_a_diff(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a", content={"type": "object", "title": "A"})])

    drifts = store.compare(
        [schema_document("a", content={"type": "object", "title": "B"}), schema_document("b")]
    )

    assert [(d.name, d.kind) for d in drifts] == [("a", "changed"), ("b", "new")]
    assert '-  "title": "A",' in drifts[0].diff and '+  "title": "B",' in drifts[0].diff
    assert drifts[1].headline() == "b (v1): not in the snapshots (registry has 1.0.0)"


def test_a_corrupt_lock_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "registry.lock.json").write_text("{not json")

    with pytest.raises(SnapshotError, match="is not a snapshot lock file"):
        SnapshotStore(tmp_path).entries()


# -- the files are the contract ------------------------------------------------------------------

OLD = {"type": "object", "title": "A"}
NEW = {"type": "object", "title": "A", "required": ["ts"]}


def test_a_file_replaced_by_hand_is_drift_even_with_the_lock_untouched(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a", content=NEW)])
    store.path_for("a", "v1").write_text(json.dumps(OLD))  # an older schema, lock untouched

    (drift,) = store.compare([schema_document("a", content=NEW)])

    assert (drift.kind, drift.headline()) == ("changed", "a (v1): snapshot 1.0.0, registry 1.0.0")
    assert '+  "required": [' in drift.diff


def test_a_deleted_file_is_drift(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a")])
    store.path_for("a", "v1").unlink()

    (drift,) = store.compare([schema_document("a")])

    assert drift.headline() == "a (v1): snapshot file v1/a.json is missing (registry has 1.0.0)"


def test_a_lock_that_does_not_describe_its_file_is_drift(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a")])
    lock = json.loads(store.lock_path.read_text())
    lock["schemas"][0]["sha256"] = "0" * 64
    store.lock_path.write_text(json.dumps(lock))

    (drift,) = store.compare([schema_document("a")])

    assert (
        drift.headline() == "a (v1): registry.lock.json does not describe snapshot file v1/a.json"
    )


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_an_unreadable_file_is_drift_not_a_crash(tmp_path: Path, text: str) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a")])
    store.path_for("a", "v1").write_text(text)

    (drift,) = store.compare([schema_document("a")])

    assert drift.headline() == "a (v1): snapshot file v1/a.json is not a JSON object"


def test_key_order_and_whitespace_are_not_drift(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a", content=NEW)])
    store.path_for("a", "v1").write_text('{"required":["ts"],  "title":"A","type":"object"}')

    assert store.compare([schema_document("a", content=NEW)]) == []


def test_update_rewrites_files_edited_or_deleted_by_hand(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a", content=NEW), schema_document("b")])
    store.path_for("a", "v1").write_text(json.dumps(OLD))
    store.path_for("b", "v1").unlink()

    rewritten = store.write([schema_document("a", content=NEW), schema_document("b")])

    assert rewritten == 2
    assert store.compare([schema_document("a", content=NEW), schema_document("b")]) == []
    assert store.write([schema_document("a", content=NEW), schema_document("b")]) == 0


def test_unused_snapshots_are_listed_and_removed_only_on_request(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a"), schema_document("b"), schema_document("c", "v2")])

    unused = store.unused({("a", "v1")})

    assert unused == [("b", "v1"), ("c", "v2")]
    assert store.path_for("b", "v1").is_file()
    assert store.remove(unused) == 2
    assert sorted(store.entries()) == [("a", "v1")]
    assert not store.path_for("b", "v1").exists() and not store.path_for("c", "v2").exists()


def test_files_without_a_lock_file_are_still_the_contract(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a", content=NEW)])
    store.lock_path.unlink()
    store.path_for("a", "v1").write_text(json.dumps(OLD))

    assert store.exists()
    assert store.keys() == [("a", "v1")]
    (drift,) = store.compare([schema_document("a", content=NEW)])
    assert drift.headline() == "a (v1): snapshot without a lock entry, registry 1.0.0"


@pytest.mark.parametrize(
    "change",
    [
        {"sha256": ""},
        {"sha256": None},
        {"sha256": 123},
        {"version": "9.9.9"},
        {"schema_id": "bogus"},
    ],
    ids=["empty-sha", "null-sha", "number-sha", "version", "schema-id"],
)
def test_a_lock_entry_that_says_something_else_is_drift(tmp_path: Path, change: dict) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a")])
    lock = json.loads(store.lock_path.read_text())
    lock["schemas"][0].update(change)
    store.lock_path.write_text(json.dumps(lock))

    (drift,) = store.compare([schema_document("a")])

    assert drift.kind == "lock"
    assert store.write([schema_document("a")]) == 1
    assert store.compare([schema_document("a")]) == []


def test_an_update_rewrites_a_broken_lock_file(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a")])
    store.lock_path.write_text('{"schemas": [')

    with pytest.raises(SnapshotError):
        store.compare([schema_document("a")])
    assert store.write([schema_document("a")]) == 1
    assert store.compare([schema_document("a")]) == []


def test_a_file_no_lock_lists_is_unused_and_pruned(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    store.write([schema_document("a")])
    orphan = tmp_path / "v2" / "telemetry.Orphan.json"
    orphan.parent.mkdir()
    orphan.write_text('{"type": "object"}')

    unused = store.unused({("a", "v1")})

    assert unused == [("telemetry.Orphan", "v2")]
    store.remove(unused)
    assert not orphan.exists()
