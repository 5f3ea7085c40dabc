"""Rebuild an HTTP answer around a body that was already read and decoded.

Whoever reads a body themselves (the client under its size cap, the cassette while recording)
hands on a response whose content is whole and decoded. The framing headers must go with it:
a `Content-Encoding` left on would make httpx decode the content a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = ["FRAMING_HEADERS", "whole_response"]

FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def whole_response(
    answer: httpx.Response, content: bytes, request: httpx.Request
) -> httpx.Response:
    """Return `answer`'s status, reason and headers around `content`, without framing headers."""
    import httpx  # lazily: the core stays light to import

    headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in FRAMING_HEADERS]
    return httpx.Response(
        answer.status_code,
        headers=headers,
        content=content,
        request=request,
        extensions={"reason_phrase": answer.reason_phrase.encode()},
    )
