"""Pure pieces: retry pacing, Retry-After, strict parsing of registry bodies, config checks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from pytest_schema_registry import (
    CompatibilityReport,
    ConfigError,
    Integrity,
    RegistryClient,
    RegistryIndex,
    RegistryResponseError,
    RetryPolicy,
    SchemaDocument,
    content_sha256,
)
from pytest_schema_registry._core.secrets import redact_url
from pytest_schema_registry._wire.retry import parse_retry_after

URL = "http://registry.test/schemas/v1/x"
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


def test_content_sha256_is_the_seed_services_algorithm() -> None:
    content = {"b": 1, "a": ["é", {"z": None}]}
    expected = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    assert content_sha256(content) == expected


def test_integrity_accepts_both_known_canonical_forms() -> None:
    content = {"b": 1, "a": "é"}
    compact = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert Integrity.check(content, content_sha256(content)) is Integrity.VERIFIED
    assert Integrity.check(content, hashlib.sha256(compact.encode()).hexdigest()) == "verified"
    assert Integrity.check(content, content_sha256(content).upper()) is Integrity.VERIFIED
    assert Integrity.check(content, "f" * 64) is Integrity.MISMATCH
    assert Integrity.check(content, "") is Integrity.UNKNOWN


def schema_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "x",
        "track": "v1",
        "core_version": "1.0.0",
        "sha256": "",
        "$schema_id": "x",
        "content": {},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (schema_body(name=...), "schema response is missing key 'name'"),
        (schema_body(**{"$schema_id": ...}), "missing key '$schema_id'"),
        (schema_body(core_version=3), "key 'core_version' should be a string, got a number"),
        (schema_body(deprecated="no"), "key 'deprecated' should be a boolean, got a string"),
        (
            schema_body(deprecation_note=[]),
            "key 'deprecation_note' should be a string, got an array",
        ),
    ],
)
def test_schema_bodies_are_parsed_strictly(body: object, message: str) -> None:
    with pytest.raises(RegistryResponseError, match=message.replace("$", r"\$")) as caught:
        SchemaDocument.from_json(body, url=URL)
    assert str(caught.value).startswith(URL)


def test_optional_schema_keys_default() -> None:
    document = SchemaDocument.from_json(schema_body(deprecated=None), url=URL)

    assert (document.deprecated, document.deprecation_note, document.integrity) == (
        False,
        None,
        Integrity.UNKNOWN,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tracks": []}, "index key 'tracks' should be an object, got an array"),
        ({"tracks": {"v1": {"count": 0}}}, "index track 'v1' is missing key 'schemas'"),
        ({"tracks": {"v1": {"schemas": [{"name": "x"}]}}}, "index item on track 'v1' is missing"),
        ({"tracks": {}, "generated_at": "yesterday"}, "'generated_at' is not an ISO-8601"),
    ],
)
def test_index_bodies_are_parsed_strictly(body: object, message: str) -> None:
    with pytest.raises(RegistryResponseError, match=message):
        RegistryIndex.from_json(body, url=URL)


def test_compatibility_report_parses_and_checks_lists() -> None:
    report = CompatibilityReport.from_json(
        {"compatible": False, "breaking_reasons": ["removed 'ts'"], "advice": [], "x_compat": None},
        url=URL,
    )

    assert report == CompatibilityReport(False, ("removed 'ts'",), (), None)
    with pytest.raises(RegistryResponseError, match="'advice' should hold only strings"):
        CompatibilityReport.from_json({"compatible": True, "advice": [1]}, url=URL)


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
