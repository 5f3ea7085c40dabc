"""`GET /compat/check` and the upload gate, over real HTTP against the embedded registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_schema_registry import ConfigError, PayloadValidator, RegistryServer
from tests.helpers import TOKEN

# Scalar schemas keep each check fast (~0.05 s; a break inside an object costs ~1 s to explain).
ORDER = "orders.State"
LINE = "orders.Line"
CODE = "codes.Code"
STATES = {"enum": ["new", "paid"]}
MORE_STATES = {"enum": ["new", "paid", "void"]}  # BACKWARD compatible, not FORWARD
FEWER_STATES = {"enum": ["new"]}  # FORWARD compatible, not BACKWARD
OLD_STATES = {"enum": ["old"]}
LINE_V1 = {
    "type": "object",
    "properties": {"sku": {"type": "string"}},
    "required": ["sku"],
    "additionalProperties": False,
}
LINE_NEEDS_N = {  # a new required property: data written under LINE_V1 lacks it
    **LINE_V1,
    "properties": {"sku": {"type": "string"}, "n": {}},
    "required": ["sku", "n"],
}
# Equivalent patterns: the algebra cannot compare them and no payload separates them, so the
# verdict is unknown (as for `^[a-z]+$` and `^[a-z][a-z]*$`, which take seconds to give up on).
X = {"type": "string", "pattern": "^x$"}
X_TOO = {"type": "string", "pattern": "^(x)$"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def write(root: Path, track: str, name: str, version: str, content: object) -> None:
    path = root / track / name / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path, "v1", ORDER, "1.0.0", STATES)
    write(tmp_path, "v1", ORDER, "1.1.0", MORE_STATES)
    write(tmp_path, "v1", ORDER, "2.0.0", FEWER_STATES)
    write(tmp_path, "v1", LINE, "1.0.0", LINE_V1)
    write(tmp_path, "v1", LINE, "2.0.0", LINE_NEEDS_N)
    write(tmp_path, "v1", CODE, "1.0.0", X)
    write(tmp_path, "v1", CODE, "1.0.1", X_TOO)
    return tmp_path


@pytest.fixture
def http(folder: Path) -> Iterator[httpx.Client]:
    with RegistryServer(folder) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def check(http: httpx.Client, **params: str) -> httpx.Response:
    query = {"name": ORDER, "from_track": "v1", "to_track": "v1", **params}
    return http.get("/compat/check", params=query)


def upload(http: httpx.Client, version: str, content: object, name: str = ORDER) -> httpx.Response:
    body = {"name": name, "track": "v1", "core_version": version, "content": content}
    return http.post("/admin/schemas", json=body, headers=AUTH)


def assert_proven(problem: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> None:
    """The counterexample is valid for the writer and invalid for the reader, as claimed."""
    writer, reader = (old, new) if problem["direction"] == "backward" else (new, old)
    assert problem["proven"], problem
    assert PayloadValidator(writer).is_valid(problem["counterexample"]), problem
    assert not PayloadValidator(reader).is_valid(problem["counterexample"]), problem


# -- GET /compat/check ---------------------------------------------------------------------------


def test_a_compatible_pair_is_green_with_nothing_to_say(http: httpx.Client) -> None:
    response = check(http, from_version="1.0.0", to_version="1.1.0")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "compatible": True,
        "breaking_reasons": [],
        "advice": [],
        "x_compat": body["x_compat"],
    }
    assert body["x_compat"]["compatible"] is True
    assert (body["x_compat"]["level"], body["x_compat"]["rules"]) == ("BACKWARD", "semantic")


def test_an_incompatible_pair_says_why_with_a_checked_counterexample(http: httpx.Client) -> None:
    # No to_version: the latest of the track, 2.0.0, which drops "paid".
    body = check(http, from_version="1.0.0").json()

    assert body["compatible"] is False
    [problem] = body["x_compat"]["problems"]
    assert problem["kind"] == "ENUM_ARRAY_NARROWED"
    assert problem["counterexample"] == "paid"
    assert_proven(problem, STATES, FEWER_STATES)
    assert body["breaking_reasons"] == [
        f"ENUM_ARRAY_NARROWED at #/ (backward): {problem['message']}"
    ]
    assert body["advice"] == [
        "keep the old enum values at the top level until no writer sends them"
    ]


def test_a_new_required_property_gets_advice_naming_it(http: httpx.Client) -> None:
    body = check(http, name=LINE, from_version="1.0.0", to_version="2.0.0").json()

    assert body["compatible"] is False
    assert "#/properties/n" in body["breaking_reasons"][0]
    assert body["advice"] == [
        "make 'n' optional or give readers time: require it only once no data without it is "
        "left to read (upgrade every writer first)"
    ]
    for problem in body["x_compat"]["problems"]:
        assert_proven(problem, LINE_V1, LINE_NEEDS_N)


@pytest.mark.parametrize(
    ("level", "rules", "compatible"),
    [
        ("forward", "semantic", True),
        ("FULL", "semantic", False),
        ("BACKWARD", "confluent", False),
        ("NONE", "semantic", True),
    ],
)
def test_level_and_rules_are_the_callers_choice(
    http: httpx.Client, level: str, rules: str, compatible: bool
) -> None:
    body = check(http, from_version="1.0.0", level=level, rules=rules).json()

    assert body["compatible"] is compatible
    assert (body["x_compat"]["level"], body["x_compat"]["rules"]) == (level.upper(), rules)


def test_a_transitive_level_compares_every_version_up_to_from(folder: Path) -> None:
    write(folder, "v1", ORDER, "0.9.0", OLD_STATES)  # the oldest: nothing since accepts "old"
    with RegistryServer(folder) as server, httpx.Client(base_url=server.url) as http:
        plain = check(http, from_version="1.0.0", to_version="1.1.0")
        transitive = check(
            http, from_version="1.0.0", to_version="1.1.0", level="BACKWARD_TRANSITIVE"
        )

    assert plain.json()["compatible"] is True
    body = transitive.json()
    assert body["compatible"] is False
    [problem] = body["x_compat"]["problems"]
    assert problem["against"] == "version 1 of 2"  # 0.9.0 and 1.0.0; 2.0.0 is after from
    assert "(backward, against 0.9.0)" in body["breaking_reasons"][0]
    assert_proven(problem, OLD_STATES, MORE_STATES)


def test_an_unknown_verdict_is_never_green(http: httpx.Client) -> None:
    body = check(http, name=CODE, from_version="1.0.0").json()

    assert body["compatible"] is False
    assert body["x_compat"]["compatible"] is None
    assert body["x_compat"]["problems"] == []
    assert body["x_compat"]["reason"]
    assert body["breaking_reasons"] == [
        f"BACKWARD compatibility could not be proven either way: {body['x_compat']['reason']}"
    ]
    assert body["advice"][0].startswith("nothing was proven either way")


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"name": "orders.Gone"}, "schema 'orders.Gone' not found on track 'v1'"),
        ({"from_track": "v9"}, f"schema '{ORDER}' not found on track 'v9'"),
        ({"from_version": "0.0.1"}, f"schema '{ORDER}' version '0.0.1' not found on track 'v1'"),
        ({"to_version": "3.0.0"}, f"schema '{ORDER}' version '3.0.0' not found on track 'v1'"),
    ],
)
def test_unknown_schemas_and_versions_are_404(
    http: httpx.Client, params: dict[str, str], detail: str
) -> None:
    response = check(http, **params)

    assert response.status_code == 404
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"name": ""}, "missing query parameter(s) name; expected name, from_track, to_track"),
        ({"to_track": ""}, "missing query parameter(s) to_track; expected name, from_track"),
        ({"level": "SIDEWAYS"}, "level='SIDEWAYS' is not a compatibility level; use one of"),
        ({"rules": "vibes"}, "rules='vibes' is not a rule set; use 'semantic' or 'confluent'"),
        ({"policy": "LAX"}, "policy='LAX' is not a Confluent policy; use 'STRICT' or 'LENIENT'"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(
    http: httpx.Client, params: dict[str, str], detail: str
) -> None:
    response = check(http, **params)

    assert response.status_code == 400
    assert detail in response.json()["detail"]


# -- the upload gate -----------------------------------------------------------------------------


@pytest.fixture
def gated(folder: Path, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A registry whose uploads must keep the level (and rules) the test names; default BACKWARD."""
    level, rules = getattr(request, "param", ("BACKWARD", "semantic"))
    with (
        RegistryServer(folder, token=TOKEN, compatibility=level, compatibility_rules=rules) as s,
        httpx.Client(base_url=s.url, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("gated", "rules"),
    [(("BACKWARD", "semantic"), "semantic"), (("BACKWARD", "confluent"), "confluent")],
    indirect=["gated"],
)
def test_the_gate_refuses_a_breaking_version_with_reasons_and_proof(
    gated: httpx.Client, folder: Path, rules: str
) -> None:
    paid_only = {"enum": ["paid"]}

    response = upload(gated, "3.0.0", paid_only)  # the latest, 2.0.0, allows only "new"

    assert response.status_code == 409
    body = response.json()
    assert body["x_compat"]["rules"] == rules
    assert body["detail"].startswith(
        f"{ORDER} 3.0.0 on track v1 is not BACKWARD compatible with 2.0.0 ({rules} rules): "
        "ENUM_ARRAY_CHANGED at #/ (backward): "
    )
    assert body["compatible"] is False
    assert body["breaking_reasons"] and body["advice"]
    [problem] = body["x_compat"]["problems"]
    assert problem["counterexample"] == "new"
    assert_proven(problem, FEWER_STATES, paid_only)
    assert not (folder / "v1" / ORDER / "3.0.0.json").exists()
    assert [v["core_version"] for v in gated.get(f"/schemas/v1/{ORDER}/versions").json()] == [
        "1.0.0",
        "1.1.0",
        "2.0.0",
    ]


def test_the_gate_accepts_a_compatible_version(gated: httpx.Client) -> None:
    response = upload(gated, "2.1.0", {"enum": ["new", "done"]})

    assert response.status_code == 201
    assert gated.get(f"/schemas/v1/{ORDER}").json()["core_version"] == "2.1.0"


def test_the_first_version_and_a_repeated_upload_need_no_check(gated: httpx.Client) -> None:
    first = upload(gated, "1.0.0", OLD_STATES, name="orders.Shipped")
    again = upload(gated, "2.0.0", FEWER_STATES)
    changed = upload(gated, "2.0.0", OLD_STATES)

    assert first.status_code == 201
    assert again.status_code == 200
    assert changed.status_code == 409
    assert "already exists with other content" in changed.json()["detail"]
    assert "x_compat" not in changed.json()


def test_the_gate_refuses_a_version_slipped_in_before_the_latest(
    gated: httpx.Client, folder: Path
) -> None:
    # 1.5.0 would sit between 1.1.0 and 2.0.0: checked against 2.0.0 as if it came after, it
    # passed, while nothing checked 2.0.0 against it (found by the adversarial review).
    response = upload(gated, "1.5.0", {"enum": ["new", "paid", "shipped", "lost"]})

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"{ORDER} 1.5.0 sorts before the latest version 2.0.0 on track v1: a registry gated on "
        "BACKWARD takes new versions after the latest only, where they are checked against the "
        "versions before them"
    )
    assert not (folder / "v1" / ORDER / "1.5.0.json").exists()


def test_the_gate_refuses_what_it_cannot_prove(gated: httpx.Client) -> None:
    response = upload(gated, "1.1.0", X, name=CODE)  # after 1.0.1, X_TOO

    assert response.status_code == 409
    body = response.json()
    assert f"{CODE} 1.1.0 on track v1 could not be proven BACKWARD compatible" in body["detail"]
    assert body["compatible"] is False
    assert body["x_compat"]["compatible"] is None


@pytest.mark.parametrize(
    ("gated", "status"),
    [(("BACKWARD", "semantic"), 201), (("BACKWARD_TRANSITIVE", "semantic"), 409)],
    indirect=["gated"],
)
def test_a_transitive_gate_checks_every_stored_version(
    gated: httpx.Client, folder: Path, status: int
) -> None:
    # Written by hand, so no gate saw them: 1.1.0 reads what 1.0.0 allows, not what 0.9.0 did.
    write(folder, "v1", "orders.Paid", "0.9.0", OLD_STATES)
    write(folder, "v1", "orders.Paid", "1.0.0", STATES)

    response = upload(gated, "1.1.0", MORE_STATES, name="orders.Paid")

    assert response.status_code == status
    if status == 409:
        body = response.json()
        assert "compatible with every stored version" in body["detail"]
        assert "(backward, against 0.9.0)" in body["breaking_reasons"][0]


def test_a_bad_level_or_rule_set_is_named() -> None:
    with pytest.raises(ConfigError, match=r"RegistryServer\(compatibility='SIDEWAYS'\)"):
        RegistryServer(".", compatibility="SIDEWAYS")
    with pytest.raises(ConfigError, match=r"RegistryServer\(compatibility_rules='vibes'\)"):
        RegistryServer(".", compatibility_rules="vibes")
