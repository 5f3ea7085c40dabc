"""The labelled payloads the engine hands out, kept free of hypothesis for the plugin to read.

The plugin names each parametrized case after its label (`level=hard`, `missing required 'ts'`)
in every session, and most sessions never import hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CoveragePayload", "InvalidPayload", "label_of"]


@dataclass(frozen=True, slots=True)
class InvalidPayload:
    """A payload that breaks exactly one constraint of its schema, and which one."""

    value: Any
    reason: str


@dataclass(frozen=True, slots=True)
class CoveragePayload:
    """A valid payload and what it covers (`level=hard, reason absent`), usable as a pytest id."""

    value: Any
    label: str


def label_of(value: object) -> str | None:
    """The readable test id of a labelled payload, None for anything else."""
    if isinstance(value, CoveragePayload):
        return value.label
    if isinstance(value, InvalidPayload):
        return value.reason
    return None
