"""Preferences and scoring weights, and the entry point to all desired state.

Preferences are stored one row per field (JSON value); scoring weights one row
per factor. Every mutation takes an ``origin`` and writes a change-log row in
the same transaction. The other desired-state sections live in their own
modules, re-exported here so callers can write ``desired.integrations.update``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store import channels, disk_groups, integrations, rules
from controller.store.changes import record_change
from controller.store.migrations import PREFERENCE_DEFAULTS, WEIGHT_DEFAULTS
from controller.store.timestamps import to_text

__all__ = [
    "PREFERENCE_DEFAULTS",
    "WEIGHT_DEFAULTS",
    "channels",
    "disk_groups",
    "effective_mode",
    "get_preferences",
    "get_weights",
    "integrations",
    "rules",
    "set_preferences",
    "set_weights",
]


def get_preferences(db: Database) -> dict[str, Any]:
    """Return every preference: the defaults overlaid with stored values."""
    stored = {
        row["key"]: json.loads(row["value"])
        for row in db.query("SELECT key, value FROM preferences")
    }
    return {**PREFERENCE_DEFAULTS, **stored}


def set_preferences(
    db: Database, origin: str, changes: dict[str, Any], *, at: datetime
) -> dict[str, Any]:
    """Merge ``changes`` (camelCase field -> value) into the preferences.

    Fields not named keep their values; unchanged values are not logged. Values
    are validated by the caller (API or manifest schema).

    Returns:
        The preferences after the change.
    """
    current = get_preferences(db)
    stamp = to_text(at)
    for key, value in changes.items():
        if key in current and current[key] == value:
            continue
        db.execute(
            "INSERT INTO preferences (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at",
            [key, json.dumps(value), stamp],
        )
        record_change(
            db,
            origin=origin,
            section="preferences",
            key=key,
            field=key,
            old=current.get(key),
            new=value,
            at=at,
        )
    return get_preferences(db)


def get_weights(db: Database) -> dict[str, float]:
    """Return factor key -> weight, defaults overlaid with stored values."""
    stored = {
        row["factor_key"]: row["weight"]
        for row in db.query("SELECT factor_key, weight FROM scoring_weights")
    }
    return {**WEIGHT_DEFAULTS, **stored}


def set_weights(
    db: Database, origin: str, changes: dict[str, float], *, at: datetime
) -> dict[str, float]:
    """Merge factor weights; factors not named keep their weight."""
    current = get_weights(db)
    stamp = to_text(at)
    for factor, weight in changes.items():
        if current.get(factor) == weight:
            continue
        db.execute(
            "INSERT INTO scoring_weights (factor_key, weight, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (factor_key) DO UPDATE SET "
            "weight = excluded.weight, updated_at = excluded.updated_at",
            [factor, weight, stamp],
        )
        record_change(
            db,
            origin=origin,
            section="scoringWeights",
            key=factor,
            field=factor,
            old=current.get(factor),
            new=weight,
            at=at,
        )
    return get_weights(db)


def effective_mode(db: Database, disk_group_id: int | None) -> str:
    """Return the mode in force for a group (its own, else the default).

    A group id that no longer exists, or None (a manual deletion without a
    group), gets the default mode. Unknown values read as ``dry-run``.
    """
    default = str(get_preferences(db)["defaultDiskGroupMode"])
    if disk_group_id is not None:
        row = next(
            db.query("SELECT mode FROM disk_groups WHERE id = ?", [disk_group_id]), None
        )
        if row is not None and row["mode"]:
            default = row["mode"]
    return default if default in disk_groups.MODES else "dry-run"
