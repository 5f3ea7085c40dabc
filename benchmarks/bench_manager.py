"""Measure what SchemaManager.validate_payload costs over the raw validators, in one run.

    python benchmarks/bench_manager.py [--quick]

Prints medians of several repeats (the machine is shared and noisy: trust ratios over absolutes):
warm `validate_payload` on the small FeedbackEvent and on a 50-item batch, the same payloads
through raw jsonschema-rs, a reused `jsonschema.Draft7Validator` and `jsonschema.validate()`, the
manager on the pure-Python backend (a "Draft7Validator-based manager"), and the cold path: 100
concurrent first calls for one schema, counting the registry requests they cause.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs

from pytest_schema_registry import RegistryClient, RegistryServer, SchemaManager

ROOT = Path(__file__).resolve().parent.parent
FEEDBACK = "telemetry.FeedbackEvent"
BATCH = "telemetry.FeedbackBatch"
EVENT = {
    "schema_version": "2.0.0",
    "coordinator_id": "coord-eu-1",
    "queue_size": 120,
    "capacity": 1000,
    "level": "soft",
    "source": "store",
    "ts": 1764072000.25,
    "reason": "queue_high_watermark",
}
BATCH_PAYLOAD = {"events": [dict(EVENT, queue_size=i) for i in range(50)]}


def median_us(run: Callable[[int], float], number: int, repeat: int) -> float:
    """Return the median over `repeat` runs of the time per call, in microseconds."""
    return statistics.median(run(number) / number * 1e6 for _ in range(repeat))


def sync_loop(call: Callable[[], Any]) -> Callable[[int], float]:
    def run(number: int) -> float:
        started = time.perf_counter()
        for _ in range(number):
            call()
        return time.perf_counter() - started

    return run


def async_loop(call: Callable[[], Awaitable[Any]]) -> Callable[[int], float]:
    async def timed(number: int) -> float:
        started = time.perf_counter()
        for _ in range(number):
            await call()
        return time.perf_counter() - started

    return lambda number: asyncio.run(timed(number))


def batch_schema(event_schema: dict[str, Any]) -> dict[str, Any]:
    item = {k: v for k, v in event_schema.items() if not k.startswith("$") or k == "$defs"}
    return {
        "title": "FeedbackBatch",
        "type": "object",
        "properties": {"events": {"type": "array", "items": item, "maxItems": 500}},
        "required": ["events"],
        "$defs": item.pop("$defs"),
    }


async def cold_path(server: RegistryServer) -> tuple[int, float]:
    """Fire 100 concurrent first calls; return the registry requests made and the wall time."""
    server.reset_counts()
    async with SchemaManager(registry_url=server.url, metrics=False) as manager:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(manager.validate_payload(FEEDBACK, EVENT) for _ in range(100))
        )
        elapsed = time.perf_counter() - started
    assert all(valid for valid, _ in results), results[0]
    return server.count(f"/schemas/v2/{FEEDBACK}"), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, for a smoke run")
    args = parser.parse_args()
    scale = 0.05 if args.quick else 1.0
    small_n, batch_n, slow_n, repeat = (
        int(200_000 * scale),
        int(10_000 * scale),
        int(2_000 * scale),
        7,
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "registry"
        shutil.copytree(ROOT / "examples" / "registry", folder)
        event_schema = json.loads((folder / "v2" / FEEDBACK / "2.0.0.json").read_text())
        (folder / "v2" / BATCH).mkdir()
        schema_b = batch_schema(event_schema)
        (folder / "v2" / BATCH / "1.0.0.json").write_text(json.dumps(schema_b))
        with RegistryServer(folder) as server:
            report(server, event_schema, schema_b, small_n, batch_n, slow_n, repeat)


def report(
    server: RegistryServer,
    schema_s: dict[str, Any],
    schema_b: dict[str, Any],
    small_n: int,
    batch_n: int,
    slow_n: int,
    repeat: int,
) -> None:
    rust_s = jsonschema_rs.Draft7Validator(schema_s, validate_formats=True, offline=True)
    rust_b = jsonschema_rs.Draft7Validator(schema_b, validate_formats=True, offline=True)
    draft7_s = jsonschema.Draft7Validator(schema_s)
    draft7_b = jsonschema.Draft7Validator(schema_b)

    async def warm(backend: str) -> SchemaManager:
        manager = SchemaManager(
            client=RegistryClient(server.url),
            metrics=True,
            backend=backend,  # type: ignore[arg-type]
            metrics_registry=__import__("prometheus_client").CollectorRegistry(),
        )
        for name, payload in ((FEEDBACK, EVENT), (BATCH, BATCH_PAYLOAD)):
            valid, errors = await manager.validate_payload(name, payload)
            assert valid, errors
        return manager

    fast = asyncio.run(warm("jsonschema-rs"))
    slow = asyncio.run(warm("jsonschema"))

    rows = {
        "small": {
            "raw jsonschema-rs is_valid": median_us(
                sync_loop(lambda: rust_s.is_valid(EVENT)), small_n, repeat
            ),
            "SchemaManager.validate_payload": median_us(
                async_loop(lambda: fast.validate_payload(FEEDBACK, EVENT)), small_n, repeat
            ),
            "manager, jsonschema backend": median_us(
                async_loop(lambda: slow.validate_payload(FEEDBACK, EVENT)), slow_n, repeat
            ),
            "reused jsonschema.Draft7Validator": median_us(
                sync_loop(lambda: draft7_s.is_valid(EVENT)), slow_n, repeat
            ),
            "jsonschema.validate() (naive)": median_us(
                sync_loop(lambda: jsonschema.validate(EVENT, schema_s)), slow_n // 10, repeat
            ),
        },
        "batch of 50": {
            "raw jsonschema-rs is_valid": median_us(
                sync_loop(lambda: rust_b.is_valid(BATCH_PAYLOAD)), batch_n, repeat
            ),
            "SchemaManager.validate_payload": median_us(
                async_loop(lambda: fast.validate_payload(BATCH, BATCH_PAYLOAD)), batch_n, repeat
            ),
            "manager, jsonschema backend": median_us(
                async_loop(lambda: slow.validate_payload(BATCH, BATCH_PAYLOAD)),
                slow_n // 20,
                repeat,
            ),
            "reused jsonschema.Draft7Validator": median_us(
                sync_loop(lambda: draft7_b.is_valid(BATCH_PAYLOAD)), slow_n // 20, repeat
            ),
            "jsonschema.validate() (naive)": median_us(
                sync_loop(lambda: jsonschema.validate(BATCH_PAYLOAD, schema_b)),
                slow_n // 100,
                repeat,
            ),
        },
    }
    print(f"median of {repeat} runs, microseconds per call (calls/s in brackets)\n")
    for label, row in rows.items():
        raw, ours = row["raw jsonschema-rs is_valid"], row["SchemaManager.validate_payload"]
        print(f"{label}:")
        for name, micros in row.items():
            print(f"  {name:<36} {micros:10.2f} us  [{1e6 / micros:>12,.0f}/s]")
        print(
            f"  -> manager overhead over raw jsonschema-rs: {ours - raw:+.2f} us "
            f"({(ours / raw - 1) * 100:+.0f}%)"
        )
        print(
            f"  -> manager vs Draft7Validator-based manager: "
            f"{row['manager, jsonschema backend'] / ours:.0f}x faster"
        )
        print(
            f"  -> manager vs naive jsonschema.validate(): "
            f"{row['jsonschema.validate() (naive)'] / ours:.0f}x faster\n"
        )

    requests, elapsed = asyncio.run(cold_path(server))
    print(
        f"cold path: 100 concurrent first calls -> {requests} registry request(s), "
        f"{elapsed * 1000:.1f} ms in all"
    )


if __name__ == "__main__":
    main()
