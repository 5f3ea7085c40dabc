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
    _check_serve(args)
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
        dialect=args.dialect,
        user=args.user,
        password=args.password,
    )
    problems = server.store.problems if server.store is not None else server.folder.problems
    for problem in problems:
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
    print(_banner(server, args), flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.stop()
    return EXIT_OK


def _check_serve(args: argparse.Namespace) -> None:
    """Refuse a command line that cannot serve what it asks for, saying what to change."""
    if not args.directory.is_dir():
        raise UsageError(f"DIR {str(args.directory)!r} is not a directory")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected a port number from 0 to 65535")
    if args.require_token and not args.token:
        raise UsageError("--require-token needs --token TOKEN")
    if (args.user is None) != (args.password is None):
        raise UsageError("--user and --password go together: give both or neither")
    if args.dialect == "confluent":
        if args.require_token:
            raise UsageError(
                "--require-token is for the seed dialect: in the confluent dialect, --token "
                "or --user/--password guard every request"
            )
        return
    if args.user is not None:
        raise UsageError("--user/--password are for --dialect confluent; the seed takes --token")
    if args.compatibility not in (None, "NONE") and not args.token:
        raise UsageError("--compatibility gates uploads, which need --token TOKEN")


def _banner(server: RegistryServer, args: argparse.Namespace) -> str:
    """Say what is served where; warn on stderr when the folder holds nothing to serve."""
    if server.store is not None:
        count, what = len(server.store), "subjects"
        layout = "DIR/subjects/{subject}/{version}.json, e.g. DIR/subjects/orders-value/1.json"
        access = "Confluent API, " + (
            "open to anyone" if server.open_to_all else "every request needs a credential"
        )
        access += f", compatibility {server.compatibility.level} unless config.json says otherwise"
    else:
        count = sum(len(server.folder.names(track)) for track in server.folder.tracks())
        what = "schemas"
        layout = "DIR/{track}/{name}/{version}.json, e.g. DIR/v1/telemetry.FeedbackEvent/1.1.2.json"
        access = "admin API open with the token" if args.token else "admin API closed (no --token)"
        if args.require_token:
            access += ", reads need it too"
        if server.compatibility.level != "NONE":
            access += f", uploads must be {server.compatibility.level} compatible"
    if count == 0:
        print(
            f"schema-registry: warning: {args.directory} holds no {what}; expected {layout}",
            file=sys.stderr,
        )
    return (
        f"Serving {count} {what} from {args.directory} at {server.url} ({access}). "
        "Press Ctrl+C to stop."
    )
