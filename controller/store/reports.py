"""Read-only report queries behind the API's history and statistics endpoints.

Audit-log pages (search, action filter, sort, total), the audit log grouped by
show, recent activity, engine-run history and the first user's name. Nothing
here writes; each function opens a read connection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from controller.store.audit import AuditEntry, list_entries
from controller.store.database import Store
from controller.store.records import from_row
from controller.store.runs import EngineRun
from controller.store.timestamps import to_text

AUDIT_SORT_COLUMNS = ("created_at", "media_name", "size_bytes", "action")


def audit_page(
    store: Store,
    *,
    limit: int,
    offset: int,
    search: str = "",
    action: str = "",
    sort_by: str = "created_at",
    sort_dir: str = "desc",
) -> tuple[list[AuditEntry], int]:
    """Return one page of audit entries and how many match the filters.

    Args:
        search: case-insensitive substring of the media name.
        action: exact action (deleted, dry_delete, cancelled, failed).
        sort_by: one of :data:`AUDIT_SORT_COLUMNS`.
        sort_dir: ``asc`` or ``desc``.
    """
    if sort_by not in AUDIT_SORT_COLUMNS:
        raise ValueError(f"cannot sort the audit log by {sort_by!r}")
    direction = "ASC" if sort_dir.lower() == "asc" else "DESC"
    where: list[str] = []
    params: list[object] = []
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("media_name LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    if action:
        where.append("action = ?")
        params.append(action)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with store.read() as db:
        total = db.execute("SELECT COUNT(*) FROM audit_log" + clause, params)
        count = int(total.fetchone()[0])
        rows = db.query(
            f"SELECT * FROM audit_log{clause} ORDER BY {sort_by} {direction}, "
            f"id {direction} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [from_row(AuditEntry, row) for row in rows], count


def recent_audit(store: Store, limit: int) -> list[AuditEntry]:
    """Return the newest ``limit`` audit entries."""
    with store.read() as db:
        return list_entries(db, limit=limit)


def show_title(media_name: str) -> str:
    """The show a season or episode entry belongs to, read from its name."""
    for marker in (" - Season", " - S"):
        index = media_name.find(marker)
        if index > 0:
            return media_name[:index]
    return media_name


def grouped_audit(store: Store, limit: int) -> list[dict[str, Any]]:
    """Group the newest ``limit`` season and episode entries by show.

    Groups come first, in order of first appearance (newest first), then every
    other entry as a single, newest first.
    """
    groups: dict[str, list[AuditEntry]] = {}
    singles: list[AuditEntry] = []
    for entry in recent_audit(store, limit):
        if entry.media_type in ("season", "episode"):
            groups.setdefault(show_title(entry.media_name), []).append(entry)
        else:
            singles.append(entry)
    out: list[dict[str, Any]] = []
    for title, children in groups.items():
        rendered = [child.to_json() for child in children]
        out.append(
            {
                "type": "group",
                "group": {
                    "showTitle": title,
                    "children": rendered,
                    "totalSize": sum(child.size_bytes for child in children),
                    "action": children[0].action,
                    "createdAt": rendered[0]["createdAt"],
                },
            }
        )
    out += [{"type": "single", "entry": entry.to_json()} for entry in singles]
    return out


def recent_activity(
    store: Store, limit: int, *, since: datetime
) -> list[dict[str, Any]]:
    """Return up to ``limit`` activity events newer than ``since``, newest first."""
    with store.read() as db:
        rows = db.query(
            "SELECT * FROM activity_events WHERE created_at >= ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            [to_text(since), limit],
        )
        return [dict(row) for row in rows]


def engine_history(store: Store, since: datetime) -> list[EngineRun]:
    """Return completed engine runs started at or after ``since``, oldest first."""
    with store.read() as db:
        rows = db.query(
            "SELECT * FROM engine_runs WHERE started_at >= ? "
            "AND completed_at IS NOT NULL ORDER BY started_at ASC, id ASC",
            [to_text(since)],
        )
        return [from_row(EngineRun, row) for row in rows]


def first_username(store: Store) -> str | None:
    """The oldest user's name (the single admin), or None before setup."""
    with store.read() as db:
        row = db.execute("SELECT username FROM users ORDER BY id LIMIT 1").fetchone()
    return None if row is None else str(row[0])
