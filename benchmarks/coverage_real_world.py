"""Run our payload engine and hypothesis-jsonschema over real-world JSON schemas, in one run.

    python benchmarks/coverage_real_world.py [--quick] [--limit N] [--examples 10]
                                              [--timeout 60] [--memory-mb 4096] [--jobs 2]

The corpus is fetched at run time: `pip download` of exact, pinned wheels (`PACKAGES`) into a
temporary folder, read straight from the wheels (nothing is vendored): schemastore schemas from
check-jsonschema (GitHub workflows, GitLab CI, Azure Pipelines, Renovate, ...), the Vega-Lite
schema from altair, the OpenAPI schemas, the notebook schemas, the metaschemas, the CycloneDX BOM
schemas, and a fixed stride sample of CloudFormation resource schemas from cfn-lint. Identical
documents are counted once.

Each schema is classified by its `$schema` (Draft 7 when absent). The denominator of "supported"
is the self-contained (every `$ref` starts with `#`) Draft 4/6/7 schemas; external `$ref`s, Draft 3
and unknown dialects are excluded and counted; self-contained Draft 2019-09/2020-12 schemas are
run too but reported in a separate block.

Every (schema, engine) pair runs in a fresh child process with a wall-clock timeout and an
address-space cap (RLIMIT_AS), so a runaway schema costs one result, never the run. In the child:
build the strategy and draw `--examples` values under `@given` (generate phase only, no database,
no deadline, health checks suppressed, derandomized so that runs compare); that is the timed
part. Its memory is the child's peak RSS during that part minus its RSS just before (Linux:
VmHWM from /proc/self/status, reset through /proc/self/clear_refs; imports and a warm-up draw
come first, so they are not counted; not ru_maxrss, which Linux carries over from the parent
across fork and exec). For our engine the child then draws as many values from
`invalid_from_schema`. Values travel back as JSON and the parent checks them with the project's
`PayloadValidator`: values from `from_schema` it rejects are "invalid values" (must be 0 for us;
a value that is not JSON counts as invalid), and negatives it accepts are "negatives that
validate". Any exception while building or drawing means "unsupported", grouped by exception
type and first line; a timeout or a dead child is a failure too.

hypothesis-jsonschema 0.23.1 only works with hypothesis <= 6.170.9, so it runs in a virtual env
created in the temporary folder (the helper of `bench_strategies.py`); ours runs on this
environment's hypothesis.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import fnmatch
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench_strategies import PINS, hypothesis_jsonschema_python

from pytest_schema_registry import PayloadValidator

ROOT = Path(__file__).resolve().parent.parent

CFN_SAMPLE = 60  # CloudFormation resource schemas taken, by stride over the sorted type names
CFN_PROVIDERS = "cfnlint/data/schemas/providers/us-east-1.json"

# package -> (pinned version, member-name patterns inside the wheel; `fnmatch`, `*` spans `/`)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "check-jsonschema": ("0.39.0", ("check_jsonschema/builtin_schemas/*.json",)),
    "altair": ("6.3.0", ("altair/vegalite/v6/schema/vega-lite-schema.json",)),
    "openapi-spec-validator": ("0.9.0", ("openapi_spec_validator/resources/schemas/*.json",)),
    "openapi-schema-validator": ("0.9.0", ("openapi_schema_validator/schemas/*",)),
    "nbformat": ("5.11.1", ("nbformat/v*.schema.json",)),
    "jsonschema-specifications": ("2025.9.1", ("jsonschema_specifications/schemas/*.json",)),
    "cyclonedx-python-lib": ("11.12.0", ("cyclonedx/schema/_res/*.schema.json",)),
    "cfn-lint": ("1.58.0", ()),  # sampled through the us-east-1 provider index, see below
}

# --quick: a handful of small schemas from three small wheels (one Draft 2020-12)
QUICK: dict[str, tuple[str, ...]] = {
    "nbformat": ("nbformat/v4/nbformat.v4.5.schema.json",),
    "jsonschema-specifications": ("jsonschema_specifications/schemas/draft7/metaschema.json",),
    "check-jsonschema": (
        "check_jsonschema/builtin_schemas/vendor/github-issue-config.json",
        "check_jsonschema/builtin_schemas/vendor/codecov.json",
        "check_jsonschema/builtin_schemas/vendor/readthedocs.json",
    ),
}

DRAFTS = {
    "json-schema.org/draft-03/schema": "Draft 3",
    "json-schema.org/draft-04/schema": "Draft 4",
    "json-schema.org/draft-06/schema": "Draft 6",
    "json-schema.org/draft-07/schema": "Draft 7",
    "json-schema.org/draft/2019-09/schema": "Draft 2019-09",
    "json-schema.org/draft/2020-12/schema": "Draft 2020-12",
}
CLASSIC = ("Draft 4", "Draft 6", "Draft 7")
MODERN = ("Draft 2019-09", "Draft 2020-12")
ENGINES: tuple[str, ...] = ("ours", "hypothesis-jsonschema")
SLOW_SECONDS = 10.0
WORST = 8

# Runs in a fresh child, under our Python (engine "ours") or the hypothesis-jsonschema venv.
# Prints one JSON line per phase, flushed, so a timeout in the negatives keeps the valid result.
HARNESS = r"""
import gc, json, resource, sys, time, warnings
engine, path, examples, cap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
warnings.simplefilter("ignore")
from hypothesis import HealthCheck, Phase, given, settings

if engine == "ours":
    from pytest_schema_registry.strategies import from_schema, invalid_from_schema
else:
    from hypothesis_jsonschema import from_schema
    invalid_from_schema = None

def draw(strategy, n):
    seen = []
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value):
        seen.append(value)
    run()
    return seen

def reason(exc):
    text = str(exc).strip()
    return (type(exc).__name__ + ": " + (text.splitlines()[0] if text else ""))[:200]

def jsonable(values):
    kept, dropped = [], 0
    for value in values:
        try:
            json.dumps(value, allow_nan=False)
            kept.append(value)
        except (TypeError, ValueError):
            dropped += 1
    return kept, dropped

def status(key):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key + ":"))

def measure(phase, build):
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset this process's peak RSS (VmHWM) to its current RSS
    before = status("VmRSS")
    started = time.perf_counter()
    stage, values, error = "build", [], None
    try:
        strategy = build()
        stage = "draw"
        values = draw(strategy, examples)
    except Exception as exc:
        error = reason(exc)
    seconds = time.perf_counter() - started
    grown = status("VmHWM") - before
    kept, dropped = jsonable(values)
    print(json.dumps({"phase": phase, "stage": stage, "error": error, "seconds": seconds,
                      "memory_kib": grown, "values": kept, "unjsonable": dropped}), flush=True)

schema = json.loads(open(path, encoding="utf-8").read())
draw(from_schema({"type": "object", "properties": {"a": {"type": "string"}}}), 3)  # warm up
measure("valid", lambda: from_schema(schema))
if invalid_from_schema is not None:
    measure("invalid", lambda: invalid_from_schema(schema).map(lambda p: [p.value, p.reason]))
"""


@dataclass
class Schema:
    """One corpus document and where it came from."""

    package: str
    path: str
    document: Any
    name: str = ""  # a readable name where the path is a hash (cfn-lint)

    @property
    def label(self) -> str:
        where = f"{self.package}: {self.path}"
        return f"{where} ({self.name})" if self.name else where


@dataclass
class Run:
    """One engine's result on one schema."""

    outcome: str  # ok / unsupported / timeout / crashed
    reason: str = ""
    seconds: float | None = None
    memory_kib: int | None = None
    drawn: int = 0
    invalid: int = 0  # from_schema values our validator rejects (or that are not JSON)
    negatives: int = 0  # invalid_from_schema values drawn
    negatives_valid: int = 0  # ... that our validator accepts
    negative_error: str = ""  # invalid_from_schema could not build or draw (or timed out)
    examples: list[str] = field(default_factory=list)


# -- corpus ---------------------------------------------------------------------------------


def download(packages: list[str], folder: Path) -> dict[str, Path]:
    """`pip download` the pinned wheels of `packages`; return package -> wheel path."""
    pins = [f"{name}=={PACKAGES[name][0]}" for name in packages]
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip, "--only-binary", ":all:", "-d", str(folder), *pins],
        check=True,
    )
    wheels = {}
    for name in packages:
        stem = f"{name.replace('-', '_')}-{PACKAGES[name][0]}-"
        wheels[name] = next(p for p in folder.glob("*.whl") if p.name.startswith(stem))
    return wheels


def wheel_schemas(package: str, wheel: Path, only: tuple[str, ...] | None) -> Iterator[Schema]:
    """Yield the schemas `PACKAGES` (or `only`, for --quick) selects from one wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(archive.namelist())
        if package == "cfn-lint" and only is None:
            index: dict[str, str] = json.loads(archive.read(CFN_PROVIDERS))
            types = sorted(index)
            for i in range(CFN_SAMPLE):
                kind = types[i * len(types) // CFN_SAMPLE]
                path = f"cfnlint/data/schemas/resources/{index[kind]}.json"
                yield Schema(package, path, json.loads(archive.read(path)), kind)
            return
        patterns = only if only is not None else PACKAGES[package][1]
        for name in names:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                yield Schema(package, name, json.loads(archive.read(name)))


def draft_of(document: Any) -> str:
    """Return "Draft 7"-style name of the dialect `$schema` names (Draft 7 when absent)."""
    if not isinstance(document, dict) or "$schema" not in document:
        return "Draft 7"
    uri = document["$schema"]
    key = str(uri).split("://", 1)[-1].rstrip("#")
    return DRAFTS.get(key, f"unknown $schema {str(uri)[:70]}")


def refs(node: Any) -> Iterator[str]:
    """Yield every `$ref` string in a document (not properties that are *named* `$ref`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def classify(schema: Schema) -> str:
    """Return "classic" (the denominator), "modern" (2019-09/2020-12) or why it is excluded."""
    if not isinstance(schema.document, dict):
        return "not a JSON object"
    draft = draft_of(schema.document)
    if draft not in CLASSIC + MODERN:
        return draft
    external = sorted({ref for ref in refs(schema.document) if not ref.startswith("#")})
    if external:
        return "external $ref"
    return "classic" if draft in CLASSIC else "modern"


def stride(items: list[Schema], limit: int | None) -> list[Schema]:
    """At most `limit` items, evenly spaced (deterministic), in their order."""
    if limit is None or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


# -- running --------------------------------------------------------------------------------


def run_one(
    python: str, engine: str, path: Path, args: argparse.Namespace, env: dict[str, str]
) -> tuple[list[dict[str, Any]], str]:
    """Run the harness on one schema; return its JSON lines and an error ("" when it exited 0)."""
    cap = str(args.memory_mb * 1024 * 1024)  # RLIMIT_AS, set by the child itself
    command = [python, "-c", HARNESS, engine, str(path), str(args.examples), cap]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=args.timeout,
            env=env,
            check=False,
        )
        stdout, error = result.stdout, ""
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or [""])[-1]
            error = f"child died (exit {result.returncode}): {last[:160]}"
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        stdout = out.decode(errors="replace") if isinstance(out, bytes) else out
        error = f"timeout after {args.timeout:g} s"
    lines = []
    for line in stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by the kill, or a stray print
            continue
    return [line for line in lines if isinstance(line, dict) and "phase" in line], error


def judge(lines: list[dict[str, Any]], error: str, validator: PayloadValidator | None) -> Run:
    """Turn a child's output into a `Run`, validating its values here."""
    phases = {line["phase"]: line for line in lines}
    valid = phases.get("valid")
    if valid is None:
        return Run("timeout" if error.startswith("timeout") else "crashed", error)
    run = Run("ok", seconds=valid["seconds"], memory_kib=valid["memory_kib"])
    if valid["error"]:
        run.outcome, run.reason = "unsupported", f"{valid['stage']}: {valid['error']}"
    run.drawn = len(valid["values"]) + valid["unjsonable"]
    run.invalid = valid["unjsonable"]
    if validator is not None:
        for value in valid["values"]:
            if not validator.is_valid(value):
                run.invalid += 1
                run.examples.append(json.dumps(value)[:100])
    invalid = phases.get("invalid")
    if invalid is None:
        run.negative_error = error or "not run"
    else:
        if invalid["error"]:
            run.negative_error = f"{invalid['stage']}: {invalid['error']}"
        run.negatives = len(invalid["values"])
        if validator is not None:
            for value, why in invalid["values"]:
                if validator.is_valid(value):
                    run.negatives_valid += 1
                    run.examples.append(f"negative {why!r} validates: {json.dumps(value)[:80]}")
    return run


def run_all(
    schemas: list[Schema], pythons: dict[str, str], args: argparse.Namespace, folder: Path
) -> dict[str, list[Run]]:
    """Run both engines on every schema, `args.jobs` children at a time."""
    ours_env = dict(os.environ, PYTHONPATH=str(ROOT))
    theirs_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    paths = []
    for i, schema in enumerate(schemas):
        path = folder / f"schema-{i}.json"
        path.write_text(json.dumps(schema.document), encoding="utf-8")
        paths.append(path)
    validators: list[PayloadValidator | None] = []
    for schema in schemas:
        try:
            validators.append(PayloadValidator(schema.document))
        except Exception as exc:  # its values stay unchecked; the engines still run
            print(f"  (our validator cannot compile {schema.label}, values unchecked: {exc})")
            validators.append(None)
    results: dict[str, list[Run]] = {engine: [Run("crashed")] * len(schemas) for engine in ENGINES}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {
            pool.submit(
                run_one,
                pythons[engine],
                engine,
                paths[i],
                args,
                ours_env if engine == "ours" else theirs_env,
            ): (engine, i)
            for i in range(len(schemas))
            for engine in ENGINES
        }
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            engine, i = futures[future]
            lines, error = future.result()
            results[engine][i] = judge(lines, error, validators[i])
            if args.progress:
                run = results[engine][i]
                print(
                    f"[{done}/{len(futures)}] {engine}: {schemas[i].label}: {run.outcome} "
                    f"{run.seconds or 0:.2f} s {run.reason[:60]}",
                    file=sys.stderr,
                    flush=True,
                )
    return results


# -- report ---------------------------------------------------------------------------------


def seconds_text(run: Run) -> str:
    if run.outcome == "timeout":
        return "timeout"
    if run.outcome == "crashed" or run.seconds is None:
        return "crashed"
    return f"{run.seconds:.2f} s"


def summary(title: str, schemas: list[Schema], runs: dict[str, list[Run]], timeout: float) -> None:
    """Print the per-engine figures for one group of schemas."""
    print(f"\n{title}: {len(schemas)} schemas")
    if not schemas:
        return
    for engine in ENGINES:
        engine_runs = runs[engine]
        ok = sum(run.outcome == "ok" for run in engine_runs)
        times = [run.seconds for run in engine_runs if run.seconds is not None]
        stopped = sum(run.outcome in ("timeout", "crashed") for run in engine_runs)
        slow = sum(t > SLOW_SECONDS for t in times) + stopped
        memory = [run.memory_kib / 1024 for run in engine_runs if run.memory_kib is not None]
        label = (
            f"ours (hypothesis {version('hypothesis')})"
            if engine == "ours"
            else f"hypothesis-jsonschema ({', '.join(PINS)})"
        )
        print(f"  {label}:")
        print(f"    supported: {ok}/{len(schemas)} ({100 * ok / len(schemas):.1f}%)")
        drawn = sum(run.drawn for run in engine_runs)
        print(f"    invalid values from from_schema: {sum(r.invalid for r in engine_runs)}", end="")
        print(f" (of {drawn} drawn)")
        if engine == "ours":
            negatives = sum(run.negatives for run in engine_runs)
            broken = sum(bool(r.negative_error) and r.outcome == "ok" for r in engine_runs)
            print(
                f"    negatives that validate: {sum(r.negatives_valid for r in engine_runs)} "
                f"(of {negatives} drawn; invalid_from_schema failed on {broken} supported schemas)"
            )
        if times:
            slowest = f"{max(times):.2f} s" if not stopped else f">= {timeout:g} s (timeout)"
            print(
                f"    build + examples: median {statistics.median(times):.2f} s, max {slowest}, "
                f"over {SLOW_SECONDS:g} s: {slow} (incl. {stopped} timeouts/crashes)"
            )
        else:
            print(f"    build + examples: no run finished ({stopped} timeouts/crashes)")
        if memory:
            print(
                f"    peak memory of build + examples (peak RSS growth): "
                f"median {statistics.median(memory):.1f} MiB, max {max(memory):.1f} MiB"
            )


def largest(runs: list[Run], measure: Callable[[Run], float | None]) -> list[int]:
    """Indexes of the `WORST` runs with the largest measure (runs without one left out)."""
    known = [i for i, run in enumerate(runs) if measure(run) is not None]
    return sorted(known, key=lambda i: measure(runs[i]) or 0.0, reverse=True)[:WORST]


def worst(schemas: list[Schema], runs: dict[str, list[Run]]) -> None:
    """Print the slowest, the hungriest and the failing schemas, with their sources."""
    for engine in ENGINES:
        engine_runs = runs[engine]
        print(f"\n  {engine}: slowest finished runs (timeouts are under failures)")
        for i in largest(engine_runs, lambda run: run.seconds):
            run = engine_runs[i]
            print(f"    {seconds_text(run):>9}  {run.outcome:<11} {schemas[i].label}")
        print(f"  {engine}: biggest memory (peak RSS growth; not known for timeouts)")
        for i in largest(engine_runs, lambda run: run.memory_kib):
            print(f"    {(engine_runs[i].memory_kib or 0) / 1024:7.1f} MiB  {schemas[i].label}")
        groups: dict[str, list[str]] = collections.defaultdict(list)
        for i, run in enumerate(engine_runs):
            if run.outcome != "ok":
                reason = run.reason.split("schema={", 1)[0]  # not the schema quoted in some
                groups[f"{run.outcome}: {reason[:110]}"].append(schemas[i].label)
            if run.invalid or run.negatives_valid:
                example = run.examples[0][:70] if run.examples else "not JSON"
                groups["wrong values"].append(f"{schemas[i].label}  e.g. {example}")
        print(f"  {engine}: failures by reason ({sum(map(len, groups.values()))} schemas)")
        for reason, labels in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            print(f"    {len(labels)} x {reason}")
            shown = labels if engine == "ours" or reason == "wrong values" else labels[:3]
            for label in shown:
                print(f"        {label}")
            if len(shown) < len(labels):
                print(f"        ... and {len(labels) - len(shown)} more")
        if engine == "ours":
            negative: dict[str, list[str]] = collections.defaultdict(list)
            for i, run in enumerate(engine_runs):
                if run.negative_error and run.outcome == "ok":
                    negative[run.negative_error].append(schemas[i].label)
            count = sum(map(len, negative.values()))
            print(f"  ours: invalid_from_schema failures on supported schemas ({count})")
            for reason, labels in sorted(negative.items(), key=lambda kv: -len(kv[1])):
                print(f"    {len(labels)} x {reason[:150]}")
                for label in labels:
                    print(f"        {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a handful of small schemas")
    parser.add_argument("--limit", type=int, default=None, help="at most N schemas (stride)")
    parser.add_argument("--examples", type=int, default=10, help="values drawn per schema")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per child")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address space per child")
    parser.add_argument("--jobs", type=int, default=2, help="children at a time")
    parser.add_argument("--progress", action="store_true", help="one line per run on stderr")
    parser.add_argument(
        "--ours-only", action="store_true", help="skip hypothesis-jsonschema (a quicker check)"
    )
    args = parser.parse_args()
    if args.timeout is None:
        args.timeout = 20.0 if args.quick else 60.0
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        only: dict[str, tuple[str, ...]] = QUICK if args.quick else {}
        packages = list(QUICK) if args.quick else list(PACKAGES)
        wheels = download(packages, folder)
        corpus: list[Schema] = []
        for package in packages:
            corpus.extend(wheel_schemas(package, wheels[package], only.get(package)))
        seen: set[str] = set()
        kinds: collections.Counter[str] = collections.Counter()
        per_package: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        picked: list[tuple[Schema, str]] = []
        for schema in corpus:
            canonical = json.dumps(schema.document, sort_keys=True)
            kind = "duplicate document" if canonical in seen else classify(schema)
            seen.add(canonical)
            kinds[kind] += 1
            per_package[schema.package][kind] += 1
            if kind in ("classic", "modern"):
                picked.append((schema, kind))
        chosen = stride([schema for schema, _ in picked], args.limit)
        kind_of = {id(schema): kind for schema, kind in picked}
        pythons = {"ours": sys.executable}
        if args.ours_only:
            global ENGINES
            ENGINES = ("ours",)
        else:
            pythons["hypothesis-jsonschema"] = hypothesis_jsonschema_python(folder)
        print(
            f"Real-world corpus: {len(corpus)} schema documents from {len(packages)} PyPI "
            f"packages (pip download, pinned); {args.examples} examples per schema, "
            f"timeout {args.timeout:g} s, address space cap {args.memory_mb} MiB, "
            f"{args.jobs} children at a time"
        )
        for package in packages:
            counts = per_package[package]
            total = sum(counts.values())
            detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()))
            print(f"  {package}=={PACKAGES[package][0]}: {total} documents ({detail})")
        excluded = {k: n for k, n in kinds.items() if k not in ("classic", "modern")}
        print(f"  self-contained Draft 4/6/7 (the denominator): {kinds['classic']}")
        print(f"  self-contained Draft 2019-09/2020-12 (reported separately): {kinds['modern']}")
        dropped = ", ".join(f"{kind}: {n}" for kind, n in sorted(excluded.items()))
        print(f"  excluded: {dropped or 'none'}")
        if args.limit is not None:
            print(f"  --limit {args.limit}: running {len(chosen)} of them")
        runs = run_all(chosen, pythons, args, folder)
    for group, title in (
        ("classic", "Self-contained Draft 4/6/7"),
        ("modern", "Self-contained Draft 2019-09/2020-12 (not in the figures above)"),
    ):
        index = [i for i, schema in enumerate(chosen) if kind_of[id(schema)] == group]
        group_schemas = [chosen[i] for i in index]
        group_runs = {engine: [runs[engine][i] for i in index] for engine in ENGINES}
        summary(title, group_schemas, group_runs, args.timeout)
    print("\nWorst schemas (all groups):")
    worst(chosen, runs)
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
