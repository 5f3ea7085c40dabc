"""The compatibility corpus (benchmarks/compat_cases.json) checked against itself.

Every `backward: false` case carries a witness the old schema accepts and the new one rejects;
every `backward: true` case survives a small deterministic search for such a value. Validation is
jsonschema-rs with the draft each schema names (Draft 7 otherwise) and formats asserted, as the
project's own validator does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings

from pytest_schema_registry.strategies import UnsupportedSchemaError, from_schema

CORPUS = Path(__file__).resolve().parents[3] / "benchmarks" / "compat_cases.json"
CASES: list[dict[str, Any]] = json.loads(CORPUS.read_text())
FIELDS = {
    "id",
    "source",
    "about",
    "old",
    "new",
    "backward",
    "confluent_strict",
    "confluent_lenient",
}
INCOMPATIBLE = [case for case in CASES if case["backward"] is False]
COMPATIBLE = [case for case in CASES if case["backward"] is True]
# At most this share of the compatible cases may be left unsearched (old schema not drawable).
MAX_UNDRAWABLE = 0.15
# Values drawn per compatible case: enough to catch a wrong verdict, few enough to run in seconds
# (the corpus was also searched with 500 per case when it was written).
EXAMPLES = 10


DRAFTS = {
    "json-schema.org/draft-04/schema": jsonschema_rs.Draft4Validator,
    "json-schema.org/draft-06/schema": jsonschema_rs.Draft6Validator,
    "json-schema.org/draft-07/schema": jsonschema_rs.Draft7Validator,
    "json-schema.org/draft/2019-09/schema": jsonschema_rs.Draft201909Validator,
    "json-schema.org/draft/2020-12/schema": jsonschema_rs.Draft202012Validator,
}


def _validator(schema: Any) -> Any:
    """The validator of the draft `schema` names (Draft 7 when it names none), formats on."""
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    cls = DRAFTS[uri.split("://", 1)[-1].rstrip("#")] if uri else jsonschema_rs.Draft7Validator
    return cls(schema, validate_formats=True)


def _old_strategy(case: dict[str, Any]) -> Any:
    """from_schema(old); `true` is drawn as its synonym {} (the payload validator takes objects)."""
    old = case["old"]
    return from_schema({} if old is True else old)


def _undrawable(case: dict[str, Any]) -> bool:
    try:
        _old_strategy(case)
    except UnsupportedSchemaError:
        return True
    return False


# builder.py's `_array` tests a strategy with `if rest`, which hypothesis warns about; harmless
# (a strategy is truthy, None is not), and not ours to change here.
_BOOL_OF_STRATEGY = "ignore:bool.*is always True:hypothesis.errors.HypothesisWarning"


def test_every_case_is_well_formed() -> None:
    for case in CASES:
        assert FIELDS <= case.keys() <= FIELDS | {"witness"}, case.get("id")
        assert isinstance(case["id"], str) and case["id"], case
        assert case["source"] and case["about"] and "\n" not in case["about"], case["id"]
        assert isinstance(case["backward"], bool), case["id"]
        for policy in ("confluent_strict", "confluent_lenient"):
            assert case[policy] in (True, False, None), case["id"]
        if case["backward"]:
            assert "witness" not in case, f"{case['id']}: a compatible case has no witness"
        else:
            assert "witness" in case, f"{case['id']}: an incompatible case needs a witness"
        _validator(case["old"])
        _validator(case["new"])


def test_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)


@pytest.mark.parametrize("case", INCOMPATIBLE, ids=[case["id"] for case in INCOMPATIBLE])
def test_witness_is_valid_under_old_and_invalid_under_new(case: dict[str, Any]) -> None:
    witness = case["witness"]
    assert _validator(case["old"]).is_valid(witness), f"old rejects its own witness {witness!r}"
    assert not _validator(case["new"]).is_valid(witness), f"new accepts the witness {witness!r}"


@pytest.mark.filterwarnings(_BOOL_OF_STRATEGY)
@pytest.mark.parametrize("case", COMPATIBLE, ids=[case["id"] for case in COMPATIBLE])
def test_values_drawn_from_old_stay_valid_under_new(case: dict[str, Any]) -> None:
    try:
        strategy = _old_strategy(case)
    except UnsupportedSchemaError as exc:
        pytest.skip(f"from_schema cannot draw from the old schema: {exc}")
    new = _validator(case["new"])

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(strategy)
    def old_value_is_new_value(value: Any) -> None:
        assert new.is_valid(value), f"new schema rejects {value!r}, which old accepts"

    old_value_is_new_value()


@pytest.mark.filterwarnings(_BOOL_OF_STRATEGY)
def test_few_compatible_cases_go_unsearched() -> None:
    undrawable = [case["id"] for case in COMPATIBLE if _undrawable(case)]
    assert len(undrawable) <= MAX_UNDRAWABLE * len(COMPATIBLE), undrawable
