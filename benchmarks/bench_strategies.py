"""Compare our payload engine with hypothesis-jsonschema on the same schemas, in one run.

    python benchmarks/bench_strategies.py [--examples 300] [--repeat 5]

hypothesis-jsonschema 0.23.1 only works with hypothesis <= 6.170.9, so it runs in a virtual
environment this script creates (in a temporary folder) with exactly those pins; our engine runs
here, on whatever hypothesis is installed. Both run the same harness, printed below, on the small
FeedbackEvent and on a 50-item batch: time to build a strategy and draw its first example (the
work both do lazily), examples per second under `@given`, and whether a default-settings run
trips a health check. Medians of several runs; ratios are what to quote.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ["hypothesis==6.170.9", "hypothesis-jsonschema==0.23.1"]

HARNESS = r"""
import json, statistics, sys, time
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FailedHealthCheck

engine, examples, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
schemas = json.loads(sys.stdin.read())
if engine == "ours":
    from pytest_schema_registry import strategies as ours
    from pytest_schema_registry._generation import payloads
    def build(schema):
        payloads._valid.cache_clear()
        return ours.from_schema(schema)
else:
    from hypothesis_jsonschema import from_schema as build

def draw(strategy, n, checks):
    count = 0
    options = dict(max_examples=n, database=None, deadline=None, phases=[Phase.generate])
    if not checks:
        options["suppress_health_check"] = list(HealthCheck)
    @settings(**options)
    @given(strategy)
    def run(value):
        nonlocal count
        count += 1
    run()
    return count

results = {}
for name, schema in schemas.items():
    builds, rates = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        draw(build(schema), 1, checks=False)
        builds.append(time.perf_counter() - started)
        strategy = build(schema)
        draw(strategy, 1, checks=False)  # lazy work done: measure drawing alone
        started = time.perf_counter()
        count = draw(strategy, examples, checks=False)
        rates.append(count / (time.perf_counter() - started))
    try:
        draw(build(schema), 100, checks=True)
        health = "ok"
    except FailedHealthCheck as exc:
        health = "FAILED: " + str(exc).strip().splitlines()[0][:60]
    except Exception as exc:
        health = "ERROR: " + type(exc).__name__ + ": " + str(exc).strip().splitlines()[0][:60]
    results[name] = {"build_ms": statistics.median(builds) * 1000,
                     "per_second": statistics.median(rates), "health": health}
print(json.dumps(results))
"""


def hypothesis_jsonschema_python(folder: Path) -> str:
    """Create a virtual env in `folder` with `PINS` installed; return its Python executable."""
    env = folder / "hypothesis-jsonschema"
    venv.create(env, with_pip=True)
    python = str(env / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", *PINS], check=True)
    return python


def schemas() -> dict[str, object]:
    event = json.loads(
        (ROOT / "examples/registry/v1/telemetry.FeedbackEvent/1.1.2.json").read_text()
    )
    item = {k: v for k, v in event.items() if k != "$defs"}
    batch = {
        "type": "object",
        "required": ["events"],
        "properties": {"events": {"type": "array", "items": item, "minItems": 50, "maxItems": 50}},
        "$defs": event["$defs"],
    }
    return {"small FeedbackEvent": event, "50-item batch": batch}


def run(python: str, engine: str, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    result = subprocess.run(
        [python, "-c", HARNESS, engine, str(args.examples), str(args.repeat)],
        input=json.dumps(schemas()),
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, dict[str, object]] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        python = hypothesis_jsonschema_python(Path(tmp))
        theirs = run(python, "hypothesis-jsonschema", args)
    ours = run(sys.executable, "ours", args)
    print(
        f"{args.examples} examples, median of {args.repeat} runs "
        f"(ours on this environment's hypothesis; theirs on {', '.join(PINS)})\n"
    )
    for name in schemas():
        a, b = ours[name], theirs[name]
        build_a, build_b = float(a["build_ms"]), float(b["build_ms"])  # type: ignore[arg-type]
        rate_a, rate_b = float(a["per_second"]), float(b["per_second"])  # type: ignore[arg-type]
        print(f"{name}:")
        print(
            f"  build + first example   ours {build_a:8.1f} ms   "
            f"hypothesis-jsonschema {build_b:8.1f} ms   ours faster by {build_b / build_a:.1f}x"
        )
        print(
            f"  examples per second     ours {rate_a:8.0f}      "
            f"hypothesis-jsonschema {rate_b:8.0f}      ours faster by {rate_a / rate_b:.1f}x"
        )
        print(
            f"  health checks           ours {a['health']}; hypothesis-jsonschema {b['health']}\n"
        )


if __name__ == "__main__":
    main()
