"""The audit log (what was deleted, dry-deleted, cancelled or failed) and the
persisted activity events.

Audit rows are written by ``controller.act``; engine dry-run rows are upserted
per item so repeated cycles refresh one row instead of appending. Activity rows
are written by ``controller.events.EventBus``. Read-side reports (pagination,
grouping) belong to ``controller.store.reports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from controller.store.records import from_row, json_text, to_json
from controller.store.timestamps import to_text

ACTIONS = ("deleted", "dry_delete", "cancelled", "failed")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row (§2.7 plus the item key, bytes and plan provenance)."""

    id: int
    media_name: str
    media_type: str
    integration_id: int | None
    external_id: str | None
    score_details: list[Any]
    action: str
    size_bytes: int
    expected_bytes: int | None
    reclaimed_bytes: int | None
    score: float
    trigger: str
    dry_run_reason: str
    reason: str
    disk_group_id: int | None
    collection_group: str
    run_id: int | None
    plan_digest: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the API shape; ``scoreDetails`` is a JSON string as upstream."""
        out = to_json(
            self,
            omit_empty=(
                "integration_id",
                "disk_group_id",
                "collection_group",
                "external_id",
                "expected_bytes",
                "reclaimed_bytes",
                "run_id",
                "plan_digest",
                "reason",
            ),
        )
        out["scoreDetails"] = json_text(self.score_details)
        return out


def append(db: Database, values: dict[str, Any], *, at: datetime) -> int:
    """Append an audit row from column values; returns its id."""
    if values.get("action") not in ACTIONS:
        raise ValueError(f"unknown audit action {values.get('action')!r}")
    row = dict(values)
    row["score_details"] = json_text(row.get("score_details", []))
    row["created_at"] = to_text(at)
    cursor = db.execute(
        f"INSERT INTO audit_log ({', '.join(row)}) "
        f"VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def upsert_dry_delete(db: Database, values: dict[str, Any], *, at: datetime) -> int:
    """Refresh the one ``dry_delete`` row of an item, or append it.

    The row is matched on ``(integration_id, external_id)``; its score, sizes,
    reason, group, run and ``created_at`` are replaced.
    """
    row = {**values, "action": "dry_delete"}
    found = db.execute(
        "SELECT id FROM audit_log WHERE action = 'dry_delete' AND integration_id = ?"
        " AND external_id = ? ORDER BY id DESC LIMIT 1",
        [row["integration_id"], row["external_id"]],
    ).fetchone()
    if found is None:
        return append(db, row, at=at)
    row["score_details"] = json_text(row.get("score_details", []))
    row["created_at"] = to_text(at)
    db.execute(
        f"UPDATE audit_log SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?",
        [*row.values(), found[0]],
    )
    return int(found[0])


def get(db: Database, entry_id: int) -> AuditEntry | None:
    """Return one audit row by id."""
    row = next(db.query("SELECT * FROM audit_log WHERE id = ?", [entry_id]), None)
    return None if row is None else from_row(AuditEntry, row)


def list_entries(
    db: Database,
    *,
    action: str | None = None,
    run_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Return audit rows newest first, optionally filtered by action or run."""
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    if action is not None:
        where.append("action = ?")
        params.append(action)
    if run_id is not None:
        where.append("run_id = ?")
        params.append(run_id)
    sql = (
        f"SELECT * FROM audit_log WHERE {' AND '.join(where)} "
        "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    )
    return [from_row(AuditEntry, r) for r in db.query(sql, [*params, limit, offset])]


def set_reclaimed(db: Database, entry_ids: list[int], reclaimed_bytes: int) -> None:
    """Record the measured reclaimed bytes of a batch on its audit rows."""
    for entry_id in entry_ids:
        db.execute(
            "UPDATE audit_log SET reclaimed_bytes = ? WHERE id = ?",
            [reclaimed_bytes, entry_id],
        )


def prune(db: Database, *, retention_days: int, now: datetime) -> int:
    """Delete rows older than ``retention_days`` (0 or less keeps everything)."""
    if retention_days <= 0:
        return 0
    cutoff = to_text(now - timedelta(days=retention_days))
    return db.execute("DELETE FROM audit_log WHERE created_at < ?", [cutoff]).rowcount


# --- activity events ------------------------------------------------------------


def append_events(
    db: Database, rows: list[tuple[str, str, str, dict[str, Any], datetime]]
) -> None:
    """Persist bus events: ``(event_id, type, message, metadata, created_at)``."""
    db.conn.executemany(
        "INSERT INTO activity_events (event_id, event_type, message, metadata,"
        " created_at) VALUES (?, ?, ?, ?, ?)",
        [
            (eid, kind, msg, json_text(meta), to_text(at))
            for eid, kind, msg, meta, at in rows
        ],
    )


def recent_events(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Return persisted events newest first as row dicts (metadata as text)."""
    return list(
        db.query("SELECT * FROM activity_events ORDER BY id DESC LIMIT ?", [limit])
    )


def prune_events(db: Database, *, now: datetime, days: int = 7) -> int:
    """Delete activity rows older than ``days`` (fixed 7-day retention)."""
    cutoff = to_text(now - timedelta(days=days))
    return db.execute(
        "DELETE FROM activity_events WHERE created_at < ?", [cutoff]
    ).rowcount


def deletions_since(db: Database, after_id: int) -> tuple[dict[int, int], int]:
    """Count ``deleted`` rows per integration with an id above ``after_id``.

    Returns:
        The counts by integration id, and the highest audit id seen (or
        ``after_id`` when there is none), to pass next time.
    """
    counts: dict[int, int] = {}
    highest = after_id
    for row in db.query(
        "SELECT id, integration_id FROM audit_log WHERE id > ? AND action = 'deleted'",
        [after_id],
    ):
        highest = max(highest, row["id"])
        if row["integration_id"] is not None:
            counts[row["integration_id"]] = counts.get(row["integration_id"], 0) + 1
    return counts, highest
