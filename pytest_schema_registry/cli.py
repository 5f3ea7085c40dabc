"""The `schema-registry` command: serve a folder of schemas; fetch snapshots; diff against them.

Errors go to stderr as one line, with a non-zero exit code and no traceback: 2 for a command line
we cannot use, 1 for a failure while running (a missing schema, a registry that is down) and, for
`diff`, for drift found.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from ._core.errors import ConfigError, SchemaNotFoundError, SchemaRegistryError
from ._core.models import SchemaDocument
from ._server.limits import Limits
from ._server.server import RegistryServer
from ._wire.client import RegistryClient

__all__ = ["main"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    """A command line we cannot act on; the message says what to change."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (the console script exits with it)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (_UsageError, ConfigError) as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {exc}\n")
    except SchemaRegistryError as exc:  # the registry's trouble, not the command line's
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schema-registry",
        description="Contract-test JSON events against a schema registry.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a folder of schemas over the registry API",
        description="Serve DIR/{track}/{name}/{version}.json over the seed registry's HTTP API, "
        "for development and tests. Not for production.",
    )
    serve.add_argument("directory", type=Path, metavar="DIR", help="the schema folder")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument(
        "--port",
        type=int,
        default=8081,
        help="port to bind, 0 for any free one (default: %(default)s)",
    )
    serve.add_argument(
        "--token", default=None, help="bearer token that opens the admin API (closed without one)"
    )
    serve.add_argument(
        "--base-path",
        default="",
        metavar="PATH",
        help="prefix for every route, e.g. /api/v1 (default: none)",
    )
    serve.add_argument(
        "--require-token",
        action="store_true",
        help="want the token on reads too (all but /health), as a locked-down registry does",
    )
    serve.add_argument("-q", "--quiet", action="store_true", help="do not log each request")
    _add_limits(serve)
    serve.set_defaults(run=_serve)
    _add_fetch(commands)
    _add_diff(commands)
    return parser


def _registry_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--url", required=True, help="base URL of the registry")
    command.add_argument(
        "--token", default=None, help="bearer token (default: $REGISTRY_TOKEN; prefer the variable)"
    )
    command.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default: %(default)s)"
    )


def _add_fetch(commands: Any) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="write registry schemas to a snapshot folder",
        description="Fetch schemas and write them in the snapshot format the pytest plugin "
        "checks drift against: DIR/{track}/{name}.json plus DIR/registry.lock.json.",
    )
    _registry_arguments(fetch)
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


def _add_diff(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        help="show how the registry drifted from a snapshot folder",
        description="Compare every schema in a snapshot folder with the registry's latest "
        "version on its track; print the drift, exit 1 if there is any.",
    )
    _registry_arguments(diff)
    diff.add_argument(
        "--snapshots",
        required=True,
        type=Path,
        metavar="DIR",
        help="snapshot folder written by `fetch` or --schema-snapshot-update",
    )
    diff.set_defaults(run=_diff)


def _add_limits(serve: argparse.ArgumentParser) -> None:
    """Expose what the server allows its clients; the defaults suit tests and development."""
    limits = serve.add_argument_group("limits (what one client may hold)")
    for flag, kind, default, meaning in (
        ("--idle-timeout", float, Limits.idle_timeout, "seconds an idle connection is kept"),
        ("--request-timeout", float, Limits.request_timeout, "seconds a request may take"),
        ("--max-connections", int, Limits.max_connections, "connections served at once"),
        ("--max-body-bytes", int, Limits.max_body_bytes, "largest upload body"),
    ):
        limits.add_argument(
            flag,
            type=_positive(kind),
            default=default,
            metavar="N",
            help=f"{meaning} (default: %(default)s)",
        )


def _positive(kind: type[float] | type[int]) -> Callable[[str], float]:
    """Return an argparse type: a number of `kind` above zero, or a message saying so."""
    noun = "a whole number" if kind is int else "a number"

    def parse(raw: str) -> float:
        try:
            value = kind(raw)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{raw!r}: expected {noun} > 0")
        return value

    return parse


def _serve(args: argparse.Namespace) -> int:
    if not args.directory.is_dir():
        raise _UsageError(f"DIR {str(args.directory)!r} is not a directory")
    if not 0 <= args.port <= 65535:
        raise _UsageError(f"--port {args.port}: expected a port number from 0 to 65535")
    if args.require_token and not args.token:
        raise _UsageError("--require-token needs --token TOKEN")
    server = RegistryServer(
        args.directory,
        host=args.host,
        port=args.port,
        token=args.token,
        base_path=args.base_path,
        reads_need_token=args.require_token,
        idle_timeout=args.idle_timeout,
        request_timeout=args.request_timeout,
        max_connections=args.max_connections,
        max_body_bytes=args.max_body_bytes,
    )
    for problem in server.folder.problems:
        print(f"schema-registry: skipped {problem}", file=sys.stderr)
    _configure_logging(quiet=args.quiet)
    try:
        server.start()
    except OSError as exc:
        print(
            f"schema-registry: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    count = sum(len(server.folder.names(track)) for track in server.folder.tracks())
    if count == 0:
        print(
            f"schema-registry: warning: {args.directory} holds no schemas; expected "
            "DIR/{track}/{name}/{version}.json, e.g. DIR/v1/telemetry.FeedbackEvent/1.1.2.json",
            file=sys.stderr,
        )
    admin = "admin API open with the token" if args.token else "admin API closed (no --token)"
    if args.require_token:
        admin += ", reads need it too"
    print(
        f"Serving {count} schemas from {args.directory} at {server.url} ({admin}). "
        "Press Ctrl+C to stop.",
        flush=True,
    )
    try:
        server.wait()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.stop()
    return EXIT_OK


def _fetch(args: argparse.Namespace) -> int:
    from ._offline.snapshots import SnapshotStore

    documents = asyncio.run(_fetch_documents(args))
    changed = SnapshotStore(args.output).write(documents)
    print(
        f"fetched {len(documents)} schemas (track {args.track}) into {args.output}: "
        f"{changed} new or changed, {len(documents) - changed} unchanged"
    )
    return EXIT_OK


async def _fetch_documents(args: argparse.Namespace) -> list[SchemaDocument]:
    """Fetch what the command line asks for: the named schemas, or every one the index lists."""
    async with _client(args) as client:
        names = args.name or (await client.index()).names(args.track)
        documents, _ = await _latest(client, [(name, args.track) for name in names])
    return documents


def _diff(args: argparse.Namespace) -> int:
    from ._offline.snapshots import SnapshotStore

    store = SnapshotStore(args.snapshots)
    if not store.exists():
        raise _UsageError(f"--snapshots {str(args.snapshots)!r} holds no snapshots")
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
    async with _client(args) as client:
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
            _progress(f"[{number}/{len(keys)}] {name} ({track})")
            try:
                documents.append(await client.fetch_schema(name, track=track))
            except SchemaNotFoundError:
                if not missing_ok:
                    raise
                missing.append((name, track))
    finally:
        _progress("")
    return documents, missing


def _client(args: argparse.Namespace) -> RegistryClient:
    token = args.token or os.environ.get("REGISTRY_TOKEN")
    try:
        return RegistryClient(args.url, token=token, timeout=args.timeout)
    except ConfigError as exc:
        raise _UsageError(str(exc).replace("base_url=", "--url ")) from None


def _progress(message: str) -> None:
    """Show progress on an interactive terminal only; logs and pipes get the summary alone."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[K{message}")
        sys.stderr.flush()


def _fail(message: str) -> int:
    print(f"schema-registry: {message}", file=sys.stderr)
    return EXIT_FAILURE


def _configure_logging(*, quiet: bool) -> None:
    """Print one access line per request to stderr, unless asked to keep quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    server_log = logging.getLogger("pytest_schema_registry.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.WARNING if quiet else logging.INFO)
