"""Measure what SchemaManager.validate_payload costs over the raw validators, in one run.

    python benchmarks/bench_manager.py [--quick]

Prints medians of several repeats (the machine is shared and noisy: trust ratios over absolutes):

* dicts: warm `validate_payload` on the small FeedbackEvent and on a 50-item batch, the same
  payloads through raw jsonschema-rs, a reused `jsonschema.Draft7Validator` and
  `jsonschema.validate()`, and the manager on the pure-Python backend;
* bytes: `validate_json` from the JSON bytes to the verdict, against msgspec or orjson + raw
  jsonschema-rs, and the standard library's `json.loads` + jsonschema-rs, fastjsonschema or a
  reused `Draft7Validator`, valid and invalid (an invalid answer includes its error messages);
* a consumer loop: 10,000 Confluent-framed records (1 in 10 invalid) through `ValidationGate`
  in log mode, against the same loop written by hand with `json.loads` + fastjsonschema;
* the cold path: 100 concurrent first calls for one schema, counting the registry requests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs
import msgspec
import orjson

from pytest_schema_registry import RegistryClient, RegistryServer, SchemaManager, ValidationGate

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
INVALID_EVENT = dict(EVENT, queue_size=-1)
INVALID_BATCH = {"events": [*BATCH_PAYLOAD["events"][:49], INVALID_EVENT]}
RECORDS = 10_000


def interleaved_medians(
    runs: dict[str, tuple[Callable[[int], float], int]], repeat: int
) -> dict[str, float]:
    """Median microseconds per call of each run, the runs taking turns in every repeat.

    Taking turns spreads the shared machine's changing load over every contender alike, so the
    ratios between them hold even when the absolute figures drift.
    """
    samples: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeat):
        for label, (run, number) in runs.items():
            samples[label].append(run(number) / number * 1e6)
    return {label: statistics.median(values) for label, values in samples.items()}


def sync_loop(call: Callable[[], Any]) -> Callable[[int], float]:
    @without_gc
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

    return without_gc(lambda number: asyncio.run(timed(number)))


def without_gc(run: Callable[[int], float]) -> Callable[[int], float]:
    """Time with the cyclic collector off, as `timeit` does for every contender alike.

    Otherwise a full collection, walking every object the slower contenders left behind, lands
    in whichever turn happens to allocate when it comes due.
    """

    def timed(number: int) -> float:
        gc.collect()
        gc.disable()
        try:
            return run(number)
        finally:
            gc.enable()

    return timed


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
    # Many short turns rather than a few long ones: a burst of load on the shared machine then
    # spoils a turn or two of each contender, which the median leaves out.
    small_n, batch_n, slow_n, repeat = (
        int(100_000 * scale),
        int(5_000 * scale),
        int(2_000 * scale),
        11,
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
            report_bytes(server, event_schema, schema_b, small_n, batch_n, slow_n, repeat)
            requests, elapsed = asyncio.run(cold_path(server))
            print(
                f"cold path: 100 concurrent first calls -> {requests} registry request(s), "
                f"{elapsed * 1000:.1f} ms in all\n"
            )
        (Path(tmp) / "confluent").mkdir()
        with RegistryServer(Path(tmp) / "confluent", dialect="confluent") as server:
            consumer_loop(server, event_schema, RECORDS if not args.quick else RECORDS // 10)


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
        "small": interleaved_medians(
            {
                "raw jsonschema-rs is_valid": (sync_loop(lambda: rust_s.is_valid(EVENT)), small_n),
                "SchemaManager.validate_payload": (
                    async_loop(lambda: fast.validate_payload(FEEDBACK, EVENT)),
                    small_n,
                ),
                "SchemaManager.validate_payload_sync": (
                    sync_loop(lambda: fast.validate_payload_sync(FEEDBACK, EVENT)),
                    small_n,
                ),
                "manager, jsonschema backend": (
                    async_loop(lambda: slow.validate_payload(FEEDBACK, EVENT)),
                    slow_n,
                ),
                "reused jsonschema.Draft7Validator": (
                    sync_loop(lambda: draft7_s.is_valid(EVENT)),
                    slow_n,
                ),
                "jsonschema.validate() (naive)": (
                    sync_loop(lambda: jsonschema.validate(EVENT, schema_s)),
                    slow_n // 10,
                ),
            },
            repeat,
        ),
        "batch of 50": interleaved_medians(
            {
                "raw jsonschema-rs is_valid": (
                    sync_loop(lambda: rust_b.is_valid(BATCH_PAYLOAD)),
                    batch_n,
                ),
                "SchemaManager.validate_payload": (
                    async_loop(lambda: fast.validate_payload(BATCH, BATCH_PAYLOAD)),
                    batch_n,
                ),
                "SchemaManager.validate_payload_sync": (
                    sync_loop(lambda: fast.validate_payload_sync(BATCH, BATCH_PAYLOAD)),
                    batch_n,
                ),
                "manager, jsonschema backend": (
                    async_loop(lambda: slow.validate_payload(BATCH, BATCH_PAYLOAD)),
                    slow_n // 20,
                ),
                "reused jsonschema.Draft7Validator": (
                    sync_loop(lambda: draft7_b.is_valid(BATCH_PAYLOAD)),
                    slow_n // 20,
                ),
                "jsonschema.validate() (naive)": (
                    sync_loop(lambda: jsonschema.validate(BATCH_PAYLOAD, schema_b)),
                    slow_n // 100,
                ),
            },
            repeat,
        ),
    }
    print(f"median of {repeat} interleaved runs, microseconds per call (calls/s in brackets)\n")
    for label, row in rows.items():
        raw, ours = row["raw jsonschema-rs is_valid"], row["SchemaManager.validate_payload"]
        print(f"{label}:")
        for name, micros in row.items():
            print(f"  {name:<36} {micros:10.2f} us  [{1e6 / micros:>12,.0f}/s]")
        ours_sync = row["SchemaManager.validate_payload_sync"]
        print(
            f"  -> manager overhead over raw jsonschema-rs: {ours - raw:+.2f} us awaited "
            f"({(ours / raw - 1) * 100:+.0f}%), {ours_sync - raw:+.2f} us sync"
        )
        print(
            f"  -> manager vs Draft7Validator-based manager: "
            f"{row['manager, jsonschema backend'] / ours:.0f}x faster"
        )
        print(
            f"  -> manager vs naive jsonschema.validate(): "
            f"{row['jsonschema.validate() (naive)'] / ours:.0f}x faster\n"
        )


Verdict = tuple[bool, list[str]]


def rust_path(parse: Callable[[bytes], Any], validator: Any) -> Callable[[bytes], Verdict]:
    """Decode, then raw jsonschema-rs: the verdict, and its messages when invalid."""

    def judge(data: bytes) -> Verdict:
        payload = parse(data)
        if validator.is_valid(payload):
            return True, []
        return False, [error.message for error in validator.iter_errors(payload)]

    return judge


def fastjsonschema_path(schema: dict[str, Any]) -> Callable[[bytes], Verdict]:
    """`json.loads` + fastjsonschema, the usual "fast" Python choice (first error only)."""
    validate = fastjsonschema.compile(schema)

    def judge(data: bytes) -> Verdict:
        try:
            validate(json.loads(data))
        except fastjsonschema.JsonSchemaValueException as exc:
            return False, [exc.message]
        return True, []

    return judge


def draft7_path(schema: dict[str, Any]) -> Callable[[bytes], Verdict]:
    """`json.loads` + a reused `jsonschema.Draft7Validator`."""
    validator = jsonschema.Draft7Validator(schema)

    def judge(data: bytes) -> Verdict:
        payload = json.loads(data)
        if validator.is_valid(payload):
            return True, []
        return False, [error.message for error in validator.iter_errors(payload)]

    return judge


def report_bytes(
    server: RegistryServer,
    schema_s: dict[str, Any],
    schema_b: dict[str, Any],
    small_n: int,
    batch_n: int,
    slow_n: int,
    repeat: int,
) -> None:
    """From JSON bytes to a verdict: the manager against the same work done by hand."""

    async def warm() -> SchemaManager:
        manager = SchemaManager(
            client=RegistryClient(server.url),
            metrics=True,
            metrics_registry=(__import__("prometheus_client").CollectorRegistry()),
        )
        for name, payload in ((FEEDBACK, EVENT), (BATCH, BATCH_PAYLOAD)):
            assert (await manager.validate_json(name, json.dumps(payload).encode()))[0]
        return manager

    manager = asyncio.run(warm())
    msgspec_loads = msgspec.json.Decoder().decode
    cases = [
        ("small event", FEEDBACK, schema_s, EVENT, small_n),
        ("small event, invalid", FEEDBACK, schema_s, INVALID_EVENT, small_n // 4),
        ("batch of 50", BATCH, schema_b, BATCH_PAYLOAD, batch_n),
        ("batch of 50, one invalid", BATCH, schema_b, INVALID_BATCH, batch_n // 4),
    ]
    print(f"bytes -> verdict, median of {repeat} interleaved runs, microseconds per call\n")
    for label, name, schema, payload, number in cases:
        data = json.dumps(payload).encode()
        rust = jsonschema_rs.Draft7Validator(schema, validate_formats=True, offline=True)
        expected_valid = rust.is_valid(payload)
        paths: dict[str, Callable[[bytes], Any]] = {
            "msgspec + raw jsonschema-rs": rust_path(msgspec_loads, rust),
            "orjson.loads + raw jsonschema-rs": rust_path(orjson.loads, rust),
            "json.loads + raw jsonschema-rs": rust_path(json.loads, rust),
            "json.loads + fastjsonschema": fastjsonschema_path(schema),
            "json.loads + Draft7Validator": draft7_path(schema),
        }
        for path in paths.values():
            assert path(data)[0] is expected_valid
        assert manager.validate_json_sync(name, data)[0] is expected_valid
        runs: dict[str, tuple[Callable[[int], float], int]] = {
            "SchemaManager.validate_json": (
                async_loop(lambda name=name, data=data: manager.validate_json(name, data)),
                number,
            ),
            "SchemaManager.validate_json_sync": (
                sync_loop(lambda name=name, data=data: manager.validate_json_sync(name, data)),
                number,
            ),
        }
        for path_label, path in paths.items():
            slow = "Draft7Validator" in path_label
            runs[path_label] = (
                sync_loop(lambda path=path, data=data: path(data)),
                max(number // (50 if slow else 1), 20),
            )
        times = interleaved_medians(runs, repeat)
        ours = times["SchemaManager.validate_json"]
        print(f"{label} ({len(data):,} bytes):")
        for path_label, micros in times.items():
            print(f"  {path_label:<36} {micros:10.2f} us  [{1e6 / micros:>12,.0f}/s]")
        ours_sync = times["SchemaManager.validate_json_sync"]
        for raw_label in ("orjson.loads + raw jsonschema-rs", "msgspec + raw jsonschema-rs"):
            print(
                f"  -> manager / ({raw_label.replace('.loads', '')}): "
                f"{ours / times[raw_label]:.2f}x awaited, {ours_sync / times[raw_label]:.2f}x sync"
            )
        print(
            f"  -> manager vs json.loads + fastjsonschema: "
            f"{times['json.loads + fastjsonschema'] / ours:.1f}x faster\n"
        )


def consumer_loop(server: RegistryServer, schema: dict[str, Any], count: int) -> None:
    """`count` framed records through the gate in log mode, against a hand-written loop."""

    async def run() -> None:
        async with RegistryClient(server.url, dialect="confluent") as client:
            schema_id = int((await client.register_schema(FEEDBACK, schema))["id"])
        frame = b"\x00" + schema_id.to_bytes(4, "big")
        records = [
            frame + json.dumps(INVALID_EVENT if i % 10 == 9 else dict(EVENT, queue_size=i)).encode()
            for i in range(count)
        ]
        logging.getLogger("pytest_schema_registry").setLevel(logging.ERROR)  # 1,000 warnings
        async with SchemaManager(
            server.url,
            dialect="confluent",
            metrics_registry=__import__("prometheus_client").CollectorRegistry(),
        ) as manager:
            gate = ValidationGate(manager, mode="log")
            await gate.check_message(records[0])  # warm: the writer schema is fetched once
            started = time.perf_counter()
            accepted = [(await gate.check_message(record)).accepted for record in records]
            ours = time.perf_counter() - started
        assert all(accepted)
        by_id = {schema_id: fastjsonschema.compile(schema)}
        started = time.perf_counter()
        invalid = 0
        for record in records:  # by hand: read the id, json.loads the body, validate
            try:
                by_id[int.from_bytes(record[1:5], "big")](json.loads(record[5:]))
            except fastjsonschema.JsonSchemaValueException:
                invalid += 1
        theirs = time.perf_counter() - started
        assert invalid == count // 10
        print(f"consumer loop: {count:,} framed records (1 in 10 invalid), gate in log mode")
        print(
            f"  ValidationGate.check_message       {ours / count * 1e6:10.2f} us/record  "
            f"[{count / ours:>12,.0f} records/s]"
        )
        print(
            f"  by hand: json.loads + fastjsonschema {theirs / count * 1e6:8.2f} us/record  "
            f"[{count / theirs:>12,.0f} records/s]"
        )
        print(f"  -> gate vs the hand-written loop: {theirs / ours:.1f}x faster")

    asyncio.run(run())


if __name__ == "__main__":
    main()
