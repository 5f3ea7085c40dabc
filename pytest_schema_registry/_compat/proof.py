"""Prove one direction of compatibility: does the reader's schema accept all the writer's admits?

jsonschema-rs's schema algebra decides most pairs outright (`reader.covers(writer)` is YES or NO,
correct whenever it answers). YES needs no payload: it is the proof. For NO and UNKNOWN we look
for a counterexample, a value the writer admits and the reader rejects, drawn by the project's own
generator from three sources: `writer.subtract(reader)` (exactly the breaking values, when the
algebra can describe them), values that break one of the reader's constraints, and plain writer
values. Every candidate is checked by the project validator on both schemas, so a reported payload
is a fact, whatever the algebra said. UNKNOWN with no payload found stays unknown: it is never
turned into "compatible".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema_rs import canonical

from .._core.errors import SchemaCompileError
from .._generation.search import Source, find_value
from .._runtime.validation import PayloadValidator, dialect, format_path

__all__ = ["Outcome", "Rejection", "Side", "breaks", "prove", "rejections", "sources"]

_SEARCH_EXAMPLES = 400  # candidates tried per direction before giving up
_LINE_CHARS = 300  # a reason quoting a long value is cut; the counterexample itself is whole


@dataclass(frozen=True, slots=True)
class Side:
    """One schema version, ready for the algebra and the validator."""

    schema: Any  # the document as given (a dict, or a boolean schema)
    document: dict[str, Any]  # the same, as an object the validator takes
    canonical: jsonschema_rs.CanonicalSchema
    validator: PayloadValidator
    raw: Any  # a jsonschema-rs validator whose errors carry schema paths, for explanations

    @classmethod
    def of(cls, schema: Any, label: str) -> Side:
        """Prepare `schema`; raise `SchemaCompileError` naming `label` if it is not a schema."""
        document = _as_document(schema, label)
        draft = _draft(document, label)
        try:
            # Formats assert, as in the project validator: under 2019-09 and 2020-12 they are
            # annotations by default, and the algebra called adding `format: ipv4` compatible.
            canon = jsonschema_rs.canonicalize(
                document, draft=getattr(jsonschema_rs, draft), validate_formats=True
            )
            raw = getattr(jsonschema_rs, f"{draft}Validator")(
                document, validate_formats=True, offline=True
            )
        except (ValueError, TypeError) as exc:  # jsonschema-rs: bad regex, bad $ref, too deep
            raise SchemaCompileError(
                f"the {label} schema is not usable: {_first_line(exc)}"
            ) from None
        return cls(schema, document, canon, PayloadValidator(document), raw)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer for one direction: proven (True), broken (False) or undecided (None)."""

    holds: bool | None
    counterexample: Any = None
    proven: bool = False  # a counterexample was found and checked
    reason: str | None = None


def breaks(writer: Side, reader: Side, value: Any) -> bool:
    """Return True if the writer's schema accepts `value` and the reader's rejects it."""
    return writer.validator.is_valid(value) and not reader.validator.is_valid(value)


def prove(writer: Side, reader: Side, *, deadline: float) -> Outcome:
    """Decide whether `reader` accepts everything `writer` does, with a payload when it does not."""
    containment = _covers(reader, writer)
    if containment == canonical.Containment.YES:
        return Outcome(True)
    found, value = find_value(
        sources(writer, reader),
        lambda candidate: breaks(writer, reader, candidate),
        deadline=deadline,
        max_examples=_SEARCH_EXAMPLES,
    )
    if found:
        return Outcome(False, value, proven=True)
    if containment == canonical.Containment.NO:
        return Outcome(
            False,
            reason="jsonschema-rs proves some values break, but none was drawn within the budget",
        )
    out_of_time = time.monotonic() > deadline
    return Outcome(
        None,
        reason=(
            "the check ran out of time before finding a proof either way"
            if out_of_time
            else "jsonschema-rs cannot decide this pair, and no breaking payload was found "
            f"in {_SEARCH_EXAMPLES} candidates"
        ),
    )


@dataclass(frozen=True, slots=True)
class Rejection:
    """One reason a reader rejects a payload: where in its schema, on which keyword, and why."""

    place: tuple[str, ...]  # the schema location, keyword left off
    keyword: str
    line: str  # as the validator reports it: `$.path: message`


def rejections(reader: Side, value: Any) -> list[Rejection]:
    """Return each reason the reader's schema rejects `value`."""
    found = []
    for error in reader.raw.iter_errors(value):
        path = tuple(error.schema_path)
        keyword = str(path[-1]) if path else "false"
        place = tuple(str(part) for part in _named(path, error))
        line = f"{format_path(error.instance_path)}: {error.message}"
        found.append(Rejection(place, keyword, line[:_LINE_CHARS]))
    return found


def _named(path: tuple[str | int, ...], error: Any) -> tuple[str | int, ...]:
    """Point a `required`/`additionalProperties` error at the property it is about."""
    kind = error.kind
    missing = getattr(kind, "property", None)
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required) and isinstance(missing, str):
        return (*path[:-1], "properties", missing)
    unexpected = getattr(kind, "unexpected", None)
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties) and unexpected:
        return (*path[:-1], "properties", str(unexpected[0]))
    return path[:-1] if path else path


def _covers(reader: Side, writer: Side) -> canonical.Containment:
    try:
        return reader.canonical.covers(writer.canonical)
    except ValueError:  # an operand the algebra does not support: undecided, not compatible
        return canonical.Containment.UNKNOWN


def sources(writer: Side, reader: Side) -> list[Source]:
    """Return where breaking payloads are drawn from, the most direct first."""
    found = []
    try:
        difference = writer.canonical.subtract(reader.canonical).to_json_schema()
        found.append(Source(difference))
    except ValueError:
        pass  # the algebra cannot describe the difference; the other sources still can
    if reader.document not in ({}, {"not": {}}):
        found.append(Source(reader.document, breaking=True))
    found.append(Source(writer.document))
    return found


def _as_document(schema: Any, label: str) -> dict[str, Any]:
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if isinstance(schema, dict):
        return schema
    raise SchemaCompileError(
        f"the {label} schema must be a JSON object or a boolean, got {type(schema).__name__}"
    )


def _draft(document: dict[str, Any], label: str) -> str:
    try:
        return dialect(document)
    except SchemaCompileError as exc:
        raise SchemaCompileError(f"the {label} schema: {exc}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
