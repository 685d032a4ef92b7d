"""Observed-state memory: library sizes per integration and the preview cache.

The reconciler compares a fresh library listing with :func:`previous_library`
to refuse acting on a library that shrank suddenly (invariant 7), and stores the
last scored preview with :func:`save_media_cache` so the API can serve it right
after a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from controller.store.records import json_text
from controller.store.timestamps import from_text, to_text


@dataclass(frozen=True, slots=True)
class LibrarySnapshot:
    """How big one integration's library was at a moment."""

    integration_id: int
    item_count: int
    total_bytes: int
    at: datetime


def record_library(
    db: Database,
    integration_id: int,
    *,
    item_count: int,
    total_bytes: int,
    at: datetime,
) -> None:
    """Append a library size observation."""
    db.execute(
        "INSERT INTO library_snapshots (integration_id, item_count, total_bytes, at)"
        " VALUES (?, ?, ?, ?)",
        [integration_id, item_count, total_bytes, to_text(at)],
    )


def previous_library(db: Database, integration_id: int) -> LibrarySnapshot | None:
    """Return the newest snapshot of an integration's library, if any."""
    row = db.execute(
        "SELECT integration_id, item_count, total_bytes, at FROM library_snapshots "
        "WHERE integration_id = ? ORDER BY at DESC, id DESC LIMIT 1",
        [integration_id],
    ).fetchone()
    if row is None:
        return None
    at = from_text(row[3])
    assert at is not None
    return LibrarySnapshot(row[0], row[1], row[2], at)


def prune_libraries(db: Database, *, now: datetime, days: int = 30) -> int:
    """Delete snapshots older than ``days``."""
    return db.execute(
        "DELETE FROM library_snapshots WHERE at < ?",
        [to_text(now - timedelta(days=days))],
    ).rowcount


def save_media_cache(db: Database, content: dict[str, Any], *, at: datetime) -> None:
    """Replace the stored preview."""
    db.execute(
        "INSERT INTO media_cache (id, content, updated_at) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET content = excluded.content, "
        "updated_at = excluded.updated_at",
        [json_text(content), to_text(at)],
    )


def load_media_cache(db: Database) -> dict[str, Any] | None:
    """Return the stored preview, if any."""
    row = db.execute("SELECT content FROM media_cache WHERE id = 1").fetchone()
    return None if row is None else dict(json.loads(row[0]))


def save_state(db: Database, name: str, value: dict[str, Any], *, at: datetime) -> None:
    """Keep a piece of controller state across restarts (e.g. the trust baseline)."""
    db.execute(
        "INSERT INTO controller_state (name, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        [name, json_text(value), to_text(at)],
    )


def load_state(db: Database, name: str) -> dict[str, Any] | None:
    """Read back what :func:`save_state` kept, or None."""
    row = db.execute(
        "SELECT value FROM controller_state WHERE name = ?", [name]
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))
