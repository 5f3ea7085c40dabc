"""`schema-registry serve DIR`: the embedded registry from the command line."""

from __future__ import annotations

import argparse
import sys

from .._server.limits import Limits
from .._server.server import RegistryServer
from ._common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    configure_logging,
    positive,
)

__all__ = ["add_limits", "run_serve"]


def add_limits(serve: argparse.ArgumentParser) -> None:
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
            type=positive(kind),
            default=default,
            metavar="N",
            help=f"{meaning} (default: %(default)s)",
        )


def run_serve(args: argparse.Namespace) -> int:
    if not args.directory.is_dir():
        raise UsageError(f"DIR {str(args.directory)!r} is not a directory")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected a port number from 0 to 65535")
    if args.require_token and not args.token:
        raise UsageError("--require-token needs --token TOKEN")
    if args.compatibility != "NONE" and not args.token:
        raise UsageError("--compatibility gates uploads, which need --token TOKEN")
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
        compatibility=args.compatibility,
        compatibility_rules=args.compatibility_rules,
    )
    for problem in server.folder.problems:
        print(f"schema-registry: skipped {problem}", file=sys.stderr)
    configure_logging(quiet=args.quiet)
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
    if args.compatibility != "NONE":
        admin += f", uploads must be {args.compatibility} compatible"
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
