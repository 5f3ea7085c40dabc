"""`schema-registry compat` as a user runs it: real files, a real registry on port 0, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_schema_registry import RegistryServer
from pytest_schema_registry._runtime.validation import PayloadValidator
from tests.unit.test_cli import cli

OPEN = {"type": "object", "properties": {"a": {"type": "integer"}}}
FEEDBACK = "v1/telemetry.FeedbackEvent"  # 1.1.0, then 1.1.2 adds an optional string `source`


def write(folder: Path, name: str, schema: Any) -> str:
    path = folder / name
    path.write_text(json.dumps(schema))
    return str(path)


def shown_problems(stdout: str) -> list[tuple[str, Any]]:
    """Return (direction, counterexample) for each problem of a human report, in order."""
    found = re.findall(r"\((backward|forward)[:)].*\n.*\n\s+counterexample: (.*)", stdout)
    return [(direction, json.loads(payload)) for direction, payload in found]


def assert_breaks(old: Any, new: Any, direction: str, payload: Any) -> None:
    """A backward counterexample is old data new readers reject; a forward one, the reverse."""
    writer, reader = (old, new) if direction == "backward" else (new, old)
    assert PayloadValidator(writer).is_valid(payload), (direction, payload)
    assert not PayloadValidator(reader).is_valid(payload), (direction, payload)


def test_compatible_files_exit_0(tmp_path: Path) -> None:
    old = write(tmp_path, "old.json", {"type": "integer"})
    new = write(tmp_path, "new.json", {"type": "number"})

    result = cli("compat", old, new)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "compatible: BACKWARD (semantic rules)",
        f"  old: {old}",
        f"  new: {new}",
    ]
    assert result.stderr == ""


def test_incompatible_files_exit_1_with_a_proving_payload_per_problem(tmp_path: Path) -> None:
    old_schema = {"type": "integer", "minimum": 0}
    new_schema = {"type": "integer", "maximum": 10}
    old, new = write(tmp_path, "old.json", old_schema), write(tmp_path, "new.json", new_schema)

    result = cli("compat", old, new, "--level", "full")
    problems = shown_problems(result.stdout)

    assert result.returncode == 1, result.stderr
    headline = f"INCOMPATIBLE: FULL (semantic rules), {len(problems)} problems"
    assert result.stdout.splitlines()[0] == headline  # every problem shows its payload
    assert {direction for direction, _ in problems} == {"backward", "forward"}
    for direction, payload in problems:
        assert_breaks(old_schema, new_schema, direction, payload)


def test_json_prints_one_document_and_only_that(tmp_path: Path) -> None:
    old_schema = OPEN
    new_schema = {**OPEN, "required": ["a"]}
    old, new = write(tmp_path, "old.json", old_schema), write(tmp_path, "new.json", new_schema)

    result = cli("compat", old, new, "--json")
    verdict = json.loads(result.stdout)  # the whole of stdout: one document

    assert result.returncode == 1, result.stderr
    assert (verdict["compatible"], verdict["level"], verdict["rules"]) == (
        False,
        "BACKWARD",
        "semantic",
    )
    assert [p["kind"] for p in verdict["problems"]] == ["REQUIRED_ATTRIBUTE_ADDED"]
    for problem in verdict["problems"]:
        assert problem["proven"]
        assert_breaks(old_schema, new_schema, problem["direction"], problem["counterexample"])


def test_an_undecidable_pair_exits_3_with_the_reason(tmp_path: Path) -> None:
    """Two spellings of one pattern: the algebra cannot compare regexes, no payload breaks."""
    old = write(tmp_path, "old.json", {"type": "string", "pattern": "^[a-z]+$"})
    new = write(tmp_path, "new.json", {"type": "string", "pattern": "^[a-z][a-z]*$"})

    result = cli("compat", old, new, "--timeout", "3")
    as_json = cli("compat", old, new, "--timeout", "3", "--json")

    assert result.returncode == 3, result.stderr
    assert re.match(r"UNKNOWN: BACKWARD \(semantic rules\) could not be decided: \S", result.stdout)
    assert as_json.returncode == 3
    verdict = json.loads(as_json.stdout)
    assert verdict["compatible"] is None and verdict["reason"]


def test_confluent_rules_say_when_a_payload_tells_otherwise(tmp_path: Path) -> None:
    text = write(tmp_path, "text.json", {"type": "string"})
    email = write(tmp_path, "email.json", {"type": "string", "format": "email"})
    small = write(tmp_path, "small.json", {"type": "integer", "enum": [1, 2]})
    capped = write(tmp_path, "capped.json", {"type": "integer", "enum": [1, 2], "maximum": 5})

    accepted = cli("compat", text, email, "--rules", "confluent")
    refused = cli("compat", small, capped, "--rules", "confluent", "--policy", "lenient")

    assert accepted.returncode == 0, accepted.stderr  # the exit code follows the prediction
    assert accepted.stdout.startswith("compatible: BACKWARD (Confluent's rules, STRICT)\n")
    assert "  Confluent will accept this, but a payload breaks:\n" in accepted.stdout
    [(direction, payload)] = shown_problems(accepted.stdout)
    assert_breaks({"type": "string"}, {"type": "string", "format": "email"}, direction, payload)
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.startswith("INCOMPATIBLE: BACKWARD (Confluent's rules, LENIENT), 1 ")
    assert refused.stdout.rstrip().endswith(
        "Confluent will refuse this, though no payload breaks: its rule is syntactic."
    )


def test_confluent_rules_show_breaks_they_let_through_when_both_say_no(tmp_path: Path) -> None:
    level = {"type": "string", "enum": ["soft", "hard"]}
    old = {"type": "object", "properties": {"level": level}, "additionalProperties": False}
    new = {
        "type": "object",
        "properties": {
            "level": {**level, "maxLength": 8},
            "note": {"type": "string", "default": ""},
        },
        "required": ["note"],
        "additionalProperties": False,
    }

    result = cli(
        "compat",
        write(tmp_path, "old.json", old),
        write(tmp_path, "new.json", new),
        "--rules",
        "confluent",
    )

    assert result.returncode == 1, result.stderr
    # Confluent refuses the harmless maxLength and accepts the new required key (it has a
    # default, which validators do not fill in): the report says both.
    refused, let_through = result.stdout.split(
        "  Confluent's rules let these through, but a payload breaks them:\n"
    )
    assert "#/properties/level" in refused and "counterexample: none found" in refused
    assert (
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL at #/properties/note"
        in let_through
    )
    [(direction, payload)] = shown_problems(let_through)
    assert_breaks(old, new, direction, payload)


# -- the registry as a source ---------------------------------------------------------------------


def test_registry_references_with_and_without_a_version(server: RegistryServer) -> None:
    backward = cli("compat", f"{FEEDBACK}@1.1.0", FEEDBACK, "--url", server.url)
    forward = cli(
        "compat", f"{FEEDBACK}@1.1.0", FEEDBACK, "--url", server.url, "--level", "FORWARD"
    )

    assert backward.returncode == 1, backward.stderr
    assert f"  old: {FEEDBACK}@1.1.0\n  new: {FEEDBACK}@1.1.2\n" in backward.stdout
    [(direction, payload)] = shown_problems(backward.stdout)
    old, new = (
        server.folder.get("telemetry.FeedbackEvent", track="v1", version=v)
        for v in ("1.1.0", "1.1.2")
    )
    assert old is not None and new is not None
    assert_breaks(old.content, new.content, direction, payload)
    assert payload["source"] is None  # the field 1.1.2 added
    assert forward.returncode == 0, forward.stderr


def test_transitive_levels_compare_every_version_up_to_old(
    server: RegistryServer, tmp_path: Path
) -> None:
    latest = server.folder.get("telemetry.FeedbackEvent", track="v1")
    assert latest is not None and latest.version == "1.1.2"
    new = write(tmp_path, "new.json", latest.content)  # fine against 1.1.2, breaks 1.1.0's data

    plain = cli("compat", FEEDBACK, new, "--url", server.url)
    transitive = cli("compat", FEEDBACK, new, "--url", server.url, "--level", "BACKWARD_TRANSITIVE")
    up_to_first = cli(
        "compat", f"{FEEDBACK}@1.1.0", new, "--url", server.url, "--level", "backward_transitive"
    )

    assert plain.returncode == 0, plain.stderr
    assert transitive.returncode == 1, transitive.stderr
    assert f"  old: {FEEDBACK}@1.1.0, {FEEDBACK}@1.1.2 (oldest first)\n" in transitive.stdout
    assert "against version 1 of 2" in transitive.stdout
    assert f"  old: {FEEDBACK}@1.1.0\n" in up_to_first.stdout  # not the later 1.1.2
    assert up_to_first.returncode == 1


def test_the_registry_comes_from_the_environment_and_the_token_is_never_shown(
    registry_dir: Path, tmp_path: Path
) -> None:
    new = write(tmp_path, "new.json", {"type": "object"})
    with RegistryServer(registry_dir, token="s3cret-token", reads_need_token=True) as locked:
        good = cli(
            "compat",
            FEEDBACK,
            new,
            env={"REGISTRY_URL": locked.url, "REGISTRY_TOKEN": "s3cret-token"},
        )
        bad = cli("compat", FEEDBACK, new, "--url", locked.url, "--token", "wrong-token")

    assert good.returncode == 0, good.stderr
    assert bad.returncode == 2
    assert bad.stderr.startswith("schema-registry: cannot check compatibility: ")
    assert "(401)" in bad.stderr
    for result in (good, bad):
        assert "s3cret-token" not in result.stdout + result.stderr
        assert "wrong-token" not in result.stdout + result.stderr


def test_an_existing_file_wins_over_a_registry_reference(
    server: RegistryServer, tmp_path: Path
) -> None:
    (tmp_path / "v1").mkdir()
    write(tmp_path / "v1", "telemetry.FeedbackEvent", {"type": "integer"})
    new = write(tmp_path, "new.json", {"type": "number"})

    result = cli("compat", FEEDBACK, new, "--url", server.url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr  # an object schema would break under "number"
    assert f"  old: {FEEDBACK}\n" in result.stdout


@pytest.mark.parametrize(
    ("old", "complaint"),
    [
        ("v1/telemetry.Nope", "OLD 'v1/telemetry.Nope' is no file, and GET "),
        (f"{FEEDBACK}@9.9.9", "version '9.9.9' on track v1 not found (404)"),
        ("--dead", "registry unavailable (network)"),
    ],
)
def test_registry_trouble_exits_2_in_one_line(
    server: RegistryServer, tmp_path: Path, old: str, complaint: str
) -> None:
    url = server.url
    if old == "--dead":
        old = FEEDBACK
        server.stop()
    new = write(tmp_path, "new.json", {"type": "object"})

    result = cli("compat", old, new, "--url", url, "--timeout", "2", "--json")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("schema-registry: cannot check compatibility: ")
    assert complaint in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- command lines that cannot run ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old_text", "extra", "complaint"),
    [
        (None, ["--level", "sideways"], "argument --level: invalid choice: 'SIDEWAYS'"),
        (None, ["--rules", "avro"], "argument --rules: invalid choice: 'avro'"),
        (None, ["--timeout", "0"], "argument --timeout: '0': expected a number > 0"),
        ("{oops", [], "OLD '{old}' is not JSON: Expecting property name"),
        ("[NaN]", [], "OLD '{old}' is not JSON: NaN is not a JSON value"),
        ('{"type": 12}', [], "cannot check compatibility: the old schema is not usable"),
        ('{"type": "string", "pattern": "("}', [], "the old schema is not usable"),
    ],
)
def test_usage_problems_exit_2_without_a_traceback(
    tmp_path: Path, old_text: str | None, extra: list[str], complaint: str
) -> None:
    old = tmp_path / "old.json"
    old.write_text(old_text or json.dumps(OPEN))
    new = write(tmp_path, "new.json", OPEN)

    result = cli("compat", str(old), new, *extra)

    assert result.returncode == 2
    assert complaint.format(old=old) in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("old", "complaint"),
    [
        ("missing.json", "OLD 'missing.json': no such file (nor a registry reference"),
        ("a/b/c.json", "OLD 'a/b/c.json': no such file (nor a registry reference"),
        (".", "OLD '.' is a directory, not a schema file"),
        (
            FEEDBACK,
            f"OLD '{FEEDBACK}': no such file; to read it as track/name[@version] from a "
            "registry, give --url URL or set REGISTRY_URL",
        ),
    ],
)
def test_a_side_that_is_neither_file_nor_usable_reference_is_a_usage_error(
    tmp_path: Path, old: str, complaint: str
) -> None:
    new = write(tmp_path, "new.json", OPEN)

    result = cli("compat", old, new, cwd=tmp_path)

    assert result.returncode == 2
    assert f"schema-registry: error: {complaint}" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_bytes(b"\xff\xfe not text")

    result = cli("compat", str(old), str(old))

    assert result.returncode == 2
    assert f"OLD '{old}' cannot be read: 'utf-8' codec can't decode" in result.stderr


def test_help_lists_the_exit_codes_and_the_transitive_rule() -> None:
    help_text = " ".join(cli("compat", "--help").stdout.split())

    assert "with OLD a file, against that file alone" in help_text
    for line in (
        "0 compatible",
        "1 incompatible",
        "2 the check cannot run",
        "3 unknown",
    ):
        assert line in help_text
