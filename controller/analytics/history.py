"""Capacity history rows, their resolutions and time buckets.

The store keeps one row per disk group per sample as
``(timestamp, disk_group_id, total_capacity, used_capacity, resolution)``. This
module names that row, the four resolutions and their bucket lengths, and builds
the single time series the forecast and the growth figure read: rows from every
tier, each period counted once, at the finest resolution available for it.
Everything here is pure; the store and the API call in with plain rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any, NamedTuple

from controller.analytics.errors import UnknownResolutionError


class Resolution(StrEnum):
    """How much time one history row summarises."""

    RAW = "raw"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"


# Finest first; a rollup always moves right along this list.
RESOLUTIONS: tuple[Resolution, ...] = (
    Resolution.RAW,
    Resolution.HOURLY,
    Resolution.DAILY,
    Resolution.WEEKLY,
)

# The span one rolled-up row stands for. Raw rows are single samples.
PERIOD: dict[Resolution, timedelta] = {
    Resolution.RAW: timedelta(0),
    Resolution.HOURLY: timedelta(hours=1),
    Resolution.DAILY: timedelta(days=1),
    Resolution.WEEKLY: timedelta(weeks=1),
}


class HistoryRow(NamedTuple):
    """One capacity sample of one disk group, in the store's column order."""

    timestamp: datetime
    disk_group_id: int | None
    total_capacity: int
    used_capacity: int
    resolution: str = Resolution.RAW


def resolution(name: str) -> Resolution:
    """Return the resolution called ``name``.

    Raises:
        UnknownResolutionError: ``name`` is not raw, hourly, daily or weekly.
    """
    try:
        return Resolution(name)
    except ValueError:
        raise UnknownResolutionError(name) from None


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def bucket_start(moment: datetime, target: Resolution) -> datetime:
    """Return the start of the ``target`` bucket holding ``moment`` (UTC).

    Hours and days are UTC hours and days; weeks start on Monday 00:00 UTC.
    Raw has no buckets, so ``moment`` comes back unchanged.
    """
    moment = as_utc(moment)
    if target is Resolution.HOURLY:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if target is Resolution.DAILY:
        return day
    if target is Resolution.WEEKLY:
        return day - timedelta(days=day.weekday())
    return moment


_FIELD_NAMES = {
    "timestamp": ("timestamp",),
    "disk_group_id": ("disk_group_id", "diskGroupId"),
    "total_capacity": ("total_capacity", "totalCapacity"),
    "used_capacity": ("used_capacity", "usedCapacity"),
    "resolution": ("resolution",),
}


def _field(row: Any, name: str) -> Any:
    for key in _FIELD_NAMES[name]:
        if isinstance(row, Mapping):
            if key in row:
                return row[key]
        elif hasattr(row, key):
            return getattr(row, key)
    if name == "disk_group_id":
        return None
    if name == "resolution":
        return Resolution.RAW
    raise KeyError(name)


def coerce_row(row: Any) -> HistoryRow:
    """Return ``row`` as a :class:`HistoryRow`.

    Accepts a ``HistoryRow``, a plain tuple in the store's column order, a mapping
    with snake_case or camelCase keys (as the API serialises rows) or any object
    with those attributes.
    """
    if isinstance(row, HistoryRow):
        return row
    if isinstance(row, tuple) and not hasattr(row, "_fields"):
        return HistoryRow(*row)
    return HistoryRow(
        timestamp=_field(row, "timestamp"),
        disk_group_id=_field(row, "disk_group_id"),
        total_capacity=int(_field(row, "total_capacity")),
        used_capacity=int(_field(row, "used_capacity")),
        resolution=str(_field(row, "resolution")),
    )


@dataclass(frozen=True, slots=True)
class Sample:
    """A point of the merged series.

    Attributes:
        at: the middle of the span the row summarises (the sample time for raw).
        used: used bytes at that point.
        total: total bytes at that point.
        weight: how many seconds of history the point stands for.
    """

    at: datetime
    used: int
    total: int
    weight: float


def merged_series(rows: Iterable[Any], now: datetime | None = None) -> list[Sample]:
    """Merge the tiers of one disk group's history into one series, oldest first.

    The finest tier is kept whole. Each coarser tier only contributes rows whose
    whole bucket ends before the earliest point already kept, so a period that
    has been rolled up but not yet pruned is not counted twice. Each point is
    placed at the middle of its bucket and weighted by the time it stands for:
    the bucket length for rolled-up rows, the median sampling interval (at most
    an hour) for raw rows.

    Args:
        rows: history rows of a single disk group, any resolutions, any order.
        now: rows stamped after this moment are ignored (clock skew, bad data).

    Returns:
        The merged samples, ordered by time.
    """
    tiers: dict[Resolution, list[HistoryRow]] = {r: [] for r in RESOLUTIONS}
    limit = as_utc(now) if now is not None else None
    for raw_row in rows:
        row = coerce_row(raw_row)
        stamp = as_utc(row.timestamp)
        if limit is not None and stamp > limit:
            continue
        tiers[resolution(row.resolution)].append(row._replace(timestamp=stamp))

    samples: list[Sample] = []
    covered_from: datetime | None = None
    for tier in RESOLUTIONS:
        tier_rows = sorted(tiers[tier], key=lambda r: r.timestamp)
        if covered_from is not None:
            tier_rows = [
                r for r in tier_rows if r.timestamp + PERIOD[tier] <= covered_from
            ]
        if not tier_rows:
            continue
        weight = _weight(tier, tier_rows)
        half = PERIOD[tier] / 2
        samples.extend(
            Sample(r.timestamp + half, r.used_capacity, r.total_capacity, weight)
            for r in tier_rows
        )
        covered_from = tier_rows[0].timestamp
    samples.sort(key=lambda s: s.at)
    return samples


def _weight(tier: Resolution, rows: list[HistoryRow]) -> float:
    if tier is not Resolution.RAW:
        return PERIOD[tier].total_seconds()
    gaps = sorted(
        (b.timestamp - a.timestamp).total_seconds() for a, b in pairwise(rows)
    )
    gaps = [g for g in gaps if g > 0]
    if not gaps:
        return 60.0
    return min(gaps[len(gaps) // 2], 3600.0)
