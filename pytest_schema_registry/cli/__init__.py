"""The `schema-registry` command: serve a folder of schemas; fetch snapshots; diff; check compat.

Errors go to stderr as one line, with a non-zero exit code and no traceback: 2 for a command line
we cannot use, 1 for a failure while running (a missing schema, a registry that is down) and, for
`diff`, for drift found. `compat` keeps 1 for "incompatible" and 3 for "unknown", so there a
check that cannot run (registry down, schema missing or unusable) exits 2, like a bad command line.

One module per command (`serve.py`, `registry.py` for fetch and diff, `compat.py`), what they share
in `_common.py`; this module builds the parser and runs the chosen command.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .._compat.verdict import LEVELS
from .._core.errors import ConfigError, SchemaRegistryError
from ._common import EXIT_USAGE, UsageError, add_level, fail
from .compat import add_compat
from .registry import add_diff, add_fetch
from .serve import add_limits, run_serve

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (the console script exits with it)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (UsageError, ConfigError) as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {exc}\n")
    except SchemaRegistryError as exc:  # the registry's trouble, not the command line's
        return fail(str(exc))
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
        description="Serve DIR/{track}/{name}/{version}.json over the seed registry's HTTP API "
        "or, with --dialect confluent, DIR/subjects/{subject}/{version}.json over Confluent's "
        "Schema Registry REST API (JSON Schema only; what confluent-kafka's client and JSON "
        "serializers use), for development and tests. Not for production.",
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
        "--dialect",
        choices=("seed", "confluent"),
        default="seed",
        help="which registry API to speak (default: %(default)s)",
    )
    serve.add_argument(
        "--token",
        default=None,
        help="bearer token: opens the seed admin API (closed without one); in the confluent "
        "dialect, every request needs it (or --user/--password)",
    )
    serve.add_argument(
        "--user",
        default=None,
        help="confluent dialect: HTTP Basic user every request needs (with --password)",
    )
    serve.add_argument(
        "--password", default=None, help="confluent dialect: HTTP Basic password (with --user)"
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
    add_level(
        serve,
        "--compatibility",
        None,
        "refuse (409) an upload that breaks this level against the stored versions: "
        f"{', '.join(LEVELS)} (default: NONE, anything goes, for the seed dialect; BACKWARD, "
        "as Confluent, for the confluent dialect, where PUT /config can change it)",
    )
    serve.add_argument(
        "--compatibility-rules",
        choices=("semantic", "confluent"),
        default=None,
        help="judge by what the schemas accept (semantic) or by what a Confluent registry "
        "would answer (default: semantic for the seed dialect, confluent for the confluent one)",
    )
    add_limits(serve)
    serve.set_defaults(run=run_serve)
    add_fetch(commands)
    add_diff(commands)
    add_compat(commands)
    return parser
