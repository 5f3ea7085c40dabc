"""The GitHub Actions workflows are checked here with actionlint, so a broken one fails locally."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    assert found, "actionlint is a dev dependency: pip install -e '.[dev]'"
    return found


def test_the_expected_workflows_exist() -> None:
    assert [w.name for w in WORKFLOWS] == [
        "_contracts_registry_reusable.yml",
        "ci.yml",
        "dispatch_contracts_registry.yml",
    ]


def test_actionlint_accepts_every_workflow() -> None:
    result = subprocess.run(
        [actionlint(), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ inputs.nope }}\n"
    )

    result = subprocess.run(
        [actionlint(), "-format", "{{json .}}", str(broken)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )

    # The JSON leaves out the source snippet, which would show "nope" whatever the complaint was.
    assert result.returncode == 1, result.stderr
    found = [(e["line"], e["column"], e["kind"], e["message"]) for e in json.loads(result.stdout)]
    assert found == [(6, 23, "expression", 'property "nope" is not defined in object type {}')]


def test_the_reusable_workflow_has_the_promised_interface() -> None:
    reusable = yaml.safe_load(
        (ROOT / ".github/workflows/_contracts_registry_reusable.yml").read_text()
    )
    call = reusable[True]["workflow_call"]  # YAML 1.1 reads the `on` key as True

    assert set(call["inputs"]) >= {
        "registry_url",
        "schema_track",
        "registry_dialect",
        "subject_template",
        "python-version",
        "mode",
    }
    assert call["inputs"]["mode"]["default"] == "replay"
    assert call["inputs"]["registry_dialect"]["default"] == "seed"
    assert set(call["secrets"]) == {"registry_token", "registry_basic_auth"}


@pytest.mark.parametrize("workflow", ["ci.yml", "dispatch_contracts_registry.yml"])
def test_callers_use_the_reusable_workflow(workflow: str) -> None:
    text = (ROOT / ".github" / "workflows" / workflow).read_text()

    assert "uses: ./.github/workflows/_contracts_registry_reusable.yml" in text
