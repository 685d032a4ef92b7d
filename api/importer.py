"""Apply a settings import: one transaction, every change logged with its origin.

Integrations, disk groups and notification channels are upserted by name or
mount path, preferences and weights merged, rules added (never matched or
replaced). A preview runs the very same code and rolls the transaction back, so
what it reports is exactly what an import would do.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from controller.manifest.models import Manifest
from controller.store import channels, disk_groups, integrations, rules
from controller.store.desired import (
    get_preferences,
    get_weights,
    set_preferences,
    set_weights,
)

SECTION_FLAGS = ("preferences", "rules", "integrations", "diskGroups", "notifications")


@dataclass
class ImportResult:
    """What an import did (or, for a preview, would do), section by section."""

    preferencesImported: bool = False
    rulesImported: int = 0
    rulesUnmatched: int = 0
    integrationsImported: int = 0
    diskGroupsImported: int = 0
    notificationChannelsImported: int = 0
    changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def note(self, section: str, name: str, action: str, **extra: Any) -> None:
        """Record one item's outcome (create, update, unchanged, unmatched)."""
        self.changes.setdefault(section, []).append(
            {"name": name, "action": action, **extra}
        )

    def as_json(self) -> dict[str, Any]:
        """The API shape."""
        return {
            "preferencesImported": self.preferencesImported,
            "rulesImported": self.rulesImported,
            "rulesUnmatched": self.rulesUnmatched,
            "integrationsImported": self.integrationsImported,
            "diskGroupsImported": self.diskGroupsImported,
            "notificationChannelsImported": self.notificationChannelsImported,
            "itemsDeleted": 0,
            "changes": self.changes,
        }


class _Rollback(Exception):
    """Raised inside the transaction of a preview to undo it."""


def apply(
    store: Any,
    manifest: Manifest,
    sections: Collection[str],
    origin: str,
    *,
    preview: bool = False,
) -> ImportResult:
    """Import the chosen sections of ``manifest`` into the store.

    Raises:
        Any store error; nothing is written then.
    """
    result = ImportResult()
    try:
        with store.write() as db:
            at = store.now()
            if "preferences" in sections:
                _preferences(db, manifest, origin, at, result)
            if "integrations" in sections:
                _integrations(db, manifest, origin, at, result)
            if "diskGroups" in sections:
                _disk_groups(db, manifest, origin, at, result)
            if "notifications" in sections:
                _channels(db, manifest, origin, at, result)
            if "rules" in sections:
                _rules(db, manifest, origin, at, result)
            if preview:
                raise _Rollback
    except _Rollback:
        pass
    return result


def _preferences(
    db: Any, manifest: Manifest, origin: str, at: Any, r: ImportResult
) -> None:
    if manifest.preferences is not None:
        given = manifest.preferences.model_dump(mode="json", exclude_unset=True)
        before = get_preferences(db)
        changed = {k: v for k, v in given.items() if before.get(k) != v}
        set_preferences(db, origin, given, at=at)
        r.preferencesImported = True
        r.note(
            "preferences",
            "preferences",
            "update" if changed else "unchanged",
            fields=sorted(changed),
        )
    if manifest.scoringWeights is not None:
        given = manifest.scoringWeights.model_dump(exclude_unset=True)
        before = get_weights(db)
        changed = {k: v for k, v in given.items() if before.get(k) != v}
        set_weights(db, origin, given, at=at)
        r.preferencesImported = True
        r.note(
            "scoringWeights",
            "scoringWeights",
            "update" if changed else "unchanged",
            fields=sorted(changed),
        )


def _integrations(
    db: Any, manifest: Manifest, origin: str, at: Any, r: ImportResult
) -> None:
    for item in manifest.integrations:
        options: dict[str, Any] = {
            "showLevelOnly": item.showLevelOnly,
            "collectionDeletion": item.collectionDeletion,
        }
        if item.timeoutSeconds is not None:
            options["timeoutSeconds"] = item.timeoutSeconds
        if item.fullSyncHours is not None:
            options["fullSyncHours"] = item.fullSyncHours
        values: dict[str, Any] = {
            "type": item.type,
            "url": item.url.raw,
            "enabled": item.enabled,
            "options": options,
        }
        if item.apiKey is not None:
            values["api_key_ref"] = item.apiKey.reference
        current = integrations.find_by_name(db, item.name)
        if current is None:
            integrations.create(db, origin, name=item.name, at=at, **values)
            r.note("integrations", item.name, "create", type=item.type)
        else:
            values.pop("type")
            before = {c: getattr(current, c) for c in values}
            integrations.update(db, origin, current.id, values, at=at)
            changed = sorted(c for c in values if before[c] != values[c])
            r.note(
                "integrations",
                item.name,
                "update" if changed else "unchanged",
                type=item.type,
                fields=changed,
            )
        r.integrationsImported += 1


def _disk_groups(
    db: Any, manifest: Manifest, origin: str, at: Any, r: ImportResult
) -> None:
    for group in manifest.diskGroups:
        current = disk_groups.find_by_mount(db, group.mountPath)
        disk_groups.upsert_settings(
            db,
            origin,
            group.mountPath,
            {
                "threshold_pct": group.thresholdPct,
                "target_pct": group.targetPct,
                "mode": group.mode,
                "total_bytes_override": group.totalBytesOverride,
            },
            at=at,
        )
        r.note("diskGroups", group.mountPath, "create" if current is None else "update")
        r.diskGroupsImported += 1


def _channels(
    db: Any, manifest: Manifest, origin: str, at: Any, r: ImportResult
) -> None:
    for channel in manifest.notifications:
        values: dict[str, Any] = {
            "type": channel.type,
            "enabled": channel.enabled,
            "apprise_tags": channel.appriseTags or "",
        }
        for flag in channels.FLAGS:
            name = _camel(flag)
            if name in type(channel).model_fields:
                values[flag] = getattr(channel, name)
        if channel.url is not None:
            values["url_ref"] = channel.url.reference
        current = channels.find_by_name(db, channel.name)
        if current is None:
            channels.create(db, origin, {"name": channel.name, **values}, at=at)
            r.note("notifications", channel.name, "create", type=channel.type)
        else:
            channels.update(db, origin, current.id, values, at=at)
            r.note("notifications", channel.name, "update", type=channel.type)
        r.notificationChannelsImported += 1


def _rules(db: Any, manifest: Manifest, origin: str, at: Any, r: ImportResult) -> None:
    for index, rule in enumerate(manifest.rules):
        label = f"{rule.field} {rule.operator} {rule.value}"
        integration_id = None
        if rule.integration is not None:
            owner = integrations.find_by_name(db, rule.integration)
            if owner is None:
                r.rulesUnmatched += 1
                r.note(
                    "rules",
                    label,
                    "unmatched",
                    index=index,
                    integration=rule.integration,
                )
                continue
            integration_id = owner.id
        rules.create(
            db,
            origin,
            {
                "name": rule.name or "",
                "field": rule.field,
                "operator": rule.operator,
                "value": rule.value,
                "effect": rule.effect,
                "enabled": rule.enabled,
                "integration_id": integration_id,
            },
            at=at,
        )
        r.note("rules", label, "create", index=index, integration=rule.integration)
        r.rulesImported += 1


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
