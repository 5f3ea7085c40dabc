"""`schema-registry compat OLD NEW`: check a schema change, from files or the registry."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._compat.verdict import LEVELS, CompatibilityVerdict
from .._core.errors import ConfigError, SchemaNotFoundError, SchemaRegistryError
from .._core.models import SchemaDocument, version_order
from .._wire.client import RegistryClient
from ._common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    UsageError,
    add_level,
    dialect_arguments,
    open_client,
    positive,
)

__all__ = ["add_compat"]


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


def add_compat(commands: Any) -> None:
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
    add_level(compat, "--level", "BACKWARD", f"one of {', '.join(LEVELS)} (default: %(default)s)")
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
        type=positive(float),
        default=10.0,
        metavar="S",
        help="seconds for the check, and for each registry request (default: %(default)s)",
    )
    dialect_arguments(compat)
    compat.add_argument(
        "--json", action="store_true", help="print the verdict as one JSON document, only that"
    )
    compat.set_defaults(run=_compat)


def _compat(args: argparse.Namespace) -> int:
    from .._compat.check import check_compatibility
    from .._compat.report import render_verdict

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
        raise UsageError(f"{label} {text!r}{what} (nor a registry reference track/name[@v])")
    if not url:
        raise UsageError(
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
    async with open_client(args) as client:
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
        raise UsageError(f"{label} {str(path)!r} cannot be read: {why}") from None
    try:
        return json.loads(text, parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{label} {str(path)!r} is not JSON: {exc}") from None


def _not_json(constant: str) -> Any:
    """Refuse what Python's json reads but JSON has not: NaN, Infinity, -Infinity."""
    raise ValueError(f"{constant} is not a JSON value")
