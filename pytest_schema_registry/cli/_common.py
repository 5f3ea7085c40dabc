"""What every `schema-registry` command shares: exit codes, usage errors, the registry client."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from .._compat.verdict import LEVELS
from .._core.errors import ConfigError
from .._core.subjects import DEFAULT_SUBJECT_TEMPLATE
from .._wire.client import RegistryClient

__all__ = [
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
    "UsageError",
    "add_level",
    "configure_logging",
    "dialect_arguments",
    "fail",
    "open_client",
    "positive",
    "progress",
    "registry_arguments",
]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


class UsageError(Exception):
    """A command line we cannot act on; the message says what to change."""


def registry_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--url", required=True, help="base URL of the registry")
    command.add_argument(
        "--token", default=None, help="bearer token (default: $REGISTRY_TOKEN; prefer the variable)"
    )
    command.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default: %(default)s)"
    )
    dialect_arguments(command)


def dialect_arguments(command: argparse.ArgumentParser) -> None:
    """Add --dialect and --subject-template: which API the registry speaks, subjects named how."""
    command.add_argument(
        "--dialect",
        choices=("seed", "confluent"),
        default=None,
        help="the registry's API: seed (tracks) or confluent (subjects) "
        "(default: $REGISTRY_DIALECT, else seed)",
    )
    command.add_argument(
        "--subject-template",
        default=None,
        metavar="TEMPLATE",
        help="confluent dialect: the subject of a name and track, e.g. {name}.{track}-value "
        "(default: $REGISTRY_SUBJECT_TEMPLATE, else {name}-value)",
    )


def positive(kind: type[float] | type[int]) -> Callable[[str], float]:
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


def open_client(args: argparse.Namespace) -> RegistryClient:
    """Open the client the command line describes; Basic auth comes from $REGISTRY_BASIC_AUTH."""
    token = args.token or os.environ.get("REGISTRY_TOKEN")
    dialect = args.dialect or os.environ.get("REGISTRY_DIALECT", "").strip().lower() or "seed"
    if dialect not in ("seed", "confluent"):
        raise UsageError(f"REGISTRY_DIALECT={dialect!r}: expected seed or confluent")
    template = args.subject_template or os.environ.get("REGISTRY_SUBJECT_TEMPLATE", "").strip()
    try:
        return RegistryClient(
            args.url,
            token=token,
            timeout=args.timeout,
            dialect=dialect,  # type: ignore[arg-type]  # checked above
            subject_template=template or DEFAULT_SUBJECT_TEMPLATE,
            basic_auth=os.environ.get("REGISTRY_BASIC_AUTH") or None,
        )
    except ConfigError as exc:
        raise UsageError(
            str(exc)
            .replace("base_url=", "--url ")
            .replace("subject_template=", "--subject-template ")
        ) from None


def progress(message: str) -> None:
    """Show progress on an interactive terminal only; logs and pipes get the summary alone."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[K{message}")
        sys.stderr.flush()


def fail(message: str) -> int:
    print(f"schema-registry: {message}", file=sys.stderr)
    return EXIT_FAILURE


def configure_logging(*, quiet: bool) -> None:
    """Print one access line per request to stderr, unless asked to keep quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    server_log = logging.getLogger("pytest_schema_registry.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.WARNING if quiet else logging.INFO)


# -- compat -------------------------------------------------------------------------------------


def add_level(parser: argparse.ArgumentParser, flag: str, default: str | None, help: str) -> None:
    """Add an option taking one of Confluent's compatibility levels, in any case."""
    parser.add_argument(
        flag, type=str.upper, choices=LEVELS, default=default, metavar="LEVEL", help=help
    )
