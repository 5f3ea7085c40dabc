"""Assert that payloads honour (or break) a registry schema, with messages that say everything.

`SchemaContract` is what the `schema_contract` fixture hands a test. A failing assertion names the
schema, track, version and sha256 it was judged against and lists every error path, so a CI log
alone tells what broke. Registry trouble raises the registry error: a contract check never passes
because the registry could not be asked, and a compatibility check never passes undecided.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core.models import ValidationResult

if TYPE_CHECKING:
    from .._compat.verdict import CompatibilityVerdict
    from .compat import Fetch, ListVersions

__all__ = ["SchemaContract"]

Check = Callable[[str, Any, str | None, str | None], ValidationResult]


class SchemaContract:
    """Validate payloads against registry schemas and assert on the verdict."""

    def __init__(
        self, check: Check, *, fetch: Fetch | None = None, versions: ListVersions | None = None
    ) -> None:
        self._check = check
        self._fetch = fetch
        self._versions = versions

    def validate(self, name: str, payload: Any, *, track: str | None = None) -> ValidationResult:
        """Return the verdict for `payload` against `name` (on exactly `track`, if given)."""
        return self._check(name, payload, track, track)

    def assert_valid(
        self, name: str, payload: Any, *, track: str | None = None
    ) -> ValidationResult:
        """Fail unless `payload` is valid; the message lists every error and the schema."""
        __tracebackhide__ = True
        result = self.validate(name, payload, track=track)
        if not result.valid:
            raise AssertionError(f"payload is {result.describe()}")
        return result

    def assert_invalid(
        self, name: str, payload: Any, *, match: str | None = None, track: str | None = None
    ) -> ValidationResult:
        """Fail unless `payload` is invalid (and, with `match`, some error matches that regex)."""
        __tracebackhide__ = True
        result = self.validate(name, payload, track=track)
        if result.valid:
            raise AssertionError(f"payload should be invalid but is {result.describe()}")
        if match is not None and not any(re.search(match, error) for error in result.errors):
            raise AssertionError(
                f"payload is invalid, but no error matches {match!r}; it is {result.describe()}"
            )
        return result

    def assert_compatible(
        self,
        name: str,
        from_track: str = "v1",
        to_track: str = "v2",
        level: str = "BACKWARD",
        *,
        from_version: str | None = None,
        to_version: str | None = None,
        rules: str = "semantic",
        allow_unknown: bool = False,
    ) -> CompatibilityVerdict:
        """Fail unless `name` on `to_track` keeps `level`'s promise to `name` on `from_track`.

        Each side is the track's latest version unless a version is given; a `*_TRANSITIVE`
        level compares with every version of `from_track` up to `from_version`. An incompatible
        verdict fails with each problem and its counterexample as JSON; an unknown one fails too,
        with the reason, unless `allow_unknown` (a green must never mean "could not tell").
        `rules="confluent"` asserts what a Confluent registry will answer, by its rules, not what
        payloads show (the returned verdict's `.semantic` holds that). Returns the verdict.
        """
        __tracebackhide__ = True
        from .compat import failure_message, judge, resolve_pair

        if self._fetch is None or self._versions is None:
            raise TypeError("this SchemaContract was built without a registry to fetch from")
        sides = (from_track, from_version, to_track, to_version)
        pair = resolve_pair(self._fetch, self._versions, name, sides, level, rules)
        verdict = judge(pair)
        if verdict.compatible or (verdict.compatible is None and allow_unknown):
            return verdict
        raise AssertionError(failure_message(pair, verdict))
