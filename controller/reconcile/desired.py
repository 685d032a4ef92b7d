"""Latest-intent merging of manifests and runtime changes, and drift.

Desired state is a nested document with the manifest's sections. To compare two
statements of intent field by field, each document is flattened into paths such as
``diskGroups[/data].thresholdPct``; list sections are keyed by their natural key
(integration name, disk-group mount path, rule key, channel name).

The rule the product promises: the effective value of a field is the latest
statement of intent. A manifest generation that changes a field (compared with the
previous generation) replaces an earlier API change of that field; an API change
replaces the manifest's value until the manifest changes that field again. Pure
functions only: the reconciler feeds them plain dicts and applies the result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Sections holding lists of entities, and the field naming each entity.
KEYED_SECTIONS: dict[str, str] = {
    "diskGroups": "mountPath",
    "integrations": "name",
    "rules": "key",
    "notifications": "name",
}
FIELD_SECTIONS = ("preferences", "scoringWeights")
SECTION_ORDER = ("preferences", "scoringWeights", *KEYED_SECTIONS)

# A marker for "this entity or field is absent".
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "<absent>"})()


@dataclass(frozen=True, slots=True)
class Path:
    """Where a value lives: section, entity key (None for field sections), field."""

    section: str
    key: str | None
    field: str

    def __str__(self) -> str:
        if self.key is None:
            return f"{self.section}.{self.field}"
        return f"{self.section}[{self.key}].{self.field}"


@dataclass(frozen=True, slots=True)
class Change:
    """One field moving from ``old`` to ``new`` (either may be ABSENT)."""

    path: Path
    old: Any
    new: Any

    def describe(self) -> str:
        """Render as ``diskGroups[/data].thresholdPct: 85 -> 90``."""
        if not self.path.field:
            entity = f"{self.path.section}[{self.path.key}]"
            return f"{entity}: {'added' if self.old is ABSENT else 'removed'}"
        return f"{self.path}: {_show(self.old)} -> {_show(self.new)}"


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def flatten(document: Mapping[str, Any]) -> dict[Path, Any]:
    """Flatten a desired-state document into ``Path -> value``.

    Entities in keyed sections contribute one ``Path(section, key, "")`` entry
    holding ``True`` (the entity exists) plus one entry per field, so that adding or
    removing a whole entity is a change of its own.
    """
    flat: dict[Path, Any] = {}
    for section in FIELD_SECTIONS:
        for field, value in (document.get(section) or {}).items():
            flat[Path(section, None, field)] = value
    for section, key_field in KEYED_SECTIONS.items():
        for entity in document.get(section) or []:
            key = str(entity[key_field])
            flat[Path(section, key, "")] = True
            for field, value in entity.items():
                if field != key_field:
                    flat[Path(section, key, field)] = value
    return flat


def diff(before: Mapping[Path, Any], after: Mapping[Path, Any]) -> list[Change]:
    """Every field whose value differs between two flattened documents."""
    changes = []
    for path in _ordered(set(before) | set(after)):
        old = before.get(path, ABSENT)
        new = after.get(path, ABSENT)
        if old != new:
            changes.append(Change(path, old, new))
    return changes


def intent_of_new_generation(
    previous: Mapping[Path, Any] | None, current: Mapping[Path, Any]
) -> list[Change]:
    """Changes a new manifest generation states, relative to the previous one.

    With no previous generation every field of the manifest is new intent.
    """
    return diff(previous or {}, current)


def drift(manifest: Mapping[Path, Any], effective: Mapping[Path, Any]) -> list[Change]:
    """Where the effective state differs from the manifests (old = manifest)."""
    return diff(manifest, effective)


def _ordered(paths: Iterable[Path]) -> list[Path]:
    order = {name: index for index, name in enumerate(SECTION_ORDER)}
    return sorted(
        paths,
        key=lambda p: (order.get(p.section, 99), p.key or "", p.field != "", p.field),
    )
