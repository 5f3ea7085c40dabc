"""Turn a registry error met in a test into a one-line reason that names the fix.

A typo in a schema name or in the registry URL's base path looks, from the registry's side, like a
schema that does not exist. The session asks the registry what it does have (its index; `/health`
one level up or under `/api/v1`) and suggests the nearest thing, so the reader fixes the typo
instead of hunting for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

from .._core.errors import SchemaRegistryError

__all__ = [
    "DEGRADATION_MARKER",
    "base_path_candidates",
    "degradation_reason",
    "did_you_mean",
    "first_answering",
    "nearest_names",
]

DEGRADATION_MARKER = "registry_degradation_expected"


def nearest_names(name: str, known: Iterable[str], *, limit: int = 3) -> list[str]:
    """Return up to `limit` known names close to `name` (case aside), closest first.

    The cutoff keeps a missing namespace (`FeedbackEvent` for `telemetry.FeedbackEvent`, 0.72)
    and drops names that merely share one (`telemetry.RateAdjustment`, 0.65).
    """
    import difflib  # lazy: the plugin loads this module in every session, hints are rare

    by_folded = {n.casefold(): n for n in sorted(set(known))}
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=limit, cutoff=0.7)
    return [by_folded[folded] for folded in close]


def did_you_mean(names: list[str]) -> str:
    """Render suggestions as a sentence tail, or nothing."""
    if not names:
        return ""
    return "; did you mean " + " or ".join(repr(n) for n in names) + "?"


def base_path_candidates(url: str) -> list[str]:
    """Return the base URLs a mistyped base path most likely meant: one level up, and /api/v1."""
    parts = urlsplit(url.rstrip("/"))
    path = parts.path.rstrip("/")
    candidates = []
    if path:
        candidates.append(urlunsplit(parts._replace(path=path.rpartition("/")[0])))
    if not path.endswith("/api/v1"):
        candidates.append(urlunsplit(parts._replace(path=f"{path}/api/v1")))
    return [c for c in candidates if c.rstrip("/") != url.rstrip("/")]


def first_answering(candidates: Iterable[str], answers: Callable[[str], bool]) -> str | None:
    """Return the first candidate base URL whose registry answers, or None."""
    return next((candidate for candidate in candidates if answers(candidate)), None)


def degradation_reason(name: str, error: SchemaRegistryError, count: int, hint: str) -> str:
    """Say, in one line, why answers given without a schema fail the test, and what to do."""
    from .._core.models import excerpt  # lazy: the plugin loads this module in every session

    more = f" (and {count - 1} more such answer(s))" if count > 1 else ""
    said = f"the manager could not get the schema for {excerpt(name)}{more}: "
    said += f"{type(error).__name__}: "
    said += f"{error}{hint}"
    return (
        f"{said}{' ' if said.endswith('?') else '. '}In production that answer degrades on "
        "purpose; a contract test needs the schema. Fix the registry or the name, or mark a test "
        f"that exercises degradation on purpose with @pytest.mark.{DEGRADATION_MARKER}"
    )
