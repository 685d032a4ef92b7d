"""Desired state as plain documents: from a manifest, and from the store.

Both the manifests and the effective state (the store, after runtime changes) are
rendered into the same plain, JSON-friendly document, with the manifest's section
and field names. ``controller.reconcile.desired`` compares such documents field by
field. Secrets appear only as their references (``${SONARR_API_KEY}``); a key set
through the API shows as ``(set through the API)``, never as its value.
"""

from __future__ import annotations

from typing import Any

from controller.manifest.models import Manifest
from controller.store import Transaction
from controller.store import desired as stored

API_SECRET = "(set through the API)"

# Manifest field -> store column, per keyed section.
DISK_GROUP_FIELDS = {
    "thresholdPct": "threshold_pct",
    "targetPct": "target_pct",
    "mode": "mode",
    "totalBytesOverride": "total_bytes_override",
}
RULE_FIELDS = ("field", "operator", "value", "effect", "enabled")
OPTION_FIELDS = (
    "pathMappings",
    "showLevelOnly",
    "collectionDeletion",
    "timeoutSeconds",
    "fullSyncHours",
)
CHANNEL_FLAGS = {
    "onCycleDigest": "on_cycle_digest",
    "onDryRunDigest": "on_dry_run_digest",
    "onError": "on_error",
    "onModeChanged": "on_mode_changed",
    "onServerStarted": "on_server_started",
    "onThresholdBreach": "on_threshold_breach",
    "onApprovalActivity": "on_approval_activity",
    "onIntegrationStatus": "on_integration_status",
}


def _reference(value: Any) -> Any:
    """A SecretRef/UrlRef as written in the manifest; plain values unchanged."""
    if hasattr(value, "raw") and hasattr(value, "url"):  # UrlRef
        return value.raw
    to_manifest = getattr(value, "to_manifest", None)
    if callable(to_manifest):
        written = to_manifest()
        return written if isinstance(written, str) else f"{{file: {written['file']}}}"
    return value


def manifest_document(manifest: Manifest) -> dict[str, Any]:
    """Render the fields a manifest states (defaults it leaves out stay out)."""
    doc: dict[str, Any] = {}
    if manifest.preferences is not None:
        doc["preferences"] = manifest.preferences.model_dump(exclude_unset=True)
    if manifest.scoringWeights is not None:
        doc["scoringWeights"] = manifest.scoringWeights.model_dump(exclude_unset=True)
    doc["diskGroups"] = [
        group.model_dump(exclude_unset=True) for group in manifest.diskGroups
    ]
    integrations = []
    for integration in manifest.integrations:
        entry = integration.model_dump(exclude_unset=True, by_alias=True)
        entry["url"] = _reference(integration.url)
        if integration.apiKey is not None:
            entry["apiKey"] = _reference(integration.apiKey)
        if "pathMappings" in entry:
            entry["pathMappings"] = [
                {"from": m.source, "to": m.target} for m in integration.pathMappings
            ]
        integrations.append(entry)
    doc["integrations"] = integrations
    rules = []
    for position, rule in enumerate(manifest.rules):
        entry = rule.model_dump(exclude_unset=True)
        entry.pop("name", None)
        entry["key"] = rule.name or f"#{position}"
        entry.setdefault("integration", None)
        rules.append(entry)
    doc["rules"] = rules
    channels = []
    for channel in manifest.notifications:
        entry = channel.model_dump(exclude_unset=True)
        if channel.url is not None:
            entry["url"] = _reference(channel.url)
        channels.append(entry)
    doc["notifications"] = channels
    return doc


def effective_document(db: Transaction) -> dict[str, Any]:
    """Render the effective desired state held in the store."""
    integrations = stored.integrations.list_all(db)
    names = {i.id: i.name for i in integrations}
    doc: dict[str, Any] = {
        "preferences": stored.get_preferences(db),
        "scoringWeights": {k: int(v) for k, v in stored.get_weights(db).items()},
    }
    doc["diskGroups"] = [
        {
            "mountPath": group.mount_path,
            **{
                field: getattr(group, column)
                for field, column in DISK_GROUP_FIELDS.items()
            },
        }
        for group in stored.disk_groups.list_all(db)
    ]
    doc["integrations"] = [
        {
            "name": i.name,
            "type": i.type,
            "url": i.options.get("urlRef") or i.url,
            "apiKey": i.api_key_ref or (API_SECRET if i.api_key else None),
            "enabled": i.enabled,
            **{k: v for k, v in i.options.items() if k in OPTION_FIELDS},
        }
        for i in integrations
    ]
    doc["rules"] = [
        {
            "key": rule.name or f"id:{rule.id}",
            **{field: getattr(rule, field) for field in RULE_FIELDS},
            "integration": names.get(rule.integration_id)
            if rule.integration_id is not None
            else None,
        }
        for rule in stored.rules.list_all(db)
    ]
    doc["notifications"] = [
        {
            "name": c.name,
            "type": c.type,
            "url": c.url_ref or (API_SECRET if c.url else None),
            "enabled": c.enabled,
            "appriseTags": c.apprise_tags or None,
            **{flag: getattr(c, column) for flag, column in CHANNEL_FLAGS.items()},
        }
        for c in stored.channels.list_all(db)
    ]
    return doc


def restrict_to(document: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """Keep only the fields of ``document`` that ``template`` states.

    Drift compares the manifests with the effective state; fields the manifests
    leave to defaults are not drift. Entities present only in ``document`` are kept
    whole (something exists that the manifests do not declare), except disk groups,
    which are discovered from the disks rather than declared.
    """
    out: dict[str, Any] = {}
    for section in ("preferences", "scoringWeights"):
        stated = template.get(section) or {}
        out[section] = {
            k: v for k, v in (document.get(section) or {}).items() if k in stated
        }
    for section, key in (
        ("diskGroups", "mountPath"),
        ("integrations", "name"),
        ("rules", "key"),
        ("notifications", "name"),
    ):
        stated = {entity[key]: entity for entity in template.get(section) or []}
        kept = []
        for entity in document.get(section) or []:
            declared = stated.get(entity[key])
            if declared is None:
                # A disk the manifests do not name was discovered, not desired.
                if section != "diskGroups":
                    kept.append(entity)
            else:
                kept.append({k: v for k, v in entity.items() if k in declared})
        out[section] = kept
    return out
