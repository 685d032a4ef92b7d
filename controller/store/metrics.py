"""Capacity history per disk group: raw samples, roll-ups and retention.

Each cycle adds one ``raw`` sample per disk group (:func:`insert`). Periodic jobs
call :func:`rollup` to average finished hours, days and weeks into the next
resolution (one row per bucket and group, timestamped at the bucket start) and
:func:`prune` to apply the retention of each tier. :func:`history` serves
``GET /metrics/history``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from controller.store.records import from_row, to_json
from controller.store.timestamps import from_text, to_text

RESOLUTIONS = ("raw", "hourly", "daily", "weekly")
SOURCE = {"hourly": "raw", "daily": "hourly", "weekly": "daily"}
RETENTION = {
    "raw": timedelta(hours=2),
    "hourly": timedelta(days=7),
    "daily": timedelta(days=30),
    "weekly": timedelta(days=365),
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One capacity sample (§2.11 LibraryHistory)."""

    id: int
    timestamp: datetime
    disk_group_id: int | None
    total_capacity: int
    used_capacity: int
    resolution: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the API shape."""
        return to_json(self, omit_empty=("disk_group_id",))


def bucket_start(moment: datetime, resolution: str) -> datetime:
    """Return the start of the hour, day or ISO week (Monday) holding ``moment``."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    if resolution == "hourly":
        return hour
    day = hour.replace(hour=0)
    if resolution == "daily":
        return day
    return day - timedelta(days=day.weekday())


def insert(
    db: Database,
    *,
    disk_group_id: int | None,
    total_capacity: int,
    used_capacity: int,
    at: datetime,
    resolution: str = "raw",
) -> None:
    """Append one sample."""
    db.execute(
        "INSERT INTO metrics_history (timestamp, disk_group_id, total_capacity,"
        " used_capacity, resolution, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            to_text(at),
            disk_group_id,
            total_capacity,
            used_capacity,
            resolution,
            to_text(at),
        ],
    )


def rollup(db: Database, resolution: str, *, now: datetime) -> int:
    """Average finished buckets of the source tier into ``resolution``.

    Covers ``[checkpoint, start of the current bucket)``; after downtime every
    missed bucket gets its own row. Samples without a disk group are skipped.
    The checkpoint advances only when the roll-up commits with the caller's
    transaction.

    Returns:
        The number of rows written.
    """
    source = SOURCE[resolution]
    row = db.execute(
        "SELECT last_completed FROM rollup_state WHERE resolution = ?", [resolution]
    ).fetchone()
    window_end = bucket_start(now, resolution)
    start = from_text(row[0]) if row else None
    if start is None or start >= window_end:
        return 0
    buckets: dict[tuple[int, datetime], list[tuple[int, int]]] = defaultdict(list)
    for sample in db.query(
        "SELECT * FROM metrics_history WHERE resolution = ? AND timestamp >= ? "
        "AND timestamp < ? AND disk_group_id IS NOT NULL",
        [source, to_text(start), to_text(window_end)],
    ):
        moment = from_text(sample["timestamp"])
        assert moment is not None
        key = (sample["disk_group_id"], bucket_start(moment, resolution))
        buckets[key].append((sample["total_capacity"], sample["used_capacity"]))
    for (group_id, moment), values in sorted(buckets.items()):
        total = sum(v[0] for v in values) // len(values)
        used = sum(v[1] for v in values) // len(values)
        insert(
            db,
            disk_group_id=group_id,
            total_capacity=total,
            used_capacity=used,
            at=moment,
            resolution=resolution,
        )
    db.execute(
        "UPDATE rollup_state SET last_completed = ? WHERE resolution = ?",
        [to_text(window_end), resolution],
    )
    return len(buckets)


def prune(db: Database, *, now: datetime) -> int:
    """Delete samples older than each tier's retention; returns rows deleted."""
    deleted = 0
    for resolution, keep in RETENTION.items():
        deleted += db.execute(
            "DELETE FROM metrics_history WHERE resolution = ? AND timestamp < ?",
            [resolution, to_text(now - keep)],
        ).rowcount
    return deleted


def history(
    db: Database,
    *,
    resolution: str = "raw",
    since: datetime | None = None,
    disk_group_id: int | None = None,
    limit: int = 1000,
) -> list[Sample]:
    """Return samples of one resolution, oldest first, newest ``limit`` kept."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    where = ["resolution = ?"]
    params: list[object] = [resolution]
    if since is not None:
        where.append("timestamp >= ?")
        params.append(to_text(since))
    if disk_group_id is not None:
        where.append("disk_group_id = ?")
        params.append(disk_group_id)
    sql = (
        f"SELECT * FROM (SELECT * FROM metrics_history WHERE "
        f"{' AND '.join(where)} ORDER BY timestamp DESC LIMIT ?) "
        "ORDER BY timestamp"
    )
    return [from_row(Sample, r) for r in db.query(sql, [*params, limit])]
