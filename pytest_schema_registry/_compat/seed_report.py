"""Carry a verdict in the seed registry's `/compat/check` report, and get it back from one.

The seed's report is `{"compatible": bool, "breaking_reasons": [str], "advice": [str],
"x_compat": {...}}`. The embedded registry fills `x_compat` with `CompatibilityVerdict.to_json()`,
so a client that reads the report (`RegistryClient.check_compatibility`) can have the typed
verdict, counterexamples included, with `verdict_of(report)`. `compatible` is a bool there: an
unknown verdict is reported as `false` with its reason, and `x_compat.compatible` stays `null`,
so a green never claims more than was proven.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.errors import RegistryResponseError
from .._core.models import CompatibilityReport
from .verdict import CompatibilityVerdict, Incompatibility, version_named

__all__ = ["advice", "breaking_reasons", "report_json", "verdict_of"]

_VERDICT_KEYS = frozenset({"compatible", "level", "rules"})


def report_json(verdict: CompatibilityVerdict, versions: Sequence[str] = ()) -> dict[str, Any]:
    """Return the `/compat/check` body for `verdict`; `versions` name the earlier schemas compared.

    With `versions` (oldest first, as given to `check_compatibility`), a reason about one earlier
    version of a transitive check names it ("against 1.0.0") instead of "version 1 of 3".
    """
    return {
        "compatible": verdict.compatible is True,
        "breaking_reasons": breaking_reasons(verdict, versions),
        "advice": advice(verdict),
        "x_compat": verdict.to_json(),
    }


def verdict_of(report: CompatibilityReport) -> CompatibilityVerdict | None:
    """Return the typed verdict a report carries in `x_compat`, or None if it carries none.

    Registries other than ours answer `x_compat` as `null`, `{}` or their own object: None. A
    report whose `x_compat` claims to be a verdict but cannot be read raises
    `RegistryResponseError`.
    """
    data = report.x_compat
    if not isinstance(data, dict) or not data.keys() >= _VERDICT_KEYS:
        return None
    try:
        verdict = CompatibilityVerdict.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RegistryResponseError(
            f"x_compat looks like a compatibility verdict but cannot be read: {exc!r:.200}"
        ) from None
    if verdict.compatible not in (True, False, None):
        raise RegistryResponseError(
            f"x_compat.compatible should be true, false or null, got {verdict.compatible!r:.40}"
        )
    return verdict


def breaking_reasons(verdict: CompatibilityVerdict, versions: Sequence[str] = ()) -> list[str]:
    """Return one line per problem, or the reason a verdict is unknown; none when compatible."""
    if verdict.compatible is None:
        return [f"{verdict.level} compatibility could not be proven either way: {verdict.reason}"]
    if verdict.compatible:
        return []
    return [_reason(problem, versions) for problem in verdict.problems] or [
        f"{verdict.level} incompatible: {verdict.reason or 'no reason given'}"
    ]


def _reason(problem: Incompatibility, versions: Sequence[str]) -> str:
    against = version_named(problem.against, versions)
    where = f"{problem.direction}, against {against}" if against else problem.direction
    return f"{problem.kind} at {problem.path} ({where}): {problem.message}"


def advice(verdict: CompatibilityVerdict) -> list[str]:
    """Return short, actionable lines for what the verdict found, without repeats."""
    lines: list[str] = []
    if verdict.compatible is None:
        lines.append(
            "nothing was proven either way: make the change in smaller steps, each one checked, "
            "or test it with payloads before relying on it"
        )
    for problem in verdict.problems:
        lines.append(_advice(problem))
    semantic = verdict.semantic
    if verdict.compatible and semantic is not None and semantic.compatible is False:
        lines.append(
            "Confluent's rules accept this change, yet a payload breaks it: "
            "see x_compat.semantic before relying on the registry's answer"
        )
    return list(dict.fromkeys(lines))


def _advice(problem: Incompatibility) -> str:
    """One line for one problem: what to change in the new version, or whom to upgrade first."""
    kind = problem.kind
    path = "the top level" if problem.path in ("#", "#/") else problem.path
    name = _property(path)
    what = f"'{name}'" if name else path
    if problem.direction == "forward":
        return (
            f"readers still on the old version reject what the new one allows at {path}: "
            f"upgrade every reader before any writer uses it, "
            f"or keep {what} as the old version had it"
        )
    if "REQUIRED" in kind and "ADDED" in kind and "WITH_DEFAULT" not in kind:
        return (
            f"make {what} optional or give readers time: require it only once no data without "
            "it is left to read (upgrade every writer first)"
        )
    if kind.endswith("_ADDED_TO_OPEN_CONTENT_MODEL"):
        return (
            f"the old object was open, so old writers may have sent {what} with any value: "
            f"give {what} a schema that accepts what they sent, or upgrade every writer first"
        )
    if "REMOVED_FROM" in kind or kind.startswith("ADDITIONAL_PROPERTIES_"):
        return f"keep {what} accepted (deprecate it) until no data carrying it is left to read"
    if kind.startswith(("TYPE_", "COMBINED_TYPE", "SUM_TYPE", "PRODUCT_TYPE", "NOT_TYPE")):
        return f"accept the old type(s) at {path} too (e.g. with anyOf) until every writer moved"
    if kind.startswith("ENUM_"):
        return f"keep the old enum values at {path} until no writer sends them"
    return (
        f"loosen {path} back to what the old version accepted (see the counterexample), "
        "or upgrade every writer before any reader moves to the new version"
    )


def _property(path: str) -> str | None:
    """Return the property a JSON pointer ends at (`#/properties/x` -> `x`), else None."""
    parts = path.strip("#").strip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "properties":
        return parts[-1].replace("~1", "/").replace("~0", "~")
    return None
