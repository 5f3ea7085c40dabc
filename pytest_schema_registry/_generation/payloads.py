"""Cache one strategy per schema content, valid or labelled invalid, each behind the validator.

Fifty tests drawing from one schema build it once. Every value a strategy yields has been checked
by the project's own validator: valid ones pass it, `InvalidPayload`s fail it.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hypothesis import strategies as st

from .._core.errors import UnsupportedSchemaError
from .._runtime.validation import PayloadValidator
from .breaks import Breaker, apply
from .builder import Builder, Strategy, any_json
from .examples import InvalidPayload

__all__ = ["InvalidPayload", "canonical", "invalid_strategy", "read_guard", "valid_strategy"]

# What reading an odd schema may raise inside the engine (a number beyond a float, nesting beyond
# Python's stack, a keyword of a shape the validator tolerates but the builder does not).
_UNREADABLE = (RecursionError, OverflowError, TypeError, ValueError, KeyError, AttributeError)


def valid_strategy(schema: Mapping[str, Any] | bool) -> Strategy:
    """Return the cached strategy of values valid under `schema`."""
    return _valid(canonical(schema))


def invalid_strategy(schema: Mapping[str, Any] | bool) -> st.SearchStrategy[InvalidPayload]:
    """Return the cached strategy of labelled values invalid under `schema`."""
    return _invalid(canonical(schema))


def canonical(schema: Mapping[str, Any] | bool) -> str:
    """The schema as sorted JSON: the cache key, and what every part of the engine reads."""
    # Boolean schemas are spelled as the objects meaning the same, which the validator takes.
    document = {} if schema is True else {"not": {}} if schema is False else schema
    with read_guard():
        return json.dumps(document, sort_keys=True, allow_nan=False)


@contextlib.contextmanager
def read_guard(schema_json: str | None = None) -> Iterator[None]:
    """Turn the engine's failure to read a schema into a clear error, never a stray exception.

    A schema the validator refuses gets the validator's words (`SchemaCompileError`); one it
    accepts but the engine cannot follow gets `UnsupportedSchemaError` saying why.
    """
    try:
        yield
    except _UNREADABLE as exc:
        if schema_json is not None:
            _validator(schema_json)  # raises SchemaCompileError for a schema that is not one
        reason = (
            "nests deeper than the engine can follow"
            if isinstance(exc, RecursionError)
            else f"the engine cannot read it ({type(exc).__name__}: {exc!s:.120})"
        )
        raise UnsupportedSchemaError("schema", "#", reason) from None


@functools.lru_cache(maxsize=512)
def _valid(canonical: str) -> Strategy:
    schema = json.loads(canonical)
    with read_guard(canonical):
        built = Builder(schema).build_document()
    validator = _validator(canonical)
    if built is None:
        raise UnsupportedSchemaError(
            "schema", "#", "no value satisfies it (or only infinitely nested ones)"
        )
    return built.filter(validator.is_valid)


@functools.lru_cache(maxsize=512)
def _validator(canonical: str) -> PayloadValidator:
    return PayloadValidator(json.loads(canonical))


@functools.lru_cache(maxsize=512)
def _invalid(canonical: str) -> st.SearchStrategy[InvalidPayload]:
    schema = json.loads(canonical)
    validator = _validator(canonical)
    resolved = Breaker(schema).resolved(schema)  # `{"$ref": ...}` to a `true` is `true` too
    if resolved is True or resolved == {}:
        raise UnsupportedSchemaError("true", "#", "every JSON value is valid: nothing to break")
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
