"""Compare object and tuple members against the content model of the other side.

A property (or tuple item) that appears or disappears is judged by how open the *other* schema
is: when one is added, the original's model says whether old writers could already send it; when
one is removed, the update's model says whether new readers still accept it. Open, partially open
(a pattern, an `additionalProperties` schema, ...) and closed models give the kinds Confluent names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .confluent_schema import Node, additional_items, as_dict, deref, join, kind_of, partial_schema

if TYPE_CHECKING:
    from .confluent_diff import Walker

__all__ = ["compare", "tuple_items"]


def compare(walker: Walker, original: Node, update: Node, path: str) -> None:
    """Run Confluent's member rules: dependencies, properties, then `required`."""
    _dependencies(walker, original, update, path)
    _properties(walker, original, update, path)
    _required(walker, original, update, path)


def _properties(walker: Walker, original: Node, update: Node, path: str) -> None:
    before, after = _declared(original), _declared(update)
    required = _names(as_dict(update).get("required"))
    for name in {**before, **after}:
        where = join(path, f"properties/{name}")
        old = Node(before[name], original.doc) if name in before else None
        new = Node(after[name], update.doc) if name in after else None
        if old is not None and new is not None:
            walker.compare(old, new, where)
        elif old is not None:
            _property_removed(walker, update, old, name, where)
        elif new is not None:
            _property_added(walker, original, new, (name, name in required), where)


def _property_removed(walker: Walker, update: Node, old: Node, name: str, where: str) -> None:
    _member_removed(walker, update, old, (name, False), where)


def _member_removed(
    walker: Walker, update: Node, old: Node, member: tuple[str, bool], where: str
) -> None:
    """Judge a removed property (`member` = (name, False)) or tuple item (("", True)).

    Both follow one rule: what the update's content model says about the removed member.
    """
    name, items = member
    noun = "ITEM" if items else "PROPERTY"
    if is_open(as_dict(update), items=items):
        walker.add(f"{noun}_REMOVED_FROM_OPEN_CONTENT_MODEL", where)
        return
    partial = partial_schema(as_dict(update), name, items=items)
    if partial is not None:
        covered = _covers(walker, old, Node(partial, update.doc), where)
        walker.add(f"{noun}_REMOVED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)
    elif kind_of(deref(old, where)) == "false":
        walker.add(f"{noun}_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", where)
    else:
        walker.add(f"{noun}_REMOVED_FROM_CLOSED_CONTENT_MODEL", where)


def _property_added(
    walker: Walker, original: Node, new: Node, named: tuple[str, bool], where: str
) -> None:
    name, required = named
    resolved = deref(new, where)
    with_default = "_WITH_DEFAULT" if "default" in as_dict(resolved) else ""
    if is_open(as_dict(original), items=False):
        if kind_of(resolved) in ("true", "empty"):
            walker.add("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", where)
        elif required:
            walker.add(f"REQUIRED_PROPERTY{with_default}_ADDED_TO_OPEN_CONTENT_MODEL", where)
        else:
            walker.add("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", where)
        return
    partial = partial_schema(as_dict(original), name, items=False)
    if partial is not None:
        covered = _covers(walker, Node(partial, original.doc), new, where)
        walker.add(f"PROPERTY_ADDED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)
    elif required:
        walker.add(f"REQUIRED_PROPERTY{with_default}_ADDED_TO_UNOPEN_CONTENT_MODEL", where)
    else:
        walker.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", where)


def _required(walker: Walker, original: Node, update: Node, path: str) -> None:
    """Compare `required` only for names both sides declare (additions are judged above)."""
    before, after = _declared(original), _declared(update)
    was = _names(as_dict(original).get("required"))
    now = _names(as_dict(update).get("required"))
    for name in before:
        if name not in after or (name in was) == (name in now):
            continue
        where = join(path, f"required/{name}")
        if name in was:
            walker.add("REQUIRED_ATTRIBUTE_REMOVED", where)
        elif "default" in as_dict(deref(Node(after[name], update.doc), where)):
            walker.add("REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", where)
        else:
            walker.add("REQUIRED_ATTRIBUTE_ADDED", where)


def _dependencies(walker: Walker, original: Node, update: Node, path: str) -> None:
    (old_arrays, old_schemas), (new_arrays, new_schemas) = _split(original), _split(update)
    for name in {**old_arrays, **new_arrays}:
        kind = _dependency_array(old_arrays.get(name), new_arrays.get(name))
        if kind:
            walker.add(f"DEPENDENCY_ARRAY_{kind}", join(path, f"dependencies/{name}"))
    for name in {**old_schemas, **new_schemas}:
        where = join(path, f"dependencies/{name}")
        if name not in old_schemas or name not in new_schemas:
            walker.add(f"DEPENDENCY_SCHEMA_{'ADDED' if name in new_schemas else 'REMOVED'}", where)
        else:
            old, new = old_schemas[name], new_schemas[name]
            walker.compare(Node(old, original.doc), Node(new, update.doc), where)


def _dependency_array(old: frozenset[str] | None, new: frozenset[str] | None) -> str:
    if old == new:
        return ""
    if old is None or new is None:
        return "ADDED" if old is None else "REMOVED"
    if new > old:  # more names must come along: old data may lack them
        return "EXTENDED"
    return "NARROWED" if new < old else "CHANGED"


def _split(node: Node) -> tuple[dict[str, frozenset[str]], dict[str, Any]]:
    """Sort `dependencies` (Draft 4-7) and `dependentRequired`/`dependentSchemas` into two maps."""
    value = as_dict(node)
    arrays: dict[str, frozenset[str]] = {}
    schemas: dict[str, Any] = {}
    for keyword in ("dependencies", "dependentRequired", "dependentSchemas"):
        entries = value.get(keyword)
        for name, entry in (entries if isinstance(entries, dict) else {}).items():
            if isinstance(entry, list) and keyword != "dependentSchemas":
                arrays[name] = _names(entry)
            elif isinstance(entry, dict | bool) and keyword != "dependentRequired":
                schemas[name] = entry
    return arrays, schemas


def tuple_items(walker: Walker, original: Node, update: Node, path: str) -> None:
    """Compare positional items; an item past the other side's tuple meets its content model."""
    before, after = _tuple(as_dict(original)), _tuple(as_dict(update))
    keyword = "prefixItems" if isinstance(as_dict(update).get("prefixItems"), list) else "items"
    for index in range(max(len(before), len(after))):
        where = join(path, f"{keyword}/{index}")
        if index < len(before) and index < len(after):
            walker.compare(Node(before[index], original.doc), Node(after[index], update.doc), where)
        elif index < len(after):
            _item_added(walker, original, Node(after[index], update.doc), where)
        else:
            _item_removed(walker, update, Node(before[index], original.doc), where)


def _item_added(walker: Walker, original: Node, new: Node, where: str) -> None:
    if is_open(as_dict(original), items=True):
        empty = kind_of(deref(new, where)) in ("true", "empty")
        walker.add(
            f"ITEM{'_WITH_EMPTY_SCHEMA' if empty else ''}_ADDED_TO_OPEN_CONTENT_MODEL", where
        )
        return
    partial = partial_schema(as_dict(original), "", items=True)
    if partial is None:
        walker.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", where)
    else:
        covered = _covers(walker, Node(partial, original.doc), new, where)
        walker.add(f"ITEM_ADDED_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", where)


def _item_removed(walker: Walker, update: Node, old: Node, where: str) -> None:
    _member_removed(walker, update, old, ("", True), where)


def is_open(value: dict[str, Any], items: bool) -> bool:
    """Say whether a schema accepts any extra member: no pattern, no tail schema, no `false`."""
    if items:
        tail, unevaluated = additional_items(value), value.get("unevaluatedItems")
    else:
        tail, unevaluated = value.get("additionalProperties"), value.get("unevaluatedProperties")
        if value.get("patternProperties"):
            return False
    return (tail is None or tail is True) and (unevaluated is None or unevaluated is True)


def _covers(walker: Walker, older: Node, newer: Node, where: str) -> str:
    """Return IS_COVERED when every value of `older` fits `newer` under the policy, else NOT_."""
    with walker.scratch() as ctx:
        walker.compare(older, newer, where)
    return "IS_COVERED" if walker.fits(ctx) else "NOT_COVERED"


def _tuple(value: dict[str, Any]) -> list[Any]:
    for keyword in ("prefixItems", "items"):
        if isinstance(value.get(keyword), list):
            return list(value[keyword])
    return []


def _declared(node: Node) -> dict[str, Any]:
    declared = as_dict(node).get("properties")
    return declared if isinstance(declared, dict) else {}


def _names(value: Any) -> frozenset[str]:
    return (
        frozenset(n for n in value if isinstance(n, str))
        if isinstance(value, list)
        else frozenset()
    )
