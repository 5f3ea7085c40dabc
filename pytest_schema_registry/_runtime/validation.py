"""Compile a registry schema once, then validate payloads against it: fast, total, never crashing.

Three guarantees beyond what a raw validator gives:

* **Total**: any Python value gets a verdict. Values JSON cannot carry (NaN, bytes, sets,
  datetimes, non-string keys) make a payload invalid with a message naming where they sit; a raw
  validator would silently pass the ones its schema never looks at.
* **Bounded**: a payload nested deeper than `max_depth` is invalid, found by an iterative walk
  before the validator sees it. jsonschema-rs recurses natively and kills the process (SIGSEGV)
  around 20,000 levels under a recursive schema.
* **Readable**: errors read `$.path.to.field: message`, sorted, capped with "... and N more".
  Each line is bounded too: both backends quote the failing value whole, so a 20 MiB string
  failing `maxLength` would make a 20 MiB message; long messages and keys keep their head and
  tail around a marker saying how much was cut.

The default backend is jsonschema-rs, Draft 7 unless the schema names its dialect in `$schema`
(registry content carries none, and auto-detection would pick 2020-12), with formats checked and
remote/file `$ref` retrieval off. The pure-Python `jsonschema` backend is imported only on demand:
with its format extras it costs over a second to import.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

import jsonschema_rs

from .._core.config import Backend
from .._core.errors import ConfigError, SchemaCompileError

__all__ = ["PayloadValidator", "check_payload", "enum_message", "flat_json", "format_path"]

_ENUM_SHOWN = 10  # allowed values listed before "and N more"
_VALUE_CHARS = 60  # a value in a message is cut beyond this
_MESSAGE_CHARS = 240  # a backend's message keeps its head and tail beyond this
_KEY_CHARS = 100  # so does a key in a path
_PATH_CHARS = 160  # and a whole path (many long keys, deep down)
# Backtracking steps a `pattern` may take on one string (jsonschema-rs's default: 1,000,000).
# Patterns with lookaround or backreferences run on a backtracking engine: `^((?=a)a+)+$` on
# 30 "a" + "!" spends 40-150 ms reaching the default, about 4 ms reaching this one. A linear
# lookaround pattern takes about one step per character, so strings up to ~40,000 characters
# still get an answer; past the limit the value is invalid, with a message saying why.
_BACKTRACK_LIMIT = 50_000

_DRAFTS: dict[str, str] = {
    "json-schema.org/draft-04/schema": "Draft4",
    "json-schema.org/draft-06/schema": "Draft6",
    "json-schema.org/draft-07/schema": "Draft7",
    "json-schema.org/draft/2019-09/schema": "Draft201909",
    "json-schema.org/draft/2020-12/schema": "Draft202012",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

ErrorItem = tuple[tuple[str | int, ...], str]


class _Backend(Protocol):
    def is_valid(self, payload: Any) -> bool: ...

    def errors(self, payload: Any) -> Iterable[ErrorItem]: ...


class PayloadValidator:
    """Validate payloads against one compiled schema; `validate()` never raises for a payload."""

    __slots__ = ("_backend", "is_valid_decoded", "max_depth", "max_errors")

    def __init__(
        self,
        schema: Mapping[str, Any],
        *,
        backend: Backend = "jsonschema-rs",
        max_depth: int = 256,
        max_errors: int = 50,
    ) -> None:
        if not isinstance(schema, Mapping):
            raise SchemaCompileError(f"a schema must be a JSON object, got {type(schema).__name__}")
        draft = dialect(schema)
        compiled = _RustBackend if backend == "jsonschema-rs" else _PythonBackend
        try:
            self._backend: _Backend = compiled(dict(schema), draft)
        except RecursionError:  # a schema from the registry is untrusted input too
            raise SchemaCompileError("schema does not compile: it nests too deep to read") from None
        self.max_depth = max_depth
        self.max_errors = max_errors
        # The verdict alone for a value `validate_decoded` accepts: the bytes path's hot call.
        self.is_valid_decoded: Callable[[Any], bool] = self._backend.is_valid

    def validate(self, payload: Any) -> tuple[bool, list[str]]:
        """Return (True, []) for a valid payload, else (False, readable errors)."""
        try:
            problem = check_payload(payload, self.max_depth)
        except Exception as exc:  # a Mapping of the caller's whose methods raise: not JSON
            reason = _excerpt(f"{type(exc).__name__}: {exc}", _MESSAGE_CHARS)
            return False, [f"$: payload could not be read: {reason}"]
        if problem is not None:
            return False, [problem]
        return self.validate_decoded(payload)

    def validate_decoded(self, payload: Any) -> tuple[bool, list[str]]:
        """`validate` for a value a strict JSON decoder made, nested within `max_depth`.

        Such a value holds JSON's types and finite numbers only, and shares no containers: the
        payload guard could find nothing, so it is skipped (the bytes path, `records.py`).
        """
        try:
            if self._backend.is_valid(payload):
                return True, []
        except (ValueError, TypeError, RecursionError) as exc:  # belt and braces: never raise
            return False, [_not_validated(exc)]
        return self.explain(payload)

    def explain(self, payload: Any) -> tuple[bool, list[str]]:
        """(False, readable errors) for a payload the validator already found invalid."""
        try:
            items = sorted(_excerpted(self._backend.errors(payload)), key=_error_order)
        except (ValueError, TypeError, RecursionError) as exc:
            return False, [_not_validated(exc)]
        return False, self._cap([_line(path, message) for path, message in items])

    def is_valid(self, payload: Any) -> bool:
        """Return the verdict alone, skipping error messages."""
        return self.validate(payload)[0]

    def _cap(self, errors: list[str]) -> list[str]:
        if len(errors) <= self.max_errors:
            return errors
        hidden = len(errors) - self.max_errors
        return [*errors[: self.max_errors], f"... and {hidden} more"]


def dialect(schema: Mapping[str, Any]) -> str:
    """Return the draft to compile with: the one `$schema` names, else Draft 7."""
    uri = schema.get("$schema")
    if uri is None:
        return "Draft7"
    key = str(uri).split("://", 1)[-1].rstrip("#")
    if key not in _DRAFTS:
        known = ", ".join(f"http://{k}#" for k in _DRAFTS)
        raise SchemaCompileError(f"$schema {uri!r} names no dialect we support (known: {known})")
    return _DRAFTS[key]


class _RustBackend:
    """jsonschema-rs: formats on, no retrieval, bounded backtracking, one validator reused."""

    __slots__ = ("_validator", "is_valid")

    def __init__(self, schema: dict[str, Any], draft: str) -> None:
        cls = getattr(jsonschema_rs, f"{draft}Validator")
        regex = jsonschema_rs.FancyRegexOptions(backtrack_limit=_BACKTRACK_LIMIT)
        try:
            self._validator = cls(
                schema, validate_formats=True, offline=True, pattern_options=regex
            )
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            raise SchemaCompileError(f"schema does not compile: {_first_line(exc)}") from None
        self.is_valid = self._validator.is_valid  # bound once: this is the hot path

    def errors(self, payload: Any) -> Iterable[ErrorItem]:
        for error in self._validator.iter_errors(payload):
            yield tuple(error.instance_path), _rust_message(error)


def _rust_message(error: jsonschema_rs.ValidationError) -> str:
    """Reword the messages that hide what a reader needs: enum values, a regex giving up."""
    kind = error.kind
    options = getattr(kind, "options", None)
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Enum) and options:
        return enum_message(error.instance, options)
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.BacktrackLimitExceeded):
        # jsonschema-rs says only "Error executing regex: Max limit for backtracking count
        # exceeded", which reads like a crash and names neither the value nor the rule.
        return (
            f"{_short(error.instance)} could not be checked against pattern: the regex "
            f"needs more than {_BACKTRACK_LIMIT:,} backtracking steps, so the value is rejected"
        )
    return error.message


class _PythonBackend:
    """The pure-Python `jsonschema` package, as an oracle and a fallback."""

    __slots__ = ("_validator",)

    def __init__(self, schema: dict[str, Any], draft: str) -> None:
        try:
            import jsonschema  # lazy: see the module docstring
            import referencing
        except ImportError:
            raise ConfigError(
                "backend='jsonschema' needs the jsonschema package: "
                "pip install 'pytest-schema-registry[jsonschema]'"
            ) from None

        cls = _ecma_patterns(getattr(jsonschema, f"{draft}Validator"))
        try:
            cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise SchemaCompileError(f"schema does not compile: {exc.message}") from None
        # An empty registry: every $ref resolves inside the document or not at all.
        self._validator = cls(
            schema, registry=referencing.Registry(), format_checker=cls.FORMAT_CHECKER
        )

    def is_valid(self, payload: Any) -> bool:
        return not any(True for _ in self.errors(payload))

    def errors(self, payload: Any) -> Iterable[ErrorItem]:
        import referencing.exceptions

        try:
            for error in self._validator.iter_errors(payload):
                if error.validator == "enum" and isinstance(error.validator_value, list):
                    yield (
                        tuple(error.absolute_path),
                        enum_message(error.instance, error.validator_value),
                    )
                else:
                    yield tuple(error.absolute_path), error.message
        except referencing.exceptions.Unresolvable as exc:
            yield (), f"unresolvable reference: {exc}"


def _ecma_patterns(cls: Any) -> Any:
    """Extend a jsonschema validator class so `\\d` and `\\w` match ASCII only, as in ECMA-262.

    JSON Schema patterns are ECMA regexes; Python's `re` lets `\\d` match any Unicode digit, so
    the two backends would disagree on "2.٣.0" against `^2\\.\\d+`.
    """
    import jsonschema

    def pattern(validator: Any, regex: str, instance: Any, schema: Any) -> Iterable[Any]:
        if validator.is_type(instance, "string") and not re.search(regex, instance, re.ASCII):
            yield jsonschema.ValidationError(f"{instance!r} does not match {regex!r}")

    def pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "object"):
            return
        for regex, subschema in patterns.items():
            for key, value in instance.items():
                if re.search(regex, key, re.ASCII):
                    yield from validator.descend(value, subschema, path=key, schema_path=regex)

    keywords = {"pattern": pattern, "patternProperties": pattern_properties}
    return jsonschema.validators.extend(cls, keywords)  # type: ignore[no-untyped-call]


def enum_message(instance: Any, options: list[Any]) -> str:
    """Say which values an enum allows (up to ten, then how many more): a reader can fix it.

    jsonschema-rs names two (`is not one of "ok", "soft" or 2 other candidates`), which hides
    exactly the value a producer needed.
    """
    shown = ", ".join(_short(option) for option in options[:_ENUM_SHOWN])
    more = f" and {len(options) - _ENUM_SHOWN} more" if len(options) > _ENUM_SHOWN else ""
    return f"{_short(instance)} is not one of {shown}{more}"


def _short(value: Any) -> str:
    """Render a JSON value for a message, cut short if long."""
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"


def _excerpt(text: str, limit: int) -> str:
    """Keep the head and tail of a text longer than `limit`, saying how much was cut.

    Head and tail both matter: messages put the value first and the broken rule last
    (`"aaa…" is longer than 5 characters`), or the other way round.
    """
    if len(text) <= limit:
        return text
    keep = (limit - 20) // 2  # room for the marker: the excerpt is about `limit` long
    return f"{text[:keep]}…[{len(text) - 2 * keep} chars cut]…{text[-keep:]}"


def _excerpted(items: Iterable[ErrorItem]) -> Iterator[ErrorItem]:
    """Bound each message as it arrives, so a batch of huge ones is never held at once."""
    for path, message in items:
        yield path, _excerpt(message, _MESSAGE_CHARS)


def _line(path: tuple[str | int, ...], message: str) -> str:
    return f"{_excerpt(format_path(path), _PATH_CHARS)}: {message}"


def _error_order(item: ErrorItem) -> tuple[tuple[tuple[int, int | str], ...], str]:
    """Sort errors by path (indices numerically, keys alphabetically), then message."""
    path, message = item
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in path), message


def format_path(path: Iterable[str | int]) -> str:
    """Render a JSON location as `$.a.b[0]['odd key']`."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.match(part) and len(part) <= _KEY_CHARS:
            parts.append(f".{part}")
        else:
            parts.append(f"[{_excerpt(part, _KEY_CHARS)!r}]")
    return "".join(parts)


def _not_validated(exc: BaseException) -> str:
    reason = _excerpt(f"{type(exc).__name__}: {exc}", _MESSAGE_CHARS)
    return f"$: payload could not be validated: {reason}"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# -- the payload guard -------------------------------------------------------------------------

# Types are compared by identity, never looked up in a set: a set lookup hashes the type, and a
# metaclass's `__hash__` could raise or pose as `str` (numbers are checked for range, below).
_NONE = type(None)
_BOUNDS: dict[int, tuple[Any, Any]] = {}  # the interpreter's digit limit -> number bounds
# Python's digit limit is 0 (none) or at least 640: a number under 640 digits is readable
# whatever it is set to, so the fast pass checks against this constant, and only a number
# beyond it (or inf, or nan) is looked at again against the interpreter's actual setting.
_SURELY_READABLE = 10**639
_SURELY_READABLE_FLOOR = -_SURELY_READABLE


def _number_bounds() -> tuple[Any, Any]:
    """Return (floor, limit): every number the validator can judge lies strictly between them.

    jsonschema-rs reads an integer through its decimal text, which Python refuses past
    `sys.get_int_max_str_digits()` digits (4,300 unless changed): such an integer then passed
    `minimum` and `maximum` alike. Finite floats always lie between; inf and nan never do (nan
    compares False). With the limit off (0), only infinities are out.
    """
    digits = sys.get_int_max_str_digits()
    bounds = _BOUNDS.get(digits)
    if bounds is None:
        limit = 10**digits if digits else math.inf
        bounds = _BOUNDS[digits] = (-limit, limit)
    return bounds


_CONTAINERS = frozenset({dict, list})
_MAX_EXPANDED = 1_000_000  # values a payload may expand to when containers are shared


def check_payload(payload: Any, max_depth: int) -> str | None:
    """Return why `payload` cannot be validated (not JSON, too deep), or None when it can.

    The fast pass below looks only at exact built-in types; anything unusual (a subclass, a
    foreign type, a bad float, too much depth) is handed to `_explain`, which walks again
    slowly to find the exact location, and may yet accept subclasses of JSON types.

    A container reachable along many paths (`a = {"l": a, "r": a}`, 22 times over, is 4
    million paths through 22 dicts) is queued again only when reached deeper than before:
    reached no deeper, its walk could find nothing new. Each container is walked about once
    (at worst once per level it is reached at), not once per path; a cycle, reached deeper
    each time round, still runs into `max_depth` as before.
    """
    kind = type(payload)
    if kind is str or kind is bool or kind is _NONE:
        return None
    floor, limit = _SURELY_READABLE_FLOOR, _SURELY_READABLE
    if kind is int or kind is float:
        return None if floor < payload < limit else _explain(payload, max_depth)
    if kind is dict and max_depth >= 1 and flat_json(payload):
        return None  # the usual event: one level of plain values, no walk to set up
    stack: list[tuple[Any, int]] = [(payload, 1)]
    pop, push = stack.pop, stack.append
    deepest: dict[int, int] = {}  # id of a queued container -> the deepest level it was queued at
    seen = deepest.get
    shared = False  # a container reached along two paths: the validators walk both
    # The dict and list branches repeat the per-value checks on purpose: this loop runs over
    # every value of every payload, and a shared helper call per value measured 2.1x slower.
    while stack:
        node, depth = pop()
        if depth > max_depth:
            return _explain(payload, max_depth)
        kind = type(node)
        depth += 1  # the level of node's children
        if kind is dict:
            for key, value in node.items():
                if type(key) is not str:
                    return _explain(payload, max_depth)
                kind = type(value)
                if kind is str or kind is bool or kind is _NONE:
                    continue
                if kind is int:
                    if not floor < value < limit:
                        return _explain(payload, max_depth)
                elif kind is float:
                    if value - value != 0.0:  # inf or nan: finite floats are all in range
                        return _explain(payload, max_depth)
                elif kind is dict or kind is list:
                    if (before := seen(ident := id(value), 0)) < depth:
                        shared = shared or before > 0
                        deepest[ident] = depth
                        push((value, depth))
                    else:
                        shared = True
                else:
                    return _explain(payload, max_depth)
        elif kind is list:
            for value in node:
                kind = type(value)
                if kind is str or kind is bool or kind is _NONE:
                    continue
                if kind is int:
                    if not floor < value < limit:
                        return _explain(payload, max_depth)
                elif kind is float:
                    if value - value != 0.0:  # inf or nan: finite floats are all in range
                        return _explain(payload, max_depth)
                elif kind is dict or kind is list:
                    if (before := seen(ident := id(value), 0)) < depth:
                        shared = shared or before > 0
                        deepest[ident] = depth
                        push((value, depth))
                    else:
                        shared = True
                else:
                    return _explain(payload, max_depth)
        else:
            return _explain(payload, max_depth)
    return _expansion_problem(payload) if shared else None


def flat_json(
    payload: dict[Any, Any],
    floor: Any = _SURELY_READABLE_FLOOR,
    limit: Any = _SURELY_READABLE,
    none: type = _NONE,
) -> bool:
    """Say whether a dict has string keys and plain, in-range values only (nothing to walk).

    Such a dict passes the guard whatever `max_depth` is (at least 1): the manager's warm path
    and the guard's first step. Setting up the walk below costs about half of checking a flat
    event, and most payloads are one level deep. False sends anything else to the full walk.
    (The defaults are arguments only because locals are read faster than globals.)
    """
    for key, value in payload.items():
        if type(key) is not str:
            return False
        kind = type(value)
        if kind is str or kind is bool or kind is none:
            continue
        if kind is int:
            if floor < value < limit:
                continue
        elif kind is float and value - value == 0.0:  # finite (inf - inf, nan - nan: nan)
            continue
        return False
    return True


def _expansion_problem(payload: Any) -> str | None:
    """Refuse a payload whose shared containers expand past `_MAX_EXPANDED` values.

    The guard walks each container about once, but the validators walk every path: 30 levels
    of `a = {"l": a, "r": a}` are 30 dicts and a billion paths. Only Python-built payloads
    share containers (decoded JSON never does), so only they pay for this count, which is
    linear: each container's expanded size is computed once.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(payload, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        values = node.values() if type(node) is dict else node
        if not children_done:
            stack.append((node, True))
            stack.extend((v, False) for v in values if type(v) in _CONTAINERS)
            continue
        size = 1 + sum(sizes[id(v)] if type(v) in _CONTAINERS else 1 for v in values)
        if size > _MAX_EXPANDED:
            return (
                f"$: payload expands to more than {_MAX_EXPANDED:,} values (the same "
                "containers are reached along many paths)"
            )
        sizes[id(node)] = size
    return None


def _explain(payload: Any, max_depth: int) -> str | None:
    """Walk again, tracking paths; return the first problem, or None if all was JSON after all.

    Shared containers are walked again only from deeper down, as in `check_payload`: a hostile
    payload with a bad value past a shared subtree must not make this walk exponential either.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(payload, ())]
    deepest: dict[int, int] = {}  # id of a walked container -> the deepest level it was walked at
    while stack:
        node, path = stack.pop()
        if not isinstance(node, Mapping | list | tuple):
            problem = _leaf_problem(node, path)
            if problem is not None:
                return problem
            continue
        if len(path) >= max_depth:
            shown = format_path(path[:8]) + ("..." if len(path) > 8 else "")
            return f"{shown}: payload nests deeper than {max_depth} levels"
        if deepest.get(id(node), -1) >= len(path):
            continue
        deepest[id(node)] = len(path)
        problem = _push_children(node, path, stack)
        if problem is not None:
            return problem
    return None


def _leaf_problem(node: Any, path: tuple[str | int, ...]) -> str | None:
    """Say why a value that holds no other is not JSON, or None when it is."""
    if isinstance(node, bool | str) or node is None:
        return None
    if isinstance(node, int):
        floor, limit = _number_bounds()
        if floor < int.__add__(node, 0) < limit:  # int's own arithmetic: no subclass's override
            return None
        digits = sys.get_int_max_str_digits()
        return (
            f"{format_path(path)}: an integer of more than {digits:,} digits, past what is checked"
        )
    if isinstance(node, float) and math.isfinite(node):
        return None
    if isinstance(node, float):
        return f"{format_path(path)}: {node!r} is not a JSON number"
    return f"{format_path(path)}: {type(node).__name__} is not a JSON value"


def _push_children(
    node: Mapping[Any, Any] | list[Any] | tuple[Any, ...],
    path: tuple[str | int, ...],
    stack: list[tuple[Any, tuple[str | int, ...]]],
) -> str | None:
    """Queue a container's values in document order; say why when a key is not a string."""
    if not isinstance(node, Mapping):
        stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(node))))
        return None
    for key, value in reversed(list(node.items())):
        if not isinstance(key, str):
            shown, kind = _excerpt(repr(key), _VALUE_CHARS), type(key).__name__
            return f"{format_path(path)}: key {shown} ({kind}) is not a string, as JSON needs"
        stack.append((value, (*path, key)))
    return None
