"""Cache one strategy per schema content, valid or labelled invalid, each behind the validator.

Fifty tests drawing from one schema build it once. Every value a strategy yields has been checked
by the project's own validator: valid ones pass it, `InvalidPayload`s fail it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st

from .._core.errors import UnsupportedSchemaError
from .._runtime.validation import PayloadValidator
from .breaks import Breaker, apply
from .builder import Builder, Strategy, any_json
from .examples import InvalidPayload

__all__ = ["InvalidPayload", "invalid_strategy", "valid_strategy"]


def valid_strategy(schema: Mapping[str, Any] | bool) -> Strategy:
    """Return the cached strategy of values valid under `schema`."""
    return _valid(_canonical(schema))


def invalid_strategy(schema: Mapping[str, Any] | bool) -> st.SearchStrategy[InvalidPayload]:
    """Return the cached strategy of labelled values invalid under `schema`."""
    return _invalid(_canonical(schema))


def _canonical(schema: Mapping[str, Any] | bool) -> str:
    # Boolean schemas are spelled as the objects meaning the same, which the validator takes.
    document = {} if schema is True else {"not": {}} if schema is False else schema
    return json.dumps(document, sort_keys=True)


@functools.lru_cache(maxsize=512)
def _valid(canonical: str) -> Strategy:
    schema = json.loads(canonical)
    built = Builder(schema).build_document()
    if built is None:
        raise UnsupportedSchemaError(
            "schema", "#", "no value satisfies it (or only infinitely nested ones)"
        )
    return built.filter(_validator(canonical).is_valid)


@functools.lru_cache(maxsize=512)
def _validator(canonical: str) -> PayloadValidator:
    return PayloadValidator(json.loads(canonical))


@functools.lru_cache(maxsize=512)
def _invalid(canonical: str) -> st.SearchStrategy[InvalidPayload]:
    schema = json.loads(canonical)
    if schema is True or schema == {}:
        raise UnsupportedSchemaError("true", "#", "every JSON value is valid: nothing to break")
    validator = _validator(canonical)
    if schema == {"not": {}}:  # `false`, as `_canonical` spells it
        return any_json().map(lambda v: InvalidPayload(v, "the schema is false"))
    return _invalid_values(schema, canonical).filter(
        lambda invalid: not validator.is_valid(invalid.value)
    )


def _invalid_values(schema: Any, canonical: str) -> st.SearchStrategy[InvalidPayload]:
    """Draw a valid value, then apply one of the breaks its schema offers."""
    valid, breaker = _valid(canonical), Breaker(schema)

    @st.composite
    def draw_invalid(draw: Callable[[Strategy], Any]) -> InvalidPayload:
        value = draw(valid)
        breaks = breaker.breaks(schema, value, (), 0)
        if not breaks:
            raise UnsupportedSchemaError("schema", "#", "no constraint to break")
        chosen = draw(st.sampled_from(breaks))
        return InvalidPayload(apply(value, chosen), chosen.reason)

    return draw_invalid()
