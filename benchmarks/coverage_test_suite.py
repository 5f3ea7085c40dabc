"""Run the payload engine over every Draft 7 schema of the official JSON-Schema-Test-Suite.

    python benchmarks/coverage_test_suite.py [--examples 30]

The suite ships inside the `jsonschema` source distribution (`json/tests/draft7/`); this script
downloads that sdist with pip into a temporary folder (nothing is vendored). For each schema it
reports whether `from_schema` could build a strategy, draws examples and counts any that fail the
project's validator (there must be none), and groups build-time rejections by reason.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tarfile
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import HypothesisException

from pytest_schema_registry import PayloadValidator, SchemaRegistryError
from pytest_schema_registry.strategies import from_schema


def suite_schemas(folder: Path) -> list[tuple[str, Any]]:
    """Download the jsonschema sdist and return (label, schema) for every Draft 7 test group."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-binary",
            ":all:",
            "--no-deps",
            f"jsonschema=={version('jsonschema')}",
            "-d",
            str(folder),
        ],
        check=True,
    )
    archive = next(folder.glob("jsonschema-*.tar.gz"))
    schemas = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if "/json/tests/draft7/" in member.name and member.name.endswith(".json"):
                handle = tar.extractfile(member)
                assert handle is not None
                topic = member.name.split("/json/tests/draft7/")[1]
                for group in json.load(handle):
                    schemas.append((f"{topic}: {group['description']}", group["schema"]))
    return schemas


def check(schema: Any, examples: int) -> tuple[str, str]:
    """Return (outcome, detail): generated / invalid-value / rejected / unsatisfiable."""
    try:
        strategy = from_schema(schema)
        validator = PayloadValidator(schema if isinstance(schema, dict) else {"not": {}})
    except SchemaRegistryError as exc:
        return "rejected", str(exc).split(": ", 1)[-1]
    bad: list[Any] = []

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def draw(value: Any) -> None:
        if isinstance(schema, dict) and not validator.is_valid(value):
            bad.append(value)

    try:
        draw()
    except SchemaRegistryError as exc:
        return "rejected", str(exc).split(": ", 1)[-1]
    except HypothesisException as exc:
        return "unsatisfiable", type(exc).__name__
    return ("invalid-value", repr(bad[0])[:80]) if bad else ("generated", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30, help="examples drawn per schema")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        schemas = suite_schemas(Path(tmp))
    outcomes: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    invalid: list[str] = []
    for label, schema in schemas:
        outcome, detail = check(schema, args.examples)
        outcomes[outcome] += 1
        if outcome in ("rejected", "unsatisfiable"):
            reasons[f"{outcome}: {detail}"] += 1
        if outcome == "invalid-value":
            invalid.append(f"{label}: {detail}")
    print(
        f"{len(schemas)} Draft 7 schemas from the JSON-Schema-Test-Suite "
        f"(jsonschema {version('jsonschema')} sdist), {args.examples} examples each:"
    )
    for outcome in ("generated", "invalid-value", "rejected", "unsatisfiable"):
        print(f"  {outcome:<14} {outcomes[outcome]}")
    for reason, count in reasons.most_common():
        print(f"    {count:>3} x {reason}")
    for line in invalid:
        print(f"  INVALID VALUE GENERATED: {line}")


if __name__ == "__main__":
    main()
