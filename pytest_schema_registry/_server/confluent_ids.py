"""Give every distinct schema of the Confluent dialect one id and one GUID, the same everywhere.

A schema's identity is its canonical form: the document with sorted keys and no spaces, plus
its references and, as in Confluent (whose schema hash covers them since 7.4), its metadata and
rule set: the same document with other metadata is another schema, with another id. Its id is
a hash of that form folded into 1..2**31-1 (Confluent frames ids as 4 bytes, big-endian, and
Java clients read them signed), its GUID a UUID 5 of it. So two machines serving copies of one
folder, or one folder across restarts, answer the same ids without writing anything; the same
schema under two subjects shares one id, as in Confluent.

An id written in a version's metadata wins (registration writes it). When two different
schemas land on one id, the one whose canonical form sorts first keeps it and the other probes
upwards to the next free id: deterministic for a given folder, and persisted at registration.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["MAX_ID", "Identity", "assign", "canonical_key", "derived_guid", "derived_id", "probe"]

MAX_ID = 2**31 - 1
# A fixed namespace: every copy of this code derives the same GUID for the same schema.
_NAMESPACE = uuid.UUID("6f1c4d52-3f0e-5a7b-9d4c-2b8e1a7f0c35")


def canonical_key(
    schema: Any,
    references: Sequence[Mapping[str, Any]] = (),
    metadata: Mapping[str, Any] | None = None,
    rule_set: Mapping[str, Any] | None = None,
) -> str:
    """Return the text that identifies a schema: canonical JSON, its references, its contract.

    Each part is one line of compact JSON: the references an array, the metadata and rule set
    (when either is non-empty) one object. A schema without them keeps the key, and so the id,
    it always had.
    """
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if references:
        refs = [[r["name"], r["subject"], r["version"]] for r in references]
        text += "\n" + json.dumps(refs, separators=(",", ":"), ensure_ascii=False)
    contract = {
        name: part for name, part in (("metadata", metadata), ("ruleSet", rule_set)) if part
    }
    if contract:
        text += "\n" + json.dumps(
            contract, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
    return text


def derived_id(key: str) -> int:
    """Fold the key's SHA-256 into 1..MAX_ID."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % MAX_ID + 1


def derived_guid(key: str) -> str:
    """Return the UUID 5 of the key, as Confluent's clients print GUIDs."""
    return str(uuid.uuid5(_NAMESPACE, key))


def probe(start: int, taken: Iterable[int] | set[int]) -> int:
    """Return `start`, or the next id after it (wrapping past MAX_ID to 1) that is not taken."""
    used = taken if isinstance(taken, set) else set(taken)
    candidate = start
    while candidate in used:
        candidate = candidate % MAX_ID + 1
    return candidate


class Identity:
    """The ids and GUIDs of every schema in a store, keyed by canonical form."""

    def __init__(self, ids: dict[str, int], guids: dict[str, str]) -> None:
        self.ids = ids
        self.guids = guids
        self.keys_by_id = {number: key for key, number in ids.items()}
        self.keys_by_guid = {guid: key for key, guid in guids.items()}

    def id_for(self, key: str) -> int:
        """Return the key's id, or the id a new schema with this key would get."""
        known = self.ids.get(key)
        return known if known is not None else probe(derived_id(key), self.keys_by_id.keys())

    def guid_for(self, key: str) -> str:
        """Return the key's GUID, or the one a new schema with this key would get."""
        return self.guids.get(key) or derived_guid(key)


def assign(
    pinned_ids: Mapping[str, Sequence[int]], pinned_guids: Mapping[str, Sequence[str]]
) -> tuple[Identity, list[str]]:
    """Decide every key's id and GUID; return them and the pins that had to be overruled.

    `pinned_ids` maps every key in the store to the ids its versions' metadata name (often
    none). A key keeps its smallest pinned id unless a key sorting before it holds that id.
    """
    ids: dict[str, int] = {}
    taken: set[int] = set()
    overruled: list[str] = []
    for key in sorted(pinned_ids):
        for number in sorted(set(pinned_ids[key])):
            if number not in taken:
                ids[key] = number
                taken.add(number)
                break
        else:
            if pinned_ids[key]:
                overruled.append(f"id {min(pinned_ids[key])} is already another schema's")
    for key in sorted(k for k in pinned_ids if k not in ids):
        ids[key] = probe(derived_id(key), taken)
        taken.add(ids[key])
    guids: dict[str, str] = {}
    seen: set[str] = set()
    for key in sorted(pinned_ids):
        pinned = sorted(g for g in set(pinned_guids.get(key, ())) if g not in seen)
        guids[key] = pinned[0] if pinned else derived_guid(key)
        seen.add(guids[key])
    return Identity(ids, guids), overruled
