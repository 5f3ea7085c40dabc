"""Carry one registry's HTTP: pooled connections, auth, retries, bounded bodies, errors translated.

Every HTTP failure is translated here, at the boundary, into a `SchemaRegistryError` subclass that
carries the schema name, track and a credential-free URL, so no caller ever handles `httpx` errors.
The dialects (`seed.py`, `confluent.py`) say which requests to make and how to read the answers;
this module makes them.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import anyio
import httpx

from .._core.bodies import ACCEPT_ENCODING, UndecodableBodyError, read_answer
from .._core.config import check_basic_auth, check_seconds, check_token, check_url, check_whole
from .._core.errors import ConfigError, RegistryResponseError, RegistryUnavailableError
from .._core.loops import LoopAffinity
from .._core.responses import whole_response
from .._core.secrets import redact_text, redact_url, split_credentials
from .http_errors import Call, Secrets, describe, response_error, status_error, unavailable
from .retry import RETRYABLE_STATUS, RetryPolicy

__all__ = ["Transport"]

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


class Transport:
    """Send calls to one registry and return 2xx responses or raise the translated error.

    One pooled `httpx.AsyncClient` serves every request; a client passed in stays its owner's to
    close. `timeout` bounds each attempt as a whole, connect to last body byte, so a registry that
    trickles bytes cannot hold a caller past it. Credentials (a bearer token, `user:secret` Basic
    auth, or a URL's userinfo) travel in the Authorization header only and are masked wherever
    text goes out.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        basic_auth: str | None,
        timeout: float,
        http_client: httpx.AsyncClient | None,
        retry: RetryPolicy | None,
        max_response_bytes: int,
        headers: Mapping[str, str] = {},
        json_type: str = "application/json",
    ) -> None:
        check_whole("max_response_bytes", max_response_bytes, minimum=1)
        self._max_response_bytes = max_response_bytes
        # URL credentials go into a header before any request, so no URL we log or raise has them.
        credentials = split_credentials(base_url or "")
        self._base_url = _check_base_url(credentials.url)
        self._token = check_token(token)
        pair = check_basic_auth(basic_auth)
        user, _, secret = pair.partition(":") if pair else (None, "", None)
        self._basic = _basic_auth(user or credentials.username, secret or credentials.password)
        self._credential = "token" if self._token else "basic auth credentials"  # for a 401
        self.secrets: Secrets = tuple(
            filter(None, (self._token, self._basic, secret, *credentials.secrets))
        )
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)
        self._retry = retry or RetryPolicy()
        self._dialect_headers = dict(headers)
        self._json_type = json_type
        self._owns_http = http_client is None
        _redact_httpx_logs()
        self._http = http_client or self._new_pool()
        # The pool belongs to the loop that first uses it; other loops' calls run there.
        self._affinity = LoopAffinity(on_rehome=self._reopen_pool)

    def _new_pool(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout), headers={"User-Agent": _USER_AGENT}
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
    def max_response_bytes(self) -> int:
        """Return the most bytes one answer may take, decoded (what a bundle may take, too)."""
        return self._max_response_bytes

    @property
    def has_token(self) -> bool:
        """Say whether a bearer token is configured (uploads to the seed API need one)."""
        return self._token is not None

    async def aclose(self) -> None:
        """Close the connection pool, unless the caller brought it."""
        if self._owns_http:
            await self._affinity.run(lambda: self._http.aclose())  # the pool after any rehome

    def url(self, *segments: str) -> str:
        """Join quoted path segments onto the base URL's path; a name can never become a path."""
        base = urlsplit(self._base_url)
        path = base.path.rstrip("/") + "/" + "/".join(_quote_segment(s) for s in segments)
        return urlunsplit((base.scheme, base.netloc, path, base.query, ""))

    async def json(self, call: Call) -> Any:
        """Send `call` and decode its JSON body, or say precisely what came back instead."""
        response = await self.send(call)
        try:
            return response.json()
        except RecursionError:  # `[[[[...` a hundred thousand deep: an answer, not a crash
            why = f"answered {response.status_code} with JSON nested too deep to read"
            raise response_error(call, why, self.secrets) from None
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            shown = redact_text(response.text, *self.secrets)[:80]  # mask first, then cut
            why = f"answered {response.status_code} with a body that is not JSON ({kind}): "
            why += repr(shown)
            raise response_error(call, why, self.secrets) from None

    async def send(self, call: Call) -> httpx.Response:
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
            with anyio.fail_after(self.timeout):
                response = await self._receive(call)
        except (TimeoutError, httpx.TimeoutException):
            why = f"no answer within {self.timeout}s"
            raise _AttemptFailedError(
                unavailable(call, "timeout", why, self.secrets), retryable=False
            ) from None
        except httpx.DecodingError as exc:
            raise response_error(call, f"undecodable body: {exc}", self.secrets) from None
        except httpx.TransportError as exc:
            error = unavailable(call, "network", describe(exc), self.secrets)
            retryable = isinstance(exc, httpx.ConnectError)
            raise _AttemptFailedError(error, retryable=retryable) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s -> %d in %.1f ms", call.label, response.status_code, elapsed_ms)
        if response.is_success:
            return response
        refusal = status_error(call, response, self.secrets, self._credential)
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
        if call.json is not None:
            headers["Content-Type"] = self._json_type
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
            raise response_error(call, f"undecodable body: {exc}", self.secrets) from None
        if body is None:
            raise self._too_large(call, response)
        return body

    def _too_large(self, call: Call, response: httpx.Response) -> RegistryResponseError:
        why = (
            f"answered {response.status_code} with a body over the {self._max_response_bytes:,}"
            " byte limit (max_response_bytes); is this the registry?"
        )
        return response_error(call, why, self.secrets)

    def _headers(self) -> dict[str, str]:
        """Return per-request headers: the dialect's, then the bearer token or Basic auth."""
        if self._token:
            return {**self._dialect_headers, "Authorization": f"Bearer {self._token}"}
        if self._basic:
            return {**self._dialect_headers, "Authorization": f"Basic {self._basic}"}
        return dict(self._dialect_headers)


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
