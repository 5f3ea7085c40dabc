"""The `schema-registry` command: serve a folder of schemas; fetch snapshots; diff; check compat.

Errors go to stderr as one line, with a non-zero exit code and no traceback: 2 for a command line
we cannot use, 1 for a failure while running (a missing schema, a registry that is down) and, for
`diff`, for drift found. `compat` keeps 1 for "incompatible" and 3 for "unknown", so there a
check that cannot run (registry down, schema missing or unusable) exits 2, like a bad command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from ._compat.verdict import LEVELS, CompatibilityVerdict
from ._core.errors import ConfigError, SchemaNotFoundError, SchemaRegistryError
from ._core.models import SchemaDocument, version_order
from ._server.limits import Limits
from ._server.server import RegistryServer
from ._wire.client import RegistryClient

__all__ = ["main"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


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
    _add_level(
        serve,
        "--compatibility",
        "NONE",
        "refuse (409) an upload that breaks this level against the stored versions: "
        f"{', '.join(LEVELS)} (default: %(default)s, anything goes)",
    )
    serve.add_argument(
        "--compatibility-rules",
        choices=("semantic", "confluent"),
        default="semantic",
        help="judge by what the schemas accept (semantic) or by what a Confluent registry "
        "would answer (default: %(default)s)",
    )
    _add_limits(serve)
    serve.set_defaults(run=_serve)
    _add_fetch(commands)
    _add_diff(commands)
    _add_compat(commands)
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
    if args.compatibility != "NONE" and not args.token:
        raise _UsageError("--compatibility gates uploads, which need --token TOKEN")
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


# -- compat -------------------------------------------------------------------------------------

_COMPAT_EPILOG = """\
OLD and NEW: a path to a JSON Schema file, or track/name[@version] read from the registry at
--url (default: $REGISTRY_URL; token from --token or $REGISTRY_TOKEN). An existing file wins;
without @version the registry's latest version is used.

*_TRANSITIVE levels: with OLD from the registry, NEW is checked against every version of OLD's
name on its track up to OLD's version, oldest first; with OLD a file, against that file alone.

Under --rules confluent the exit code follows the predicted Confluent answer; the report says
when a payload tells otherwise.

exit codes:
  0  compatible (proven)
  1  incompatible: each problem is printed, with a payload that proves it when one was found
  2  the check cannot run: bad arguments, a file that cannot be read or is no usable schema,
     a registry that is down or lacks the schema (unlike fetch and diff, which use 1 for that)
  3  unknown: neither compatibility nor a break could be shown in time; the reason is printed
"""


@dataclass(frozen=True, slots=True)
class _Reference:
    """`track/name[@version]`: a schema to read from the registry (its latest without a version)."""

    label: str  # OLD or NEW and what the user typed, for messages
    track: str
    name: str
    version: str | None

    def shown(self, version: str) -> str:
        return f"{self.track}/{self.name}@{version}"


_REFERENCE = re.compile(r"(?P<track>[^/@\s]+)/(?P<name>[^/@\s]+)(?:@(?P<version>[^/@\s]+))?")


def _add_level(parser: argparse.ArgumentParser, flag: str, default: str, help: str) -> None:
    """Add an option taking one of Confluent's compatibility levels, in any case."""
    parser.add_argument(
        flag, type=str.upper, choices=LEVELS, default=default, metavar="LEVEL", help=help
    )


def _add_compat(commands: Any) -> None:
    compat = commands.add_parser(
        "compat",
        help="check whether a new schema version keeps compatibility with an old one",
        description="Check whether NEW keeps the compatibility LEVEL promises to OLD:\n"
        "proven compatible, incompatible with a payload per problem, or unknown.",
        epilog=_COMPAT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compat.add_argument("old", metavar="OLD", help="the earlier schema: FILE or track/name[@v]")
    compat.add_argument("new", metavar="NEW", help="the new schema: FILE or track/name[@v]")
    _add_level(compat, "--level", "BACKWARD", f"one of {', '.join(LEVELS)} (default: %(default)s)")
    compat.add_argument(
        "--rules",
        choices=("semantic", "confluent"),
        default="semantic",
        help="judge by what the schemas accept, or predict a Confluent registry's answer "
        "(default: %(default)s)",
    )
    compat.add_argument(
        "--policy",
        type=str.upper,
        choices=("STRICT", "LENIENT"),
        default="STRICT",
        help="Confluent's policy, for --rules confluent (default: %(default)s)",
    )
    compat.add_argument("--url", default=None, help="registry base URL (default: $REGISTRY_URL)")
    compat.add_argument(
        "--token", default=None, help="bearer token (default: $REGISTRY_TOKEN; prefer the variable)"
    )
    compat.add_argument(
        "--timeout",
        type=_positive(float),
        default=10.0,
        metavar="S",
        help="seconds for the check, and for each registry request (default: %(default)s)",
    )
    compat.add_argument(
        "--json", action="store_true", help="print the verdict as one JSON document, only that"
    )
    compat.set_defaults(run=_compat)


def _compat(args: argparse.Namespace) -> int:
    from ._compat.check import check_compatibility
    from ._compat.report import render_verdict

    args.url = args.url or os.environ.get("REGISTRY_URL") or None
    old, new = _compat_side("OLD", args.old, args.url), _compat_side("NEW", args.new, args.url)
    try:
        olds, new_schema, sources = _compat_schemas(args, old, new)
        verdict = check_compatibility(
            olds,
            new_schema,
            level=args.level,
            rules=args.rules,
            policy=args.policy,
            timeout=args.timeout,
        )
    except ConfigError:
        raise
    except SchemaRegistryError as exc:
        print(f"schema-registry: cannot check compatibility: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(verdict.to_json(), ensure_ascii=False))
    else:
        print(render_verdict(verdict, sources=sources))
    return _compat_exit(verdict)


def _compat_exit(verdict: CompatibilityVerdict) -> int:
    if verdict.compatible is None:
        return EXIT_UNKNOWN
    return EXIT_OK if verdict.compatible else EXIT_FAILURE


def _compat_side(label: str, text: str, url: str | None) -> Path | _Reference:
    """Decide what OLD or NEW names: an existing file wins, else a registry reference."""
    path = Path(text)
    if path.is_file():
        return path
    match = _REFERENCE.fullmatch(text)
    if match is None:
        what = " is a directory, not a schema file" if path.is_dir() else ": no such file"
        raise _UsageError(f"{label} {text!r}{what} (nor a registry reference track/name[@v])")
    if not url:
        raise _UsageError(
            f"{label} {text!r}: no such file; to read it as track/name[@version] from a registry, "
            "give --url URL or set REGISTRY_URL"
        )
    return _Reference(f"{label} {text!r}", match["track"], match["name"], match["version"])


def _compat_schemas(
    args: argparse.Namespace, old: Path | _Reference, new: Path | _Reference
) -> tuple[list[Any], Any, list[str]]:
    """Return OLD's versions (oldest first), NEW, and a line naming each; read files first."""
    files = {
        label: _read_schema(label, side)
        for label, side in (("OLD", old), ("NEW", new))
        if isinstance(side, Path)
    }
    if len(files) == 2:
        return [files["OLD"]], files["NEW"], [f"old: {old}", f"new: {new}"]
    return asyncio.run(_fetch_compat_schemas(args, old, new, files))


async def _fetch_compat_schemas(
    args: argparse.Namespace, old: Path | _Reference, new: Path | _Reference, files: dict[str, Any]
) -> tuple[list[Any], Any, list[str]]:
    """Fetch the sides that are registry references; take the others from `files`."""
    olds, new_schema = [files.get("OLD")], files.get("NEW")
    lines = [f"old: {old}", f"new: {new}"]
    async with _client(args) as client:
        if isinstance(old, _Reference):
            documents = await _registry_history(client, old, transitive="_TRANSITIVE" in args.level)
            olds = [document.content for document in documents]
            lines[0] = "old: " + ", ".join(old.shown(d.version) for d in documents)
            lines[0] += " (oldest first)" if len(documents) > 1 else ""
        if isinstance(new, _Reference):
            document = await _registry_schema(client, new)
            new_schema, lines[1] = document.content, f"new: {new.shown(document.version)}"
    return olds, new_schema, lines


async def _registry_history(
    client: RegistryClient, ref: _Reference, *, transitive: bool
) -> list[SchemaDocument]:
    """Return `ref`'s version, preceded (if `transitive`) by every earlier one, oldest first."""
    document = await _registry_schema(client, ref)
    if not transitive:
        return [document]
    cut = version_order(document.version)
    listed = await client.list_versions(ref.name, track=ref.track)
    earlier = sorted(
        (v.version for v in listed if version_order(v.version) < cut), key=version_order
    )
    documents = [await client.fetch_schema(ref.name, track=ref.track, version=v) for v in earlier]
    return [*documents, document]


async def _registry_schema(client: RegistryClient, ref: _Reference) -> SchemaDocument:
    try:
        return await client.fetch_schema(ref.name, track=ref.track, version=ref.version)
    except SchemaNotFoundError as exc:  # say why it was looked up in the registry at all
        raise SchemaNotFoundError(
            f"{ref.label} is no file, and {exc}", name=exc.name, track=exc.track, url=exc.url
        ) from None


def _read_schema(label: str, path: Path) -> Any:
    """Return the JSON in `path`, or raise a usage error saying why it cannot be had."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _UsageError(f"{label} {str(path)!r} cannot be read: {why}") from None
    try:
        return json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise _UsageError(f"{label} {str(path)!r} is not JSON: {exc}") from None


def _not_json(constant: str) -> Any:
    """Refuse what Python's json reads but JSON has not: NaN, Infinity, -Infinity."""
    raise ValueError(f"{constant} is not a JSON value")
