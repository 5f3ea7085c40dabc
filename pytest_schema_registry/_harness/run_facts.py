"""Read what a pytest run did from plain facts: was it partial, what did a marker ask for.

Pytest-free: `plugin.py` gathers the facts from pytest's objects and asks here what they mean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .advice import DEGRADATION_MARKER

__all__ = ["MARKERS", "RegistryStrategies", "RunFacts", "marker_arguments", "partial_run_reason"]

MARKERS = (
    "registry_schema(name, track=None, version=None): bind the `schema` fixture to the registry "
    "schema `name` (negotiated, or exactly `track`/`version`)",
    f"{DEGRADATION_MARKER}: the test exercises answers given without a schema on purpose "
    "(registry down, unknown schema); they do not fail it",
)
MARKER_USAGE = 'usage: @pytest.mark.registry_schema("name", track="v2", version=None)'


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What a session knows at its end about which tests it ran."""

    keyword: bool = False
    markexpr: bool = False
    named_paths: bool = False
    ignored: bool = False
    last_failed_or_stepwise: bool = False
    left_out: Sequence[str] = ()  # skipped tests, collection errors, deselected tests
    stopped_early: bool = False
    interrupted: bool = False


def partial_run_reason(facts: RunFacts) -> str:
    """Say why this run did not run the whole suite, or "" when it did.

    Anything that leaves tests out counts: a partial run cannot tell which snapshots or
    recordings the other tests need, so it neither prunes nor re-records them from scratch.
    """
    reasons = [
        ("-k", facts.keyword),
        ("-m", facts.markexpr),
        ("paths or test ids on the command line", facts.named_paths),
        ("--ignore/--deselect", facts.ignored),
        ("--lf or --sw", facts.last_failed_or_stepwise),
        (facts.left_out[0] if facts.left_out else "", bool(facts.left_out)),
        ("the run stopped early", facts.stopped_early),
        ("the run was interrupted", facts.interrupted),
    ]
    return next((reason for reason, applies in reasons if applies), "")


def marker_arguments(args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[str, Any, Any]:
    """Return (name, track, version) from a registry_schema marker; ValueError says the usage."""
    unknown = sorted(set(kwargs) - {"name", "track", "version"})
    values = dict(zip(("name", "track", "version"), args, strict=False)) | dict(kwargs)
    if len(args) > 3 or unknown or not isinstance(values.get("name"), str) or not values["name"]:
        problem = f"unknown argument(s) {', '.join(unknown)}" if unknown else "bad arguments"
        raise ValueError(
            f"registry_schema marker: {problem} {tuple(args)!r} {dict(kwargs)!r}; {MARKER_USAGE}"
        )
    for key in ("track", "version"):
        if values.get(key) is not None and not isinstance(values[key], str):
            raise ValueError(
                f"registry_schema marker: {key}={values[key]!r} is not a string; {MARKER_USAGE}"
            )
    return values["name"], values.get("track"), values.get("version")


class RegistryStrategies:
    """Hand out registry-bound hypothesis strategies (the `registry_strategies` fixture)."""

    def __init__(self, valid: Callable[..., Any], invalid: Callable[..., Any]) -> None:
        self.valid = valid
        self.invalid = invalid
