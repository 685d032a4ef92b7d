"""The database schema as an ordered list of named migrations.

:meth:`controller.store.database.Store.migrate` applies each entry once, in its
own transaction, and records its name in the ``migrations`` table. Append new
entries at the end; never edit or reorder one that has shipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlite_utils import Database

from controller.store.timestamps import to_text

Migration = tuple[str, str | Callable[[Database, datetime], None]]

DESIRED_STATE = """
CREATE TABLE integrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    api_key TEXT NOT NULL DEFAULT '',
    api_key_ref TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    options TEXT NOT NULL DEFAULT '{}',
    last_sync TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    media_count INTEGER NOT NULL DEFAULT 0,
    media_size_bytes INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE disk_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mount_path TEXT NOT NULL UNIQUE,
    threshold_pct REAL NOT NULL DEFAULT 85,
    target_pct REAL NOT NULL DEFAULT 75,
    mode TEXT CHECK (mode IS NULL OR mode IN ('dry-run', 'approval', 'auto')),
    total_bytes_override INTEGER,
    total_bytes INTEGER NOT NULL DEFAULT 0,
    used_bytes INTEGER NOT NULL DEFAULT 0,
    last_seen_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL DEFAULT '',
    field TEXT NOT NULL,
    operator TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    effect TEXT NOT NULL CHECK (effect IN ('always_keep', 'prefer_keep',
        'lean_keep', 'lean_remove', 'prefer_remove', 'always_remove')),
    integration_id INTEGER REFERENCES integrations (id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL DEFAULT 1,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE preferences (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE scoring_weights (
    factor_key TEXT PRIMARY KEY,
    weight REAL NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE notification_channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    url_ref TEXT,
    apprise_tags TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    on_cycle_digest INTEGER NOT NULL DEFAULT 1,
    on_dry_run_digest INTEGER NOT NULL DEFAULT 1,
    on_error INTEGER NOT NULL DEFAULT 1,
    on_mode_changed INTEGER NOT NULL DEFAULT 1,
    on_server_started INTEGER NOT NULL DEFAULT 1,
    on_threshold_breach INTEGER NOT NULL DEFAULT 1,
    on_update_available INTEGER NOT NULL DEFAULT 1,
    on_approval_activity INTEGER NOT NULL DEFAULT 1,
    on_integration_status INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE desired_state_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    origin TEXT NOT NULL,
    section TEXT NOT NULL,
    key TEXT NOT NULL,
    field TEXT,
    old TEXT,
    new TEXT
);
CREATE INDEX desired_state_changes_key
    ON desired_state_changes (section, key, field, id);
CREATE TABLE manifest_generations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    digest TEXT NOT NULL,
    git_commit TEXT,
    files TEXT NOT NULL DEFAULT '[]',
    content TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    errors TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
"""

QUEUES = """
CREATE TABLE approval_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    media_type TEXT NOT NULL,
    title TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    expected_bytes INTEGER NOT NULL DEFAULT 0,
    score REAL NOT NULL DEFAULT 0,
    score_details TEXT NOT NULL DEFAULT '[]',
    poster_url TEXT NOT NULL DEFAULT '',
    disk_group_id INTEGER,
    unmonitor INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    trigger TEXT NOT NULL DEFAULT 'engine' CHECK (trigger IN ('engine', 'user')),
    user_initiated INTEGER NOT NULL DEFAULT 0,
    collection_group TEXT NOT NULL DEFAULT '',
    snoozed_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX approval_queue_item
    ON approval_queue (integration_id, external_id);
CREATE INDEX approval_queue_status ON approval_queue (status, disk_group_id);
CREATE TABLE deletion_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    media_type TEXT NOT NULL,
    title TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    expected_bytes INTEGER NOT NULL DEFAULT 0,
    score REAL NOT NULL DEFAULT 0,
    score_details TEXT NOT NULL DEFAULT '[]',
    poster_url TEXT NOT NULL DEFAULT '',
    collection_group TEXT NOT NULL DEFAULT '',
    trigger TEXT NOT NULL CHECK (trigger IN ('engine', 'user', 'approval')),
    approval_id INTEGER,
    disk_group_id INTEGER,
    run_id INTEGER,
    plan_digest TEXT NOT NULL DEFAULT '',
    enqueued_mode TEXT NOT NULL,
    delete_files INTEGER NOT NULL DEFAULT 1,
    add_exclusion INTEGER NOT NULL DEFAULT 0,
    unmonitor INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'deleted',
        'failed', 'cancelled', 'dry_run')),
    not_before TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX deletion_queue_live_item
    ON deletion_queue (integration_id, external_id)
    WHERE state IN ('queued', 'in_flight');
CREATE INDEX deletion_queue_state ON deletion_queue (state, not_before, id);
"""

HISTORY = """
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    media_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    integration_id INTEGER,
    external_id TEXT,
    score_details TEXT NOT NULL DEFAULT '[]',
    action TEXT NOT NULL CHECK (action IN ('deleted', 'dry_delete', 'cancelled',
        'failed')),
    size_bytes INTEGER NOT NULL DEFAULT 0,
    expected_bytes INTEGER,
    reclaimed_bytes INTEGER,
    score REAL NOT NULL DEFAULT 0,
    trigger TEXT NOT NULL DEFAULT 'engine',
    dry_run_reason TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    disk_group_id INTEGER,
    collection_group TEXT NOT NULL DEFAULT '',
    run_id INTEGER,
    plan_digest TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_item ON audit_log (integration_id, external_id, action);
CREATE TABLE activity_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    message TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX activity_events_created ON activity_events (created_at);
CREATE TABLE engine_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    mode TEXT NOT NULL DEFAULT '',
    evaluated INTEGER NOT NULL DEFAULT 0,
    candidates INTEGER NOT NULL DEFAULT 0,
    protected INTEGER NOT NULL DEFAULT 0,
    queued INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    freed_bytes INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    plan_digest TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE lifetime_stats (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    total_bytes_reclaimed INTEGER NOT NULL DEFAULT 0,
    total_items_removed INTEGER NOT NULL DEFAULT 0,
    total_engine_runs INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE metrics_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    disk_group_id INTEGER,
    total_capacity INTEGER NOT NULL,
    used_capacity INTEGER NOT NULL,
    resolution TEXT NOT NULL CHECK (resolution IN ('raw', 'hourly', 'daily',
        'weekly')),
    created_at TEXT NOT NULL
);
CREATE INDEX metrics_history_lookup
    ON metrics_history (resolution, disk_group_id, timestamp);
CREATE TABLE rollup_state (
    resolution TEXT PRIMARY KEY,
    last_completed TEXT NOT NULL
);
CREATE TABLE library_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL,
    item_count INTEGER NOT NULL,
    total_bytes INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX library_snapshots_lookup ON library_snapshots (integration_id, at);
CREATE TABLE media_cache (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    content TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

AUTH = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""

# Seeded once; later changes go through controller.store.desired with an origin.
PREFERENCE_DEFAULTS: dict[str, object] = {
    "logLevel": "info",
    "auditLogRetentionDays": 30,
    "pollIntervalSeconds": 300,
    "defaultDiskGroupMode": "dry-run",
    "tiebreakerMethod": "size_desc",
    "deletionsEnabled": True,
    "snoozeDurationHours": 24,
    "checkForUpdates": False,
    "deletionQueueDelaySeconds": 30,
    "deadContentMinDays": 90,
    "staleContentDays": 180,
    "maxDeletionsPerRun": 50,
    "maxBytesPerRun": 0,
    "deleteFiles": True,
    "addImportExclusion": False,
    "unmonitorDeletedSeasons": True,
    "libraryShrinkTolerancePct": 20,
}

WEIGHT_DEFAULTS: dict[str, float] = {
    "watch_history": 10,
    "last_watched": 8,
    "file_size": 6,
    "rating": 5,
    "time_in_library": 4,
    "series_status": 3,
    "request_popularity": 2,
}


def seed_defaults(db: Database, now: datetime) -> None:
    """Insert default preferences, weights, lifetime stats and rollup checkpoints."""
    stamp = to_text(now)
    for key, value in PREFERENCE_DEFAULTS.items():
        db.execute(
            "INSERT OR IGNORE INTO preferences (key, value, updated_at) "
            "VALUES (?, ?, ?)",
            [key, json.dumps(value), stamp],
        )
    for factor, weight in WEIGHT_DEFAULTS.items():
        db.execute(
            "INSERT OR IGNORE INTO scoring_weights (factor_key, weight, updated_at) "
            "VALUES (?, ?, ?)",
            [factor, weight, stamp],
        )
    db.execute(
        "INSERT OR IGNORE INTO lifetime_stats (id, created_at, updated_at) "
        "VALUES (1, ?, ?)",
        [stamp, stamp],
    )
    checkpoints = {
        "hourly": now - timedelta(hours=2),
        "daily": now - timedelta(days=2),
        "weekly": now - timedelta(days=14),
    }
    for resolution, moment in checkpoints.items():
        db.execute(
            "INSERT OR IGNORE INTO rollup_state (resolution, last_completed) "
            "VALUES (?, ?)",
            [resolution, to_text(moment)],
        )


CONTROLLER_STATE = """
CREATE TABLE controller_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

QUEUE_VERSION = """
CREATE TABLE queue_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO queue_version (id, version) VALUES (1, 0);
""" + "".join(
    f"""
CREATE TRIGGER {table}_{event.lower()}_bumps_version AFTER {event} ON {table}
BEGIN
    UPDATE queue_version SET version = version + 1 WHERE id = 1;
END;
"""
    for table in ("approval_queue", "deletion_queue")
    for event in ("INSERT", "UPDATE", "DELETE")
)

MIGRATIONS: list[Migration] = [
    ("0001_desired_state", DESIRED_STATE),
    ("0002_queues", QUEUES),
    ("0003_history", HISTORY),
    ("0004_auth", AUTH),
    ("0005_seed_defaults", seed_defaults),
    ("0006_controller_state", CONTROLLER_STATE),
    ("0007_queue_version", QUEUE_VERSION),
]
