"""The `schema-registry` command: serve a folder of schemas over the registry API.

Errors go to stderr as one line, with a non-zero exit code and no traceback: 2 for a command line
we cannot use, 1 for a failure while running.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._server import RegistryServer

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
    except _UsageError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {exc}\n")
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
    serve.add_argument("-q", "--quiet", action="store_true", help="do not log each request")
    serve.set_defaults(run=_serve)
    return parser


def _serve(args: argparse.Namespace) -> int:
    if not args.directory.is_dir():
        raise _UsageError(f"DIR {str(args.directory)!r} is not a directory")
    if not 0 <= args.port <= 65535:
        raise _UsageError(f"--port {args.port}: expected a port number from 0 to 65535")
    server = RegistryServer(
        args.directory, host=args.host, port=args.port, token=args.token, base_path=args.base_path
    )
    for problem in server.store.problems:
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
    count = sum(len(server.store.names(track)) for track in server.store.tracks())
    admin = "admin API open with the token" if args.token else "admin API closed (no --token)"
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


def _configure_logging(*, quiet: bool) -> None:
    """Print one access line per request to stderr, unless asked to keep quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    server_log = logging.getLogger("pytest_schema_registry.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.WARNING if quiet else logging.INFO)
