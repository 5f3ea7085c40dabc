"""Keep credentials out of everything we print, log, raise or write.

One list of what counts as secret (headers, query parameters, URL userinfo) serves every part that
produces text: error messages, log records, reprs, cassettes and snapshots.
"""

from __future__ import annotations

import base64
import json
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "SECRET_QUERY_PARAMS",
    "UrlCredentials",
    "basic_auth_secrets",
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
    would show. A secret shown inside a `repr` or a JSON string has its backslashes and quotes
    escaped (`a\\b` for `a\b`): those spellings are masked too.
    """
    for secret in sorted(_spellings(secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _spellings(secrets: tuple[str | None, ...]) -> set[str]:
    """Return each non-empty secret as written and as a repr or a JSON string escapes it."""
    spellings: set[str] = set()
    for secret in filter(None, secrets):
        spellings.update((secret, json.dumps(secret)[1:-1]))
        # repr keeps printable non-ASCII; inside a longer text's repr, either quote may be escaped
        for escaped in (repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")):
            bare = escaped.replace("\\'", "'").replace('\\"', '"')
            spellings.update((bare, bare.replace("'", "\\'"), bare.replace('"', '\\"')))
    return spellings


def basic_auth_secrets(pair: str | None) -> tuple[str, ...]:
    """List what a `user:secret` pair can be echoed as: its secret, and its `Basic` header value.

    The user name alone is not secret (an API key's id); the secret and the base64 of the pair
    (what a registry echoing the Authorization header would show) are.
    """
    if not pair:
        return ()
    secret = pair.partition(":")[2]
    encoded = base64.b64encode(pair.encode()).decode("ascii")
    return tuple(s for s in (secret, encoded) if s)


class UrlCredentials(NamedTuple):
    """A URL with its userinfo taken out, what was taken, and every secret value it carried."""

    url: str
    username: str | None
    password: str | None
    secrets: tuple[str, ...]


def split_credentials(url: str) -> UrlCredentials:
    """Take `user:password@` out of `url` (it belongs in a header) and list its secret values.

    Secret query parameters stay in the URL (the registry may want them there). Every secret is
    listed as written and as decoded (a registry may echo either), and a user name given alone
    (`https://TOKEN@host`, a common way to pass a token) counts as a secret too.
    """
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    raw_user, colon, raw_password = userinfo.partition(":")
    username = unquote(raw_user) if at and raw_user else None
    password = unquote(raw_password) if at and colon and raw_password else None
    found = [raw_password, password] if password else [raw_user, username] if username else []
    for pair in parts.query.split("&"):
        key, _, raw_value = pair.partition("=")
        if unquote(key).lower() in SECRET_QUERY_PARAMS and raw_value:
            found += [raw_value, unquote(raw_value.replace("+", " ")), unquote(raw_value)]
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    secrets = tuple(dict.fromkeys(secret for secret in found if secret))
    return UrlCredentials(bare, username, password, secrets)
