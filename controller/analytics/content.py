"""Dead and stale content reports over the last cycle's media items.

The API's ``/analytics/dead-content`` and ``/analytics/stale-content`` call these
with the items of the last completed cycle, the always-keep predicate of the
rules engine, and the media types a working watch source covered that cycle.

"Dead" means never watched and in the library for at least ``min_days``. The
original could not tell "never watched" from "we have no watch data", so it only
reported items with some other enrichment evidence (in practice: requested but
never watched). Here the caller says which media types a watch source actually
reported on this cycle. An unwatched item of a covered type is dead; one of an
uncovered type (no media server configured for it, or its source failed this
cycle), or without a known date added, is counted as *unknown* instead, so a
failed Plex poll never makes a whole library look dead.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import TypedDict

from controller.analytics.history import as_utc
from controller.media import MediaItem

ProtectedPredicate = Callable[[MediaItem], bool]

DAY_SECONDS = 86400


class DeadItem(TypedDict):
    """One row of the dead-content report."""

    title: str
    type: str
    sizeBytes: int
    daysInLibrary: int
    integrationId: int


class StaleItem(TypedDict):
    """One row of the stale-content report."""

    title: str
    type: str
    sizeBytes: int
    daysSinceWatched: int
    playCount: int
    stalenessScore: float
    integrationId: int


class DeadReport(TypedDict):
    """The ``/analytics/dead-content`` body."""

    items: list[DeadItem]
    totalCount: int
    totalSize: int
    protectedCount: int
    unknownCount: int
    unknownSize: int
    unknownTypes: list[str]


class StaleReport(TypedDict):
    """The ``/analytics/stale-content`` body."""

    items: list[StaleItem]
    totalCount: int
    totalSize: int
    protectedCount: int


def in_disk_group(item: MediaItem, mount: str | None) -> bool:
    """Return True when ``item`` lives under ``mount`` (always True without one).

    The path must be the mount itself or below it: ``/data`` holds
    ``/data/movies`` but not ``/data2/movies`` (the original matched by plain
    prefix).
    """
    if not mount:
        return True
    root = mount.rstrip("/") or "/"
    path = item.path.rstrip("/") or "/"
    if root == "/":
        return path.startswith("/")
    return path == root or path.startswith(root + "/")


def _whole_days(now: datetime, then: datetime) -> int:
    return int((now - as_utc(then)).total_seconds() // DAY_SECONDS)


def _never_watched(item: MediaItem) -> bool:
    return item.play_count == 0 and item.last_played is None and not item.watched_by


def dead_content(
    items: Iterable[MediaItem],
    is_protected: ProtectedPredicate | None,
    now: datetime,
    min_days: int = 90,
    disk_group_mount: str | None = None,
    *,
    watched_types: Collection[str] = (),
) -> DeadReport:
    """Report items never watched since they were added at least ``min_days`` ago.

    An item qualifies when it has no plays, no last-played date and no watchers,
    is not on a watchlist, and was added ``min_days`` or more days ago. It is
    only reported dead when its media type is in ``watched_types``; otherwise
    (and when its date added is unknown) it is counted as unknown.

    Args:
        items: the last cycle's items.
        is_protected: the always-keep predicate; protected items that would be
            dead are left out and counted in ``protectedCount``.
        now: the current time.
        min_days: minimum whole days in the library.
        disk_group_mount: report only items under this mount.
        watched_types: media types (``"movie"``, ``"show"``, …) a watch source
            reported on this cycle.

    Returns:
        The report; ``items`` sorted by size, largest first, and ``[]`` when
        empty.
    """
    covered = {str(t) for t in watched_types}
    now = as_utc(now)
    rows: list[DeadItem] = []
    protected = unknown = unknown_size = 0
    unknown_types: set[str] = set()
    for item in items:
        if not in_disk_group(item, disk_group_mount):
            continue
        if not _never_watched(item) or item.on_watchlist:
            continue
        kind = str(item.media_type)
        days = None if item.added_at is None else _whole_days(now, item.added_at)
        if days is not None and days < min_days:
            continue
        if days is None or kind not in covered:
            unknown += 1
            unknown_size += item.size_bytes
            unknown_types.add(kind)
            continue
        if is_protected is not None and is_protected(item):
            protected += 1
            continue
        rows.append(
            DeadItem(
                title=item.title,
                type=kind,
                sizeBytes=item.size_bytes,
                daysInLibrary=days,
                integrationId=item.integration_id,
            )
        )
    rows.sort(key=lambda r: (-r["sizeBytes"], r["title"]))
    return DeadReport(
        items=rows,
        totalCount=len(rows),
        totalSize=sum(r["sizeBytes"] for r in rows),
        protectedCount=protected,
        unknownCount=unknown,
        unknownSize=unknown_size,
        unknownTypes=sorted(unknown_types),
    )


def staleness_score(
    days_since_watched: int, series_status: str, on_watchlist: bool
) -> float:
    """Return how stale an item is: years unwatched, weighted, to 2 decimals.

    Ended series weigh 1.5 times as much; an item on a watchlist half as much
    (someone means to come back to it), any other item 1.2 times.
    """
    ended = 1.5 if series_status.strip().lower() == "ended" else 1.0
    watchlist = 0.5 if on_watchlist else 1.2
    return round(days_since_watched / 365 * ended * watchlist, 2)


def stale_content(
    items: Iterable[MediaItem],
    is_protected: ProtectedPredicate | None,
    now: datetime,
    stale_days: int = 180,
    disk_group_mount: str | None = None,
) -> StaleReport:
    """Report items watched before but not in the last ``stale_days`` days.

    An item qualifies when it has a play count above zero and a last-played date
    ``stale_days`` or more whole days ago. A last-played date in the future is
    untrusted and never makes an item stale.

    Args:
        items: the last cycle's items.
        is_protected: the always-keep predicate; protected items that would be
            stale are left out and counted in ``protectedCount``.
        now: the current time.
        stale_days: minimum whole days since the last play.
        disk_group_mount: report only items under this mount.

    Returns:
        The report; ``items`` sorted by staleness score, highest first (then by
        size), and ``[]`` when empty.
    """
    now = as_utc(now)
    rows: list[StaleItem] = []
    protected = 0
    for item in items:
        if item.play_count <= 0 or item.last_played is None:
            continue
        if not in_disk_group(item, disk_group_mount):
            continue
        days = _whole_days(now, item.last_played)
        if days < stale_days:
            continue
        if is_protected is not None and is_protected(item):
            protected += 1
            continue
        rows.append(
            StaleItem(
                title=item.title,
                type=str(item.media_type),
                sizeBytes=item.size_bytes,
                daysSinceWatched=days,
                playCount=item.play_count,
                stalenessScore=staleness_score(
                    days, item.series_status, item.on_watchlist
                ),
                integrationId=item.integration_id,
            )
        )
    rows.sort(key=lambda r: (-r["stalenessScore"], -r["sizeBytes"], r["title"]))
    return StaleReport(
        items=rows,
        totalCount=len(rows),
        totalSize=sum(r["sizeBytes"] for r in rows),
        protectedCount=protected,
    )
