"""Credentials never leave a URL we print, log, raise or write."""

from __future__ import annotations

import pytest

from pytest_schema_registry._core.secrets import basic_auth_secrets, redact_url


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://u:p@reg.test/api?token=abc&x=1", "https://reg.test/api?token=***&x=1"),
        ("http://reg.test/a%2Fb", "http://reg.test/a%2Fb"),
        ("http://reg.test/?API_KEY=k", "http://reg.test/?API_KEY=***"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_basic_auth_secrets_are_the_secret_and_the_header_value_not_the_user() -> None:
    assert basic_auth_secrets("svc:s3cret") == ("s3cret", "c3ZjOnMzY3JldA==")
    assert basic_auth_secrets("svc:") == ("c3ZjOg==",)
    assert basic_auth_secrets(None) == ()
