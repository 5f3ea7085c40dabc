"""Record the registry client's HTTP traffic to a vcrpy cassette, and replay it offline.

vcrpy's usual way in is to patch httpx globally, which would also record, replay or block the
user's own HTTP calls (and fight pytest-recording, respx or pytest-httpx). Here the cassette is
wired into one place only: an httpx transport given to the registry client. The file format and
the machinery (loading with vcrpy's safe YAML loader, matching, playback counts, re-recording)
are vcrpy's own; this module is the only one that imports it.

* Matching ignores scheme, host and port (a registry on a random port replays later): method,
  path and query must agree.
* Credentials never reach the file: `Authorization`, cookies and API-key headers are dropped,
  token query parameters masked, and any known secret is masked in response bodies too.
* `record` goes live for every request and merges into the file: matching interactions are
  replaced, new ones appended, others kept; `rerecord` keeps only what this run recorded.
  Saving takes a file lock, merges with what other xdist workers saved in the same run, and
  replaces the file atomically.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from filelock import FileLock
from vcr.cassette import Cassette
from vcr.matchers import requests_match
from vcr.persisters.filesystem import (
    CassetteDecodeError,
    CassetteNotFoundError,
    FilesystemPersister,
)
from vcr.record_mode import RecordMode
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from .._core.bodies import UndecodableBodyError, read_answer
from .._core.config import DEFAULT_MAX_RESPONSE_BYTES
from .._core.errors import CassetteError, CassetteMissError
from .._core.files import private_path_for, write_text_atomically
from .._core.responses import whole_response
from .._core.secrets import REDACTED, SECRET_HEADERS, redact_text, redact_url

__all__ = ["RegistryCassette"]

# What the cassette does this run: play recordings back, add to them, or record afresh.
CassetteUse = Literal["replay", "record", "rerecord"]
_URL_KEY = "registry_url"
# Headers that change on every answer of an unchanged registry: kept, they would turn each
# re-recording into a diff to review.
_VOLATILE_HEADERS = frozenset(
    {
        "date",
        "age",
        "server",
        "via",
        "expires",
        "x-request-id",
        "request-id",
        "x-correlation-id",
        "x-runtime",
        "x-response-time",
        "cf-ray",
        "x-amz-cf-id",
        "x-amzn-requestid",
        "x-amzn-trace-id",
    }
)


# vcrpy matchers signal a mismatch by raising AssertionError; a bare `assert` would vanish under
# `python -O` and make every request match every recording.


def _path(r1: VcrRequest, r2: VcrRequest) -> None:
    if r1.path != r2.path:
        raise AssertionError(f"{r1.path} != {r2.path}")


def _query(r1: VcrRequest, r2: VcrRequest) -> None:
    if sorted(r1.query) != sorted(r2.query):
        raise AssertionError(f"{sorted(r1.query)} != {sorted(r2.query)}")


def _method(r1: VcrRequest, r2: VcrRequest) -> None:
    if r1.method != r2.method:
        raise AssertionError(f"{r1.method} != {r2.method}")


_MATCH_ON = (_method, _path, _query)


class RegistryCassette:
    """One cassette file of registry traffic, opened for replay or for recording."""

    def __init__(
        self,
        path: Path,
        use: CassetteUse,
        *,
        secrets: tuple[str | None, ...] = (),
        run_id: str | None = None,
        record_command: str = "pytest --registry-mode=record --registry-url URL",
    ) -> None:
        self.path = path
        self.use = use
        self.run_id = run_id or uuid.uuid4().hex
        self._secrets = tuple(s for s in secrets if s)
        self.record_command = record_command  # said when replay misses; the session sets it
        self._recorded: list[tuple[VcrRequest, dict[str, Any]]] = []
        self._base_url: str | None = None
        _, self._metadata = _read(path)
        self._replay = (
            Cassette.load(
                path=str(path),
                record_mode=RecordMode.NONE,
                match_on=_MATCH_ON,
                allow_playback_repeats=True,
            )
            if use == "replay"
            else None
        )

    @property
    def recorded_url(self) -> str | None:
        """Return the (credential-free) registry URL the cassette was recorded against."""
        url = self._metadata.get(_URL_KEY)
        return url if isinstance(url, str) else None

    def transport(self, base_url: str) -> httpx.AsyncBaseTransport:
        """Return the transport for the registry client: replaying, or recording live traffic."""
        if self.use == "replay":
            return _CassetteTransport(self, inner=None)
        self._base_url = redact_url(base_url)
        return _CassetteTransport(self, inner=httpx.AsyncHTTPTransport())

    def unused(self) -> list[str]:
        """Return the recorded requests this run never replayed, as `METHOD path?query`."""
        if self._replay is None:
            return []
        played = self._replay.play_counts
        return sorted(_label(r) for i, r in enumerate(self._replay.requests) if not played[i])

    def recorded(self) -> list[str]:
        """Return the requests this run recorded, as `METHOD path?query`."""
        return sorted(_label(request) for request, _ in self._recorded)

    def save(self, *, partial: bool = False) -> int:
        """Merge this run's recordings into the file, under a lock; return interactions saved.

        `record` keeps what the file had and replaces what this run re-recorded; `rerecord`
        keeps only this run's recordings (every xdist worker's, recognised by the run id),
        except on a `partial` run, which cannot tell which recordings the other tests need: it
        keeps them, like `record`. Interactions are sorted and volatile headers dropped, so
        re-recording an unchanged registry leaves the file byte-identical.
        """
        if self.use == "replay" or not self._recorded:
            return 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        marker = private_path_for(self.path, ".run")
        with FileLock(private_path_for(self.path, ".lock")):
            on_disk, _ = _read(self.path)
            same_run = _read_marker(marker) == self.run_id
            kept = on_disk if (self.use == "record" or partial or same_run) else []
            final = [
                (request, response)
                for request, response in kept
                if not any(_matches(request, mine) for mine, _ in self._recorded)
            ] + self._recorded
            final.sort(key=lambda pair: _label(pair[0]))
            _write(self.path, final, {_URL_KEY: self._base_url})
            marker.write_text(self.run_id, encoding="utf-8")
        return len(final)

    # -- the wire ---------------------------------------------------------------------------

    def play_or_miss(self, request: VcrRequest) -> dict[str, Any] | None:
        """Return the recorded response for `request`, or None when it must go live."""
        if self._replay is None:
            return None
        if self._replay.can_play_response_for(request):
            response: dict[str, Any] = self._replay.play_response(request)
            return response
        raise CassetteMissError(
            f"{_label(request)} is not recorded in {self.path}; record it with: "
            f"{self.record_command}"
        )

    def record(self, request: VcrRequest, response: dict[str, Any]) -> None:
        """Keep a live interaction, scrubbed of credentials, replacing any earlier match."""
        request, response = self._scrub_request(request), self._scrub_response(response)
        self._recorded = [(r, s) for r, s in self._recorded if not _matches(r, request)]
        self._recorded.append((request, response))

    def _scrub_request(self, request: VcrRequest) -> VcrRequest:
        for header in list(request.headers):
            # Secrets never; the user agent names the httpx version, so an upgrade is no diff.
            if header.lower() in SECRET_HEADERS or header.lower() == "user-agent":
                del request.headers[header]
        request.uri = redact_url(request.uri)
        return request

    def _scrub_response(self, response: dict[str, Any]) -> dict[str, Any]:
        response["headers"] = {
            name: [redact_text(v, *self._secrets) for v in values]
            for name, values in response["headers"].items()
            if name.lower() not in SECRET_HEADERS and name.lower() not in _VOLATILE_HEADERS
        }
        body: bytes = response["body"]["string"]
        for secret in self._secrets:
            body = body.replace(secret.encode(), REDACTED.encode())
        response["body"]["string"] = body
        return response


def _read_marker(marker: Path) -> str | None:
    """Return the run id that last saved the cassette, if this machine saw it."""
    try:
        return marker.read_text(encoding="utf-8")
    except OSError:
        return None


def _read(path: Path) -> tuple[list[tuple[VcrRequest, dict[str, Any]]], dict[str, Any]]:
    """Load a cassette file with vcrpy's safe loader; a missing file is an empty cassette."""
    try:
        requests, responses, *metadata = FilesystemPersister.load_cassette(
            str(path), serializer=yamlserializer
        )
    except CassetteNotFoundError:
        return [], {}
    except (CassetteDecodeError, ValueError) as exc:
        raise CassetteError(f"cassette {path} cannot be read: {exc}") from None
    return list(zip(requests, responses, strict=True)), (metadata[0] if metadata else {})


def _write(
    path: Path, interactions: list[tuple[VcrRequest, dict[str, Any]]], metadata: dict[str, Any]
) -> None:
    """Serialize in vcrpy's format and replace the file atomically."""
    text = serialize(
        {
            "requests": [request for request, _ in interactions],
            "responses": [response for _, response in interactions],
            "metadata": metadata,
        },
        yamlserializer,
    )
    write_text_atomically(path, text)


class _CassetteTransport(httpx.AsyncBaseTransport):
    """Serve the registry client from the cassette; pass misses to `inner` when recording."""

    def __init__(self, cassette: RegistryCassette, inner: httpx.AsyncBaseTransport | None):
        self._cassette = cassette
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        # Scrubbed before vcrpy sees it: vcrpy logs every request it is handed, URL and all.
        url = redact_url(str(request.url))
        vcr_request = VcrRequest(request.method, url, body, dict(request.headers))
        recorded = self._cassette.play_or_miss(vcr_request)
        if recorded is not None:
            return _to_httpx(recorded, request)
        if self._inner is None:  # unreachable: in replay mode play_or_miss raised already
            raise CassetteMissError(f"{request.method} {request.url.path} is not recorded")
        live = await self._inner.handle_async_request(request)
        try:  # recorded whole, so read under the same cap as the client's default
            content = await read_answer(live, DEFAULT_MAX_RESPONSE_BYTES)
        except UndecodableBodyError as exc:
            raise httpx.DecodingError(str(exc), request=request) from None
        finally:
            await live.aclose()
        if content is None:
            limit = f"{DEFAULT_MAX_RESPONSE_BYTES:,}"
            raise httpx.DecodingError(f"answer over the {limit} byte limit", request=request)
        self._cassette.record(vcr_request, _serialize(live, content))
        return whole_response(live, content, request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


def _serialize(response: httpx.Response, content: bytes) -> dict[str, Any]:
    """Write a response the way vcrpy's own httpx stubs do, so the files are theirs too."""
    headers: dict[str, list[str]] = defaultdict(list)
    for name, value in response.headers.multi_items():
        if name.lower() not in ("content-encoding", "transfer-encoding"):  # content is decoded
            headers[name].append(value)
    return {
        "status": {"code": response.status_code, "message": response.reason_phrase},
        "headers": dict(headers),
        "body": {"string": content},
    }


def _to_httpx(recorded: dict[str, Any], request: httpx.Request) -> httpx.Response:
    message = recorded["status"].get("message")
    headers = [(name, value) for name, values in recorded["headers"].items() for value in values]
    return httpx.Response(
        recorded["status"]["code"],
        headers=headers,
        content=recorded["body"]["string"],
        request=request,
        extensions={"reason_phrase": message.encode()} if message else {},
    )


def _label(request: VcrRequest) -> str:
    query = f"?{urlencode(sorted(request.query))}" if request.query else ""
    return f"{request.method} {request.path}{query}"


def _matches(a: VcrRequest, b: VcrRequest) -> bool:
    """Say whether two requests are one recording's: replay's own matchers decide."""
    return bool(requests_match(a, b, _MATCH_ON))
