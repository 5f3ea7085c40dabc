"""Answer Confluent's Schema Registry REST API from a `SubjectStore`: the Confluent dialect.

Pure request-in, (status, JSON)-out, like `routes.py`; `handler.py` owns sockets and sends
every answer as `application/vnd.schemaregistry.v1+json`. Errors are Confluent's
`{"error_code": int, "message": str}` with its codes (40401 subject, 40402 version, 40403
schema not found, 42201 invalid schema, 42202 invalid version, 42203 invalid level, 409
incompatible). Reads live here; registration, compatibility, deletes and config writes in
`confluent_writes.py`. JSON Schema only: that is what this project checks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from . import confluent_writes as w
from .compat import Compatibility
from .confluent_http import (
    Call,
    Handler,
    effective_level,
    fail,
    flag,
    one_version,
    subject_versions,
)
from .confluent_ids import MAX_ID
from .confluent_schema import SubjectVersion
from .confluent_store import SubjectStore
from .disk import whole_number
from .routes import Request

__all__ = ["route_confluent"]


_MAX_PAGE = 2**31 - 1

# -- reads ---------------------------------------------------------------------------------------


def _page(items: list[Any], query: dict[str, str]) -> list[Any]:
    """Apply `offset` and `limit` when they are plain numbers (limit -1 or absent: all)."""
    offset = whole_number(query.get("offset", ""), _MAX_PAGE) or 0
    limit = whole_number(query.get("limit", ""), _MAX_PAGE) or 0
    return items[offset : offset + limit] if limit > 0 else items[offset:]


def _subjects(store: SubjectStore, call: Call) -> tuple[int, Any]:
    prefix = call.query.get("subjectPrefix", "")
    prefix = "" if prefix == ":*:" else prefix  # Confluent's "any context" default
    if flag(call.query, "deleted_only"):
        live = set(store.subjects())
        names = [s for s in store.subjects(deleted=True) if s not in live]
    else:
        names = store.subjects(deleted=flag(call.query, "deleted"))
    return 200, _page([s for s in names if s.startswith(prefix)], call.query)


def _versions(store: SubjectStore, call: Call) -> tuple[int, Any]:
    (subject,) = call.args
    deleted_only = flag(call.query, "deleted_only")
    versions = subject_versions(store, subject, flag(call.query, "deleted") or deleted_only)
    numbers = [v.version for v in versions if v.deleted or not deleted_only]
    return 200, _page(numbers, call.query)


def _version(store: SubjectStore, call: Call) -> tuple[int, Any]:
    subject, version = call.args
    return 200, one_version(store, subject, version, flag(call.query, "deleted")).response()


def _latest_with_metadata(store: SubjectStore, call: Call) -> tuple[int, Any]:
    """Answer the latest version whose `metadata.properties` hold every `key`=`value` given.

    Keys and values pair up in order, extra ones ignored, as in Confluent; a version without
    properties never matches. 40401 for a subject without versions, 40403 when none matches.
    """
    (subject,) = call.args
    keys = [value for name, value in call.request.pairs if name == "key"]
    values = [value for name, value in call.request.pairs if name == "value"]
    wanted = dict(zip(keys, values, strict=False))
    versions = store.versions(subject, deleted=flag(call.query, "deleted"))
    for version in reversed(versions):
        properties = (version.metadata or {}).get("properties")
        if properties is not None and wanted.items() <= properties.items():
            return 200, version.response()
    if not versions:
        raise fail(404, 40401, f"Subject '{subject}' not found.")
    raise fail(404, 40403, "Schema not found")


def _raw_schema(store: SubjectStore, call: Call) -> tuple[int, Any]:
    subject, version = call.args
    return 200, one_version(store, subject, version, flag(call.query, "deleted")).schema


def _referenced_by(store: SubjectStore, call: Call) -> tuple[int, Any]:
    subject, version = call.args
    found = one_version(store, subject, version, deleted=True)
    referrers = store.referrers(found.subject, found.version)
    # Soft-deleted referrers too: they still block deleting this version (42206), as in Confluent.
    return 200, _page(sorted({v.id for v in referrers}), call.query)


def _with_id(store: SubjectStore, text: str) -> list[SubjectVersion]:
    schema_id = whole_number(text, MAX_ID)
    found = store.with_id(schema_id) if schema_id is not None else []
    if not found:
        raise fail(404, 40403, f"Schema {text:.40} not found")
    return found


def _schema_answer(version: SubjectVersion) -> dict[str, Any]:
    return {
        "schema": version.text,
        "schemaType": "JSON",
        "references": [r.to_json() for r in version.references],
        "guid": version.guid,
        **version.contract(),  # one id, one schema: every version holding it has the same
    }


def _by_id(store: SubjectStore, call: Call) -> tuple[int, Any]:
    return 200, _schema_answer(_with_id(store, call.args[0])[0])


def _raw_by_id(store: SubjectStore, call: Call) -> tuple[int, Any]:
    return 200, _with_id(store, call.args[0])[0].schema


def _id_versions(store: SubjectStore, call: Call) -> tuple[int, Any]:
    found = _with_id(store, call.args[0])
    deleted, only = flag(call.query, "deleted"), call.query.get("subject")
    pairs = [
        {"subject": v.subject, "version": v.version}
        for v in found
        if (deleted or not v.deleted) and (only is None or v.subject == only)
    ]
    return 200, _page(pairs, call.query)


def _id_subjects(store: SubjectStore, call: Call) -> tuple[int, Any]:
    found = _with_id(store, call.args[0])
    deleted, only = flag(call.query, "deleted"), call.query.get("subject")
    names = {v.subject for v in found if deleted or not v.deleted}
    return 200, _page(sorted(n for n in names if only is None or n == only), call.query)


def _by_guid(store: SubjectStore, call: Call) -> tuple[int, Any]:
    found = store.with_guid(call.args[0])
    if not found:
        raise fail(404, 40403, f"Schema {call.args[0]:.40} not found")
    return 200, {**_schema_answer(found[0]), "id": found[0].id}


def _global_config(store: SubjectStore, call: Call) -> tuple[int, Any]:
    return 200, {"compatibilityLevel": effective_level(store, None, call.compatibility)}


def _subject_config(store: SubjectStore, call: Call) -> tuple[int, Any]:
    (subject,) = call.args
    own = store.level(subject)
    if own is None and not flag(call.query, "defaultToGlobal"):
        raise fail(
            404,
            40408,
            f"Subject '{subject}' does not have subject-level compatibility configured",
        )
    return 200, {"compatibilityLevel": own or effective_level(store, None, call.compatibility)}


def _constant(value: Any) -> Handler:
    return lambda store, call: (200, value)


def _associations(store: SubjectStore, call: Call) -> tuple[int, Any]:
    # 404 is what confluent-kafka's serializers read as "no association": they fall back to
    # their subject name strategy ({topic}-value by default).
    raise fail(404, 40401, "associations are not kept by this registry")


# -- dispatch ------------------------------------------------------------------------------------


def _routes() -> list[tuple[tuple[str, ...], dict[str, Handler]]]:
    """Return (path pattern, handler by method); `*` is one variable segment."""
    return [
        ((), {"GET": _constant({})}),
        (("health",), {"GET": _constant({"status": "ok"})}),
        (("subjects",), {"GET": _subjects}),
        (("subjects", "*"), {"POST": w.lookup, "DELETE": w.delete_subject}),
        (("subjects", "*", "versions"), {"GET": _versions, "POST": w.register}),
        (("subjects", "*", "metadata"), {"GET": _latest_with_metadata}),
        (("subjects", "*", "versions", "*"), {"GET": _version, "DELETE": w.delete_version}),
        (("subjects", "*", "versions", "*", "schema"), {"GET": _raw_schema}),
        (("subjects", "*", "versions", "*", "referencedby"), {"GET": _referenced_by}),
        (("schemas", "ids", "*"), {"GET": _by_id}),
        (("schemas", "ids", "*", "schema"), {"GET": _raw_by_id}),
        (("schemas", "ids", "*", "versions"), {"GET": _id_versions}),
        (("schemas", "ids", "*", "subjects"), {"GET": _id_subjects}),
        (("schemas", "guids", "*"), {"GET": _by_guid}),
        (("schemas", "types"), {"GET": _constant(["JSON"])}),
        (("config",), {"GET": _global_config, "PUT": w.put_config, "DELETE": w.delete_config}),
        (("config", "*"), {"GET": _subject_config, "PUT": w.put_config, "DELETE": w.delete_config}),
        (("compatibility", "subjects", "*", "versions"), {"POST": w.check_all}),
        (("compatibility", "subjects", "*", "versions", "*"), {"POST": w.check_version}),
        (("mode",), {"GET": _constant({"mode": "READWRITE"})}),
        (("mode", "*"), {"GET": _constant({"mode": "READWRITE"})}),
        (("contexts",), {"GET": _constant(["."])}),
    ]


def route_confluent(
    store: SubjectStore, request: Request, compatibility: Compatibility
) -> tuple[int, Any]:
    """Dispatch on (method, decoded path segments); return (status, JSON body).

    `request.authorized` is False only when credentials are configured and none matched.
    """
    if not request.authorized:
        raise fail(401, 401, "Unauthorized")
    if request.path is None:
        raise fail(404, 404, "HTTP 404 Not Found")
    segments = (
        [unquote(s) for s in request.path.strip("/").split("/")] if request.path.strip("/") else []
    )
    if segments[:1] == ["associations"]:
        return _associations(store, Call((), request, compatibility))
    matched = False
    for pattern, methods in _ROUTES:
        if len(pattern) == len(segments) and all(
            p in ("*", s) for p, s in zip(pattern, segments, strict=True)
        ):
            matched = True
            handler = methods.get(request.method)
            if handler is not None:
                store.refresh()
                args = tuple(s for p, s in zip(pattern, segments, strict=True) if p == "*")
                return handler(store, Call(args, request, compatibility))
    if matched:
        raise fail(405, 405, "HTTP 405 Method Not Allowed")
    raise fail(404, 404, "HTTP 404 Not Found")


_ROUTES = _routes()
