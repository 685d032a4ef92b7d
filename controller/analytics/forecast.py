"""Capacity forecast and weekly growth from a disk group's own history.

The API's ``/analytics/forecast`` and ``/dashboard-stats`` call these with rows
the store returns. Both read the merged series of
:func:`controller.analytics.history.merged_series`: raw, hourly, daily and weekly
rows together, each period counted once.

Deliberate differences from the original, which fitted the last two hours of raw
rows of *all* disk groups mixed together and compared raw rows a week apart
(which retention had already deleted, so growth was always "no data"):

* only the target group's rows are used;
* the rolled-up tiers are used, so the fit spans up to :data:`LOOKBACK`;
* the fit is weighted by the time each point stands for, so a dense day of raw
  samples does not outweigh months of daily averages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypedDict

from controller.analytics.history import Sample, as_utc, coerce_row, merged_series

# How far back the forecast looks. Growth older than a season says little about
# the next weeks; 90 days also fits inside the daily tier's retention.
LOOKBACK = timedelta(days=90)

WEEK = timedelta(days=7)


class Forecast(TypedDict):
    """The ``/analytics/forecast`` body (plus the size of the fitted history)."""

    currentUsedPct: float
    growthRatePerDay: int
    daysUntilThreshold: int
    daysUntilFull: int
    totalCapacity: int
    usedCapacity: int
    historyPoints: int
    historyDays: float


class Growth(TypedDict):
    """Weekly growth for ``/dashboard-stats``, summed and per disk group."""

    growthBytesPerWeek: int
    hasGrowthData: bool
    byDiskGroup: dict[int, int]


def forecast(
    history_rows_for_group: Iterable[Any],
    total_bytes: int,
    used_bytes: int,
    threshold_pct: float,
    now: datetime,
    *,
    lookback: timedelta = LOOKBACK,
) -> Forecast:
    """Project when a disk group reaches its threshold and fills up.

    Fits used bytes against time by weighted least squares over the group's
    history of the last ``lookback``, and divides the remaining headroom by the
    growth per day.

    Args:
        history_rows_for_group: the group's history rows, any resolutions.
        total_bytes: the group's effective total (the override when set).
        used_bytes: the group's used bytes now.
        threshold_pct: the group's threshold in percent.
        now: the current time.
        lookback: how much history to fit.

    Returns:
        The forecast. ``growthRatePerDay`` is bytes per day truncated toward zero;
        both ``daysUntil*`` are whole days (0 when already reached) or -1 when
        the group is not growing, there are fewer than two points, or the total
        is unknown.
    """
    since = as_utc(now) - lookback
    samples = [s for s in merged_series(history_rows_for_group, now) if s.at >= since]
    growth = int(_slope_per_day(samples))
    used_pct = used_bytes / total_bytes * 100 if total_bytes > 0 else 0.0
    until_threshold = until_full = -1
    if growth > 0 and total_bytes > 0:
        threshold_bytes = int(total_bytes * threshold_pct / 100)
        until_threshold = max(threshold_bytes - used_bytes, 0) // growth
        until_full = max(total_bytes - used_bytes, 0) // growth
    span = (samples[-1].at - samples[0].at).total_seconds() if samples else 0.0
    return Forecast(
        currentUsedPct=used_pct,
        growthRatePerDay=growth,
        daysUntilThreshold=until_threshold,
        daysUntilFull=until_full,
        totalCapacity=total_bytes,
        usedCapacity=used_bytes,
        historyPoints=len(samples),
        historyDays=round(span / 86400, 2),
    )


def _slope_per_day(samples: list[Sample]) -> float:
    """Return the weighted least-squares slope of used bytes per day (0 if flat)."""
    if len(samples) < 2:
        return 0.0
    origin = samples[0].at
    points = [
        (s.weight, (s.at - origin).total_seconds() / 86400, float(s.used))
        for s in samples
    ]
    total_w = sum(w for w, _, _ in points)
    mean_x = sum(w * x for w, x, _ in points) / total_w
    mean_y = sum(w * y for w, _, y in points) / total_w
    sxx = sum(w * (x - mean_x) ** 2 for w, x, _ in points)
    if sxx == 0:
        return 0.0
    sxy = sum(w * (x - mean_x) * (y - mean_y) for w, x, y in points)
    return sxy / sxx


def growth_bytes_per_week(history_rows: Iterable[Any], now: datetime) -> Growth:
    """Return how much used space grew over the last week, per group and summed.

    For each disk group: the newest point minus the newest point at least seven
    days older than it, scaled to exactly seven days (the older point may come
    from a daily or weekly row). Groups without such a pair are left out.

    Args:
        history_rows: rows of any disk groups and resolutions; rows without a
            disk group are ignored.
        now: rows stamped later than this are ignored.

    Returns:
        ``growthBytesPerWeek`` (may be negative), ``hasGrowthData`` (true when at
        least one group has a week of history) and ``byDiskGroup``.
    """
    by_group: dict[int, list[Any]] = defaultdict(list)
    for raw_row in history_rows:
        row = coerce_row(raw_row)
        if row.disk_group_id is not None:
            by_group[row.disk_group_id].append(row)

    per_group: dict[int, int] = {}
    for group_id, rows in sorted(by_group.items()):
        samples = merged_series(rows, now)
        if not samples:
            continue
        newest = samples[-1]
        older = [s for s in samples if newest.at - s.at >= WEEK]
        if not older:
            continue
        base = older[-1]
        elapsed = (newest.at - base.at).total_seconds()
        per_group[group_id] = int(
            (newest.used - base.used) * WEEK.total_seconds() / elapsed
        )
    return Growth(
        growthBytesPerWeek=sum(per_group.values()),
        hasGrowthData=bool(per_group),
        byDiskGroup=per_group,
    )
