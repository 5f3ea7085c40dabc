"""`check_compatibility`: verdicts with proof, every counterexample checked on both backends."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import (
    CompatibilityVerdict,
    ConfigError,
    Incompatibility,
    PayloadValidator,
    SchemaCompileError,
    check_compatibility,
)
from pytest_schema_registry._compat import isolation

OBJECT = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "n": {"type": "integer", "minimum": 0}},
    "required": ["id"],
}


def changed(**changes: Any) -> dict[str, Any]:
    """OBJECT with some keywords replaced; `properties` entries merge."""
    schema = json.loads(json.dumps(OBJECT))
    for keyword, value in changes.items():
        if keyword == "properties":
            schema["properties"].update(value)
        else:
            schema[keyword] = value
    return schema


def as_document(schema: Any) -> dict[str, Any]:
    return {} if schema is True else {"not": {}} if schema is False else schema


def assert_proven(problem: Incompatibility, old: Any, new: Any) -> None:
    """The payload is valid for the writer and invalid for the reader, on both validator backends."""
    writer, reader = (old, new) if problem.direction == "backward" else (new, old)
    assert problem.proven, problem
    for backend in ("jsonschema-rs", "jsonschema"):
        payload = problem.counterexample
        assert PayloadValidator(as_document(writer), backend=backend).is_valid(payload), (
            backend,
            problem,
        )
        assert not PayloadValidator(as_document(reader), backend=backend).is_valid(payload), (
            backend,
            problem,
        )


CASES = [
    # (id, old, new, BACKWARD, FORWARD)
    (
        "optional property added to an open object",
        OBJECT,
        changed(properties={"x": {"type": "string"}}),
        False,
        True,
    ),
    ("property with an empty schema added", OBJECT, changed(properties={"x": {}}), True, True),
    ("required property added", OBJECT, changed(required=["id", "n"]), False, True),
    ("required property dropped", changed(required=["id", "n"]), OBJECT, True, False),
    (
        "integer widened to number",
        OBJECT,
        changed(properties={"n": {"type": "number", "minimum": 0}}),
        True,
        False,
    ),
    (
        "string type changed to integer",
        OBJECT,
        changed(properties={"id": {"type": "integer"}}),
        False,
        False,
    ),
    ("enum value added", {"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}, True, False),
    (
        "maxLength tightened",
        {"type": "string", "maxLength": 10},
        {"type": "string", "maxLength": 5},
        False,
        True,
    ),
    (
        "multipleOf changed",
        {"type": "number", "multipleOf": 0.5},
        {"type": "number", "multipleOf": 1.5},
        False,
        True,
    ),
    ("object closed", OBJECT, changed(additionalProperties=False), False, True),
    ("null made allowed", {"type": "string"}, {"type": ["string", "null"]}, True, False),
    (
        "anyOf branch added",
        {"anyOf": [{"type": "string"}]},
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        True,
        False,
    ),
    ("nothing changed but the title", OBJECT, changed(title="Order"), True, True),
    ("true to false", True, False, False, True),
]


@pytest.mark.parametrize(
    ("old", "new", "backward", "forward"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_level_is_decided_and_every_break_carries_a_checked_payload(
    old: Any, new: Any, backward: bool, forward: bool
) -> None:
    for level, expected in (
        ("BACKWARD", backward),
        ("FORWARD", forward),
        ("FULL", backward and forward),
    ):
        verdict = check_compatibility(old, new, level=level)

        assert verdict.compatible is expected, str(verdict)
        assert verdict.level == level
        assert bool(verdict.problems) is not expected
        for problem in verdict.problems:
            assert_proven(problem, old, new)


def test_each_break_gets_its_own_payload_and_name() -> None:
    old = changed(properties={"id": {"type": "string", "maxLength": 10}})
    new = changed(properties={"id": {"type": "string", "maxLength": 5}}, required=["id", "n"])

    verdict = check_compatibility(old, new)

    assert verdict.compatible is False
    by_kind = {problem.kind: problem for problem in verdict.problems}
    assert set(by_kind) == {"REQUIRED_ATTRIBUTE_ADDED", "MAX_LENGTH_DECREASED"}, str(verdict)
    assert by_kind["MAX_LENGTH_DECREASED"].path == "#/properties/id"
    too_long = by_kind["MAX_LENGTH_DECREASED"].counterexample
    assert len(too_long["id"]) == 6 and "n" in too_long  # breaks maxLength, and only that
    assert by_kind["REQUIRED_ATTRIBUTE_ADDED"].counterexample == {"id": ""}
    assert f'$.id: "{too_long["id"]}" is longer than 5' in by_kind["MAX_LENGTH_DECREASED"].message
    for problem in verdict.problems:
        assert_proven(problem, old, new)


def test_transitive_levels_compare_with_every_earlier_version() -> None:
    v1 = {"type": "object", "properties": {"level": {"enum": ["soft", "hard"]}}}
    v2 = {"type": "object", "properties": {"level": {"enum": ["soft", "hard", "off"]}}}
    v3 = {"type": "object", "properties": {"level": {"enum": ["soft", "off"]}}}
    narrowed_after_widening = {
        "type": "object",
        "properties": {"level": {"enum": ["soft", "hard", "off", "x"]}},
    }

    assert (
        check_compatibility([v1, v2], narrowed_after_widening, level="BACKWARD").compatible is True
    )
    assert check_compatibility([v1], v2, level="BACKWARD_TRANSITIVE").compatible is True
    latest_only = check_compatibility([v2, v1], v1, level="BACKWARD")
    assert latest_only.compatible is True  # only the last earlier version counts
    transitive = check_compatibility([v1, v2], v3, level="BACKWARD_TRANSITIVE")
    assert transitive.compatible is False
    assert {p.against for p in transitive.problems} == {"version 1 of 2", "version 2 of 2"}
    assert {json.dumps(p.counterexample) for p in transitive.problems} == {'{"level": "hard"}'}


def test_undecided_pairs_are_unknown_never_compatible() -> None:
    # Two spellings of one language: no payload tells them apart, and the algebra cannot say.
    old = {"type": "string", "pattern": "^[a-z]+$"}
    new = {"type": "string", "pattern": "^[a-z][a-z]*$"}

    # The search must finish, not time out: on a machine busy with other suites, 10 s was short.
    verdict = check_compatibility(old, new, timeout=120)

    assert verdict.compatible is None, str(verdict)
    assert verdict.problems == ()
    assert "cannot decide" in (verdict.reason or "")
    assert "unknown" in str(verdict)
    assert not verdict


def test_a_hostile_pair_is_stopped_at_the_deadline_and_the_next_check_still_works() -> None:
    # Comparing enums costs jsonschema-rs ~n^2: 100,000 members would run for hours.
    old, new = {"enum": list(range(100_000))}, {"enum": list(range(99_999))}

    started = time.monotonic()
    verdict = check_compatibility(old, new, timeout=2)
    elapsed = time.monotonic() - started

    assert verdict.compatible is None
    assert verdict.reason == "the check did not finish within 2 s"
    assert elapsed < 10  # 2 s, plus starting a fresh helper on a busy machine
    assert check_compatibility(OBJECT, OBJECT).compatible is True


def test_a_check_writes_nothing_into_the_callers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolation._WORKER.close()  # the next helper starts here, as in a fresh CLI run
    monkeypatch.chdir(tmp_path)

    assert check_compatibility(OBJECT, changed(required=["id", "n"])).compatible is False

    assert list(tmp_path.iterdir()) == []  # hypothesis used to leave `.hypothesis/` behind


def test_a_helper_that_died_between_checks_is_replaced() -> None:
    assert check_compatibility(OBJECT, OBJECT).compatible is True
    process = isolation._WORKER._process
    assert process is not None
    process.kill()
    process.wait()

    assert check_compatibility(OBJECT, changed(required=["id", "n"])).compatible is False


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"type": "string", "pattern": "(["}, {}, r"the old schema is not usable: .*regex"),
        ({}, {"type": 5}, "the new schema is not usable"),
        ([], {}, "old_schema is an empty list"),
        ({"minimum": math.nan}, {}, "the old schema is not JSON"),
        ({}, {"enum": {1, 2}}, "the new schema is not JSON"),
        ("string", {}, "must be a JSON object or a boolean"),
        ({"$ref": "https://example.com/elsewhere.json"}, {}, "the old schema is not usable"),
        ({"$schema": "https://example.com/my-dialect"}, {}, "names no dialect we support"),
    ],
)
def test_a_schema_that_cannot_be_used_is_a_clear_error(old: Any, new: Any, expected: str) -> None:
    with pytest.raises((SchemaCompileError, ConfigError), match=expected):
        check_compatibility(old, new)


def test_a_schema_nested_past_reading_is_an_error_not_a_crash() -> None:
    deep: dict[str, Any] = {"type": "integer"}
    for _ in range(5_000):
        deep = {"type": "object", "properties": {"a": deep}}

    with pytest.raises(SchemaCompileError, match="old schema"):
        check_compatibility(deep, {})


@pytest.mark.parametrize(
    ("keyword", "value", "accepted"),
    [
        ("level", "SIDEWAYS", "BACKWARD, BACKWARD_TRANSITIVE"),
        ("rules", "avro", "'semantic' or 'confluent'"),
        ("policy", "LAX", "'STRICT' or 'LENIENT'"),
        ("timeout", 0, "more than 0, at most 3600"),
        ("timeout", math.inf, "more than 0, at most 3600"),
        ("timeout", True, "more than 0, at most 3600"),
    ],
)
def test_bad_settings_name_the_value_and_the_accepted_form(
    keyword: str, value: Any, accepted: str
) -> None:
    with pytest.raises(ConfigError, match=f"{keyword}=.*{accepted}"):
        check_compatibility(OBJECT, OBJECT, **{keyword: value})


def test_levels_are_case_insensitive_and_none_promises_nothing() -> None:
    assert check_compatibility(OBJECT, {"type": "integer"}, level="backward").level == "BACKWARD"
    none = check_compatibility(OBJECT, {"type": "integer"}, level="NONE")
    assert none.compatible is True
    assert none.problems == ()


def test_recursive_refs_and_registry_metadata_are_compared_by_meaning() -> None:
    node = {
        "$core_version": "1.1.2",
        "$track": "v1",
        "definitions": {
            "node": {
                "type": "object",
                "properties": {
                    "value": {"type": "integer"},
                    "next": {"$ref": "#/definitions/node"},
                },
            }
        },
        "$ref": "#/definitions/node",
    }
    widened = json.loads(json.dumps(node).replace('"integer"', '"number"'))

    assert check_compatibility(node, widened).compatible is not False
    narrowed = check_compatibility(widened, node)
    assert narrowed.compatible is False
    for problem in narrowed.problems:
        assert_proven(problem, widened, node)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "number",
                "maximum": 5,
                "exclusiveMaximum": True,
            },
            {"$schema": "http://json-schema.org/draft-04/schema#", "type": "number", "maximum": 5},
        ),
        (
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "array",
                "prefixItems": [{"type": "string"}],
            },
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "array",
                "prefixItems": [{"type": "string"}],
                "items": False,
            },
        ),
        ({"dependencies": {"a": ["b"]}}, {"dependencies": {"a": ["b", "c"]}}),
        (
            {"type": "array", "items": [{"type": "string"}]},
            {"type": "array", "items": [{"type": "string"}], "additionalItems": False},
        ),
    ],
    ids=[
        "draft-4 exclusive bound dropped",
        "2020-12 tuple closed",
        "draft-7 dependencies extended",
        "draft-7 tuple closed",
    ],
)
def test_dialects_tuples_and_dependencies_are_judged_by_their_own_draft(old: Any, new: Any) -> None:
    backward = check_compatibility(old, new, level="BACKWARD")
    forward = check_compatibility(old, new, level="FORWARD")

    assert (backward.compatible, forward.compatible) in ((True, False), (False, True)), (
        str(backward),
        str(forward),
    )
    for problem in (*backward.problems, *forward.problems):
        assert_proven(problem, old, new)


@pytest.mark.parametrize(
    "dialect",
    [
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
    ],
)
def test_formats_assert_under_every_draft_as_the_validator_does(dialect: str) -> None:
    # Under 2019-09 and 2020-12 `format` is an annotation unless asked to assert; the validator
    # asserts it, so the algebra must too (it called adding `format: ipv4` compatible).
    old = {"$schema": dialect, "type": "object", "properties": {"ip": {"type": "string"}}}
    new = {
        "$schema": dialect,
        "type": "object",
        "properties": {"ip": {"type": "string", "format": "ipv4"}},
    }

    verdict = check_compatibility(old, new)

    assert verdict.compatible is False, str(verdict)
    for problem in verdict.problems:
        assert_proven(problem, old, new)


def test_a_verdict_reads_well_and_round_trips_through_json() -> None:
    verdict = check_compatibility(OBJECT, changed(required=["id", "n"]), level="FULL")

    text = str(verdict)
    assert text.startswith("FULL INCOMPATIBLE (semantic): 1 problem(s)")
    assert 'counterexample: {"id": ""}' in text
    assert CompatibilityVerdict.from_json(json.loads(json.dumps(verdict.to_json()))) == verdict
    assert verdict.seconds > 0
