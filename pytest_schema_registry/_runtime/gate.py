"""Decide, per message, what a consumer does with it: accept, accept with a warning, or reject.

The seed's rollout plan had two phases: validate every payload and log failures (phase 3), then
reject invalid payloads to a dead-letter queue (phase 4). `ValidationGate` is both, switched by
`validation_mode` (`off`, `log`, `enforce`):

* A valid payload is accepted. An invalid one is accepted with a warning in `log` mode, and in
  `enforce` mode rejected: written to the dead-letter sink with the reason, the schema, track and
  version, and the original message untouched.
* When no schema can be had, `fail_open` decides: accept with a warning (the seed's behaviour),
  or reject with reason `schema unavailable`.
* Nothing is lost: a message is processed or dead-lettered, never dropped. When the sink itself
  fails, `check` raises `DeadLetterError` so the consumer does not acknowledge the message.

The sinks live in `sinks.py`; a new one (a broker's dead-letter topic) goes there.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core.config import ValidationMode, normalize_validation_mode
from .._core.errors import (
    ConfigError,
    DeadLetterError,
    MalformedRecordError,
    SchemaRegistryError,
)
from .._core.models import DeadLetter, SchemaDocument, excerpt, schema_name_problem
from .framing import FramingError, Headers, replayable, unframe
from .records import decode_json, view_bytes
from .resolver import writer_key
from .sinks import DeadLetterSink
from .throttle import LogThrottle

if TYPE_CHECKING:
    from .manager import SchemaManager

__all__ = ["Decision", "GateResult", "ValidationGate"]

log = logging.getLogger("pytest_schema_registry.gate")

INVALID = "invalid payload"
MALFORMED = "malformed envelope"
MALFORMED_LABEL = "__malformed__"  # the metrics label: an untrusted id must not become a series
UNAVAILABLE = "schema unavailable"


class Decision(enum.StrEnum):
    """What the consumer should do with the message."""

    ACCEPT = "accept"
    ACCEPT_WITH_WARNING = "accept_with_warning"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class GateResult:
    """The decision for one message, with the errors and the schema that judged it."""

    decision: Decision
    errors: tuple[str, ...] = ()
    schema: str | None = None
    track: str | None = None
    version: str | None = None
    reason: str | None = None
    dead_letter: DeadLetter | None = None

    @property
    def accepted(self) -> bool:
        """Say whether the consumer should process the message."""
        return self.decision is not Decision.REJECT


SchemaFor = Callable[[Mapping[str, Any]], str]
_ACCEPTED_KEPT = 256  # shared acceptances kept (one per schema version seen), then started over


class ValidationGate:
    """Judge each message with a `SchemaManager` and act on the configured mode."""

    def __init__(
        self,
        manager: SchemaManager,
        *,
        sink: DeadLetterSink | None = None,
        mode: ValidationMode | str | None = None,
        fail_open: bool | None = None,
        schema_for: SchemaFor | None = None,
    ) -> None:
        self.manager = manager
        self.mode = normalize_validation_mode(
            mode if mode is not None else manager.config.validation_mode, "mode"
        )
        self.fail_open = manager.config.fail_open if fail_open is None else fail_open
        if self.mode == "enforce" and sink is None:
            raise ConfigError(
                "mode='enforce' needs a dead-letter sink: ValidationGate(manager, sink=...) "
                "(JsonLinesDeadLetterSink(path), or your broker's)"
            )
        self.sink = sink
        self._schema_for = schema_for or _schema_from_meta
        # One line per message would let invented names (or an outage) flood the log.
        self._unvalidated = LogThrottle(log)
        self._acceptances: dict[tuple[str, str, str], GateResult] = {}
        self._malformed_lines = LogThrottle(log)

    async def check(
        self, message: Any, *, schema: str | None = None, track: str | None = None
    ) -> GateResult:
        """Decide for an envelope (`meta.schema_id`, `meta.track`) or a payload with `schema=`."""
        if self.mode == "off":
            return GateResult(Decision.ACCEPT)
        return await self._check(message, schema, track, checked=False)

    async def _check(
        self, message: Any, schema: str | None, track: str | None, *, checked: bool
    ) -> GateResult:
        """`check`; `checked` when `decode_json` made the message (no payload guard needed)."""
        try:
            name, track, payload = self._unpack(message, schema, track)
        except _MalformedEnvelopeError as exc:
            return await self._malformed(message, str(exc))
        except Exception as exc:  # a Mapping whose own methods raise: unreadable, so malformed
            reason = f"cannot read the envelope: {type(exc).__name__}: {excerpt(str(exc))}"
            return await self._malformed(message, reason)
        try:
            judged = await self.manager._judged(name, payload, track, track, checked)
        except SchemaRegistryError as exc:
            return await self._without_schema(message, name, track, exc)
        (valid, errors), document = judged
        if valid:
            return self._accepted(name, document)
        return await self._decide(message, name, errors, document)

    async def check_json(
        self, raw: bytes | str, *, schema: str | None = None, track: str | None = None
    ) -> GateResult:
        """Decide for an envelope (or, with `schema=`, a payload) as raw JSON bytes or text.

        What a consumer reading Redis Streams or HTTP bodies calls: bytes that are not JSON are
        malformed, with the parser's position, and dead-lettered as received in enforce mode.
        """
        if self.mode == "off":
            return GateResult(Decision.ACCEPT)
        try:
            if isinstance(raw, memoryview):  # a dead letter keeps the bytes, not a view
                raw = view_bytes(raw, "message")
            message, checked = decode_json(raw, "message", self.manager.config.max_depth)
        except MalformedRecordError as exc:
            return await self._malformed(raw, str(exc))
        return await self._check(message, schema, track, checked=checked)

    async def check_message(self, value: bytes, *, headers: Headers | None = None) -> GateResult:
        """Decide for a Kafka record value in Confluent framing: what a consumer calls per record.

        The writer schema comes from the record's id or GUID; a record without framing or JSON
        is malformed (dead-lettered untouched in enforce mode), like a broken envelope.
        """
        if self.mode == "off":
            return GateResult(Decision.ACCEPT)
        if headers is not None:
            try:  # read twice (here, and for naming the writer): a generator would be empty then
                headers = replayable(headers)
            except FramingError as exc:
                return await self._malformed(value, f"unreadable record: {exc}")
        try:
            (valid, errors), schema = await self.manager._judged_message(value, headers)
        except MalformedRecordError as exc:
            return await self._malformed(value, str(exc))
        except SchemaRegistryError as exc:
            return await self._without_schema(value, _writer_of(value, headers), None, exc)
        if valid:
            return self._accepted(schema.name, schema)
        return await self._decide(value, schema.name, errors, schema)

    def _accepted(self, name: str, schema: SchemaDocument) -> GateResult:
        """Accept a valid message: one shared, immutable answer per schema version.

        Built once and reused: a frozen dataclass costs about a microsecond to build, a tenth of
        a warm decision. Only schemas that judged a message get one, and there are at most
        `_ACCEPTED_KEPT` at a time.
        """
        key = (name, schema.track, schema.version)
        accepted = self._acceptances.get(key)
        if accepted is None:
            if len(self._acceptances) >= _ACCEPTED_KEPT:
                self._acceptances.clear()
            accepted = GateResult(Decision.ACCEPT, (), name, schema.track, schema.version)
            self._acceptances[key] = accepted
        return accepted

    async def _decide(
        self, message: Any, name: str, errors: list[str], schema: SchemaDocument
    ) -> GateResult:
        """Log (and let through) or reject (dead-letter) an invalid message, by mode."""
        base = GateResult(
            Decision.ACCEPT_WITH_WARNING,
            tuple(errors),
            name,
            schema.track,
            schema.version,
            INVALID,
        )
        if self.mode == "log":
            log.warning(
                "invalid %s (%s %s), let through in log mode: %s",
                name,
                base.track,
                base.version,
                "; ".join(errors),
            )
            self._action(name, "warning", "logged")
            return base
        return await self._reject(message, base)

    def _unpack(
        self, message: Any, schema: str | None, track: str | None
    ) -> tuple[str, str | None, Any]:
        """Read (schema, track, payload); raise `_MalformedEnvelopeError` saying what is wrong."""
        if schema is not None:
            payload = message["payload"] if _is_envelope(message) else message
            meta = message.get("meta") if _is_envelope(message) else None
        elif not _is_envelope(message):
            raise _MalformedEnvelopeError(
                "expected a mapping with meta and payload (or pass schema=NAME for a bare payload)"
            )
        else:
            meta, payload = message["meta"], message["payload"]
            if not isinstance(meta, Mapping):
                raise _MalformedEnvelopeError(f"meta is {excerpt(meta)}, not a mapping")
            schema = self._schema_of(meta)
        if track is None and isinstance(meta, Mapping):
            track = meta.get("track")
        problem = schema_name_problem(schema, "schema id")
        if problem is None and track is not None:
            problem = schema_name_problem(track, "track")
        if problem is not None:
            raise _MalformedEnvelopeError(problem)
        return str(schema), track, payload

    def _schema_of(self, meta: Mapping[str, Any]) -> str:
        try:
            return self._schema_for(meta)
        except _MalformedEnvelopeError:
            raise
        except Exception as exc:  # the envelope is untrusted; so is what reads it
            raise _MalformedEnvelopeError(f"cannot read the schema id: {exc}") from None

    async def _malformed(self, message: Any, reason: str) -> GateResult:
        """Reject what cannot be judged; in enforce mode dead-letter it, untouched."""
        result = GateResult(Decision.REJECT, (reason,), None, None, None, f"{MALFORMED}: {reason}")
        self._malformed_lines.warning("%s rejected: %s", MALFORMED, reason)
        if self.mode == "enforce":
            return await self._reject(message, result)
        self._action(MALFORMED_LABEL, "error", "rejected_malformed")
        return result

    async def _without_schema(
        self, message: Any, name: str, track: str | None, exc: SchemaRegistryError
    ) -> GateResult:
        self.manager.notify_degraded(name, exc)
        result = GateResult(
            Decision.ACCEPT_WITH_WARNING, (str(exc),), name, track, None, UNAVAILABLE
        )
        if self.mode == "log" or self.fail_open:
            self._unvalidated.warning(
                "no schema for %r, message let through unvalidated: %s", name, exc
            )
            self._action(name, "warning", "passed_unvalidated")
            return result
        return await self._reject(message, result)

    async def _reject(self, message: Any, result: GateResult) -> GateResult:
        letter = DeadLetter(
            message,
            result.reason or INVALID,
            result.errors,
            result.schema or "",
            result.track,
            result.version,
            self.mode,
        )
        try:
            await self.sink.put(letter)  # type: ignore[union-attr]  # enforce mode has a sink
        except DeadLetterError:  # the sink said it itself (the Redis sink does, secrets masked)
            self._action(letter.schema, "error", "dead_letter_failed")
            raise
        except Exception as exc:
            self._action(letter.schema, "error", "dead_letter_failed")
            raise DeadLetterError(
                f"dead-letter sink failed ({type(exc).__name__}: {exc}); the message was not "
                "stored: do not acknowledge it",
                letter=letter,
            ) from exc
        self._action(letter.schema, "error", "dead_lettered")
        return GateResult(
            Decision.REJECT,
            result.errors,
            result.schema,
            result.track,
            result.version,
            result.reason,
            letter,
        )

    def _action(self, schema: str, severity: str, action: str) -> None:
        label = schema if schema == MALFORMED_LABEL else self.manager.metric_label(schema)
        self.manager.metrics.enforcement_action(label, severity, action)


def _writer_of(value: bytes, headers: Headers | None) -> str:
    """Name a record's writer schema for a message about it: `id:7` or `guid:...`."""
    try:
        framed = unframe(value, headers)
    except FramingError:  # never: the manager read this framing a moment ago
        return MALFORMED_LABEL
    return writer_key(framed.schema_id, framed.guid)[0]


def _schema_from_meta(meta: Mapping[str, Any]) -> str:
    """Read the schema name from an envelope's `meta.schema_id` (the seed's envelope)."""
    schema_id = meta.get("schema_id")
    if schema_id is None:
        raise _MalformedEnvelopeError("no meta.schema_id")
    return schema_id  # type: ignore[no-any-return]  # its shape is checked by the caller


def _is_envelope(message: Any) -> bool:
    return isinstance(message, Mapping) and "payload" in message and "meta" in message


class _MalformedEnvelopeError(Exception):
    """Signal, inside the gate, an envelope that cannot be judged; never leaves `check`."""
