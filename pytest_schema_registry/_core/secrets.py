"""Keep credentials out of everything we print, log, raise or write.

One list of what counts as secret (headers, query parameters, URL userinfo) serves every part that
produces text: error messages, log records, reprs, cassettes and snapshots.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "SECRET_QUERY_PARAMS",
    "UrlCredentials",
    "redact_text",
    "redact_url",
    "split_credentials",
]

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
    """Replace every occurrence of each non-empty secret in `text` with a mask.

    Mask before cutting text short: a cut secret no longer matches, and its first characters
    would show.
    """
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class UrlCredentials(NamedTuple):
    """A URL with its userinfo taken out, what was taken, and every secret value it carried."""

    url: str
    username: str | None
    password: str | None
    secrets: tuple[str, ...]


def split_credentials(url: str) -> UrlCredentials:
    """Take `user:password@` out of `url` (it belongs in a header) and list its secret values.

    Secret query parameters stay in the URL (the registry may want them there), but their values
    are listed too, so that a registry echoing one back is masked like the token.
    """
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    username = unquote(user) if at and user else None
    secret = unquote(password) if at and colon and password else None
    in_query = tuple(
        value
        for key, value in parse_qsl(parts.query, keep_blank_values=False)
        if key.lower() in SECRET_QUERY_PARAMS
    )
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    found = tuple(s for s in (secret, password if secret else None, *in_query) if s)
    return UrlCredentials(bare, username, secret, tuple(dict.fromkeys(found)))
