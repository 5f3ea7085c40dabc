"""Talk to a schema registry over HTTP: requests out, frozen models or one error tree back.

Every HTTP failure is translated here, at the boundary, into a `SchemaRegistryError` subclass that
carries the schema name, track and a credential-free URL, so no caller ever handles `httpx` errors.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

import anyio
import httpx

from .._core.bodies import ACCEPT_ENCODING, UndecodableBodyError, read_answer
from .._core.config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    check_seconds,
    check_token,
    check_url,
    check_whole,
)
from .._core.errors import (
    ConfigError,
    RegistryAuthError,
    RegistryResponseError,
    RegistryUnavailableError,
    SchemaIntegrityError,
)
from .._core.loops import LoopAffinity
from .._core.models import (
    CompatibilityReport,
    Integrity,
    RegistryIndex,
    SchemaDocument,
    SchemaVersionInfo,
    content_sha256,
)
from .._core.responses import whole_response
from .._core.secrets import redact_text, redact_url, split_credentials
from .http_errors import Call, Secrets, describe, response_error, status_error, unavailable
from .retry import RETRYABLE_STATUS, RetryPolicy

__all__ = ["RegistryClient"]

log = logging.getLogger("pytest_schema_registry.client")

_USER_AGENT = "pytest-schema-registry"


class _AttemptFailedError(Exception):
    """Carry an unavailability error out of one attempt, with whether another try may help."""

    def __init__(self, error: RegistryUnavailableError, *, retryable: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.retryable = retryable


class _RedactUrlsFilter(logging.Filter):
    """Mask URL credentials in httpx's own log lines (`HTTP Request: GET <full url> ...`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        return True


def _redacted_arg(arg: object) -> object:
    if isinstance(arg, httpx.URL) or (isinstance(arg, str) and "://" in arg):
        return redact_url(str(arg))
    return arg


def _redact_httpx_logs() -> None:
    """Install the filter once: httpx logs every request's URL at INFO."""
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactUrlsFilter) for f in httpx_log.filters):
        httpx_log.addFilter(_RedactUrlsFilter())


class RegistryClient:
    """Read (and, with a token, write) schemas on a registry speaking the seed registry's API.

    One pooled `httpx.AsyncClient` serves every request; pass `http_client` to bring your own (for
    a custom transport, proxies or TLS). A client you pass in stays yours to close. `timeout`
    bounds each attempt as a whole, connect to last body byte, so a registry that trickles bytes
    cannot hold a caller past it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        strict_integrity: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        check_whole("max_response_bytes", max_response_bytes, minimum=1)
        self._max_response_bytes = max_response_bytes
        # URL credentials go into a header before any request, so no URL we log or raise has them.
        credentials = split_credentials(base_url or "")
        self._base_url = _check_base_url(credentials.url)
        self._token = check_token(token)
        self._basic = _basic_auth(credentials.username, credentials.password)
        self._secrets: Secrets = tuple(
            filter(None, (self._token, self._basic, *credentials.secrets))
        )
        self._timeout = check_seconds("timeout", timeout, allow_zero=False)
        self._retry = retry or RetryPolicy()
        self._strict_integrity = strict_integrity
        self._owns_http = http_client is None
        _redact_httpx_logs()
        self._http = http_client or self._new_pool()
        # The pool belongs to the loop that first uses it; other loops' calls run there.
        self._affinity = LoopAffinity(on_rehome=self._reopen_pool)

    def _new_pool(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self._timeout), headers={"User-Agent": _USER_AGENT}
        )

    def _reopen_pool(self) -> None:
        """Replace a pool whose event loop has closed; its connections died with the loop."""
        if self._owns_http:
            self._http = self._new_pool()

    @property
    def base_url(self) -> str:
        """Return the registry's base URL, without credentials."""
        return redact_url(self._base_url)

    @property
    def timeout(self) -> float:
        """Return the per-attempt deadline in seconds."""
        return self._timeout

    def __repr__(self) -> str:
        token = "'***'" if self._token else "None"
        return f"RegistryClient(base_url={self.base_url!r}, token={token}, timeout={self._timeout})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, unless the caller brought it."""
        if self._owns_http:
            await self._affinity.run(lambda: self._http.aclose())  # the pool after any rehome

    close = aclose  # the seed client's name for it

    # -- the read API ---------------------------------------------------------------------------

    async def index(self) -> RegistryIndex:
        """Return every schema's latest version, per track."""
        call = Call("GET", self._url("index"))
        return RegistryIndex.from_json(await self._json(call), url=redact_url(call.url))

    async def fetch_schema(
        self, name: str, *, track: str, version: str | None = None
    ) -> SchemaDocument:
        """Return one schema: the latest version on `track`, or exactly `version`."""
        params = {"version": version} if version is not None else None
        call = Call(
            "GET", self._url("schemas", track, name), name, track, params, schema_lookup=True
        )
        return self._document(call, await self._json(call))

    async def fetch_schema_by_id(self, schema_id: str) -> SchemaDocument:
        """Return the schema the registry files under `schema_id` (its `$schema_id`)."""
        call = Call("GET", self._url("schemas", "by-id", schema_id), schema_id, schema_lookup=True)
        return self._document(call, await self._json(call))

    async def list_versions(self, name: str, *, track: str) -> list[SchemaVersionInfo]:
        """Return every published version of `name` on `track`, as the registry orders them."""
        call = Call(
            "GET", self._url("schemas", track, name, "versions"), name, track, schema_lookup=True
        )
        body = await self._json(call)
        if not isinstance(body, list):
            shown = redact_text(repr(body), *self._secrets)[:80]  # mask first, then cut
            why = f"expected a JSON array of versions, got {shown}"
            raise response_error(call, why, self._secrets)
        return [SchemaVersionInfo.from_json(item, url=redact_url(call.url)) for item in body]

    async def check_compatibility(
        self, name: str, from_track: str, from_version: str, to_track: str, to_version: str
    ) -> CompatibilityReport:
        """Ask the registry whether moving `name` between two versions breaks consumers."""
        params = {
            "name": name,
            "from_track": from_track,
            "from_version": from_version,
            "to_track": to_track,
            "to_version": to_version,
        }
        call = Call("GET", self._url("compat", "check"), name, to_track, params, schema_lookup=True)
        return CompatibilityReport.from_json(await self._json(call), url=redact_url(call.url))

    async def health(self) -> dict[str, Any]:
        """Return the registry's health body; raise `RegistryUnavailableError` if it is not up."""
        call = Call("GET", self._url("health"))
        response = await self._send(call)
        try:
            body = response.json()
        except ValueError:
            return {"status": "ok", "body": response.text[:200]}
        return body if isinstance(body, dict) else {"status": "ok", "body": body}

    # -- the write API --------------------------------------------------------------------------

    async def upload_schema(
        self,
        name: str,
        track: str,
        version: str,
        content: Mapping[str, Any],
        *,
        schema_id: str | None = None,
        deprecated: bool = False,
        deprecation_note: str | None = None,
        x_compat: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Publish `content` as `version` of `name` on `track` (needs the admin token)."""
        url = self._url("admin", "schemas")
        if self._token is None:
            raise RegistryAuthError(
                f"POST {redact_url(url)}: uploading needs a token; pass RegistryClient(token=...)",
                name=name,
                track=track,
                url=redact_url(url),
            )
        body = {
            "name": name,
            "track": track,
            "core_version": version,
            "content": dict(content),
            "schema_id_str": schema_id,
            "deprecated": deprecated,
            "deprecation_note": deprecation_note,
            "x_compat": dict(x_compat or {}),
        }
        call = Call("POST", url, name, track, json=body)
        answer = await self._json(call)
        return answer if isinstance(answer, dict) else {"result": answer}

    # -- plumbing -------------------------------------------------------------------------------

    def _url(self, *segments: str) -> str:
        """Join quoted path segments onto the base URL's path; a name can never become a path."""
        base = urlsplit(self._base_url)
        path = base.path.rstrip("/") + "/" + "/".join(_quote_segment(s) for s in segments)
        return urlunsplit((base.scheme, base.netloc, path, base.query, ""))

    def _document(self, call: Call, body: object) -> SchemaDocument:
        """Parse a schema body and act on its integrity as configured."""
        document = SchemaDocument.from_json(body, url=redact_url(call.url))
        if document.integrity is Integrity.MISMATCH:
            actual = content_sha256(document.content)
            message = (
                f"{call.label}: content of {document.name!r} ({document.track} "
                f"{document.version}) hashes to {actual[:12]}, registry says {document.short_sha}"
            )
            if self._strict_integrity:
                raise SchemaIntegrityError(
                    message,
                    expected=document.sha256,
                    actual=actual,
                    name=document.name,
                    track=document.track,
                    url=redact_url(call.url),
                )
            log.debug("%s", message)
        return document

    async def _json(self, call: Call) -> Any:
        """Send `call` and decode its JSON body, or say precisely what came back instead."""
        response = await self._send(call)
        try:
            return response.json()
        except RecursionError:  # `[[[[...` a hundred thousand deep: an answer, not a crash
            why = f"answered {response.status_code} with JSON nested too deep to read"
            raise response_error(call, why, self._secrets) from None
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            shown = redact_text(response.text, *self._secrets)[:80]  # mask first, then cut
            why = f"answered {response.status_code} with a body that is not JSON ({kind}): "
            why += repr(shown)
            raise response_error(call, why, self._secrets) from None

    async def _send(self, call: Call) -> httpx.Response:
        """Send with bounded retries, on the pool's own event loop; see `_send_here`."""
        return await self._affinity.run(lambda: self._send_here(call))

    async def _send_here(self, call: Call) -> httpx.Response:
        """Send with bounded retries; return a 2xx response or raise the translated error."""
        retry = 0
        while True:
            try:
                return await self._attempt(call)
            except _AttemptFailedError as failed:
                wait = self._next_wait(retry, failed)
                if wait is None:
                    raise failed.error from None
                log.info(
                    "%s; retry %d of %d in %.2fs",
                    failed.error.message,
                    retry + 1,
                    self._retry.attempts - 1,
                    wait,
                )
            await self._retry.sleep(wait)
            retry += 1

    def _next_wait(self, retry: int, failed: _AttemptFailedError) -> float | None:
        """Return the wait before another try, or None when this failure is final."""
        if not failed.retryable or retry + 1 >= self._retry.attempts:
            return None
        return self._retry.delay(retry, failed.error.retry_after)

    async def _attempt(self, call: Call) -> httpx.Response:
        """Make one attempt; return the 2xx response or raise what its outcome maps to.

        Only failures that cost little time and left the registry untouched are retryable: a
        connection that never opened, or a registry saying "not now" (429, 502, 503, 504). A
        timeout already spent the caller's budget once; a dropped answer may have been acted on.
        """
        started = time.perf_counter()
        try:
            with anyio.fail_after(self._timeout):
                response = await self._receive(call)
        except (TimeoutError, httpx.TimeoutException):
            why = f"no answer within {self._timeout}s"
            raise _AttemptFailedError(
                unavailable(call, "timeout", why, self._secrets), retryable=False
            ) from None
        except httpx.DecodingError as exc:
            raise response_error(call, f"undecodable body: {exc}", self._secrets) from None
        except httpx.TransportError as exc:
            error = unavailable(call, "network", describe(exc), self._secrets)
            retryable = isinstance(exc, httpx.ConnectError)
            raise _AttemptFailedError(error, retryable=retryable) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s -> %d in %.1f ms", call.label, response.status_code, elapsed_ms)
        if response.is_success:
            return response
        refusal = status_error(call, response, self._secrets)
        if isinstance(refusal, RegistryUnavailableError):
            retryable = response.status_code in RETRYABLE_STATUS
            raise _AttemptFailedError(refusal, retryable=retryable)
        raise refusal

    async def _receive(self, call: Call) -> httpx.Response:
        """Send `call` and read its body, decoded, refusing it past `max_response_bytes`.

        The body is counted after decompression as it streams in (see `bodies.py`), so neither
        a huge answer nor a small gzip bomb can take more memory than the cap.
        """
        headers = {**self._headers(), "Accept-Encoding": ACCEPT_ENCODING}
        request = self._http.build_request(
            call.method, call.url, params=call.params, json=call.json, headers=headers
        )
        response = await self._http.send(request, stream=True)
        try:
            body = await self._read(call, response)
        finally:
            await response.aclose()
        return whole_response(response, body, request)

    async def _read(self, call: Call, response: httpx.Response) -> bytes:
        """Return the decoded body within the cap (an error's broken body: b""), or raise."""
        try:
            body = await read_answer(response, self._max_response_bytes)
        except UndecodableBodyError as exc:
            raise response_error(call, f"undecodable body: {exc}", self._secrets) from None
        if body is None:
            raise self._too_large(call, response)
        return body

    def _too_large(self, call: Call, response: httpx.Response) -> RegistryResponseError:
        why = (
            f"answered {response.status_code} with a body over the {self._max_response_bytes:,}"
            " byte limit (max_response_bytes); is this the registry?"
        )
        return response_error(call, why, self._secrets)

    def _headers(self) -> dict[str, str]:
        """Return per-request headers: the bearer token, or the URL's user and password."""
        if self._token:
            return {"Authorization": f"Bearer {self._token}"}
        if self._basic:
            return {"Authorization": f"Basic {self._basic}"}
        return {}


def _basic_auth(username: str | None, password: str | None) -> str | None:
    """Return the Basic credentials for a URL's userinfo (a secret to mask, too), or None."""
    if username is None and password is None:
        return None
    pair = f"{username or ''}:{password or ''}".encode()
    return base64.b64encode(pair).decode("ascii")


def _quote_segment(segment: str) -> str:
    """Percent-encode one path segment, dots-only ones too (`..` must not climb the path)."""
    if not isinstance(segment, str) or not segment:
        raise ValueError(f"path segment {segment!r}: expected a non-empty string")
    quoted = quote(segment, safe="")
    return quoted.replace(".", "%2E") if set(quoted) == {"."} else quoted


def _check_base_url(base_url: str) -> str:
    """Accept an absolute http(s) URL; say what is wrong with anything else."""
    try:
        return check_url(base_url or "").rstrip("/")
    except ValueError as exc:
        raise ConfigError(f"base_url={redact_url(str(base_url))!r}: {exc}") from None
