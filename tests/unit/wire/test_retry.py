"""Retry-After, jittered exponential backoff with a cap, and settings checked like every other."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pytest_schema_registry import (
    ConfigError,
    RegistryClient,
    RetryPolicy,
)
from pytest_schema_registry._wire.retry import parse_retry_after

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("0", 0.0),
        ("2.5", 2.5),
        (" 7 ", 7.0),
        ("Wed, 25 Nov 2026 12:00:30 GMT", 30.0),
        ("Wed, 25 Nov 2026 11:00:00 GMT", 0.0),  # in the past: go now
        ("-1", None),
        ("nan", None),
        ("soon", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter() -> None:
    top = RetryPolicy(base_delay=0.5, max_delay=3.0, random=lambda: 1.0)
    bottom = RetryPolicy(base_delay=0.5, max_delay=3.0, random=lambda: 0.0)

    assert [top.backoff(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert [bottom.backoff(n) for n in range(3)] == [0.0, 0.0, 0.0]


def test_retry_after_wins_up_to_its_cap() -> None:
    policy = RetryPolicy(max_retry_after=10.0, random=lambda: 1.0)

    assert policy.delay(0, 4.0) == 4.0
    assert policy.delay(0, 11.0) is None
    assert policy.delay(1, None) == 0.4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attempts": 0}, "attempts=0: expected a whole number >= 1"),
        ({"base_delay": -1}, "base_delay=-1: expected seconds"),
        ({"max_delay": float("inf")}, "max_delay=inf: expected seconds"),
    ],
)
def test_retry_policy_rejects_nonsense(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base_url", "timeout", "message"),
    [
        ("registry.test", 1.0, "base_url='registry.test': expected an absolute http"),
        ("ftp://registry.test", 1.0, "expected an absolute http"),
        ("", 1.0, "base_url=''"),
        ("http://registry.test", 0, "timeout=0: expected seconds as a number > 0"),
        ("http://registry.test", "30", "timeout='30'"),
        ("http://user:pw@/x", 1.0, "base_url='http:///x'"),  # the password is not echoed
    ],
)
def test_client_config_errors_name_the_setting_the_value_and_the_form(
    base_url: str, timeout: float, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")) as caught:
        RegistryClient(base_url, timeout=timeout)
    assert isinstance(caught.value, ValueError)
