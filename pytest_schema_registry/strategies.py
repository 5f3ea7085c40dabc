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

Strategies are cached per schema content: fifty tests drawing from one schema build it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from ._core.errors import UnsupportedSchemaError
from ._generation.builder import Strategy
from ._generation.payloads import InvalidPayload, invalid_strategy, valid_strategy
from ._generation.sources import resolve_schema, set_schema_source

__all__ = [
    "InvalidPayload",
    "UnsupportedSchemaError",
    "from_schema",
    "invalid_from_schema",
    "registry_invalid_payloads",
    "registry_payloads",
    "set_schema_source",
]


def from_schema(schema: Mapping[str, Any] | bool) -> Strategy:
    """Return a strategy of values valid under `schema` (Draft 7 unless it names its dialect)."""
    return valid_strategy(schema)


def invalid_from_schema(schema: Mapping[str, Any] | bool) -> st.SearchStrategy[InvalidPayload]:
    """Return a strategy of `InvalidPayload`s, each breaking one constraint, labelled."""
    return invalid_strategy(schema)


def registry_payloads(name: str, track: str | None = None) -> Strategy:
    """Valid payloads for registry schema `name`, resolved when hypothesis first draws."""
    return st.deferred(lambda: from_schema(resolve_schema(name, track)))


def registry_invalid_payloads(
    name: str, track: str | None = None
) -> st.SearchStrategy[InvalidPayload]:
    """Labelled invalid payloads for registry schema `name`, resolved lazily."""
    return st.deferred(lambda: invalid_from_schema(resolve_schema(name, track)))
