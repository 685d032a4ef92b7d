"""Metrics rollups and retention, as pure functions the metrics job calls.

Every cycle writes one ``raw`` history row per disk group. A periodic job rolls
raw rows up into ``hourly`` ones, hourly into ``daily`` and daily into
``weekly``, then prunes each tier by its retention. The job (in the reconciler)
reads rows from the store, calls :func:`rollup`, writes what it returns, advances
its checkpoint to the window end and deletes rows older than
:func:`prune_cutoff`.

Two deliberate differences from the original:

* A rollup writes one averaged row per disk group **per bucket** (hour, day,
  Monday-based week) inside the window. The original wrote one row for the whole
  window, so a job that ran late flattened hours or days of history into a single
  point.
* Retention keeps enough of each tier for the charts and forecasts that read it
  and for a missed rollup to catch up (see :data:`RETENTION`). The original kept
  raw rows two hours, so nothing older than two hours could ever be computed from
  them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from controller.analytics.errors import RollupDirectionError
from controller.analytics.history import (
    RESOLUTIONS,
    HistoryRow,
    Resolution,
    as_utc,
    bucket_start,
    coerce_row,
    resolution,
)

# How long each tier is kept.
# - raw 48 h: a day of downtime still leaves the raw rows an hourly rollup needs,
#   and "since=24h" charts can be drawn at full detail.
# - hourly 14 d: "since=7d" charts with margin, and the daily rollup can catch up
#   after a week of downtime.
# - daily 180 d: "since=30d" charts and the forecast's 90-day lookback.
# - weekly 5 y: long-term trends at about 260 rows per disk group.
RETENTION: dict[Resolution, timedelta] = {
    Resolution.RAW: timedelta(hours=48),
    Resolution.HOURLY: timedelta(days=14),
    Resolution.DAILY: timedelta(days=180),
    Resolution.WEEKLY: timedelta(days=5 * 365 + 1),
}

# Which tier each rollup reads from, by target.
ROLLUP_SOURCE: dict[Resolution, Resolution] = {
    Resolution.HOURLY: Resolution.RAW,
    Resolution.DAILY: Resolution.HOURLY,
    Resolution.WEEKLY: Resolution.DAILY,
}


def rollup(
    rows: Iterable[Any],
    resolution_from: str,
    resolution_to: str,
    window_start: datetime,
    window_end: datetime,
) -> list[HistoryRow]:
    """Average the source rows of a window into one row per disk group per bucket.

    Only rows at ``resolution_from`` with ``window_start <= timestamp <
    window_end`` are read; rows without a disk group are skipped. Each output row
    is stamped with the start of its bucket, carries the integer mean (rounded
    down) of total and used bytes, and has resolution ``resolution_to``. Buckets
    with no source rows produce no row.

    Args:
        rows: history rows (any shape :func:`coerce_row` accepts).
        resolution_from: the tier read, e.g. ``"raw"``.
        resolution_to: the coarser tier written, e.g. ``"hourly"``.
        window_start: inclusive start; normally the previous window end.
        window_end: exclusive end; normally a bucket boundary (see
            :func:`rollup_window`) so that no bucket is rolled up half-filled.

    Returns:
        The new rows ordered by bucket, then disk group id.

    Raises:
        UnknownResolutionError: a resolution name is not known.
        RollupDirectionError: the target is not coarser than the source.
    """
    source, target = resolution(resolution_from), resolution(resolution_to)
    if RESOLUTIONS.index(target) <= RESOLUTIONS.index(source):
        raise RollupDirectionError(source, target)
    start, end = as_utc(window_start), as_utc(window_end)

    sums: dict[tuple[datetime, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for raw_row in rows:
        row = coerce_row(raw_row)
        if row.disk_group_id is None or row.resolution != source:
            continue
        stamp = as_utc(row.timestamp)
        if not start <= stamp < end:
            continue
        acc = sums[(bucket_start(stamp, target), row.disk_group_id)]
        acc[0] += row.total_capacity
        acc[1] += row.used_capacity
        acc[2] += 1

    return [
        HistoryRow(bucket, group, total // count, used // count, target.value)
        for (bucket, group), (total, used, count) in sorted(sums.items())
    ]


def rollup_window(
    checkpoint: datetime | None, now: datetime, resolution_to: str
) -> tuple[datetime, datetime] | None:
    """Return the window the next rollup into ``resolution_to`` should cover.

    The window runs from the checkpoint (the previous window end) to the start of
    the current bucket, so the bucket still filling up is left for next time.

    Args:
        checkpoint: where the previous rollup stopped; None when it never ran,
            in which case the window starts one retention period of the source
            tier ago (everything still stored).
        now: the current time.
        resolution_to: the tier to roll up into.

    Returns:
        ``(start, end)``, or None when there is nothing complete to roll up yet.
    """
    target = resolution(resolution_to)
    end = bucket_start(now, target)
    if checkpoint is None:
        start = as_utc(now) - RETENTION[ROLLUP_SOURCE[target]]
    else:
        start = as_utc(checkpoint)
    if start >= end:
        return None
    return start, end


def prune_cutoff(
    resolution_name: str, now: datetime, rolled_up_until: datetime | None = None
) -> datetime:
    """Return the moment before which rows of a tier may be deleted.

    Args:
        resolution_name: the tier being pruned.
        now: the current time.
        rolled_up_until: the checkpoint of the rollup that reads this tier, if
            any. Rows newer than it have not been rolled up yet and are kept
            even past their retention, so a stalled rollup loses no history.

    Returns:
        Delete rows whose timestamp is strictly before this moment.
    """
    tier = resolution(resolution_name)
    cutoff = as_utc(now) - RETENTION[tier]
    if rolled_up_until is not None:
        cutoff = min(cutoff, as_utc(rolled_up_until))
    return cutoff


def expired(
    rows: Iterable[Any], now: datetime, checkpoints: dict[str, datetime] | None = None
) -> list[HistoryRow]:
    """Return the rows that retention says should be deleted.

    Args:
        rows: history rows of any tiers.
        now: the current time.
        checkpoints: rollup checkpoints by target resolution (``{"hourly": …}``);
            a source tier is never pruned past the checkpoint of its rollup.

    Returns:
        The expired rows, in input order.
    """
    checkpoints = checkpoints or {}
    reader = {source: target for target, source in ROLLUP_SOURCE.items()}
    cutoffs: dict[Resolution, datetime] = {}
    for tier in RESOLUTIONS:
        target = reader.get(tier)
        done = checkpoints.get(target.value) if target is not None else None
        cutoffs[tier] = prune_cutoff(tier, now, done)
    result = []
    for raw_row in rows:
        row = coerce_row(raw_row)
        if as_utc(row.timestamp) < cutoffs[resolution(row.resolution)]:
            result.append(row)
    return result
