"""Every plugin option the README and the workflows show is written the way pytest accepts it."""

from __future__ import annotations

import re

import pytest

from pytest_schema_registry._harness.options import OPTIONS
from tests.helpers import ROOT

FLAGS = {option.flag: option for option in OPTIONS}
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]


def documented_uses() -> list[tuple[str, str, str | None]]:
    """Return (document, flag, value or None) for every `--registry-*`/`--schema-*` written."""
    found = []
    for path in DOCUMENTS:
        for flag, value in re.findall(
            r"(--(?:registry|schema)-[a-z-]+)(?:=(\S+))?", path.read_text()
        ):
            found.append((path.name, flag, value or None))
    return found


def test_the_documents_show_options() -> None:
    assert len(documented_uses()) > 20


@pytest.mark.parametrize(("document", "flag", "value"), documented_uses())
def test_each_documented_use_is_accepted(document: str, flag: str, value: str | None) -> None:
    option = FLAGS.get(flag)

    assert option is not None, f"{document} shows {flag}, which is no option"
    if option.flag_only:
        assert value is None, f"{document} shows {flag}={value}; the flag takes no value"
