"""Merge validated documents into one desired state, and check it as a whole.

The loader hands :func:`merge_documents` one :class:`Document` per file in file
order. List elements merge by natural key (integration name, disk-group mount
path, rule name, channel name); unnamed rules are appended in file order;
preferences and scoring weights merge field by field. The same key declared with
the same values twice is fine; declared differently it is a problem naming both
places. Checks that need the whole state (a rule's integration exists and owns
media) run on the merged result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from controller.manifest.models import Manifest, Preferences, ScoringWeights
from controller.manifest.problems import Loc, ManifestProblem, display_path, line_for
from controller.manifest.rule_fields import ARR_TYPES

_M = TypeVar("_M", bound=BaseModel)

KEYED_SECTIONS = {
    "diskGroups": "mountPath",
    "integrations": "name",
    "rules": "name",
    "notifications": "name",
}


@dataclass(frozen=True, slots=True)
class Document:
    """One valid file: its name, its manifest, its raw data and line map."""

    source: str
    manifest: Manifest
    data: Any
    lines: Mapping[Loc, int]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was declared."""

    file: str
    line: int | None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class _Origin:
    doc: Document
    index: int
    item: BaseModel


@dataclass
class MergeResult:
    """The merged manifest, where each element came from, and any problems."""

    manifest: Manifest
    locations: dict[str, Location]
    problems: list[ManifestProblem]


def merge_documents(
    docs: list[Document], *, check_references: bool = True
) -> MergeResult:
    """Merge documents in order and check the result.

    Args:
        docs: the valid documents, in file order.
        check_references: also check that every rule's integration is declared
            (turn off for a part that will be merged into other state later).

    Returns:
        The merged manifest, a map from element paths (``integrations[Sonarr]``,
        ``preferences.logLevel``) to where they were declared, and the problems.
    """
    problems: list[ManifestProblem] = []
    locations: dict[str, Location] = {}
    sections: dict[str, list[_Origin]] = {}
    for section, key_field in KEYED_SECTIONS.items():
        sections[section] = _merge_keyed(docs, section, key_field, problems, locations)
    preferences = _merge_fields(docs, "preferences", Preferences, problems, locations)
    weights = _merge_fields(docs, "scoringWeights", ScoringWeights, problems, locations)
    manifest = Manifest.model_validate(
        {
            "preferences": preferences,
            "scoringWeights": weights,
            **{name: tuple(o.item for o in found) for name, found in sections.items()},
        }
    )
    if check_references:
        problems.extend(_check_rule_integrations(manifest, sections["rules"]))
    return MergeResult(manifest, locations, problems)


def _merge_keyed(
    docs: list[Document],
    section: str,
    key_field: str,
    problems: list[ManifestProblem],
    locations: dict[str, Location],
) -> list[_Origin]:
    merged: list[_Origin] = []
    by_key: dict[str, _Origin] = {}
    for doc in docs:
        for index, item in enumerate(getattr(doc.manifest, section)):
            origin = _Origin(doc, index, item)
            key = getattr(item, key_field)
            if key is None:
                label = f"{section}[{len(merged)}]"
            elif key in by_key:
                problems.extend(_differences(by_key[key], origin, section))
                continue
            else:
                by_key[key] = origin
                label = f"{section}[{key}]"
            merged.append(origin)
            locations[label] = Location(doc.source, doc.lines.get((section, index)))
    return merged


def _differences(first: _Origin, later: _Origin, section: str) -> list[ManifestProblem]:
    if first.item == later.item:
        return []
    before = first.item.model_dump()
    after = later.item.model_dump()
    problems = []
    for name, info in type(later.item).model_fields.items():
        if before[name] == after[name]:
            continue
        key = info.alias or name
        here: Loc = (section, later.index, key)
        there = Location(
            first.doc.source, line_for((section, first.index, key), first.doc.lines)
        )
        message = (
            f"declared differently in {there} ({_value(before[name])} there, "
            f"{_value(after[name])} here); declare it in one file only"
        )
        problems.append(
            ManifestProblem(
                later.doc.source,
                line_for(here, later.doc.lines),
                display_path(here, later.doc.data),
                message,
            )
        )
    return problems


def _merge_fields(
    docs: list[Document],
    section: str,
    model: type[_M],
    problems: list[ManifestProblem],
    locations: dict[str, Location],
) -> _M | None:
    values: dict[str, Any] = {}
    origins: dict[str, Document] = {}
    for doc in docs:
        part = getattr(doc.manifest, section)
        if part is None:
            continue
        for name in sorted(part.model_fields_set, key=list(model.model_fields).index):
            value = getattr(part, name)
            loc: Loc = (section, name)
            if name in values and values[name] != value:
                first = origins[name]
                there = Location(first.source, line_for(loc, first.lines))
                problems.append(
                    ManifestProblem(
                        doc.source,
                        line_for(loc, doc.lines),
                        f"{section}.{name}",
                        f"set to {_value(value)} here but {_value(values[name])} in "
                        f"{there}; set it in one file only",
                    )
                )
                continue
            if name not in values:
                values[name] = value
                origins[name] = doc
                locations[f"{section}.{name}"] = Location(
                    doc.source, doc.lines.get(loc)
                )
    if all(getattr(doc.manifest, section) is None for doc in docs):
        return None
    return model.model_validate(values)


def _check_rule_integrations(
    manifest: Manifest, rules: list[_Origin]
) -> list[ManifestProblem]:
    kinds = {
        integration.name: integration.type for integration in manifest.integrations
    }
    problems = []
    for origin in rules:
        name = getattr(origin.item, "integration", None)
        if name is None:
            continue
        loc: Loc = ("rules", origin.index, "integration")
        if name not in kinds:
            declared = ", ".join(sorted(kinds)) or "none"
            message = (
                f"no integration named {name!r} is declared (declared: {declared})"
            )
        elif kinds[name] not in ARR_TYPES:
            message = (
                f"rules act on media from sonarr, radarr, lidarr or readarr; "
                f"{name!r} is a {kinds[name]} integration"
            )
        else:
            continue
        problems.append(
            ManifestProblem(
                origin.doc.source,
                line_for(loc, origin.doc.lines),
                display_path(loc, origin.doc.data),
                message,
            )
        )
    return problems


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "not set"
    if isinstance(value, int | float):
        return str(
            int(value) if isinstance(value, float) and value.is_integer() else value
        )
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict) and set(value) == {"file"}:
        return f"{{file: {value['file']}}}"
    return "another value"
