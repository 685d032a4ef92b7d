"""Data reset and retention: clearing what was scraped, pruning what aged out.

``DELETE /data/reset`` calls :func:`reset_observed`; :func:`housekeeping` rolls
metrics up and applies every retention rule after each cycle. Desired state
(settings, rules, integrations, channels), lifetime statistics and accounts are
never touched here.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from controller.store import audit, metrics, runs, snapshots


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


def housekeeping(
    db: Database, *, now: datetime, audit_retention_days: int
) -> dict[str, int]:
    """Roll metrics up into hourly/daily/weekly tiers and prune what aged out.

    Roll-ups keep their own checkpoints, so running this after every cycle is
    cheap and catches up after downtime.
    """
    done = {
        f"rolled_{tier}": metrics.rollup(db, tier, now=now)
        for tier in ("hourly", "daily", "weekly")
    }
    done["metrics_pruned"] = metrics.prune(db, now=now)
    done["audit_pruned"] = audit.prune(db, retention_days=audit_retention_days, now=now)
    done["activity_pruned"] = audit.prune_events(db, now=now)
    done["runs_pruned"] = runs.prune(db)
    done["snapshots_pruned"] = snapshots.prune_libraries(db, now=now)
    return done
