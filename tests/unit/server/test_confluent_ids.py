"""Ids and GUIDs of the Confluent dialect: derived from the schema, pinned by metadata, probed."""

from __future__ import annotations

from pytest_schema_registry._server.confluent_ids import (
    MAX_ID,
    assign,
    canonical_key,
    derived_guid,
    derived_id,
    probe,
)


def test_the_canonical_form_ignores_key_order_and_spacing_but_not_references() -> None:
    reference = {"name": "a.json", "subject": "a", "version": 1}

    assert (
        canonical_key({"b": 1, "a": [2]}) == canonical_key({"a": [2], "b": 1}) == '{"a":[2],"b":1}'
    )
    assert canonical_key(True, [reference]) != canonical_key(True)


def test_derived_ids_fit_confluent_framing_and_guids_are_uuid5() -> None:
    ids = {derived_id(canonical_key({"title": str(n)})) for n in range(1000)}

    assert len(ids) == 1000 and all(1 <= i <= MAX_ID for i in ids)
    assert derived_guid("x") == derived_guid("x") != derived_guid("y")
    assert derived_guid("x")[14] == "5"


def test_probing_skips_taken_ids_and_wraps_past_the_largest() -> None:
    assert probe(5, {5, 6}) == 7
    assert probe(MAX_ID, {MAX_ID, 1}) == 2


def test_a_pin_wins_and_a_clash_goes_to_the_key_sorting_first() -> None:
    identity, overruled = assign({"a": [7], "b": [7], "c": []}, {"a": ["g-a"]})

    assert identity.ids["a"] == 7
    assert identity.ids["b"] not in (7, identity.ids["c"])
    assert identity.ids["c"] == derived_id("c")  # unpinned keys keep their derived id if free
    assert overruled == ["id 7 is already another schema's"]
    assert identity.guids == {"a": "g-a", "b": derived_guid("b"), "c": derived_guid("c")}
    assert identity.id_for("a") == 7 and identity.id_for("new") not in (7, identity.ids["b"])
