"""Strings for a schema: lengths, formats and ECMA patterns, built rather than filtered.

A pattern with a length (`^[a-z]+$` and `minLength: 50`) cannot be met by filtering what
`st.from_regex` draws: its repetitions are short, so almost every draw is thrown away. The common
shape, one character class repeated (optionally anchored), is read from the parsed regex and
drawn as text of that alphabet at the length the schema asks for; other patterns still filter.
"""

from __future__ import annotations

import functools
import importlib
import re
import string
from collections.abc import Callable
from datetime import UTC
from typing import Any

from hypothesis import strategies as st
from hypothesis.provisional import domains, urls

from .._core.errors import UnsupportedSchemaError
from .schema_tools import ecma_regex

__all__ = ["KNOWN_FORMATS", "class_text", "repeated_class", "strings"]

# The stdlib's regex parser and its opcodes (private, but unchanged since 3.11; `sre_parse` is
# the deprecated public alias). Only the shape of a pattern is read from it.
sre_parse: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")

Strategy = st.SearchStrategy[Any]
_MAX_LENGTH = 2_000  # a minLength beyond this is more than hypothesis can draw in one value

_FORMATS: dict[str, Callable[[], Strategy]] = {
    "date-time": lambda: st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    "date": lambda: st.dates().map(lambda d: d.isoformat()),
    "time": lambda: st.times().map(lambda t: t.isoformat() + "+00:00"),
    "email": lambda: st.emails(),
    "hostname": lambda: domains(),
    "ipv4": lambda: st.ip_addresses(v=4).map(str),
    "ipv6": lambda: st.ip_addresses(v=6).map(str),
    "uri": lambda: urls(),
    "uuid": lambda: st.uuids().map(str),
}
KNOWN_FORMATS = frozenset(_FORMATS)  # what the builder draws for; others only the validator reads
_CATEGORIES = {  # with re.ASCII, as ECMA reads \d, \w and \s
    sre.CATEGORY_DIGIT: string.digits,
    sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre.CATEGORY_SPACE: " \t\n\r\f\v",
}
_ANCHORS = (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING, sre.AT_END, sre.AT_END_STRING)


def strings(schema: dict[str, Any], path: str) -> Strategy:
    """Strings valid for `schema`'s length, format and pattern (the validator checks the rest)."""
    low, high = _length(schema, "minLength", 0), _length(schema, "maxLength", None)
    if low > _MAX_LENGTH:
        raise UnsupportedSchemaError(
            "minLength", path, f"{low} is more than the {_MAX_LENGTH} characters a draw may hold"
        )
    fmt, pattern = schema.get("format"), schema.get("pattern")
    if pattern is not None:
        compiled = ecma_regex(pattern, path, "pattern")
        repeated = repeated_class(pattern) if (low or high is not None) else None
        if repeated is not None:
            return _repeated_text(repeated, low, high)
        base: Strategy = st.from_regex(compiled)
    elif fmt in _FORMATS:
        base = _FORMATS[fmt]()
    else:
        return st.text(st.characters(codec="utf-8"), min_size=low, max_size=high)
    if low or high is not None:
        return base.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
    return base


def _length(schema: dict[str, Any], keyword: str, default: int | None) -> Any:
    value = schema.get(keyword, default)
    return int(value) if isinstance(value, float) and value.is_integer() else value


Ranges = tuple[tuple[int, int], ...]  # code point ranges, inclusive


@functools.lru_cache(maxsize=1024)
def repeated_class(pattern: str) -> tuple[Ranges, int, int | None] | None:
    """(alphabet, least, most) when `pattern` is one character class repeated, else None.

    `^[a-z0-9-]+$`, `\\d{2,5}`, `^\\w*$`: any string of that alphabet, of a length within the
    repetition's, matches. Anything else (two parts, groups, flags, negated classes) is None.
    """
    try:
        parsed = sre_parse.parse(pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError):
        return None
    if parsed.state.flags & ~(re.ASCII | re.UNICODE):
        return None  # (?i) and friends change what a class means
    items = list(parsed)
    while items and items[0][0] == sre.AT and items[0][1] in _ANCHORS:
        items = items[1:]
    while items and items[-1][0] == sre.AT and items[-1][1] in _ANCHORS:
        items = items[:-1]
    if len(items) != 1 or items[0][0] not in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        return None
    least, most, body = items[0][1]
    body_items = list(body)
    if len(body_items) != 1:
        return None
    alphabet = _alphabet(body_items[0])
    if alphabet is None:
        return None
    return alphabet, least, None if most == sre.MAXREPEAT else most


@functools.lru_cache(maxsize=4096)
def class_text(pattern: str, length: int) -> str | None:
    """A string of exactly `length` characters matching `pattern`, built without a search.

    For patterns that are a sequence of literals, classes and repeated ones (`^sg-[0-9a-z]*$`,
    `^[a-z]{2}-\\d+$`): minimum counts first, the rest spread over the repeats that have room,
    in order. None for anything else (alternation, groups, lookarounds, flags) or a length the
    pattern cannot have.
    """
    parts = _sequence(pattern)
    if parts is None:
        return None
    spare = length - sum(least for _, least, _ in parts)
    if spare < 0:
        return None
    text = []
    for char, least, most in parts:
        extra = spare if most is None else min(spare, most - least)
        spare -= extra
        text.append(char * (least + extra))
    built = "".join(text)
    return built if spare == 0 and re.search(pattern, built, re.ASCII) else None


def _sequence(pattern: str) -> list[tuple[str, int, int | None]] | None:
    """(a character, least, most) per part of a pattern made of simple parts, else None."""
    try:
        parsed = sre_parse.parse(pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError):
        return None
    if parsed.state.flags & ~(re.ASCII | re.UNICODE):
        return None
    items = list(parsed)
    while items and items[0][0] == sre.AT and items[0][1] in _ANCHORS:
        items = items[1:]
    while items and items[-1][0] == sre.AT and items[-1][1] in _ANCHORS:
        items = items[:-1]
    parts: list[tuple[str, int, int | None]] = []
    for opcode, argument in items:
        least, item = 1, (opcode, argument)
        most: int | None = 1
        if opcode in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            least, high, body = argument
            most = None if high == sre.MAXREPEAT else high
            if len(list(body)) != 1:
                return None
            item = next(iter(body))
        alphabet = _alphabet(item)
        if alphabet is not None:
            parts.append((chr(alphabet[0][0]), least, most))
        elif item[0] in (sre.IN, sre.NOT_LITERAL, sre.ANY):
            parts.append(("a", least, most))  # `[^\\s]`, `.`: a guess the caller checks
        else:
            return None
    return parts


def _alphabet(item: tuple[Any, Any]) -> Ranges | None:
    opcode, argument = item
    if opcode == sre.LITERAL:
        return ((argument, argument),)
    if opcode != sre.IN:
        return None
    ranges: list[tuple[int, int]] = []
    for member, value in argument:
        if member == sre.LITERAL:
            ranges.append((value, value))
        elif member == sre.RANGE:
            ranges.append(value)
        elif member == sre.CATEGORY and value in _CATEGORIES:
            ranges.extend((ord(c), ord(c)) for c in _CATEGORIES[value])
        else:
            return None  # a negation or a negated category: left to the filter
    usable = tuple(r for r in ranges if not 0xD800 <= r[0] <= 0xDFFF)  # never a lone surrogate
    return usable or None


def _repeated_text(
    repeated: tuple[Ranges, int, int | None], low: int, high: int | None
) -> Strategy:
    ranges, least, most = repeated
    lo = max(low, least)
    hi = most if high is None else high if most is None else min(high, most)
    if hi is not None and lo > hi:
        return st.nothing()
    alphabet = st.one_of(
        [st.characters(min_codepoint=a, max_codepoint=b, codec="utf-8") for a, b in ranges]
    )
    return st.text(alphabet, min_size=lo, max_size=hi)
