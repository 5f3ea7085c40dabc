"""Say what a compatibility check found: a verdict, and each break with the payload that proves it.

These objects cross a process boundary (checks run in a helper process that can be stopped at a
deadline) and the wire (the embedded registry's `/compat/check` carries them in `x_compat`), so
each has a plain-JSON form, `to_json()` / `from_json()`, that round-trips exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .._core.errors import ConfigError

__all__ = [
    "LEVELS",
    "CompatibilityVerdict",
    "Direction",
    "Incompatibility",
    "Level",
    "Policy",
    "Rules",
    "against",
    "checked_level",
    "checked_policy",
    "checked_rules",
    "old_label",
    "version_named",
]

Level = Literal[
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
    "NONE",
]
Rules = Literal["semantic", "confluent"]
Policy = Literal["STRICT", "LENIENT"]
Direction = Literal["backward", "forward"]
LEVELS: tuple[Level, ...] = get_args(Level)
_AGAINST = re.compile(r"version (\d+) of (\d+)")
_SHOWN_CHARS = 300  # a counterexample longer than this is cut in str(); to_json() keeps it whole


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """One way the new schema breaks the old one's readers or writers, and a payload proving it.

    `direction` is "backward" when readers of the new schema reject data written under the old
    one, "forward" when readers of the old schema reject data written under the new one.
    `counterexample` is that payload (JSON `null` is a payload too: read `proven`, which is True
    only when a payload was found and checked by the validator). `against` names the earlier
    version compared, for transitive levels.
    """

    kind: str
    path: str
    message: str
    direction: Direction
    counterexample: Any = None
    proven: bool = False
    against: str | None = None

    def __str__(self) -> str:
        line = f"{self.kind} at {self.path} ({self.direction}): {self.message}"
        if self.proven:
            line += f"\n    counterexample: {_shown(self.counterexample)}"
        return line

    def to_json(self) -> dict[str, Any]:
        """Return the plain-JSON form."""
        return {
            "kind": self.kind,
            "path": self.path,
            "message": self.message,
            "direction": self.direction,
            "counterexample": self.counterexample,
            "proven": self.proven,
            "against": self.against,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incompatibility:
        """Rebuild from `to_json()`'s form."""
        return cls(
            kind=data["kind"],
            path=data["path"],
            message=data["message"],
            direction=data["direction"],
            counterexample=data.get("counterexample"),
            proven=bool(data.get("proven")),
            against=data.get("against"),
        )


@dataclass(frozen=True, slots=True)
class CompatibilityVerdict:
    """Whether a new schema version keeps the promise `level` asks for, and the proof.

    `compatible` is True only when proven, False when a break is (a payload, or under
    `rules="confluent"` the registry's own rule), and None when undecided: `reason` says why.
    Under `rules="confluent"`, `semantic` holds the semantic verdict beside the prediction, so a
    rule that refuses a harmless change, or lets a breaking one through, is visible.
    """

    compatible: bool | None
    level: Level
    rules: Rules
    problems: tuple[Incompatibility, ...] = ()
    reason: str | None = None
    policy: Policy | None = None
    semantic: CompatibilityVerdict | None = field(default=None, repr=False)
    seconds: float = field(default=0.0, compare=False)

    def __bool__(self) -> bool:
        return self.compatible is True

    def __str__(self) -> str:
        lines = [self._headline()]
        lines += [f"  {problem}".replace("\n", "\n  ") for problem in self.problems]
        if self.semantic is not None and self.semantic.compatible is not self.compatible:
            lines.append(f"  semantically: {self.semantic._headline()}")
            lines += [f"    {p}".replace("\n", "\n    ") for p in self.semantic.problems]
        return "\n".join(lines)

    def _headline(self) -> str:
        rules = f"{self.rules}, {self.policy}" if self.policy else self.rules
        if self.compatible is None:
            return f"{self.level} compatibility unknown ({rules}): {self.reason}"
        word = "compatible" if self.compatible else "INCOMPATIBLE"
        count = f": {len(self.problems)} problem(s)" if self.problems else ""
        return f"{self.level} {word} ({rules}){count}"

    def to_json(self) -> dict[str, Any]:
        """Return the plain-JSON form."""
        return {
            "compatible": self.compatible,
            "level": self.level,
            "rules": self.rules,
            "policy": self.policy,
            "reason": self.reason,
            "problems": [problem.to_json() for problem in self.problems],
            "semantic": None if self.semantic is None else self.semantic.to_json(),
            "seconds": round(self.seconds, 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompatibilityVerdict:
        """Rebuild from `to_json()`'s form."""
        semantic = data.get("semantic")
        return cls(
            compatible=data["compatible"],
            level=data["level"],
            rules=data["rules"],
            policy=data.get("policy"),
            reason=data.get("reason"),
            problems=tuple(Incompatibility.from_json(p) for p in data.get("problems", ())),
            semantic=None if semantic is None else cls.from_json(semantic),
            seconds=float(data.get("seconds", 0.0)),
        )


def against(index: int, count: int) -> str | None:
    """Label the earlier version a problem is about: index `index` of `count` (None for one)."""
    return f"version {index + 1} of {count}" if count > 1 else None


def old_label(index: int, count: int) -> str:
    """Name an earlier version in messages about its schema: "old", or "old (version 2 of 3)"."""
    which = against(index, count)
    return "old" if which is None else f"old ({which})"


def version_named(label: str | None, names: Sequence[str]) -> str | None:
    """Turn `against`'s "version i of n" into the i-th of `names` (n of them); else `label`."""
    found = _AGAINST.fullmatch(label or "")
    if found and int(found[2]) == len(names) and 1 <= int(found[1]) <= len(names):
        return names[int(found[1]) - 1]
    return label


def checked_level(level: object) -> Level:
    """Return `level` upper-cased if it is one we know, else raise a `ConfigError` naming them."""
    if isinstance(level, str) and level.upper() in LEVELS:
        return level.upper()  # type: ignore[return-value]
    raise ConfigError(
        f"level={level!r:.60} is not a compatibility level; use one of {', '.join(LEVELS)}"
    )


def checked_rules(rules: object) -> Rules:
    """Return `rules` if it is "semantic" or "confluent", else raise a `ConfigError`."""
    if rules in ("semantic", "confluent"):
        return rules
    raise ConfigError(f"rules={rules!r:.60} is not a rule set; use 'semantic' or 'confluent'")


def checked_policy(policy: object) -> Policy:
    """Return `policy` upper-cased if it is STRICT or LENIENT, else raise a `ConfigError`."""
    if isinstance(policy, str) and policy.upper() in ("STRICT", "LENIENT"):
        return policy.upper()  # type: ignore[return-value]
    raise ConfigError(f"policy={policy!r:.60} is not a Confluent policy; use 'STRICT' or 'LENIENT'")


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}... ({len(text)} chars)"
