"""Map (schema name, track) onto a Confluent subject and back, through a subject template.

Confluent-compatible registries know subjects, not tracks. A template such as `{name}-value`
(the default: Confluent's TopicNameStrategy naming, one subject per schema) or
`{name}.{track}-value` (one subject per track, so `prefer="v2", fallback="v1"` chooses between
two subjects) says which subject holds a schema. Without `{track}` every track reads the same
subject, and a subject read back names no track (`ANY_TRACK`).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from .errors import ConfigError

__all__ = ["ANY_TRACK", "DEFAULT_SUBJECT_TEMPLATE", "SubjectTemplate"]

DEFAULT_SUBJECT_TEMPLATE = "{name}-value"
ANY_TRACK = "*"  # a subject whose template has no {track}: it serves every track
_FORM = (
    "a text with {name} once and optionally {track} once, e.g. {name}-value or {name}.{track}-value"
)


@dataclass(frozen=True, slots=True)
class SubjectTemplate:
    """A checked subject template: `format(name, track)` and its inverse `parse(subject)`."""

    text: str
    _parts: tuple[str, ...] = field(repr=False, compare=False)  # literal, field, literal, ...

    @classmethod
    def of(cls, text: object, setting: str = "subject_template") -> SubjectTemplate:
        """Check `text`; a template that cannot name subjects raises `ConfigError` naming it."""
        fields = _fields(text, setting)
        if not isinstance(text, str) or fields.count("name") != 1 or fields.count("track") > 1:
            raise ConfigError(f"{setting}={text!r}: expected {_FORM}")
        return cls(text, tuple(re.split(r"(\{name\}|\{track\})", text)))

    @property
    def has_track(self) -> bool:
        """Say whether each track has a subject of its own."""
        return "{track}" in self.text

    def format(self, name: str, track: str) -> str:
        """Return the subject that holds `name` on `track`, each put in once, as written.

        One pass: a name from an envelope such as `orders{track}` must not have the track
        substituted into it and so read the subject of another name (`ordersv2-value`).
        """
        values = {"{name}": name, "{track}": track}
        return "".join(values.get(part, part) for part in self._parts)

    def parse(self, subject: str) -> tuple[str, str] | None:
        """Return the (name, track) a subject holds, `ANY_TRACK` without {track}; None if foreign.

        A name may hold dots and dashes; a track holds neither, so `a.b.v2-value` under
        `{name}.{track}-value` is ("a.b", "v2"). Subjects come from the registry: the reading
        takes time linear in their length (a backtracking regex took seconds for 8 KB under
        `{name}_{track}`, whose separator a track may hold).
        """
        prefix, suffix = self._parts[0], self._parts[-1]
        if len(subject) < len(prefix) + len(suffix) or not (
            subject.startswith(prefix) and subject.endswith(suffix)
        ):
            return None
        middle = subject[len(prefix) : len(subject) - len(suffix)]
        if len(self._parts) == 3:  # {name} alone
            return (middle, ANY_TRACK) if middle else None
        first, between = self._parts[1], self._parts[2]
        cut = _cut(middle, between, name_first=first == "{name}")
        if cut is None:
            return None
        left, right = middle[:cut], middle[cut + len(between) :]
        return (left, right) if first == "{name}" else (right, left)


def _fields(text: object, setting: str) -> list[str]:
    """Return the `{field}`s of `text`, refusing any field but name and track, or bad braces."""
    if not isinstance(text, str) or not text:
        raise ConfigError(f"{setting}={text!r}: expected {_FORM}")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ConfigError(f"{setting}={text!r}: {exc}; expected {_FORM}") from None
    fields = [field for _, field, spec, conversion in parsed if field is not None]
    if any(f not in ("name", "track") for f in fields) or any(
        spec or conversion for _, field, spec, conversion in parsed if field is not None
    ):
        raise ConfigError(f"{setting}={text!r}: only {{name}} and {{track}} may appear; {_FORM}")
    return fields


def _cut(middle: str, between: str, *, name_first: bool) -> int | None:
    """Return where `between` splits `middle` into a name and a track (no `.` or `-`), or None.

    The name takes all it can: after a name the track is the shortest run that fits, before
    one the longest. Either way the split is the last `between` inside a window: one `rfind`.
    """
    size, gap = len(middle), len(between)
    if name_first:  # the track is a tail without `.` or `-`; the name at least one character
        tail = size - 1 - max(middle.rfind("."), middle.rfind("-"))
        cut = middle.rfind(between, max(1, size - tail - gap), size - 1)
    else:  # the track is a head without `.` or `-`; the name at least one character
        head = min(i if i >= 0 else size for i in (middle.find("."), middle.find("-")))
        cut = middle.rfind(between, 1, min(head + gap, size - 1))
    return cut if cut >= 1 else None
