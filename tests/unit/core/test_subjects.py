"""SubjectTemplate: (name, track) onto Confluent subjects and back."""

from __future__ import annotations

import pytest

from pytest_schema_registry import ConfigError, RegistryConfig
from pytest_schema_registry._core.subjects import ANY_TRACK, SubjectTemplate


@pytest.mark.parametrize(
    ("template", "name", "track", "subject"),
    [
        ("{name}-value", "telemetry.FeedbackEvent", "v2", "telemetry.FeedbackEvent-value"),
        (
            "{name}.{track}-value",
            "telemetry.FeedbackEvent",
            "v2",
            "telemetry.FeedbackEvent.v2-value",
        ),
        ("{track}/{name}", "orders", "v1", "v1/orders"),
        ("{name}", "a-b.c", "v1", "a-b.c"),
    ],
)
def test_a_subject_reads_back_as_the_name_and_track_it_was_made_of(
    template: str, name: str, track: str, subject: str
) -> None:
    parsed = SubjectTemplate.of(template)

    assert parsed.format(name, track) == subject
    expected_track = track if parsed.has_track else ANY_TRACK
    assert parsed.parse(subject) == (name, expected_track)


def test_subjects_of_another_shape_are_not_ours() -> None:
    template = SubjectTemplate.of("{name}.{track}-value")

    assert template.parse("orders-key") is None
    assert template.parse("orders-value") is None  # no track between name and suffix


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "orders-value",
        "{topic}-value",
        "{name}{name}",
        "{name}-{track}-{track}",
        "{name:>9}",
        "{",
        "{name}}",
    ],
)
def test_a_template_that_cannot_name_subjects_is_refused_with_the_accepted_form(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"subject_template=.*\{name\}"):
        SubjectTemplate.of(bad)
    with pytest.raises(ConfigError, match="REGISTRY_SUBJECT_TEMPLATE"):
        RegistryConfig.from_env({"REGISTRY_SUBJECT_TEMPLATE": bad or " "})


def test_the_dialect_and_basic_auth_are_read_from_the_environment_and_never_shown() -> None:
    config = RegistryConfig.from_env(
        {
            "REGISTRY_URL": "http://127.0.0.1:8081",
            "REGISTRY_DIALECT": "Confluent",
            "REGISTRY_BASIC_AUTH": "API-KEY:very-secret",
            "REGISTRY_SUBJECT_TEMPLATE": "{name}.{track}-value",
        }
    )

    assert (config.dialect, config.subject_template) == ("confluent", "{name}.{track}-value")
    assert config.basic_auth == "API-KEY:very-secret"
    assert "very-secret" not in repr(config) and "basic_auth='***'" in repr(config)
    with pytest.raises(
        ConfigError, match="REGISTRY_DIALECT='avro': expected one of seed, confluent"
    ):
        RegistryConfig.from_env({"REGISTRY_DIALECT": "avro"})
    with pytest.raises(ConfigError, match="user:secret") as refused:
        RegistryConfig(basic_auth="only-a-secret-no-colon")
    assert "only-a-secret" not in str(refused.value)
