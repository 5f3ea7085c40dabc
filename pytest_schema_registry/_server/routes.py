"""Answer the seed registry's API from a `SchemaFolder`: the embedded server's routes.

Pure request-in, JSON-out functions; `server.py` owns sockets, threads, faults and counting.
Errors are FastAPI-style `{"detail": ...}` bodies, as the real service answers; a refused
upload's 409 also carries the compatibility report (`breaking_reasons`, `advice`, `x_compat`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from .._core.errors import ConfigError, SchemaCompileError, UploadConflictError
from .compat import Compatibility, compare, refusal
from .disk import parse_json
from .folder import SchemaFolder, StoredSchema

__all__ = ["HTTPError", "Request", "route"]


class HTTPError(Exception):
    """Carry an HTTP answer out of a route handler: `raise HTTPError(404, "...")`.

    `extra` holds more keys for the `{"detail": ...}` body.
    """

    def __init__(self, status: int, detail: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON body to answer with."""
        return {"detail": self.detail, **self.extra}


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the routes see it: path relative to the base path, token already checked."""

    method: str
    path: str | None  # None: outside the base path
    query: dict[str, str]  # the last value of each parameter
    authorized: bool
    body: bytes
    pairs: tuple[tuple[str, str], ...] = ()  # every parameter in order, repeated ones too

    def json(self) -> Any:
        """Decode the body as JSON, or answer 400 saying why (bad syntax, nested too deep)."""
        try:
            return parse_json(self.body or b"null", "request body")
        except ValueError as exc:
            raise HTTPError(400, str(exc)) from None


def route(
    folder: SchemaFolder,
    request: Request,
    *,
    admin_open: bool,
    reads_need_token: bool = False,
    compatibility: Compatibility | None = None,
) -> tuple[int, Any]:
    """Dispatch on (method, decoded path segments); return (status, JSON body).

    With `reads_need_token`, every read but `/health` wants the bearer token too, as a locked-down
    registry does, so a wrong `--registry-token` fails locally the way it fails for real.
    `compatibility` bounds `/compat/check` and says what uploads must keep (default: nothing).
    """
    compatibility = compatibility or Compatibility()
    if request.path is None:
        raise HTTPError(404, "Not Found")
    segments = [unquote(s) for s in request.path.strip("/").split("/")]
    if request.method == "GET":
        if reads_need_token and segments != ["health"] and not request.authorized:
            raise HTTPError(401, "missing or wrong bearer token")
        folder.refresh()
        if segments == ["compat", "check"]:
            return 200, _compat_check(folder, request.query, compatibility)
        return _get(folder, segments, request.query)
    if segments == ["admin", "schemas"]:
        if not admin_open:
            raise HTTPError(403, "admin API is closed: start the server with a token (--token)")
        if not request.authorized:
            raise HTTPError(401, "missing or wrong bearer token")
        return _upload(folder, request.json(), compatibility)
    if segments == ["admin", "sync"]:
        raise HTTPError(501, "sync is not supported by the embedded registry; write files instead")
    raise HTTPError(405 if _is_get_route(segments) else 404, "Not Found")


def _is_get_route(segments: list[str]) -> bool:
    return segments[0] in ("index", "health", "schemas", "compat")


def _get(folder: SchemaFolder, segments: list[str], query: dict[str, str]) -> tuple[int, Any]:
    """Answer the read API."""
    match segments:
        case ["index"]:
            return 200, _index(folder)
        case ["health"]:
            return 200, {"status": "ok", "schemas": len(folder), "tracks": folder.tracks()}
        case ["schemas", "by-id", schema_id]:
            return 200, _by_id(folder, schema_id, query).response()
        case ["schemas", track, name]:
            return 200, _lookup(folder, name, track, query.get("version")).response()
        case ["schemas", track, name, "versions"]:
            versions = folder.versions(name, track=track)
            if not versions:
                raise HTTPError(404, f"schema {name!r} not found on track {track!r}")
            return 200, [v.version_info() for v in versions]
    raise HTTPError(404, "Not Found")


def _index(folder: SchemaFolder) -> dict[str, Any]:
    tracks: dict[str, Any] = {}
    for track in folder.tracks():
        items = []
        for name in folder.names(track):
            latest = folder.versions(name, track=track)[-1]
            items.append(
                {
                    "name": name,
                    "$schema_id": latest.schema_id,
                    "sha256": latest.sha256,
                    "latest_core_version": latest.version,
                    "deprecated": latest.deprecated,
                }
            )
        tracks[track] = {"count": len(items), "schemas": items}
    return {"tracks": tracks, "generated_at": datetime.now(UTC).isoformat()}


def _lookup(folder: SchemaFolder, name: str, track: str, version: str | None) -> StoredSchema:
    found = folder.get(name, track=track, version=version)
    if found is None:
        which = f" version {version!r}" if version is not None else ""
        raise HTTPError(404, f"schema {name!r}{which} not found on track {track!r}")
    return found


def _by_id(folder: SchemaFolder, schema_id: str, query: dict[str, str]) -> StoredSchema:
    """Resolve an id; when tracks share it, `?track=` picks one, else the highest track wins."""
    matches = folder.by_id(schema_id, query.get("track"))
    if not matches:
        raise HTTPError(404, f"no schema has $schema_id {schema_id!r}")
    track, name = matches[-1]
    return _lookup(folder, name, track, query.get("version"))


def _compat_check(folder: SchemaFolder, query: dict[str, str], compatibility: Compatibility) -> Any:
    """Answer `/compat/check`, turning what went wrong into the status that says so."""
    try:
        return compare(folder, query, compatibility)
    except LookupError as exc:
        raise HTTPError(404, str(exc)) from None
    except ConfigError as exc:
        raise HTTPError(400, str(exc)) from None
    except SchemaCompileError as exc:
        raise HTTPError(422, f"a stored version cannot be compared: {exc}") from None
    except TimeoutError as exc:
        raise HTTPError(503, str(exc)) from None


def _upload(folder: SchemaFolder, body: Any, compatibility: Compatibility) -> tuple[int, Any]:
    """Store a new version from the seed's upload body; 201 when new, 200 when identical.

    With a compatibility level, a new version that breaks it is refused (409) with the report.
    """
    if not isinstance(body, dict):
        raise HTTPError(422, "expected a JSON object with name, track, core_version and content")
    missing = [k for k in ("name", "track", "core_version", "content") if body.get(k) is None]
    if missing:
        raise HTTPError(422, f"missing field(s): {', '.join(missing)}")
    if not isinstance(body["content"], dict):
        raise HTTPError(422, "content should be a JSON object (a JSON Schema)")
    meta = {
        "schema_id": body.get("schema_id_str"),
        "deprecated": body.get("deprecated", False),
        "deprecation_note": body.get("deprecation_note"),
    }
    deadline = time.monotonic() + compatibility.timeout
    try:
        # Checked and written as one step, so no upload slips between; one budget for both waits.
        with compatibility.uploading(deadline):
            _gate(folder, body, compatibility, deadline)
            stored, created = folder.add(
                body["name"],
                track=body["track"],
                version=body["core_version"],
                content=body["content"],
                meta=meta,
            )
    except UploadConflictError as exc:
        raise HTTPError(409, str(exc)) from None
    except TimeoutError as exc:
        raise HTTPError(503, str(exc)) from None
    except PermissionError as exc:  # the folder will not (or cannot) be written there
        raise HTTPError(403, str(exc)) from None
    except ValueError as exc:
        raise HTTPError(422, str(exc)) from None
    answer = {"status": "created" if created else "unchanged", **stored.response()}
    del answer["content"]
    return (201 if created else 200), answer


def _gate(
    folder: SchemaFolder, body: dict[str, Any], compatibility: Compatibility, deadline: float
) -> None:
    """Refuse (409, with the report) a new version that breaks the server's compatibility level."""
    try:
        refused = refusal(
            folder,
            body["name"],
            body["track"],
            body["core_version"],
            body["content"],
            compatibility,
            deadline,
        )
    except SchemaCompileError as exc:
        raise HTTPError(422, f"the compatibility check cannot use this schema: {exc}") from None
    except TimeoutError as exc:
        raise HTTPError(503, str(exc)) from None
    if refused is not None:
        raise HTTPError(409, refused.pop("detail"), refused)
