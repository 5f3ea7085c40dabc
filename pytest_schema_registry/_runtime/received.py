"""The manager's methods for messages as they arrive: JSON bytes, and Kafka records.

`SchemaManager` inherits them; they live here to keep the manager readable. Consumers receive
bytes, not dicts: `validate_json` decodes JSON text or bytes with `decode_json` (msgspec, which
vouches for what the payload guard would check) and judges by name; `validate_message` reads a
Confluent-framed record's writer id or GUID and judges by the writer's schema. Both give
`validate_payload`'s answers and never raise; `check_message` raises, as `check` does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from .._core.config import RegistryConfig
from .._core.errors import ConfigError, MalformedRecordError, SchemaRegistryError
from .._core.models import SchemaDocument, ValidationResult
from . import records
from .cache import Entry, Key
from .framing import Headers
from .records import (
    MALFORMED_RECORD_LABEL,
    decode_json,
    few_brackets,
    read_record,
    refuse_json,
)
from .verdicts import Verdict

__all__ = ["ReceivedBytes"]

_T = TypeVar("_T")


class ReceivedBytes:
    """Validate JSON bytes and framed records; mixed into `SchemaManager`, which provides:"""

    config: RegistryConfig
    _active: bool
    _max_depth: int
    _short_text: int  # text no longer than this cannot nest past `_max_depth`
    _hot: dict[str, Entry]
    _clock: Callable[[], float]
    _warm: Callable[[Key], Entry | None]
    _resolve: Callable[[Key], Awaitable[Entry]]
    _warm_writer: Callable[[Key], Entry | None]
    _resolve_writer: Callable[[Key], Awaitable[Entry]]
    _judge: Callable[[Entry, str, Any, bool], Verdict]
    _unreadable: Callable[[str, MalformedRecordError], Verdict]
    _degrade: Callable[[str, SchemaRegistryError], Verdict]

    if TYPE_CHECKING:

        def _key(self, name: str, prefer: str | None, fallback: str | None) -> Key: ...

        def _warm_invalid(self, entry: Entry, name: str, payload: Any) -> Verdict: ...

        async def _validate_payload(
            self,
            name: str,
            payload: Any,
            prefer: str | None,
            fallback: str | None,
            checked: bool = False,
        ) -> Verdict: ...

        def _validate_payload_here(
            self, name: str, payload: Any, prefer: str | None, fallback: str | None, checked: bool
        ) -> Verdict: ...

        def metric_label(self, name: object) -> str: ...

        def run_sync(self, coroutine: Coroutine[Any, Any, _T]) -> _T: ...

    async def validate_json(
        self,
        name: str,
        data: bytes | str,
        prefer: str | None = None,
        fallback: str | None = None,
    ) -> Verdict:
        """Validate JSON text or UTF-8 bytes as they arrived (Kafka, Redis, HTTP); never raises.

        As `validate_payload` for the decoded value; bytes that are not JSON (or not UTF-8, or
        hold `NaN`) are an invalid payload whose error says why and where (`line 1 column 9`).
        """
        # The warm path, spelled out here and in the sync twin (a shared helper call costs a
        # fifth of it): a fresh entry under the configured tracks and text too short (or with
        # too few brackets) to nest past `max_depth`, decoded strictly once; a valid verdict is
        # one increment, an invalid one is explained without judging again, unreadable text is
        # worded from here. Anything else, or anything raised, takes the full path.
        kind = type(data)
        if prefer is fallback is None and (kind is bytes or kind is str):
            judged = None
            try:
                entry = self._hot.get(name)
                if (
                    entry is not None
                    and self._clock() < entry.fresh_until
                    and (len(data) <= self._short_text or few_brackets(data, self._max_depth))
                ):
                    try:
                        payload = records.strict_decode(data)
                    except (ValueError, RecursionError) as exc:
                        return self._unreadable_text(name, data, exc)
                    if entry.is_valid(payload):
                        entry.warm.valid += 1  # type: ignore[union-attr]  # set on `_hot` entries
                        return True, []
                    judged = entry
            except Exception:  # noqa: S110 - the full path answers it, saying why
                pass
            if judged is not None:
                return self._warm_invalid(judged, name, payload)
        return await self._validate_json(name, data, prefer, fallback)

    async def _validate_json(
        self, name: str, data: bytes | str, prefer: str | None, fallback: str | None
    ) -> Verdict:
        if not self._active:
            return True, []
        try:
            payload, checked = decode_json(data, "payload", self._max_depth)
        except MalformedRecordError as exc:
            return self._unreadable(self.metric_label(name), exc)
        return await self._validate_payload(name, payload, prefer, fallback, checked)

    def validate_json_sync(
        self, name: str, data: bytes | str, prefer: str | None = None, fallback: str | None = None
    ) -> Verdict:
        """`validate_json` from synchronous code, as `validate_payload_sync` does it."""
        kind = type(data)
        if prefer is fallback is None and (kind is bytes or kind is str):  # as `validate_json`
            judged = None
            try:
                entry = self._hot.get(name)
                if (
                    entry is not None
                    and self._clock() < entry.fresh_until
                    and (len(data) <= self._short_text or few_brackets(data, self._max_depth))
                ):
                    try:
                        payload = records.strict_decode(data)
                    except (ValueError, RecursionError) as exc:
                        return self._unreadable_text(name, data, exc)
                    if entry.is_valid(payload):
                        entry.warm.valid += 1  # type: ignore[union-attr]
                        return True, []
                    judged = entry
            except Exception:  # noqa: S110 - the full path answers it, saying why
                pass
            if judged is not None:
                return self._warm_invalid(judged, name, payload)
        if not self._active:
            return True, []
        try:  # before any lookup: unreadable bytes are answered without a loop
            payload, checked = decode_json(data, "payload", self._max_depth)
        except MalformedRecordError as exc:
            return self._unreadable(self.metric_label(name), exc)
        return self._validate_payload_here(name, payload, prefer, fallback, checked)

    def _unreadable_text(self, name: str, data: bytes | str, error: BaseException) -> Verdict:
        """Answer text the strict decoder refused, worded and counted as the full path does."""
        try:
            refuse_json(data, "payload", error)
        except MalformedRecordError as exc:
            return self._unreadable(self.metric_label(name), exc)

    async def validate_message(self, value: bytes, *, headers: Headers | None = None) -> Verdict:
        """Validate a Kafka record value framed by a Confluent serializer; never raises.

        Reads the writer schema's id (`0x00` + 4 bytes) or GUID (`0x01` + 16 bytes, in the value
        or the `__value_schema_id` header), resolves it once (cached like names), and validates
        the JSON body. A record without framing or JSON is invalid, with the reason.
        """
        if not self._active:
            return True, []
        try:
            key, payload, checked = read_record(value, headers, self._max_depth)
        except MalformedRecordError as exc:
            return self._malformed_record(exc)
        return await self._validate_record(key, payload, checked)

    async def _validate_record(self, key: Key, payload: Any, checked: bool) -> Verdict:
        try:
            entry = self._warm_writer(key) or await self._resolve_writer(key)
        except SchemaRegistryError as exc:
            return self._degrade(key[0], exc)
        return self._judge(entry, entry.document.name, payload, checked)

    def validate_message_sync(self, value: bytes, *, headers: Headers | None = None) -> Verdict:
        """`validate_message` from synchronous code, as `validate_payload_sync` does it."""
        if not self._active:
            return True, []
        try:
            key, payload, checked = read_record(value, headers, self._max_depth)
        except MalformedRecordError as exc:
            return self._malformed_record(exc)
        entry = self._warm_writer(key)
        if entry is not None:
            return self._judge(entry, entry.document.name, payload, checked)
        return self.run_sync(self._validate_record(key, payload, checked))  # read once

    async def check_message(
        self, value: bytes, *, headers: Headers | None = None
    ) -> ValidationResult:
        """Validate a framed record and say against which writer schema; raise when none judged.

        A record without framing or JSON raises `MalformedRecordError` (saying why); no
        schema to be had raises the registry error, as `check` does for names.
        """
        (valid, errors), schema = await self._judged_message(value, headers)
        return ValidationResult(valid, tuple(errors), schema)

    async def _judged_message(
        self, value: bytes, headers: Headers | None
    ) -> tuple[Verdict, SchemaDocument]:
        """`check_message`'s verdict and the writer's schema, for the gate too."""
        if not self._active:
            raise ConfigError("the SchemaManager is disabled: set enabled=True and a registry URL")
        key, payload, checked = read_record(value, headers, self._max_depth)
        entry = self._warm_writer(key) or await self._resolve_writer(key)
        return self._judge(entry, entry.document.name, payload, checked), entry.document

    def _malformed_record(self, error: MalformedRecordError) -> Verdict:
        """Count a record that names no schema or holds no JSON: invalid, under one label."""
        return self._unreadable(MALFORMED_RECORD_LABEL, error)
