"""`schema-registry fetch` and `diff`: snapshots of a registry, and drift against them."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from .._core.errors import SchemaNotFoundError
from .._core.models import SchemaDocument
from .._wire.client import RegistryClient
from ._common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    open_client,
    progress,
    registry_arguments,
)

__all__ = ["add_diff", "add_fetch"]


def add_fetch(commands: Any) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="write registry schemas to a snapshot folder",
        description="Fetch schemas and write them in the snapshot format the pytest plugin "
        "checks drift against: DIR/{track}/{name}.json plus DIR/registry.lock.json.",
    )
    registry_arguments(fetch)
    fetch.add_argument(
        "--output",
        required=True,
        type=Path,
        metavar="DIR",
        help="snapshot folder, e.g. tests/contracts/schemas",
    )
    fetch.add_argument("--track", default="v2", help="track to fetch (default: %(default)s)")
    which = fetch.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--name", action="append", metavar="NAME", help="schema to fetch (repeat for more)"
    )
    which.add_argument("--all", action="store_true", help="every schema the index lists")
    fetch.set_defaults(run=_fetch)


def add_diff(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        help="show how the registry drifted from a snapshot folder",
        description="Compare every schema in a snapshot folder with the registry's latest "
        "version on its track; print the drift, exit 1 if there is any.",
    )
    registry_arguments(diff)
    diff.add_argument(
        "--snapshots",
        required=True,
        type=Path,
        metavar="DIR",
        help="snapshot folder written by `fetch` or --schema-snapshot-update",
    )
    diff.set_defaults(run=_diff)


def _fetch(args: argparse.Namespace) -> int:
    from .._offline.snapshots import SnapshotStore

    documents = asyncio.run(_fetch_documents(args))
    changed = SnapshotStore(args.output).write(documents)
    print(
        f"fetched {len(documents)} schemas (track {args.track}) into {args.output}: "
        f"{changed} new or changed, {len(documents) - changed} unchanged"
    )
    return EXIT_OK


async def _fetch_documents(args: argparse.Namespace) -> list[SchemaDocument]:
    """Fetch what the command line asks for: the named schemas, or every one the index lists."""
    async with open_client(args) as client:
        names = args.name or (await client.index()).names(args.track)
        documents, _ = await _latest(client, [(name, args.track) for name in names])
    return documents


def _diff(args: argparse.Namespace) -> int:
    from .._offline.snapshots import SnapshotStore

    store = SnapshotStore(args.snapshots)
    if not store.exists():
        raise UsageError(f"--snapshots {str(args.snapshots)!r} holds no snapshots")
    keys = store.keys()
    documents, missing = asyncio.run(_diff_documents(args, keys))
    drifts = store.compare(documents)
    for name, track in missing:
        print(f"{name} ({track}): in the snapshots, no longer in the registry")
    for drift in drifts:
        print(drift.headline())
        print("\n".join(f"  {line}" for line in drift.diff.splitlines()))
    if drifts or missing:
        print(f"drift: {len(drifts) + len(missing)} of {len(keys)} schemas differ")
        return EXIT_FAILURE
    print(f"no drift: {len(keys)} schemas match {args.snapshots}")
    return EXIT_OK


async def _diff_documents(
    args: argparse.Namespace, keys: list[tuple[str, str]]
) -> tuple[list[SchemaDocument], list[tuple[str, str]]]:
    """Fetch the latest version of each snapshot; note the ones the registry no longer has."""
    async with open_client(args) as client:
        return await _latest(client, keys, missing_ok=True)


async def _latest(
    client: RegistryClient, keys: list[tuple[str, str]], *, missing_ok: bool = False
) -> tuple[list[SchemaDocument], list[tuple[str, str]]]:
    """Fetch the latest version of each (name, track), showing progress; raise registry errors.

    With `missing_ok`, a schema the registry does not have is listed as missing instead.
    """
    documents, missing = [], []
    try:
        for number, (name, track) in enumerate(keys, 1):
            progress(f"[{number}/{len(keys)}] {name} ({track})")
            try:
                documents.append(await client.fetch_schema(name, track=track))
            except SchemaNotFoundError:
                if not missing_ok:
                    raise
                missing.append((name, track))
    finally:
        progress("")
    return documents, missing
