"""Read a registry answer's body whole, decoded, and never past a size limit.

httpx decodes gzip a network chunk at a time with no output limit, so one 64 KiB chunk of a gzip
bomb becomes ~64 MiB before anyone can count it. Here the raw stream is decompressed with
`max_length`, so memory stays within the limit (plus one read) whatever the compression ratio.
Only the encodings we ask for (`ACCEPT_ENCODING`) are decoded; anything else is refused.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import httpx

__all__ = ["ACCEPT_ENCODING", "UndecodableBodyError", "read_answer", "read_body"]

ACCEPT_ENCODING = "gzip, deflate"
_WINDOW_BITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}


class UndecodableBodyError(ValueError):
    """Raised when a body's Content-Encoding is unknown or its compressed data is broken."""


class _Decoder(Protocol):
    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ..., /) -> bytes: ...

    def flush(self, length: int = ..., /) -> bytes: ...


async def read_answer(response: httpx.Response, limit: int) -> bytes | None:
    """Return a response's decoded body within `limit`; None when a success's body is past it.

    An error's body only explains its status: unreadable or oversized, it is dropped (b""), so
    a broken explanation cannot hide a 404 or a 503. A success's unreadable body raises
    `UndecodableBodyError`. A declared Content-Length past the limit is not read at all.
    """
    declared = response.headers.get("Content-Length", "")
    plain = "Content-Encoding" not in response.headers
    too_big = plain and declared.isdigit() and int(declared) > limit
    try:
        body = None if too_big else await read_body(response, limit)
    except UndecodableBodyError:
        if response.is_success:
            raise
        return b""
    return b"" if body is None and not response.is_success else body


async def read_body(response: httpx.Response, limit: int) -> bytes | None:
    """Return the decoded body, or None as soon as it is known to exceed `limit` bytes."""
    if response.is_stream_consumed:  # built in memory (a cassette's answer): whole and decoded
        return response.content if len(response.content) <= limit else None
    decoder = _decoder(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            if not _append(body, raw, decoder, limit):
                return None
        if decoder is not None:
            body += decoder.flush()
    except zlib.error as exc:
        raise UndecodableBodyError(f"broken compressed data: {exc}") from None
    return bytes(body) if len(body) <= limit else None


def _append(body: bytearray, raw: bytes, decoder: _Decoder | None, limit: int) -> bool:
    """Add one network chunk, decoded; False once the body is past `limit`."""
    if decoder is None:
        body += raw
        return len(body) <= limit
    data = raw
    while data:
        body += decoder.decompress(data, limit + 1 - len(body))
        if len(body) > limit:
            return False
        data = decoder.unconsumed_tail
    return True


def _decoder(content_encoding: str) -> _Decoder | None:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding not in _WINDOW_BITS:
        raise UndecodableBodyError(
            f"Content-Encoding {excerpt_header(encoding)} was not asked for ({ACCEPT_ENCODING})"
        )
    if encoding == "deflate":
        return _Deflate()
    return zlib.decompressobj(_WINDOW_BITS[encoding])


class _Deflate:
    """`deflate` as servers send it: zlib-wrapped (RFC 9110) or, often, raw; the header says."""

    def __init__(self) -> None:
        self._inner: _Decoder | None = None

    @property
    def unconsumed_tail(self) -> bytes:
        return self._inner.unconsumed_tail if self._inner else b""

    def decompress(self, data: bytes, max_length: int = 0, /) -> bytes:
        if self._inner is None:
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._inner = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return self._inner.decompress(data, max_length)

    def flush(self, length: int = zlib.DEF_BUF_SIZE, /) -> bytes:
        return self._inner.flush(length) if self._inner else b""


def excerpt_header(value: str) -> str:
    return repr(value[:40] + ("..." if len(value) > 40 else ""))
