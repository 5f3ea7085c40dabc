"""Hold what the registry answers as small frozen dataclasses, parsed strictly from its JSON.

Parsing checks every key the API promises and says which one is wrong, at which URL: a registry
that drifts from its contract should fail loudly at the boundary, not deep inside a validator.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from packaging.version import InvalidVersion, Version

from .errors import RegistryResponseError
from .subjects import ANY_TRACK

__all__ = [
    "CompatibilityReport",
    "DeadLetter",
    "IndexEntry",
    "Integrity",
    "RegistryIndex",
    "SchemaDocument",
    "SchemaReference",
    "SchemaVersionInfo",
    "ValidationResult",
    "content_sha256",
    "encode_message",
    "excerpt",
    "schema_name_problem",
    "version_order",
]

JSONObject = dict[str, Any]
_T = TypeVar("_T")


def content_sha256(content: Mapping[str, Any]) -> str:
    """Hash schema content the way the seed's services do: sorted keys, `json.dumps` defaults.

    The registry does not publish its algorithm; this is the one a production service used for
    drift checks, and the one our embedded server publishes.
    """
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _compact_sha256(content: Mapping[str, Any]) -> str:
    """Hash the compact canonical form (RFC 8785 style separators), a likely alternative."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Integrity(enum.StrEnum):
    """Say whether a document's content hashes to the sha256 the registry published."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"  # the registry published no sha256 to check against

    @classmethod
    def check(cls, content: Mapping[str, Any], published: str) -> Integrity:
        """Compare `published` with the hashes of the canonical forms we know of."""
        if not published:
            return cls.UNKNOWN
        candidates = {content_sha256(content), _compact_sha256(content)}
        return cls.VERIFIED if published.lower() in candidates else cls.MISMATCH


class _Reader:
    """Read typed keys out of one JSON object, naming the key and URL in every complaint."""

    def __init__(self, data: object, url: str, what: str) -> None:
        if not isinstance(data, dict):
            raise RegistryResponseError(
                f"{url}: expected a JSON object for {what}, got {_json_type(data)}", url=url
            )
        self.data: JSONObject = data
        self.url = url
        self.what = what

    def get(self, key: str, kind: type[_T], default: _T | None = None) -> _T:
        """Return `data[key]` checked against `kind`; a missing key falls back to `default`."""
        if key not in self.data or self.data[key] is None:
            if default is not None:
                return default
            raise RegistryResponseError(
                f"{self.url}: {self.what} is missing key {key!r}", url=self.url
            )
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise RegistryResponseError(
                f"{self.url}: {self.what} key {key!r} should be {_KIND_NAMES[kind]}, "
                f"got {_json_type(value)}",
                url=self.url,
            )
        return value

    def optional(self, key: str, kind: type[_T]) -> _T | None:
        """Return `data[key]` checked against `kind`, or None when absent or null."""
        if self.data.get(key) is None:
            return None
        return self.get(key, kind)

    def timestamp(self, key: str) -> datetime | None:
        """Return an ISO-8601 timestamp as an aware-or-naive datetime, None when absent."""
        raw = self.optional(key, str)
        if raw is None:
            return None
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            raise RegistryResponseError(
                f"{self.url}: {self.what} key {key!r} is not an ISO-8601 timestamp: {raw[:40]!r}",
                url=self.url,
            ) from None


_KIND_NAMES: dict[type[Any], str] = {
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    dict: "an object",
    list: "an array",
}


def _json_type(value: object) -> str:
    """Name a decoded JSON value's type the way JSON does."""
    if value is None:
        return "null"
    names = {bool: "a boolean", str: "a string", int: "a number", float: "a number"}
    names.update({dict: "an object", list: "an array"})
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True, slots=True)
class SchemaDocument:
    """One version of one schema on one track, as the registry serves it."""

    name: str
    track: str
    version: str
    sha256: str
    schema_id: str
    content: JSONObject = field(hash=False)
    deprecated: bool = False
    deprecation_note: str | None = None
    integrity: Integrity = Integrity.UNKNOWN

    @classmethod
    def from_json(cls, data: object, *, url: str) -> SchemaDocument:
        """Parse a `SchemaResponse` body; the id travels under the literal key `$schema_id`."""
        read = _Reader(data, url, "schema response")
        content = read.get("content", dict)
        sha256 = read.get("sha256", str)
        return cls(
            name=read.get("name", str),
            track=read.get("track", str),
            version=read.get("core_version", str),
            sha256=sha256,
            schema_id=read.get("$schema_id", str),
            content=content,
            deprecated=read.get("deprecated", bool, False),
            deprecation_note=read.optional("deprecation_note", str),
            integrity=Integrity.check(content, sha256),
        )

    @property
    def short_sha(self) -> str:
        """Return the first 12 hex digits of sha256, enough to tell versions apart in a report."""
        return self.sha256[:12]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One schema in the registry's index: its latest version on one track.

    A Confluent registry lists subjects only: there `schema_id`, `sha256` and `latest_version`
    are empty, and `track` is `ANY_TRACK` when the subject template names no track.
    """

    name: str
    track: str
    schema_id: str
    sha256: str
    latest_version: str
    deprecated: bool = False

    @classmethod
    def from_json(cls, data: object, *, track: str, url: str) -> IndexEntry:
        """Parse one `IndexItem`."""
        read = _Reader(data, url, f"index item on track {track!r}")
        return cls(
            name=read.get("name", str),
            track=track,
            schema_id=read.get("$schema_id", str),
            sha256=read.get("sha256", str),
            latest_version=read.get("latest_core_version", str),
            deprecated=read.get("deprecated", bool, False),
        )


@dataclass(frozen=True, slots=True)
class RegistryIndex:
    """The registry's table of contents: every schema's latest version, per track."""

    entries: tuple[IndexEntry, ...]
    generated_at: datetime | None = None

    @property
    def tracks(self) -> tuple[str, ...]:
        """Return the tracks that hold at least one schema, sorted."""
        return tuple(sorted({entry.track for entry in self.entries}))

    def names(self, track: str | None = None) -> list[str]:
        """Return the sorted schema names, on one track or on any."""
        return sorted({e.name for e in self.entries if track is None or _serves(e, track)})

    def find(self, name: str, track: str) -> IndexEntry | None:
        """Return the entry for `name` on `track`, or None."""
        return next((e for e in self.entries if e.name == name and _serves(e, track)), None)

    @classmethod
    def from_json(cls, data: object, *, url: str) -> RegistryIndex:
        """Parse `{"tracks": {track: {"count", "schemas": [...]}}, "generated_at": ...}`."""
        read = _Reader(data, url, "index")
        entries: list[IndexEntry] = []
        for track, body in sorted(read.get("tracks", dict).items()):
            items = _Reader(body, url, f"index track {track!r}").get("schemas", list)
            entries.extend(IndexEntry.from_json(item, track=track, url=url) for item in items)
        return cls(entries=tuple(entries), generated_at=read.timestamp("generated_at"))


def _serves(entry: IndexEntry, track: str) -> bool:
    """Say whether `entry` serves `track`: its own, or any (a Confluent subject without one)."""
    return entry.track in (track, ANY_TRACK)


@dataclass(frozen=True, slots=True)
class SchemaVersionInfo:
    """One published version of a schema, without its content."""

    version: str
    sha256: str
    created_at: datetime | None = None
    deprecated: bool = False

    @classmethod
    def from_json(cls, data: object, *, url: str) -> SchemaVersionInfo:
        """Parse one element of the `/versions` array."""
        read = _Reader(data, url, "version entry")
        return cls(
            version=read.get("core_version", str),
            sha256=read.get("sha256", str),
            created_at=read.timestamp("created_at"),
            deprecated=read.get("deprecated", bool, False),
        )


def version_order(version: str) -> tuple[int, Version | str]:
    """Order versions PEP 440-wise, unparseable ones first by text: how "latest" is decided."""
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


@dataclass(frozen=True, slots=True)
class SchemaReference:
    """A Confluent schema reference: a `$ref` to `name` means `subject`'s `version`."""

    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, Any]:
        """Return the `{"name", "subject", "version"}` object the Confluent API uses."""
        return {"name": self.name, "subject": self.subject, "version": self.version}


@dataclass(frozen=True, slots=True)
class CompatibilityReport:
    """The registry's verdict on moving from one schema version to another."""

    compatible: bool
    breaking_reasons: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()
    x_compat: JSONObject | None = field(default=None, hash=False)

    @classmethod
    def from_json(cls, data: object, *, url: str) -> CompatibilityReport:
        """Parse a `/compat/check` body."""
        read = _Reader(data, url, "compatibility report")
        return cls(
            compatible=read.get("compatible", bool),
            breaking_reasons=tuple(_strings(read, "breaking_reasons")),
            advice=tuple(_strings(read, "advice")),
            x_compat=read.optional("x_compat", dict),
        )


def _strings(read: _Reader, key: str) -> list[str]:
    """Return a list-of-strings key (absent means empty), naming the key when an item is not one."""
    values = read.get(key, list, [])
    if not all(isinstance(v, str) for v in values):
        raise RegistryResponseError(
            f"{read.url}: {read.what} key {key!r} should hold only strings", url=read.url
        )
    return values


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """A verdict and what it was reached against: truthy when the payload is valid."""

    valid: bool
    errors: tuple[str, ...]
    schema: SchemaDocument

    def __bool__(self) -> bool:
        return self.valid

    def describe(self) -> str:
        """Say which schema judged, and every error, one per line."""
        schema = self.schema
        head = f"{schema.name} (track {schema.track}, version {schema.version}"
        head += f", sha256 {schema.short_sha})"
        if self.valid:
            return f"valid against {head}"
        listed = "".join(f"\n  {error}" for error in self.errors)
        return f"invalid against {head}:{listed}"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected message, untouched, with everything needed to replay or inspect it."""

    message: Any
    reason: str
    errors: tuple[str, ...]
    schema: str
    track: str | None
    version: str | None
    mode: str
    rejected_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON values: the message through `encode_message`, errors a list.

        Every sink stores this one form (a JSON line, a stream entry's fields), so a letter
        reads the same wherever it was written.
        """
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        fields["message"] = encode_message(self.message)
        fields["errors"] = list(self.errors)
        return fields

    def to_json(self) -> str:
        """Return one JSON line; the message goes through `encode_message`, so nothing fails."""
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=False)


# Schema names and tracks: anything longer comes from a broken or hostile sender.
MAX_NAME_LENGTH = 256


def schema_name_problem(value: object, what: str = "schema name") -> str | None:
    """Say what makes `value` unusable as a schema name or track, or None when it is fine.

    Names arrive in untrusted envelopes: they must be short, printable text (no control
    characters to forge log lines, no lone surrogates that cannot be encoded into a URL).
    """
    if not isinstance(value, str):
        return f"{what} {excerpt(value)} is not a string"
    if not value:
        return f"{what} is empty"
    if len(value) > MAX_NAME_LENGTH:
        return f"{what} {excerpt(value)} is longer than {MAX_NAME_LENGTH} characters"
    if not value.isprintable():
        return f"{what} {excerpt(value)} holds control or unencodable characters"
    return None


def excerpt(value: object, limit: int = 60) -> str:
    """Render a value for a message, never longer than `limit` characters; never raises."""
    try:
        text = ascii(value) if isinstance(value, str) else repr(value)
    except Exception:  # an object from an envelope whose repr raises: its type and address
        text = object.__repr__(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MAX_MESSAGE_DEPTH = 200  # below Python's recursion limit: deeper parts are kept as an excerpt


_MAX_MESSAGE_VALUES = 1_000_000  # as the payload guard's expansion cap: a letter stays bounded


def encode_message(value: Any) -> Any:
    """Encode a message for a dead letter: JSON as is, everything else tagged, nothing lost.

    Tags: `{"$bytes": base64}`, `{"$float": "nan" | "inf" | "-inf"}`, `{"$int": "0x..."}` for an
    integer too long for the interpreter's decimal text, `{"$map": [[key, value], ...]}` for a
    mapping with keys JSON cannot carry, `{"$cycle": true}` where a container holds itself,
    `{"$repr": ...}` for other objects, and `{"$truncated": ...}` past 200 levels or past
    1,000,000 values (a container shared along many paths would otherwise expand without end).
    """
    return _Encoder().encode(value, 0, frozenset())


class _Encoder:
    """One message's encoding, with its count of values written against the cap."""

    def __init__(self) -> None:
        self.written = 0
        digits = sys.get_int_max_str_digits()
        # 3 bits per digit errs short of log2(10): past this, decimal text might be refused.
        self.max_decimal_bits = 3 * digits if digits else None

    def encode(self, value: Any, depth: int, seen: frozenset[int]) -> Any:
        self.written += 1
        if self.written > _MAX_MESSAGE_VALUES:
            return {"$truncated": f"message holds more than {_MAX_MESSAGE_VALUES:,} values"}
        if isinstance(value, int) and not isinstance(value, bool):
            return self._integer(value)
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$float": str(value)}
        if isinstance(value, bytes | bytearray | memoryview):
            return _encoded_bytes(value)
        if not isinstance(value, dict | list | tuple):
            return {"$repr": _safe_excerpt(value)}
        if depth >= _MAX_MESSAGE_DEPTH:  # json itself cannot nest much deeper; say what was cut
            return {"$truncated": f"{type(value).__name__} nested past {_MAX_MESSAGE_DEPTH} levels"}
        if id(value) in seen:
            return {"$cycle": True}
        return self._container(value, depth + 1, seen | {id(value)})

    def _integer(self, value: int) -> Any:
        # int's own bit_length: a subclass may override it, the letter must still be written.
        if self.max_decimal_bits is not None and int.bit_length(value) > self.max_decimal_bits:
            return {"$int": hex(value)}  # hex has no length limit
        return value

    def _container(self, value: Any, depth: int, inner: frozenset[int]) -> Any:
        try:
            if isinstance(value, dict):
                if all(type(key) is str for key in value):
                    return {key: self.encode(item, depth, inner) for key, item in value.items()}
                return {
                    "$map": [
                        [self.encode(k, depth, inner), self.encode(v, depth, inner)]
                        for k, v in value.items()
                    ]
                }
            return [self.encode(item, depth, inner) for item in value]
        except Exception:  # a container of the caller's whose own methods raise
            return {"$repr": _safe_excerpt(value)}


def _encoded_bytes(value: bytes | bytearray | memoryview) -> dict[str, str]:
    try:
        data = bytes(value)
    except ValueError:  # a released memoryview: its bytes are gone
        return {"$repr": "<released memoryview>"}
    return {"$bytes": base64.b64encode(data).decode("ascii")}


def _safe_excerpt(value: object) -> str:
    """Return an excerpt of `value`'s repr, or its type when even the repr fails."""
    try:
        return excerpt(value, 2000)
    except Exception:  # a hostile __repr__, or one that recurses past the limit
        return f"<unprintable {type(value).__name__}>"
