"""Compare the keywords of two schemas of one class: strings, numbers, arrays (objects elsewhere).

Each rule names the change the way Confluent's per-class differs do (`MAX_LENGTH_DECREASED`,
`MULTIPLE_OF_EXPANDED`, ...); whether a kind is compatible is decided by the policy's set, never
here. Numbers compare exactly (fractions), so 0.1 and 0.3 relate the way a reader expects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import confluent_objects as objects
from .confluent_schema import Node, additional_items, as_dict, join, number

if TYPE_CHECKING:
    from .confluent_diff import Walker

__all__ = ["compare_class", "limit", "openness"]


def compare_class(
    walker: Walker, original: Node, update: Node, kinds: tuple[str, str], path: str
) -> None:
    """Run the keyword rules of the class both schemas share."""
    group = "number" if kinds[0] in ("number", "integer") else kinds[0]
    if group == "number":
        _number(walker, as_dict(original), as_dict(update), kinds, path)
    elif group == "string":
        _string(walker, as_dict(original), as_dict(update), path)
    elif group == "object":
        _object(walker, original, update, path)
    elif group == "array":
        _array(walker, original, update, path)
    # boolean, null, true, false and empty schemas have no keywords Confluent compares


def limit(walker: Walker, prefix: str, before: Any, after: Any, path: str) -> None:
    """Name how a numeric limit moved: ADDED, REMOVED, INCREASED or DECREASED."""
    old, new = number(before), number(after)
    if old == new:  # both absent, or the same bound
        return
    if old is None:
        walker.add(f"{prefix}_ADDED", path)
    elif new is None:
        walker.add(f"{prefix}_REMOVED", path)
    else:
        walker.add(f"{prefix}_INCREASED" if new > old else f"{prefix}_DECREASED", path)


def openness(walker: Walker, sides: tuple[Node, Node], prefix: str, path: str) -> None:
    """Compare an "anything else" keyword (`additionalProperties`, `unevaluatedItems`, ...).

    `false` forbids (REMOVED when it appears), a schema constrains (NARROWED when it appears
    where anything went), absent or `true` allows anything.
    """
    before, after = sides[0].value, sides[1].value
    if (before is False) != (after is False):
        walker.add(f"{prefix}_REMOVED" if after is False else f"{prefix}_ADDED", path)
        return
    old_schema, new_schema = isinstance(before, dict), isinstance(after, dict)
    if old_schema and new_schema:
        walker.compare(sides[0], sides[1], path)
    elif new_schema:
        walker.add(f"{prefix}_NARROWED", path)
    elif old_schema:
        walker.add(f"{prefix}_EXTENDED", path)


def _object(walker: Walker, original: Node, update: Node, path: str) -> None:
    before, after = as_dict(original), as_dict(update)
    for keyword, prefix in (
        ("additionalProperties", "ADDITIONAL_PROPERTIES"),
        ("unevaluatedProperties", "UNEVALUATED_PROPERTIES"),
    ):
        sides = (Node(before.get(keyword), original.doc), Node(after.get(keyword), update.doc))
        openness(walker, sides, prefix, join(path, keyword))
    objects.compare(walker, original, update, path)
    limit(walker, "MAX_PROPERTIES", before.get("maxProperties"), after.get("maxProperties"), path)
    limit(walker, "MIN_PROPERTIES", before.get("minProperties"), after.get("minProperties"), path)


def _string(walker: Walker, original: dict[str, Any], update: dict[str, Any], path: str) -> None:
    limit(walker, "MAX_LENGTH", original.get("maxLength"), update.get("maxLength"), path)
    limit(walker, "MIN_LENGTH", original.get("minLength"), update.get("minLength"), path)
    # Patterns compare as text: Confluent proves nothing about two regexes' languages.
    before, after = _text(original.get("pattern")), _text(update.get("pattern"))
    if before != after:
        kind = "ADDED" if before is None else "REMOVED" if after is None else "CHANGED"
        walker.add(f"PATTERN_{kind}", path)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


_BOUNDS = (
    ("maximum", "MAXIMUM"),
    ("minimum", "MINIMUM"),
    ("exclusiveMaximum", "EXCLUSIVE_MAXIMUM"),
    ("exclusiveMinimum", "EXCLUSIVE_MINIMUM"),
)


def _number(
    walker: Walker,
    original: dict[str, Any],
    update: dict[str, Any],
    kinds: tuple[str, str],
    path: str,
) -> None:
    if kinds[0] != kinds[1]:
        walker.add("TYPE_EXTENDED" if kinds[0] == "integer" else "TYPE_NARROWED", path)
    before, after = _bounds(original), _bounds(update)
    for keyword, prefix in _BOUNDS:
        limit(walker, prefix, before.get(keyword), after.get(keyword), path)
    _multiple_of(walker, number(original.get("multipleOf")), number(update.get("multipleOf")), path)


def _bounds(value: dict[str, Any]) -> dict[str, Any]:
    """Read bounds in Draft 6+ form: Draft 4's `exclusiveMaximum: true` moves `maximum` over."""
    bounds = {keyword: value.get(keyword) for keyword, _ in _BOUNDS}
    for side in ("Maximum", "Minimum"):
        flag = bounds[f"exclusive{side}"]
        if isinstance(flag, bool):
            bounds[f"exclusive{side}"] = bounds[side.lower()] if flag else None
            if flag:
                bounds[side.lower()] = None
    return bounds


def _multiple_of(walker: Walker, before: Any, after: Any, path: str) -> None:
    old = before if before is not None and before > 0 else None
    new = after if after is not None and after > 0 else None
    if old == new:
        return
    if old is None or new is None:
        walker.add("MULTIPLE_OF_ADDED" if old is None else "MULTIPLE_OF_REMOVED", path)
    elif (old / new).denominator == 1:  # every old multiple is still one: 10 -> 5
        walker.add("MULTIPLE_OF_REDUCED", path)
    elif (new / old).denominator == 1:  # 5 -> 10 refuses 5, 15, ...
        walker.add("MULTIPLE_OF_EXPANDED", path)
    else:
        walker.add("MULTIPLE_OF_CHANGED", path)


def _array(walker: Walker, original: Node, update: Node, path: str) -> None:
    before, after = as_dict(original), as_dict(update)
    extra = "items" if isinstance(after.get("prefixItems"), list) else "additionalItems"
    openness(
        walker, _pair(original, update, additional_items), "ADDITIONAL_ITEMS", join(path, extra)
    )
    unevaluated = _pair(original, update, lambda v: v.get("unevaluatedItems"))
    openness(walker, unevaluated, "UNEVALUATED_ITEMS", join(path, "unevaluatedItems"))
    objects.tuple_items(walker, original, update, path)
    walker.compare(*_present(original, update, _all_items), join(path, "items"))
    walker.compare(*_present(original, update, lambda v: v.get("contains")), join(path, "contains"))
    for keyword, prefix in (("maxItems", "MAX_ITEMS"), ("minItems", "MIN_ITEMS")):
        limit(walker, prefix, before.get(keyword), after.get(keyword), path)
    for keyword, prefix in (("maxContains", "MAX_CONTAINS"), ("minContains", "MIN_CONTAINS")):
        limit(walker, prefix, before.get(keyword), after.get(keyword), path)
    unique = (before.get("uniqueItems") is True, after.get("uniqueItems") is True)
    if unique[0] != unique[1]:
        walker.add("UNIQUE_ITEMS_ADDED" if unique[1] else "UNIQUE_ITEMS_REMOVED", path)


def _all_items(value: dict[str, Any]) -> Any:
    """Return the one schema every item must match (`items` that is neither a tuple nor a tail)."""
    items = value.get("items")
    if isinstance(items, list) or isinstance(value.get("prefixItems"), list):
        return None
    return items


def _pair(original: Node, update: Node, read: Any) -> tuple[Node, Node]:
    return Node(read(as_dict(original)), original.doc), Node(read(as_dict(update)), update.doc)


def _present(original: Node, update: Node, read: Any) -> tuple[Node | None, Node | None]:
    """Read one subschema from each side; a side that lacks it is None (SCHEMA_ADDED/REMOVED)."""
    old, new = _pair(original, update, read)
    return (old if old.value is not None else None), (new if new.value is not None else None)
