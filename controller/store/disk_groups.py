"""Disk groups: per-mount thresholds and mode (desired) plus usage (observed).

Settings (threshold, target, mode, total-size override) change through
:func:`upsert_settings` with an origin and are logged. Usage is written each
cycle by :func:`observe`, which creates a group with default settings the first
time a mount is seen. A mount that disappears keeps its row and its settings:
nothing here deletes a group because it was not reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.changes import apply_field_changes, record_change
from controller.store.errors import RecordNotFound
from controller.store.records import from_row, to_json
from controller.store.timestamps import to_text

SECTION = "diskGroups"
MODES = ("dry-run", "approval", "auto")
SETTING_COLUMNS = frozenset(
    {"threshold_pct", "target_pct", "mode", "total_bytes_override"}
)


@dataclass(frozen=True, slots=True)
class DiskGroup:
    """A mount point the controller keeps below its threshold.

    ``mode`` None means "use preferences.defaultDiskGroupMode".
    """

    id: int
    mount_path: str
    threshold_pct: float
    target_pct: float
    mode: str | None
    total_bytes_override: int | None
    total_bytes: int
    used_bytes: int
    last_seen_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def effective_total_bytes(self) -> int:
        """The override when set and positive, else the reported total."""
        if self.total_bytes_override and self.total_bytes_override > 0:
            return self.total_bytes_override
        return self.total_bytes

    def effective_mode(self, default_mode: str) -> str:
        """The group's own mode, else ``default_mode``; unknown values read as
        ``dry-run`` so a bad value can never enable deletion."""
        mode = self.mode or default_mode
        return mode if mode in MODES else "dry-run"

    def to_json(self) -> dict[str, Any]:
        """Return the API shape (§2.1), ``totalBytesOverride`` omitted when unset."""
        return to_json(self, omit_empty=("total_bytes_override",))


def get(db: Database, disk_group_id: int) -> DiskGroup:
    """Return the group with this id or raise :class:`RecordNotFound`."""
    row = next(
        db.query("SELECT * FROM disk_groups WHERE id = ?", [disk_group_id]), None
    )
    if row is None:
        raise RecordNotFound("disk_groups", disk_group_id)
    return from_row(DiskGroup, row)


def find_by_mount(db: Database, mount_path: str) -> DiskGroup | None:
    """Return the group for ``mount_path``, if any."""
    row = next(
        db.query("SELECT * FROM disk_groups WHERE mount_path = ?", [mount_path]), None
    )
    return None if row is None else from_row(DiskGroup, row)


def list_all(db: Database) -> list[DiskGroup]:
    """Return all groups ordered by mount path."""
    return [
        from_row(DiskGroup, r)
        for r in db.query("SELECT * FROM disk_groups ORDER BY mount_path")
    ]


def _insert(db: Database, mount_path: str, at: datetime) -> int:
    stamp = to_text(at)
    cursor = db.execute(
        "INSERT INTO disk_groups (mount_path, created_at, updated_at) VALUES (?, ?, ?)",
        [mount_path, stamp, stamp],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def observe(
    db: Database,
    mount_path: str,
    *,
    total_bytes: int,
    used_bytes: int,
    at: datetime,
) -> DiskGroup:
    """Record a disk reading, creating the group with default settings if new."""
    group = find_by_mount(db, mount_path)
    group_id = group.id if group else _insert(db, mount_path, at)
    db.execute(
        "UPDATE disk_groups SET total_bytes = ?, used_bytes = ?, last_seen_at = ? "
        "WHERE id = ?",
        [total_bytes, used_bytes, to_text(at), group_id],
    )
    return get(db, group_id)


def upsert_settings(
    db: Database,
    origin: str,
    mount_path: str,
    changes: dict[str, Any],
    *,
    at: datetime,
) -> DiskGroup:
    """Merge settings into the group for ``mount_path`` (created if missing).

    Args:
        db: the writer inside ``store.write()``.
        origin: who asks for the change.
        mount_path: natural key.
        changes: any of threshold_pct, target_pct, mode, total_bytes_override.
        at: when.

    Raises:
        KeyError: a column that is not a setting.
        ValueError: a mode that is not dry-run, approval, auto or None.
    """
    unknown = set(changes) - SETTING_COLUMNS
    if unknown:
        raise KeyError(f"not disk group settings: {sorted(unknown)}")
    if changes.get("mode") not in (None, *MODES):
        raise ValueError(f"unknown disk group mode {changes['mode']!r}")
    group = find_by_mount(db, mount_path)
    if group is None:
        group = get(db, _insert(db, mount_path, at))
        record_change(
            db,
            origin=origin,
            section=SECTION,
            key=mount_path,
            field=None,
            old=None,
            new={"mountPath": mount_path},
            at=at,
        )
    current = {c: getattr(group, c) for c in SETTING_COLUMNS}
    apply_field_changes(
        db,
        table="disk_groups",
        row_id=group.id,
        current=current,
        changes=changes,
        origin=origin,
        section=SECTION,
        key=mount_path,
        at=at,
    )
    return get(db, group.id)


def update_settings(
    db: Database,
    origin: str,
    disk_group_id: int,
    changes: dict[str, Any],
    *,
    at: datetime,
) -> DiskGroup:
    """Like :func:`upsert_settings`, addressed by id (``PUT /disk-groups/{id}``)."""
    return upsert_settings(
        db, origin, get(db, disk_group_id).mount_path, changes, at=at
    )


def delete(db: Database, origin: str, disk_group_id: int, *, at: datetime) -> None:
    """Forget a group and its settings on explicit request only."""
    group = get(db, disk_group_id)
    db.execute("DELETE FROM disk_groups WHERE id = ?", [disk_group_id])
    old = {c: getattr(group, c) for c in sorted(SETTING_COLUMNS)}
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=group.mount_path,
        field=None,
        old=old,
        new=None,
        at=at,
    )
