"""Convert between manifests and the settings-export envelope.

Manifests and exports share one schema, so an export is a manifest with three
header fields (``version``, ``exportedAt``, ``appVersion``). The API's
``GET /settings/export`` renders :func:`manifest_to_envelope`; ``POST
/settings/import`` reads bodies with :func:`envelope_to_manifest`, which also
accepts the original project's export shape (``executionMode``,
``factorWeights``, ``integrationName``/``integrationType``,
``notificationChannels``) and maps it to ours. Secrets stay references both ways;
an export never holds a secret value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml

from controller import __version__
from controller.manifest.loader import load_manifest_text
from controller.manifest.models import Manifest, ScoringWeights
from controller.manifest.problems import ManifestError, ManifestProblem
from controller.manifest.secret_refs import SecretResolver
from controller.manifest.validation import validate_document

EXPORT_VERSION = 1
SECTIONS = ("preferences", "diskGroups", "integrations", "rules", "notifications")
"""Export sections; ``preferences`` carries the scoring weights too."""
SECTION_ALIASES = {"notificationChannels": "notifications"}
_SECTION_KEYS = {
    "preferences": ("preferences", "scoringWeights"),
    "diskGroups": ("diskGroups",),
    "integrations": ("integrations",),
    "rules": ("rules",),
    "notifications": ("notifications",),
}
_UNSUPPORTED_TYPES = frozenset({"tracearr"})


@dataclass(frozen=True)
class Conversion:
    """A manifest read from an envelope, with notes on what was mapped or dropped."""

    manifest: Manifest
    notes: tuple[str, ...] = ()


def manifest_to_envelope(
    manifest: Manifest,
    *,
    sections: Collection[str] | None = None,
    app_version: str = __version__,
    exported_at: datetime | None = None,
) -> dict[str, Any]:
    """Render a manifest as a settings-export envelope (JSON-ready).

    Args:
        manifest: the state to export; fields never set stay out (a partial
            manifest exports partially), empty sections are omitted.
        sections: export only these (``notificationChannels`` is accepted for
            ``notifications``); unknown names are ignored; None exports all.
        app_version: written as ``appVersion``.
        exported_at: the export time; now (UTC) when None.

    Returns:
        ``{"version": 1, "exportedAt": ..., "appVersion": ..., <sections>}``.
    """
    wanted = (
        set(SECTIONS)
        if sections is None
        else {SECTION_ALIASES.get(name.strip(), name.strip()) for name in sections}
    )
    moment = (exported_at or datetime.now(UTC)).astimezone(UTC)
    body = manifest.model_dump(
        mode="json", by_alias=True, exclude_unset=True, exclude_none=True
    )
    envelope: dict[str, Any] = {
        "version": EXPORT_VERSION,
        "exportedAt": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "appVersion": app_version,
    }
    for section in SECTIONS:
        if section not in wanted:
            continue
        for key in _SECTION_KEYS[section]:
            if body.get(key):
                envelope[key] = body[key]
    return envelope


def envelope_to_manifest(
    envelope: Any,
    *,
    source: str = "<envelope>",
    resolver: SecretResolver | None = None,
) -> Conversion:
    """Read a settings-export envelope (ours or the original's) as a manifest.

    Args:
        envelope: the parsed JSON object.
        source: how problems name the input.
        resolver: resolves references; None keeps them unresolved.

    Raises:
        ManifestError: the envelope is invalid; problems carry field paths.
    """
    if not isinstance(envelope, Mapping):
        raise ManifestError(
            [ManifestProblem(source, None, "", "must be a JSON object")]
        )
    data, notes = normalize_envelope(envelope)
    manifest, problems = validate_document(data, source=source, resolver=resolver)
    if manifest is None:
        raise ManifestError(problems)
    return Conversion(manifest, tuple(notes))


def manifest_to_yaml(manifest: Manifest, *, header: str = "") -> str:
    """Render a manifest as YAML, fields in schema order, unset fields left out.

    Args:
        manifest: the manifest.
        header: comment lines to put first (each should start with ``#``).
    """
    body = manifest.model_dump(
        mode="json", by_alias=True, exclude_unset=True, exclude_none=True
    )
    body = {key: value for key, value in body.items() if value not in ([], {})}
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=88)
    if not body:
        text = ""
    return f"{header.rstrip()}\n{text}" if header else text


def envelope_to_yaml(envelope: Any, *, source: str = "<envelope>") -> str:
    """Convert an export envelope (ours or the original's) to manifest YAML."""
    return manifest_to_yaml(envelope_to_manifest(envelope, source=source).manifest)


def yaml_to_envelope(
    text: str | bytes, filename: str, *, exported_at: datetime | None = None
) -> dict[str, Any]:
    """Convert one manifest document to an export envelope, without resolving."""
    loaded = load_manifest_text(
        text, filename, resolve_secrets=False, check_references=False
    )
    return manifest_to_envelope(loaded.manifest, exported_at=exported_at)


def normalize_envelope(envelope: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Map the original project's export shape onto ours; ours passes unchanged.

    Returns:
        The envelope in our shape, and notes on everything mapped or dropped.
    """
    data = dict(envelope)
    notes: list[str] = []
    if "notificationChannels" in data and "notifications" not in data:
        channels = data.pop("notificationChannels")
        data["notifications"] = (
            [_channel(c, notes) for c in channels]
            if isinstance(channels, list)
            else channels
        )
    preferences = data.get("preferences")
    if isinstance(preferences, Mapping):
        preferences = dict(preferences)
        if "executionMode" in preferences and "defaultDiskGroupMode" not in preferences:
            preferences["defaultDiskGroupMode"] = preferences.pop("executionMode")
        weights = preferences.get("factorWeights")
        if isinstance(weights, Mapping) and "scoringWeights" not in data:
            del preferences["factorWeights"]
            data["scoringWeights"] = _weights(weights, notes)
        data["preferences"] = preferences
    integrations = data.get("integrations")
    if isinstance(integrations, list):
        data["integrations"] = [i for i in integrations if _supported(i, notes)]
    groups = data.get("diskGroups")
    if isinstance(groups, list):
        data["diskGroups"] = [_disk_group(g) for g in groups]
    rules = data.get("rules")
    if isinstance(rules, list):
        data["rules"] = _rules(rules, data.get("integrations"), integrations, notes)
    return data, notes


def _channel(channel: Any, notes: list[str]) -> Any:
    if not isinstance(channel, Mapping):
        return channel
    result = dict(channel)
    if result.pop("onUpdateAvailable", None) is not None and not any(
        "onUpdateAvailable" in note for note in notes
    ):
        notes.append("notification flag onUpdateAvailable dropped: no update checks")
    if "webhookUrl" in result and "url" not in result:
        url = result.pop("webhookUrl")
        if url:
            result["url"] = url
    if result.get("appriseTags") in ("", None):
        result.pop("appriseTags", None)
    return result


def _weights(weights: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    known = ScoringWeights.model_fields
    for key in weights:
        if key not in known:
            notes.append(f"scoring weight {key!r} is unknown here and was dropped")
    return {key: value for key, value in weights.items() if key in known}


def _supported(integration: Any, notes: list[str]) -> bool:
    if (
        isinstance(integration, Mapping)
        and integration.get("type") in _UNSUPPORTED_TYPES
    ):
        notes.append(
            f"integration {integration.get('name')!r} skipped: type "
            f"{integration.get('type')} is not supported"
        )
        return False
    return True


def _disk_group(group: Any) -> Any:
    if isinstance(group, Mapping) and group.get("totalBytesOverride") in (0, None):
        return {k: v for k, v in group.items() if k != "totalBytesOverride"}
    return group


def _rules(rules: list[Any], kept: Any, original: Any, notes: list[str]) -> list[Any]:
    kept_list = kept if isinstance(kept, list) else []
    names = {i.get("name") for i in kept_list if isinstance(i, Mapping)}
    dropped = {
        i.get("name")
        for i in (original if isinstance(original, list) else [])
        if isinstance(i, Mapping) and i.get("name") not in names
    }
    result = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping) or not (
            {"integrationName", "integrationType"} & set(rule)
        ):
            result.append(rule)
            continue
        converted = {
            k: v
            for k, v in rule.items()
            if k not in ("integrationName", "integrationType")
        }
        name = rule.get("integrationName")
        kind = rule.get("integrationType")
        condition = " ".join(str(rule.get(k)) for k in ("field", "operator", "value"))
        label = f"rules[{index}] ({condition})"
        if not name and kind:
            same_type = [
                i.get("name")
                for i in kept_list
                if isinstance(i, Mapping) and i.get("type") == kind
            ]
            if len(same_type) == 1:
                name = same_type[0]
                notes.append(
                    f"{label}: assigned to {name!r}, the only {kind} integration"
                )
        if not name:
            notes.append(f"{label} skipped: it names no integration it can apply to")
            continue
        if name in dropped:
            notes.append(f"{label} skipped: its integration {name!r} was skipped")
            continue
        converted["integration"] = name
        result.append(converted)
    return result
