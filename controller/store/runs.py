"""Engine runs (one row per reconcile cycle) and the lifetime counters.

The reconciler opens a run with :func:`start` and closes it with
:func:`complete`; the deletion worker adds real deletions to the run a job was
planned in (:func:`add_deletion`) and the reclaimed-space measurement to its
summary (:func:`merge_summary`). Lifetime counters survive data resets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.records import from_row, json_text, to_json
from controller.store.timestamps import to_text

KEEP_RUNS = 1000


@dataclass(frozen=True, slots=True)
class EngineRun:
    """One reconcile cycle and what it decided."""

    id: int
    started_at: datetime
    completed_at: datetime | None
    mode: str
    evaluated: int
    candidates: int
    protected: int
    queued: int
    deleted: int
    failed: int
    freed_bytes: int
    duration_ms: int
    error: str
    plan_digest: str
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LifetimeStats:
    """Counters kept for the life of the installation (§2.12)."""

    id: int
    total_bytes_reclaimed: int
    total_items_removed: int
    total_engine_runs: int
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the API shape."""
        return to_json(self)


def start(db: Database, *, mode: str, at: datetime) -> int:
    """Open a run row, count it in the lifetime stats and return its id."""
    cursor = db.execute(
        "INSERT INTO engine_runs (started_at, mode) VALUES (?, ?)", [to_text(at), mode]
    )
    db.execute(
        "UPDATE lifetime_stats SET total_engine_runs = total_engine_runs + 1, "
        "updated_at = ? WHERE id = 1",
        [to_text(at)],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


COUNTERS = (
    "evaluated",
    "candidates",
    "protected",
    "queued",
    "deleted",
    "failed",
    "freed_bytes",
    "duration_ms",
)


def complete(
    db: Database,
    run_id: int,
    *,
    at: datetime,
    error: str = "",
    plan_digest: str = "",
    summary: dict[str, Any] | None = None,
    **counters: int,
) -> None:
    """Close a run with its counters (any of :data:`COUNTERS`)."""
    unknown = set(counters) - set(COUNTERS)
    if unknown:
        raise KeyError(f"not run counters: {sorted(unknown)}")
    sets = ["completed_at = ?", "error = ?", "plan_digest = ?"]
    params: list[object] = [to_text(at), error, plan_digest]
    for name, value in counters.items():
        sets.append(f"{name} = ?")
        params.append(value)
    db.execute(
        f"UPDATE engine_runs SET {', '.join(sets)} WHERE id = ?", [*params, run_id]
    )
    if summary:
        merge_summary(db, run_id, summary)


def add_deletion(db: Database, run_id: int | None, *, freed_bytes: int) -> None:
    """Count one real deletion on its run (no-op without a run)."""
    if run_id is None:
        return
    db.execute(
        "UPDATE engine_runs SET deleted = deleted + 1, "
        "freed_bytes = freed_bytes + ? WHERE id = ?",
        [freed_bytes, run_id],
    )


def add_failure(db: Database, run_id: int | None) -> None:
    """Count one failed deletion on its run (no-op without a run)."""
    if run_id is not None:
        db.execute("UPDATE engine_runs SET failed = failed + 1 WHERE id = ?", [run_id])


def merge_summary(db: Database, run_id: int, extra: dict[str, Any]) -> None:
    """Merge keys into the run's summary JSON."""
    row = db.execute(
        "SELECT summary FROM engine_runs WHERE id = ?", [run_id]
    ).fetchone()
    if row is None:
        return
    merged = {**json.loads(row[0] or "{}"), **extra}
    db.execute(
        "UPDATE engine_runs SET summary = ? WHERE id = ?", [json_text(merged), run_id]
    )


def get(db: Database, run_id: int) -> EngineRun | None:
    """Return one run."""
    row = next(db.query("SELECT * FROM engine_runs WHERE id = ?", [run_id]), None)
    return None if row is None else from_row(EngineRun, row)


def latest(db: Database, *, completed_only: bool = False) -> EngineRun | None:
    """Return the newest run (by start), optionally only completed ones."""
    sql = "SELECT * FROM engine_runs"
    if completed_only:
        sql += " WHERE completed_at IS NOT NULL"
    row = next(db.query(sql + " ORDER BY started_at DESC, id DESC LIMIT 1"), None)
    return None if row is None else from_row(EngineRun, row)


def prune(db: Database, keep: int = KEEP_RUNS) -> int:
    """Keep only the newest ``keep`` runs."""
    return db.execute(
        "DELETE FROM engine_runs WHERE id NOT IN "
        "(SELECT id FROM engine_runs ORDER BY id DESC LIMIT ?)",
        [keep],
    ).rowcount


def lifetime(db: Database) -> LifetimeStats:
    """Return the lifetime counters."""
    return from_row(
        LifetimeStats, next(db.query("SELECT * FROM lifetime_stats WHERE id = 1"))
    )


def add_reclaimed(
    db: Database, *, bytes_reclaimed: int, items: int = 1, at: datetime
) -> None:
    """Add a successful real deletion to the lifetime counters."""
    db.execute(
        "UPDATE lifetime_stats SET total_bytes_reclaimed = total_bytes_reclaimed + ?,"
        " total_items_removed = total_items_removed + ?, updated_at = ? WHERE id = 1",
        [bytes_reclaimed, items, to_text(at)],
    )
