"""Data reset and retention: clearing what was scraped, pruning what aged out.

``DELETE /data/reset`` calls :func:`reset_observed`; the runtime's daily
housekeeping calls :func:`prune_expired`. Desired state (settings, rules,
integrations, channels), lifetime statistics and accounts are never touched here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from controller.store.timestamps import to_text


def reset_observed(db: Database) -> dict[str, int]:
    """Delete scraped and derived data; keep desired state and lifetime stats.

    Approved approval rows and queued or in-flight deletion jobs are kept: a reset
    must never lose a person's decision or a deletion already under way.
    """
    cleared = {
        "auditLog": db.execute("DELETE FROM audit_log").rowcount,
        "approvalQueue": db.execute(
            "DELETE FROM approval_queue WHERE status != 'approved'"
        ).rowcount,
        "libraryHistories": db.execute("DELETE FROM metrics_history").rowcount,
        "engineRunStats": db.execute(
            "DELETE FROM engine_runs WHERE id NOT IN (SELECT run_id FROM "
            "deletion_queue WHERE run_id IS NOT NULL AND state IN "
            "('queued', 'in_flight'))"
        ).rowcount,
        "diskGroupsReset": db.execute(
            "UPDATE disk_groups SET total_bytes = 0, used_bytes = 0"
        ).rowcount,
        "integrationsReset": db.execute(
            "UPDATE integrations SET media_size_bytes = 0, media_count = 0, "
            "last_sync = NULL, last_error = ''"
        ).rowcount,
        "mediaCacheCleared": db.execute("DELETE FROM media_cache").rowcount,
    }
    db.execute("DELETE FROM library_snapshots")
    return cleared


def prune_expired(
    db: Database, *, now: datetime, audit_retention_days: int
) -> dict[str, int]:
    """Apply the retention rules: activity 7 days, audit per preference."""
    pruned = {
        "activity": db.execute(
            "DELETE FROM activity_events WHERE created_at < ?",
            [to_text(now - timedelta(days=7))],
        ).rowcount
    }
    if audit_retention_days > 0:
        pruned["audit"] = db.execute(
            "DELETE FROM audit_log WHERE created_at < ?",
            [to_text(now - timedelta(days=audit_retention_days))],
        ).rowcount
    return pruned
