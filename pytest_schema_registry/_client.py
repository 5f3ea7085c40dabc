"""Talk to a schema registry over HTTP: requests out, frozen models or one error tree back.

Every HTTP failure is translated here, at the boundary, into a `SchemaRegistryError` subclass that
carries the schema name, track and a credential-free URL, so no caller ever handles `httpx` errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

import anyio
import httpx

from ._config import check_url
from ._errors import (
    ConfigError,
    RegistryAuthError,
    RegistryRequestError,
    RegistryResponseError,
    RegistryUnavailableError,
    SchemaIntegrityError,
    SchemaNotFoundError,
    SchemaRegistryError,
    UnavailableReason,
)
from ._loops import LoopAffinity
from ._models import (
    CompatibilityReport,
    Integrity,
    RegistryIndex,
    SchemaDocument,
    SchemaVersionInfo,
    content_sha256,
)
from ._retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from ._secrets import redact_text, redact_url

__all__ = ["RegistryClient"]

log = logging.getLogger("pytest_schema_registry.client")

_USER_AGENT = "pytest-schema-registry"


@dataclass(frozen=True, slots=True)
class _Call:
    """One logical request: what it is about, for error messages and metrics."""

    method: str
    url: str
    name: str | None = None
    track: str | None = None
    params: Mapping[str, str] | None = None
    json: Any = None
    schema_lookup: bool = False  # a 404 here means "no such schema", not "wrong base URL"

    @property
    def label(self) -> str:
        return f"{self.method} {redact_url(self.url)}"


class _AttemptFailedError(Exception):
    """Carry an unavailability error out of one attempt, with whether another try may help."""

    def __init__(self, error: RegistryUnavailableError, *, retryable: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.retryable = retryable


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
    ) -> None:
        self._base_url = _check_base_url(base_url)
        self._token = token or None
        self._timeout = _check_timeout(timeout)
        self._retry = retry or RetryPolicy()
        self._strict_integrity = strict_integrity
        self._owns_http = http_client is None
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
        call = _Call("GET", self._url("index"))
        return RegistryIndex.from_json(await self._json(call), url=redact_url(call.url))

    async def fetch_schema(
        self, track: str, name: str, version: str | None = None
    ) -> SchemaDocument:
        """Return one schema: the latest version on `track`, or exactly `version`."""
        params = {"version": version} if version is not None else None
        call = _Call(
            "GET", self._url("schemas", track, name), name, track, params, schema_lookup=True
        )
        return self._document(call, await self._json(call))

    async def fetch_schema_by_id(self, schema_id: str) -> SchemaDocument:
        """Return the schema the registry files under `schema_id` (its `$schema_id`)."""
        call = _Call("GET", self._url("schemas", "by-id", schema_id), schema_id, schema_lookup=True)
        return self._document(call, await self._json(call))

    async def list_versions(self, track: str, name: str) -> list[SchemaVersionInfo]:
        """Return every published version of `name` on `track`, as the registry orders them."""
        call = _Call(
            "GET", self._url("schemas", track, name, "versions"), name, track, schema_lookup=True
        )
        body = await self._json(call)
        if not isinstance(body, list):
            raise self._response_error(call, f"expected a JSON array of versions, got {body!r:.80}")
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
        call = _Call(
            "GET", self._url("compat", "check"), name, to_track, params, schema_lookup=True
        )
        return CompatibilityReport.from_json(await self._json(call), url=redact_url(call.url))

    async def health(self) -> dict[str, Any]:
        """Return the registry's health body; raise `RegistryUnavailableError` if it is not up."""
        call = _Call("GET", self._url("health"))
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
        call = _Call("POST", url, name, track, json=body)
        answer = await self._json(call)
        return answer if isinstance(answer, dict) else {"result": answer}

    # -- plumbing -------------------------------------------------------------------------------

    def _url(self, *segments: str) -> str:
        """Join quoted path segments onto the base URL's path; a name can never become a path."""
        base = urlsplit(self._base_url)
        path = base.path.rstrip("/") + "/" + "/".join(_quote_segment(s) for s in segments)
        return urlunsplit((base.scheme, base.netloc, path, base.query, ""))

    def _document(self, call: _Call, body: object) -> SchemaDocument:
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

    async def _json(self, call: _Call) -> Any:
        """Send `call` and decode its JSON body, or say precisely what came back instead."""
        response = await self._send(call)
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise self._response_error(
                call,
                f"answered {response.status_code} with a body that is not JSON ({kind}): "
                f"{response.text[:80]!r}",
            ) from None

    async def _send(self, call: _Call) -> httpx.Response:
        """Send with bounded retries, on the pool's own event loop; see `_send_here`."""
        return await self._affinity.run(lambda: self._send_here(call))

    async def _send_here(self, call: _Call) -> httpx.Response:
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

    async def _attempt(self, call: _Call) -> httpx.Response:
        """Make one attempt; return the 2xx response or raise what its outcome maps to.

        Only failures that cost little time and left the registry untouched are retryable: a
        connection that never opened, or a registry saying "not now" (429, 502, 503, 504). A
        timeout already spent the caller's budget once; a dropped answer may have been acted on.
        """
        started = time.perf_counter()
        try:
            with anyio.fail_after(self._timeout):
                response = await self._http.request(
                    call.method,
                    call.url,
                    params=call.params,
                    json=call.json,
                    headers=self._headers(),
                )
        except (TimeoutError, httpx.TimeoutException):
            why = f"no answer within {self._timeout}s"
            raise _AttemptFailedError(
                self._unavailable(call, "timeout", why), retryable=False
            ) from None
        except httpx.DecodingError as exc:
            raise self._response_error(call, f"undecodable body: {exc}") from None
        except httpx.TransportError as exc:
            error = self._unavailable(call, "network", _describe(exc))
            retryable = isinstance(exc, httpx.ConnectError)
            raise _AttemptFailedError(error, retryable=retryable) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s -> %d in %.1f ms", call.label, response.status_code, elapsed_ms)
        if response.is_success:
            return response
        refusal = self._status_error(call, response)
        if isinstance(refusal, RegistryUnavailableError):
            retryable = response.status_code in RETRYABLE_STATUS
            raise _AttemptFailedError(refusal, retryable=retryable)
        raise refusal

    def _headers(self) -> dict[str, str]:
        """Return per-request headers: the bearer token when one is set, never logged."""
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _status_error(self, call: _Call, response: httpx.Response) -> SchemaRegistryError:
        """Map a non-2xx status to the error a caller can act on."""
        status = response.status_code
        where = {"name": call.name, "track": call.track, "url": redact_url(call.url)}
        if status in RETRYABLE_STATUS or (status >= 500 and status != 501):
            return RegistryUnavailableError(
                f"{call.label}: registry answered {status} {response.reason_phrase}"
                f"{self._registry_message(response)}",
                error_type="server",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                status_code=status,
                **where,
            )
        error_class, why = self._explain_refusal(call, response)
        return error_class(f"{call.label}: {why}", status_code=status, **where)

    def _explain_refusal(
        self, call: _Call, response: httpx.Response
    ) -> tuple[type[SchemaRegistryError], str]:
        """Say what a 3xx or 4xx (or 501) answer means for this call."""
        status, said = response.status_code, self._registry_message(response)
        if status == 404 and call.schema_lookup:
            return SchemaNotFoundError, f"schema {_about(call)} not found (404)"
        if status in (401, 403):
            verb = "rejected the token" if self._token else "needs a token"
            return RegistryAuthError, f"registry {verb} ({status}){said}"
        if status == 404:
            hint = "is the base URL right (does it need a path such as /api/v1)?"
            return RegistryRequestError, f"answered 404{said}; {hint}"
        if 300 <= status < 400:
            target = redact_url(response.headers.get("Location", "?"))
            return RegistryRequestError, f"redirected ({status}) to {target}; use that as base URL"
        return RegistryRequestError, f"registry refused the request ({status}){said}"

    def _registry_message(self, response: httpx.Response) -> str:
        """Return the registry's own explanation, trimmed, as a suffix; never echo the token."""
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if isinstance(body, dict):
            body = body.get("detail") or body.get("message") or body.get("error") or ""
        text = redact_text(str(body).strip(), self._token)[:200]
        return f": {text}" if text else ""

    def _unavailable(
        self, call: _Call, kind: UnavailableReason, why: str
    ) -> RegistryUnavailableError:
        return RegistryUnavailableError(
            f"{call.label}: registry unavailable ({kind}): {redact_text(why, self._token)}",
            error_type=kind,
            name=call.name,
            track=call.track,
            url=redact_url(call.url),
        )

    def _response_error(self, call: _Call, why: str) -> RegistryResponseError:
        return RegistryResponseError(
            f"{call.label}: {redact_text(why, self._token)}",
            name=call.name,
            track=call.track,
            url=redact_url(call.url),
        )


def _quote_segment(segment: str) -> str:
    """Percent-encode one path segment, dots-only ones too (`..` must not climb the path)."""
    if not isinstance(segment, str) or not segment:
        raise ValueError(f"path segment {segment!r}: expected a non-empty string")
    quoted = quote(segment, safe="")
    return quoted.replace(".", "%2E") if set(quoted) == {"."} else quoted


def _about(call: _Call) -> str:
    """Describe what a lookup was for: `'name' on track v1` or the id."""
    name = repr(call.name)
    if call.params and "version" in call.params:
        name += f" version {call.params['version']!r}"
    return f"{name} on track {call.track}" if call.track else name


def _describe(exc: httpx.TransportError) -> str:
    """Name a transport failure briefly: its class and its first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_base_url(base_url: str) -> str:
    """Accept an absolute http(s) URL; say what is wrong with anything else."""
    try:
        return check_url(base_url or "").rstrip("/")
    except ValueError as exc:
        raise ConfigError(f"base_url={redact_url(str(base_url))!r}: {exc}") from None


def _check_timeout(timeout: float) -> float:
    """Accept a positive, finite number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < 1e9:
        raise ConfigError(f"timeout={timeout!r}: expected seconds as a number > 0")
    return float(timeout)
