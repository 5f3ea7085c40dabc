"""Keep credentials out of everything we print, log, raise or write.

One list of what counts as secret (headers, query parameters, URL userinfo) serves every part that
produces text: error messages, log records, reprs, cassettes and snapshots.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDACTED", "SECRET_HEADERS", "SECRET_QUERY_PARAMS", "redact_text", "redact_url"]

REDACTED = "***"

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
SECRET_QUERY_PARAMS = frozenset(
    {"token", "access_token", "api_key", "apikey", "key", "secret", "password", "auth"}
)


def redact_url(url: str) -> str:
    """Return `url` without userinfo and with secret query parameter values masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if k.lower() in SECRET_QUERY_PARAMS else v) for k, v in pairs],
            safe="*",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, *secrets: str | None) -> str:
    """Replace every occurrence of each non-empty secret in `text` with a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
