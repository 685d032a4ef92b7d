"""Apply a manifest generation to the store, the latest-intent way.

A generation is one loaded state of the manifests folder (its content digest names
it). Only what a generation changes compared with the previous applied generation is
written, with origin ``manifest:<digest>``; fields the manifests did not change keep
whatever runtime changes set. An invalid folder is recorded as a rejected generation
and changes nothing. Called by the runtime at start-up and on every manifest change.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from controller.manifest.loader import LoadedManifests
from controller.reconcile.desired import ABSENT, Change, diff, flatten
from controller.reconcile.documents import (
    CHANNEL_FLAGS,
    DISK_GROUP_FIELDS,
    OPTION_FIELDS,
    RULE_FIELDS,
    effective_document,
    manifest_document,
    restrict_to,
)
from controller.store import Store, Transaction
from controller.store import changes as change_rows
from controller.store import desired as stored
from controller.store import manifests as generation_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppliedGeneration:
    """What applying a generation did."""

    digest: str
    git_commit: str | None
    changes: tuple[Change, ...]


def git_commit_of(directory: Path) -> str | None:
    """The commit checked out in ``directory`` when it is a git work tree."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def previous_document(db: Transaction) -> dict[str, Any] | None:
    """The document of the last applied generation, if any."""
    latest = generation_rows.latest(db, status="applied")
    if latest is None:
        return None
    content = latest.content
    return json.loads(content) if isinstance(content, str) else content


def apply_generation(
    store: Store, loaded: LoadedManifests, *, git_commit: str | None = None
) -> AppliedGeneration:
    """Write what ``loaded`` changes to the store and record the generation."""
    document = manifest_document(loaded.manifest)
    origin = f"manifest:{loaded.digest[:12]}"
    with store.write() as db:
        before = previous_document(db)
        changes = diff(flatten(before or {}), flatten(document))
        now = store.now()
        _apply(db, changes, document, origin, loaded.manifest, now)
        generation_rows.record(
            db,
            digest=loaded.digest,
            git_commit=git_commit,
            files=[str(p) for p in loaded.files],
            content=document,
            status="applied",
            errors=[],
            at=now,
        )
    log.info(
        "manifest generation %s applied: %d field change(s)",
        loaded.digest[:12],
        len(changes),
    )
    return AppliedGeneration(loaded.digest, git_commit, tuple(changes))


def record_rejected(
    store: Store, digest: str, files: list[str], errors: list[str]
) -> None:
    """Remember a generation that failed validation; the last good one stays."""
    with store.write() as db:
        generation_rows.record(
            db,
            digest=digest,
            git_commit=None,
            files=files,
            content={},
            status="rejected",
            errors=errors,
            at=store.now(),
        )


def _entity(document: dict[str, Any], section: str, key: str) -> dict[str, Any]:
    key_field = {"diskGroups": "mountPath", "rules": "key"}.get(section, "name")
    for entity in document.get(section) or []:
        if str(entity[key_field]) == key:
            return dict(entity)
    return {}


def _apply(
    db: Transaction,
    changes: list[Change],
    document: dict[str, Any],
    origin: str,
    manifest: Any,
    at: datetime,
) -> None:
    preferences: dict[str, Any] = {}
    weights: dict[str, Any] = {}
    touched: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for change in changes:
        path = change.path
        if path.key is None:
            if change.new is ABSENT:
                continue  # no longer stated: keep the effective value
            target = preferences if path.section == "preferences" else weights
            target[path.field] = change.new
        else:
            touched[(path.section, path.key)][path.field] = change.new
    if preferences:
        stored.set_preferences(db, origin, preferences, at=at)
    if weights:
        stored.set_weights(db, origin, weights, at=at)
    secrets = _secrets(manifest)
    # Integrations first: rules refer to them by name.
    order = {"integrations": 0, "diskGroups": 1, "notifications": 2, "rules": 3}
    for (section, key), fields in sorted(touched.items(), key=lambda t: order[t[0][0]]):
        entity = _entity(document, section, key)
        removed = fields.get("") is ABSENT
        changed = {f: v for f, v in fields.items() if f and v is not ABSENT}
        if section == "diskGroups":
            _disk_group(db, origin, key, entity, changed, removed, at)
        elif section == "integrations":
            _integration(db, origin, key, entity, removed, secrets, at)
        elif section == "rules":
            _rule(db, origin, key, entity, removed, document, at)
        else:
            _channel(db, origin, key, entity, removed, secrets, at)


def _secrets(manifest: Any) -> dict[tuple[str, str], str]:
    """Resolved values of URLs and keys, by (section, name), for the store."""
    values: dict[tuple[str, str], str] = {}
    for integration in manifest.integrations:
        values[("url", integration.name)] = _reveal(integration.url)
        if integration.apiKey is not None:
            values[("apiKey", integration.name)] = _reveal(integration.apiKey)
    for channel in manifest.notifications:
        if channel.url is not None:
            values[("channel", channel.name)] = _reveal(channel.url)
    return values


def _reveal(value: Any) -> str:
    if hasattr(value, "raw") and hasattr(value, "url"):  # UrlRef
        return str(value.url)
    reveal = getattr(value, "reveal", None)
    return str(reveal()) if callable(reveal) else str(value)


def _disk_group(
    db: Transaction,
    origin: str,
    mount: str,
    entity: dict[str, Any],
    changed: dict[str, Any],
    removed: bool,
    at: datetime,
) -> None:
    if removed:
        # A disk exists whether or not a manifest names it: forget only the
        # manifest's mode, so the group falls back to the default mode.
        group = stored.disk_groups.find_by_mount(db, mount)
        if group is not None and group.mode is not None:
            stored.disk_groups.upsert_settings(db, origin, mount, {"mode": None}, at=at)
        return
    columns = {
        DISK_GROUP_FIELDS[f]: v for f, v in changed.items() if f in DISK_GROUP_FIELDS
    }
    if stored.disk_groups.find_by_mount(db, mount) is None:
        columns = {
            DISK_GROUP_FIELDS[f]: v for f, v in entity.items() if f in DISK_GROUP_FIELDS
        }
    if columns:
        stored.disk_groups.upsert_settings(db, origin, mount, columns, at=at)


def _integration(
    db: Transaction,
    origin: str,
    name: str,
    entity: dict[str, Any],
    removed: bool,
    secrets: dict[tuple[str, str], str],
    at: datetime,
) -> None:
    existing = stored.integrations.find_by_name(db, name)
    if removed:
        if existing is not None:
            stored.integrations.delete(db, origin, existing.id, at=at)
        return
    url_ref = entity["url"] if str(entity["url"]).startswith("${") else None
    options = {k: entity[k] for k in OPTION_FIELDS if k in entity}
    if url_ref:
        options["urlRef"] = url_ref
    values: dict[str, Any] = {
        "type": entity["type"],
        "url": secrets.get(("url", name), entity["url"]),
        "enabled": entity.get("enabled", True),
        "options": options,
    }
    if "apiKey" in entity:
        values["api_key"] = secrets.get(("apiKey", name), "")
        values["api_key_ref"] = entity["apiKey"]
    if existing is None:
        stored.integrations.create(db, origin, name=name, at=at, **values)
    else:
        stored.integrations.update(db, origin, existing.id, values, at=at)


def _rule(
    db: Transaction,
    origin: str,
    key: str,
    entity: dict[str, Any],
    removed: bool,
    document: dict[str, Any],
    at: datetime,
) -> None:
    # Rules made at runtime have no name; documents key them as ``id:<id>``.
    existing = next(
        (
            r
            for r in stored.rules.list_all(db)
            if r.name == key or (not r.name and key == f"id:{r.id}")
        ),
        None,
    )
    if removed:
        if existing is not None:
            stored.rules.delete(db, origin, existing.id, at=at)
        return
    integration_id = None
    if entity.get("integration"):
        target = stored.integrations.find_by_name(db, entity["integration"])
        integration_id = target.id if target else None
    position = [r["key"] for r in document.get("rules") or []].index(key)
    values = {
        "name": key,
        **{f: entity[f] for f in RULE_FIELDS if f in entity},
        "integration_id": integration_id,
        "sort_order": position,
    }
    if existing is None:
        stored.rules.create(db, origin, values, at=at)
    else:
        stored.rules.update(db, origin, existing.id, values, at=at)


def _channel(
    db: Transaction,
    origin: str,
    name: str,
    entity: dict[str, Any],
    removed: bool,
    secrets: dict[tuple[str, str], str],
    at: datetime,
) -> None:
    existing = stored.channels.find_by_name(db, name)
    if removed:
        if existing is not None:
            stored.channels.delete(db, origin, existing.id, at=at)
        return
    values: dict[str, Any] = {
        "name": name,
        "type": entity["type"],
        "enabled": entity.get("enabled", True),
        "apprise_tags": entity.get("appriseTags") or "",
        **{column: entity[f] for f, column in CHANNEL_FLAGS.items() if f in entity},
    }
    if "url" in entity:
        values["url"] = secrets.get(("channel", name), "")
        values["url_ref"] = entity["url"]
    if existing is None:
        stored.channels.create(db, origin, values, at=at)
    else:
        stored.channels.update(db, origin, existing.id, values, at=at)


def revert_to_manifest(
    store: Store, loaded: LoadedManifests, origin: str
) -> list[Change]:
    """Undo every runtime change the manifests disagree with (drift -> none).

    Entities the manifests do not declare are removed (rules, integrations and
    channels created at runtime); discovered disk groups are observed state, not
    drift, and stay. Returns the changes made.
    """
    document = manifest_document(loaded.manifest)
    with store.write() as db:
        effective = restrict_to(effective_document(db), document)
        changes = diff(flatten(effective), flatten(document))
        _apply(db, changes, document, origin, loaded.manifest, store.now())
    log.info("reverted %d drifted field(s) to the manifests", len(changes))
    return changes


# Change-log field (camelCase of a column) -> column, for reverting one change.
_COLUMNS = {
    "diskGroups": {v: k for k, v in DISK_GROUP_FIELDS.items()},
    "rules": {f: f for f in (*RULE_FIELDS, "name")}
    | {"integrationId": "integration_id"},
    "integrations": {"name": "name", "url": "url", "enabled": "enabled"},
}


def revert_changes(store: Store, change_ids: list[int], origin: str) -> list[str]:
    """Set the fields of the given recorded changes back to their old values.

    Only field changes can be reverted one by one; creations, deletions and
    secrets are skipped (revert everything to the manifests for those).

    Returns:
        A line per reverted change, ``section[key].field: new -> old``.
    """
    reverted: list[str] = []
    at = store.now()
    with store.write() as db:
        for change in change_rows.list_changes(db, limit=100_000):
            if change.id not in change_ids or change.field is None:
                continue
            section, key, field = change.section, change.key, change.field
            if section == "preferences":
                stored.set_preferences(db, origin, {field: change.old}, at=at)
            elif section == "scoringWeights":
                stored.set_weights(db, origin, {field: change.old}, at=at)
            elif section == "diskGroups" and field in _COLUMNS["diskGroups"]:
                column = _COLUMNS["diskGroups"][field]
                stored.disk_groups.upsert_settings(
                    db, origin, key, {column: change.old}, at=at
                )
            elif section == "rules" and field in _COLUMNS["rules"]:
                column = _COLUMNS["rules"][field]
                stored.rules.update(db, origin, int(key), {column: change.old}, at=at)
            elif section == "integrations" and field in _COLUMNS["integrations"]:
                row = stored.integrations.find_by_name(db, key)
                if row is None:
                    continue
                column = _COLUMNS["integrations"][field]
                stored.integrations.update(
                    db, origin, row.id, {column: change.old}, at=at
                )
            else:
                continue
            reverted.append(f"{section}[{key}].{field}: {change.new} -> {change.old}")
    return reverted
