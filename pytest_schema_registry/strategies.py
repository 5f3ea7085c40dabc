"""Generate JSON payloads from JSON Schemas with hypothesis: valid ones, and labelled invalid ones.

hypothesis-jsonschema 0.23.1 breaks on every hypothesis release since 6.170.10 and has not been
released since 2024-02, so this package owns the engine, on hypothesis's public API only. This
module is its public face; the engine lives in `_generation/` (the only other hypothesis importer).

* `from_schema(schema)` builds values *by construction* (bounds, lengths, required keys,
  patterns with ECMA's ASCII `\\d`), then passes each through the project's own validator as a
  safety net, so every value it yields is valid and health checks stay quiet. Keywords whose
  combination cannot be built directly (`oneOf`'s "exactly one", `not`, `if`'s else branch) lean
  on that filter. What cannot be generated at all fails when the strategy is built, naming the
  keyword and its JSON path.
* `invalid_from_schema(schema)` yields `InvalidPayload(value, reason)`: a valid value with one
  constraint broken, labelled (`missing required 'ts'`, `'level' not in enum`), each one checked
  to fail validation.
* `registry_payloads(name, track=None)` / `registry_invalid_payloads(...)` resolve the schema
  lazily from the test session's registry (live, replayed or snapshot), so they work in `@given`.
* `coverage_payloads(schema)` returns a short deterministic list of `CoveragePayload(value,
  label)` that together hit every enum value and `const`, each optional key present and absent,
  numeric bounds and lengths at their limits, each `anyOf`/`oneOf` branch;
  `coverage_invalid_payloads(schema)` the `InvalidPayload`s that break each constraint exactly
  at its boundary. Both are checked by the validator. `registry_coverage_payloads(name)` and
  `registry_coverage_invalid_payloads(name)` resolve the schema at once, for
  `pytest.mark.parametrize` (the plugin gives each case its label as test id: `level=hard`).
  `from_schema` and `invalid_from_schema` draw these first, then random values.

Strategies are cached per schema content: fifty tests drawing from one schema build it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ._core.errors import UnsupportedSchemaError
from ._generation import coverage
from ._generation.builder import Strategy
from ._generation.coverage import CoveragePayload
from ._generation.payloads import InvalidPayload
from ._generation.sources import resolve_schema, set_schema_source

__all__ = [
    "CoveragePayload",
    "InvalidPayload",
    "UnsupportedSchemaError",
    "coverage_invalid_payloads",
    "coverage_payloads",
    "from_schema",
    "invalid_from_schema",
    "registry_coverage_invalid_payloads",
    "registry_coverage_payloads",
    "registry_invalid_payloads",
    "registry_payloads",
    "set_schema_source",
]


def from_schema(schema: Mapping[str, Any] | bool) -> Strategy:
    """Return a strategy of values valid under `schema` (Draft 7 unless it names its dialect).

    The coverage payloads come first (each once, in hypothesis's first draws), then random ones.
    """
    return coverage.valid_with_coverage(_plain(schema))


def invalid_from_schema(schema: Mapping[str, Any] | bool) -> st.SearchStrategy[InvalidPayload]:
    """Return a strategy of `InvalidPayload`s, each breaking one constraint, labelled.

    The boundary breaks of `coverage_invalid_payloads` come first, then random ones.
    """
    return coverage.invalid_with_coverage(_plain(schema))


def coverage_payloads(schema: Mapping[str, Any] | bool) -> list[CoveragePayload]:
    """Return a few valid payloads that together reach every edge of `schema`, each labelled.

    Deterministic: the same schema gives the same list in every run and process. Every enum
    value and `const`, each optional key present and absent, each bound and length at its limit,
    each `anyOf`/`oneOf` branch; checked by the validator. Raises `UnsupportedSchemaError` where
    `from_schema` would.
    """
    return coverage.coverage_payloads(_plain(schema))


def coverage_invalid_payloads(schema: Mapping[str, Any] | bool) -> list[InvalidPayload]:
    """Return payloads breaking each constraint exactly at its boundary, labelled with the break.

    One step past each bound, one character or item too many or too few, each required key
    missing, the value just outside the enum; each checked to fail the validator.
    """
    return coverage.coverage_invalid_payloads(_plain(schema))


def registry_coverage_payloads(name: str, track: str | None = None) -> list[CoveragePayload]:
    """`coverage_payloads` of registry schema `name`, resolved now: made for `parametrize`.

    Under the pytest plugin the schema comes from the session's registry, its cassette or the
    committed snapshots, at collection time; each case's test id is its label (`level=hard`).
    """
    return coverage_payloads(resolve_schema(name, track))


def registry_coverage_invalid_payloads(name: str, track: str | None = None) -> list[InvalidPayload]:
    """`coverage_invalid_payloads` of registry schema `name`, resolved now (ids: the reasons)."""
    return coverage_invalid_payloads(resolve_schema(name, track))


def _plain(schema: Mapping[str, Any] | bool) -> dict[str, Any] | bool:
    return schema if isinstance(schema, bool) else dict(schema)


def registry_payloads(name: str, track: str | None = None) -> Strategy:
    """Valid payloads for registry schema `name`, resolved when hypothesis first draws."""
    return st.deferred(lambda: from_schema(resolve_schema(name, track)))


def registry_invalid_payloads(
    name: str, track: str | None = None
) -> st.SearchStrategy[InvalidPayload]:
    """Labelled invalid payloads for registry schema `name`, resolved lazily."""
    return st.deferred(lambda: invalid_from_schema(resolve_schema(name, track)))
