"""Assert that payloads honour (or break) a registry schema, with messages that say everything.

`SchemaContract` is what the `schema_contract` fixture hands a test. A failing assertion names the
schema, track, version and sha256 it was judged against and lists every error path, so a CI log
alone tells what broke. Registry trouble raises the registry error: a contract check never passes
because the registry could not be asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._core.models import ValidationResult

__all__ = ["SchemaContract"]

Check = Callable[[str, Any, str | None, str | None], ValidationResult]


class SchemaContract:
    """Validate payloads against registry schemas and assert on the verdict."""

    def __init__(self, check: Check) -> None:
        self._check = check

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
