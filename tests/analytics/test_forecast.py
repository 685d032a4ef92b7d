"""Check the capacity forecast, weekly growth and the merged history series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.analytics import (
    HistoryRow,
    forecast,
    growth_bytes_per_week,
    merged_series,
)

NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
GB = 1024**3
TOTAL = 1000 * GB


def linear(
    resolution: str,
    start: datetime,
    step: timedelta,
    count: int,
    per_day: int,
    *,
    group: int = 1,
    base: int = 500 * GB,
) -> list[HistoryRow]:
    """Rows whose used bytes grow by ``per_day`` (measured at bucket middles)."""
    half = {"raw": 0, "hourly": 1800, "daily": 43200, "weekly": 302400}[resolution]
    rows = []
    for n in range(count):
        stamp = start + n * step
        days = ((stamp - NOW).total_seconds() + half) / 86400
        rows.append(
            HistoryRow(stamp, group, TOTAL, int(base + per_day * days), resolution)
        )
    return rows


def tiers(per_day: int, group: int = 1) -> list[HistoryRow]:
    """Raw, hourly and daily rows of one steadily growing group, overlapping."""
    return (
        linear("daily", NOW - timedelta(days=60), timedelta(days=1), 58, per_day,
               group=group)
        + linear("hourly", NOW - timedelta(days=14), timedelta(hours=1), 14 * 24,
                 per_day, group=group)
        + linear("raw", NOW - timedelta(hours=47), timedelta(minutes=5), 47 * 12,
                 per_day, group=group)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("case", "rows", "used", "growth", "until_threshold", "until_full"),
    [
        ("no history", [], 500 * GB, 0, -1, -1),
        (
            "one point",
            linear("raw", NOW, timedelta(hours=1), 1, GB),
            500 * GB,
            0,
            -1,
            -1,
        ),
        ("steady growth", tiers(2 * GB), 500 * GB, 2 * GB, 150, 250),
        ("shrinking", tiers(-GB), 500 * GB, -GB, -1, -1),
        ("flat", tiers(0), 500 * GB, 0, -1, -1),
        ("already past threshold", tiers(GB), 900 * GB, GB, 0, 100),
        ("full", tiers(GB), TOTAL, GB, 0, 0),
    ],
)
def test_forecast(
    case: str,
    rows: list[HistoryRow],
    used: int,
    growth: int,
    until_threshold: int,
    until_full: int,
) -> None:
    """Check the projection for growing, flat, shrinking and full groups."""
    result = forecast(rows, TOTAL, used, 80.0, NOW)
    assert abs(result["growthRatePerDay"] - growth) <= 1024, case
    assert result["daysUntilThreshold"] == until_threshold, case
    assert result["daysUntilFull"] == until_full, case
    assert result["totalCapacity"] == TOTAL
    assert result["usedCapacity"] == used
    assert result["currentUsedPct"] == pytest.approx(used / TOTAL * 100)


def test_forecast_with_zero_total() -> None:
    """Check that an unknown total gives no projection and no division by zero."""
    result = forecast(tiers(GB), 0, 0, 80.0, NOW)
    assert result["currentUsedPct"] == 0
    assert result["daysUntilThreshold"] == result["daysUntilFull"] == -1


def test_forecast_ignores_old_and_future_rows() -> None:
    """Check the lookback and that rows stamped after now are ignored."""
    ancient = linear("weekly", NOW - timedelta(days=400), timedelta(weeks=1), 10, 0,
                     base=0)  # fmt: skip
    future = [HistoryRow(NOW + timedelta(days=3), 1, TOTAL, TOTAL, "raw")]
    result = forecast(ancient + tiers(GB) + future, TOTAL, 500 * GB, 80.0, NOW)
    assert abs(result["growthRatePerDay"] - GB) <= 1024
    assert result["historyDays"] <= 90


def test_forecast_weights_tiers_by_time() -> None:
    """Check that a noisy burst of raw rows cannot swamp months of daily rows."""
    daily = linear("daily", NOW - timedelta(days=60), timedelta(days=1), 58, GB)
    # Two days of raw rows that fall steeply (a big cleanup in progress).
    raw = linear("raw", NOW - timedelta(hours=47), timedelta(minutes=1), 47 * 60,
                 -50 * GB, base=400 * GB)  # fmt: skip
    result = forecast(daily + raw, TOTAL, 500 * GB, 80.0, NOW)
    assert result["growthRatePerDay"] > 0


def test_merged_series_counts_each_period_once() -> None:
    """Check that a rolled-up period that still has raw rows is not counted twice."""
    hourly = linear("hourly", NOW - timedelta(hours=10), timedelta(hours=1), 10, GB)
    raw = linear("raw", NOW - timedelta(hours=3), timedelta(minutes=30), 7, GB)
    series = merged_series(hourly + raw, NOW)
    # Hours -10..-4 come from the hourly tier; -3..0 only from raw rows.
    assert len(series) == 7 + 7
    assert [s.at for s in series] == sorted(s.at for s in series)
    assert series[0].weight == 3600
    assert series[-1].weight == 1800


def test_merged_series_accepts_api_shaped_rows() -> None:
    """Check that camelCase mappings (as the API serialises rows) are accepted."""
    rows = [
        {
            "timestamp": NOW - timedelta(hours=n),
            "diskGroupId": 1,
            "totalCapacity": TOTAL,
            "usedCapacity": n,
            "resolution": "raw",
        }
        for n in range(3)
    ]
    assert [s.used for s in merged_series(rows)] == [2, 1, 0]


@pytest.mark.parametrize(
    ("case", "rows", "expected", "has_data"),
    [
        ("no rows", [], {}, False),
        (
            "less than a week",
            linear("raw", NOW - timedelta(days=1), timedelta(hours=1), 24, GB),
            {},
            False,
        ),
        ("one group", tiers(GB), {1: 7 * GB}, True),
        ("two groups", tiers(GB) + tiers(-2 * GB, group=2), {1: 7 * GB, 2: -14 * GB},
         True),
        (
            "only a daily tier",
            linear("daily", NOW - timedelta(days=30), timedelta(days=1), 30, GB),
            {1: 7 * GB},
            True,
        ),
    ],
)  # fmt: skip
def test_growth_bytes_per_week(
    case: str, rows: list[HistoryRow], expected: dict[int, int], has_data: bool
) -> None:
    """Check weekly growth per disk group and summed, from the rolled-up tiers."""
    result = growth_bytes_per_week(rows, NOW)
    assert result["hasGrowthData"] is has_data, case
    assert set(result["byDiskGroup"]) == set(expected), case
    for group, value in expected.items():
        assert abs(result["byDiskGroup"][group] - value) <= 4096, case
    assert result["growthBytesPerWeek"] == sum(result["byDiskGroup"].values())


def test_growth_ignores_rows_without_a_disk_group() -> None:
    """Check that rows with no disk group are left out."""
    rows = [row._replace(disk_group_id=None) for row in tiers(GB)]
    assert growth_bytes_per_week(rows, NOW)["hasGrowthData"] is False
