"""Check the dead and stale content reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from controller.analytics import (
    dead_content,
    in_disk_group,
    stale_content,
    staleness_score,
)
from controller.media import MediaItem, MediaType

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
COVERED = {"movie", "show", "season"}


def item(
    title: str,
    *,
    kind: MediaType = MediaType.MOVIE,
    size: int = 1_000,
    added_days: float | None = 200,
    played_days: float | None = None,
    plays: int = 0,
    path: str = "/data/movies/x",
    **extra: Any,
) -> MediaItem:
    return MediaItem(
        integration_id=1,
        external_id=title,
        media_type=kind,
        title=title,
        size_bytes=size,
        path=path,
        added_at=None if added_days is None else NOW - timedelta(days=added_days),
        last_played=None if played_days is None else NOW - timedelta(days=played_days),
        play_count=plays,
        **extra,
    )


@pytest.mark.parametrize(
    ("case", "candidate", "is_dead"),
    [
        ("never watched, old enough", item("a", added_days=90), True),
        ("never watched, too young", item("a", added_days=89.9), False),
        ("played once", item("a", plays=1, played_days=300), False),
        ("last played without count", item("a", played_days=300), False),
        ("watched by a user", item("a", watched_by=("ann",)), False),
        ("on a watchlist", item("a", on_watchlist=True), False),
        ("requested, never watched", item("a", is_requested=True), True),
        ("added in the future", item("a", added_days=-5), False),
    ],
)
def test_dead_content_rules(case: str, candidate: MediaItem, is_dead: bool) -> None:
    """Check which items count as dead, case by case."""
    report = dead_content([candidate], None, NOW, watched_types=COVERED)
    assert (report["totalCount"] == 1) is is_dead, case


def test_dead_content_without_watch_data_is_unknown_not_dead() -> None:
    """Check that an item whose kind no watch source covered is reported unknown."""
    items = [
        item("movie", size=10),
        item("album", kind=MediaType.ALBUM, size=20),
        item("book", kind=MediaType.BOOK, size=30),
        item("undated", size=40, added_days=None),
        item("young album", kind=MediaType.ALBUM, size=50, added_days=3),
    ]
    report = dead_content(items, None, NOW, watched_types={"movie"})
    assert [r["title"] for r in report["items"]] == ["movie"]
    assert report["unknownCount"] == 3
    assert report["unknownSize"] == 90
    assert report["unknownTypes"] == ["album", "book", "movie"]


def test_dead_content_with_no_watch_source_reports_nothing_dead() -> None:
    """Check that a cycle without any watch data never calls a library dead."""
    items = [item(str(n)) for n in range(5)]
    report = dead_content(items, None, NOW)
    assert report["items"] == []
    assert report["totalCount"] == 0
    assert report["unknownCount"] == 5


def test_dead_content_shape_sorting_and_protection() -> None:
    """Check the report shape, size ordering, protection and the empty list."""
    items = [
        item("small", size=5, added_days=100.5),
        item("big", size=50, added_days=400),
        item("kept", size=500),
    ]
    report = dead_content(
        items, lambda i: i.title == "kept", NOW, watched_types=COVERED
    )
    assert report["items"] == [
        {
            "title": "big",
            "type": "movie",
            "sizeBytes": 50,
            "daysInLibrary": 400,
            "integrationId": 1,
        },
        {
            "title": "small",
            "type": "movie",
            "sizeBytes": 5,
            "daysInLibrary": 100,
            "integrationId": 1,
        },
    ]
    assert report["totalCount"] == 2
    assert report["totalSize"] == 55
    assert report["protectedCount"] == 1
    empty = dead_content([], None, NOW, watched_types=COVERED)
    assert empty["items"] == []


def test_dead_content_min_days_and_disk_group() -> None:
    """Check the minDays parameter and the disk-group filter."""
    items = [
        item("here", added_days=40, path="/data/movies/here"),
        item("elsewhere", added_days=40, path="/data2/movies/elsewhere"),
    ]
    report = dead_content(
        items, None, NOW, min_days=30, disk_group_mount="/data/", watched_types=COVERED
    )
    assert [r["title"] for r in report["items"]] == ["here"]


@pytest.mark.parametrize(
    ("path", "mount", "inside"),
    [
        ("/data/movies/x", "/data", True),
        ("/data/movies/x", "/data/", True),
        ("/data", "/data", True),
        ("/data2/movies/x", "/data", False),
        ("/media/x", "/", True),
        ("/data/x", None, True),
        ("/data/x", "", True),
    ],
)
def test_in_disk_group(path: str, mount: str | None, inside: bool) -> None:
    """Check that the disk-group filter respects path boundaries."""
    assert in_disk_group(item("x", path=path), mount) is inside


@pytest.mark.parametrize(
    ("days", "status", "watchlist", "score"),
    [
        (365, "", False, 1.2),
        (365, "Ended", False, 1.8),
        (365, "ended", True, 0.75),
        (200, "continuing", True, 0.27),
        (800, "ended", False, 3.95),
    ],
)
def test_staleness_score(days: int, status: str, watchlist: bool, score: float) -> None:
    """Check the staleness formula and its rounding."""
    assert staleness_score(days, status, watchlist) == score


@pytest.mark.parametrize(
    ("case", "candidate", "is_stale"),
    [
        ("watched long ago", item("a", plays=2, played_days=180), True),
        ("watched recently", item("a", plays=2, played_days=179.9), False),
        ("never watched", item("a"), False),
        ("date without plays", item("a", played_days=400), False),
        ("plays without date", item("a", plays=3), False),
        ("played in the future", item("a", plays=1, played_days=-30), False),
    ],
)
def test_stale_content_rules(case: str, candidate: MediaItem, is_stale: bool) -> None:
    """Check which items count as stale, case by case."""
    report = stale_content([candidate], None, NOW)
    assert (report["totalCount"] == 1) is is_stale, case


def test_stale_content_shape_sorting_and_protection() -> None:
    """Check the stale report shape, score ordering and protection."""
    items = [
        item("movie", plays=1, played_days=365, size=7),
        item(
            "Lost",
            kind=MediaType.SHOW,
            plays=3,
            played_days=800,
            size=9,
            series_status="ended",
        ),
        item("kept", plays=1, played_days=999),
    ]
    report = stale_content(items, lambda i: i.title == "kept", NOW, stale_days=300)
    assert report["items"][0] == {
        "title": "Lost",
        "type": "show",
        "sizeBytes": 9,
        "daysSinceWatched": 800,
        "playCount": 3,
        "stalenessScore": 3.95,
        "integrationId": 1,
    }
    assert [r["title"] for r in report["items"]] == ["Lost", "movie"]
    assert report["totalSize"] == 16
    assert report["protectedCount"] == 1
    assert stale_content([], None, NOW)["items"] == []
