"""The seven factors: raw scores per edge case, and when each factor applies."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from controller.engine import DEFAULT_WEIGHTS, FACTORS, FACTORS_BY_KEY, ScoringContext
from controller.engine.factors import (
    CONNECTION_ERROR,
    NO_DATA,
    NO_DATE_SOURCE,
    NO_WATCH_COVERAGE,
    applicability,
    item_ages,
)
from controller.media import MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3
YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


RAW_CASES = [
    # (factor, item fields, expected raw score)
    ("watch_history", {"play_count": 0}, 1.0),
    ("watch_history", {"play_count": 1}, 0.5),
    ("watch_history", {"play_count": 2}, 0.25),
    ("watch_history", {"play_count": 4}, 0.125),
    ("watch_history", {"play_count": 5}, 0.1),
    ("watch_history", {"play_count": -3}, 1.0),
    ("last_watched", {"last_played": None}, 1.0),
    ("last_watched", {"last_played": YEAR_ONE}, 1.0),
    ("last_watched", {"last_played": days_ago(73)}, 0.2),
    ("last_watched", {"last_played": days_ago(365)}, 1.0),
    ("last_watched", {"last_played": days_ago(4000)}, 1.0),
    ("last_watched", {"last_played": NOW + timedelta(days=30)}, 0.0),
    ("last_watched", {"last_played": days_ago(10).replace(tzinfo=None)}, 10 / 365),
    ("file_size", {"size_bytes": 0}, 0.0),
    ("file_size", {"size_bytes": -5}, 0.0),
    ("file_size", {"size_bytes": 25 * GIB}, 0.5),
    ("file_size", {"size_bytes": 50 * GIB}, 1.0),
    ("file_size", {"size_bytes": 100 * GIB}, 1.0),
    ("rating", {"rating": None}, 0.5),
    ("rating", {"rating": 0.0}, 0.5),
    ("rating", {"rating": -1.0}, 0.5),
    ("rating", {"rating": 10.0}, 0.0),
    ("rating", {"rating": 5.0}, 0.5),
    ("rating", {"rating": 3.0}, 0.7),
    ("rating", {"rating": 85.0}, 0.15),
    ("rating", {"rating": 100.0}, 0.0),
    ("rating", {"rating": 150.0}, 0.5),
    ("rating", {"rating": math.nan}, 0.5),
    ("time_in_library", {"added_at": None}, 0.5),
    ("time_in_library", {"added_at": YEAR_ONE}, 0.5),
    ("time_in_library", {"added_at": days_ago(182.5)}, 0.5),
    ("time_in_library", {"added_at": days_ago(800)}, 1.0),
    ("time_in_library", {"added_at": NOW + timedelta(days=400)}, 0.0),
    ("series_status", {"series_status": "ended"}, 1.0),
    ("series_status", {"series_status": "Ended"}, 1.0),
    ("series_status", {"series_status": "continuing"}, 0.2),
    ("series_status", {"series_status": "upcoming"}, 0.5),
    ("series_status", {"series_status": "deleted"}, 0.5),
    ("series_status", {"series_status": ""}, 0.5),
    ("request_popularity", {"is_requested": True, "watched_by_requestor": True}, 0.3),
    ("request_popularity", {"is_requested": True}, 0.1),
    ("request_popularity", {}, 0.5),
]


@pytest.mark.parametrize(("key", "fields", "expected"), RAW_CASES)
def test_raw_score(make_item, key, fields, expected):
    """Check each factor's raw score for the edge cases of the reference."""
    item = make_item(**fields)
    assert FACTORS_BY_KEY[key].raw(item, NOW) == pytest.approx(expected)


def test_last_watched_yesterday_is_low(make_item):
    """Check that an item played yesterday scores below 0.1 for last_watched."""
    item = make_item(last_played=days_ago(1))
    assert FACTORS_BY_KEY["last_watched"].raw(item, NOW) < 0.1


@pytest.mark.parametrize("field", ["added_at", "last_played"])
def test_future_dates_count_as_zero_days_and_are_flagged(make_item, field):
    """Check that a date in the future never gives a negative age, and is named."""
    ages = item_ages(make_item(**{field: NOW + timedelta(days=3)}), NOW)
    age = ages.added_days if field == "added_at" else ages.played_days
    assert age == 0.0
    assert len(ages.warnings) == 1
    assert ("addedAt" if field == "added_at" else "lastPlayed") in ages.warnings[0]


def test_year_one_dates_are_unknown_without_warning(make_item):
    """Check that the zero-time placeholder reads as unknown, not as very old."""
    ages = item_ages(make_item(added_at=YEAR_ONE, last_played=YEAR_ONE), NOW)
    assert ages == (None, None, ())


def test_factor_table_matches_the_reference():
    """Check keys, display names, order and default weights of the seven factors."""
    assert [(f.key, f.name, f.default_weight) for f in FACTORS] == [
        ("watch_history", "Play History", 10),
        ("last_watched", "Last Played", 8),
        ("file_size", "File Size", 6),
        ("rating", "Rating", 5),
        ("time_in_library", "Time in Library", 4),
        ("series_status", "Show Status", 3),
        ("request_popularity", "Request Popularity", 2),
    ]
    assert DEFAULT_WEIGHTS["watch_history"] == 10
    assert all(f.description for f in FACTORS)


def ctx(active=(), broken=(), failed=()):
    return ScoringContext(frozenset(active), frozenset(broken), frozenset(failed))


GATING_CASES = [
    # (factor, media type, context, expected (applies, reason))
    ("watch_history", "movie", ctx(), (False, "")),
    ("watch_history", "movie", ctx({"plex"}), (True, "")),
    ("watch_history", "movie", ctx({"plex"}, {"plex"}), (False, CONNECTION_ERROR)),
    ("watch_history", "movie", ctx({"plex", "emby"}, {"plex"}), (True, "")),
    ("watch_history", "movie", ctx({"plex"}, (), {"watch_data"}), (False, NO_DATA)),
    ("watch_history", "movie", ctx({"tracearr"}), (True, "")),
    ("watch_history", "artist", ctx({"plex"}), (False, NO_WATCH_COVERAGE)),
    ("watch_history", "book", ctx({"plex"}), (False, NO_WATCH_COVERAGE)),
    ("watch_history", "season", ctx({"tautulli"}), (True, "")),
    ("last_watched", "movie", ctx({"jellyfin"}), (True, "")),
    ("last_watched", "movie", ctx({"tracearr"}), (False, NO_DATE_SOURCE)),
    (
        "last_watched",
        "movie",
        ctx({"tracearr", "plex"}, {"plex"}),
        (False, CONNECTION_ERROR),
    ),
    ("last_watched", "album", ctx({"plex"}), (False, NO_WATCH_COVERAGE)),
    ("request_popularity", "movie", ctx(), (False, "")),
    ("request_popularity", "movie", ctx({"seerr"}), (True, "")),
    (
        "request_popularity",
        "movie",
        ctx({"seerr"}, {"seerr"}),
        (False, CONNECTION_ERROR),
    ),
    (
        "request_popularity",
        "movie",
        ctx({"seerr"}, (), {"request_data"}),
        (False, NO_DATA),
    ),
    ("series_status", "movie", ctx(), (False, "")),
    ("series_status", "show", ctx(), (True, "")),
    ("series_status", "season", ctx(), (True, "")),
    ("file_size", "artist", ctx(), (True, "")),
    ("rating", "book", ctx(), (True, "")),
    ("time_in_library", "movie", ctx(), (True, "")),
]


@pytest.mark.parametrize(("key", "media_type", "context", "expected"), GATING_CASES)
def test_applicability(key, media_type, context, expected):
    """Check when each factor applies, and the reason shown when it does not."""
    assert applicability(key, media_type, context) == expected


def test_media_type_enum_values_gate_like_strings():
    """Check that MediaType members and their string values gate the same way."""
    context = ctx({"plex"})
    for media_type in MediaType:
        assert applicability("watch_history", media_type, context) == applicability(
            "watch_history", str(media_type), context
        )
