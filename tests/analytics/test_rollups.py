"""Check metrics rollups, rollup windows, buckets and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from controller.analytics import (
    RETENTION,
    HistoryRow,
    Resolution,
    RollupDirectionError,
    UnknownResolutionError,
    bucket_start,
    expired,
    prune_cutoff,
    rollup,
    rollup_window,
)

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


@pytest.mark.parametrize(
    ("moment", "target", "start"),
    [
        (at(5, 42), Resolution.HOURLY, at(5)),
        (at(5), Resolution.HOURLY, at(5)),
        (at(29, 1), Resolution.DAILY, at(24)),
        (at(24 * 6 + 23), Resolution.WEEKLY, T0),
        (at(24 * 7), Resolution.WEEKLY, at(24 * 7)),
        (at(-1), Resolution.WEEKLY, T0 - timedelta(days=7)),
        (
            datetime(2026, 3, 2, 3, 30, tzinfo=UTC).astimezone(
                ZoneInfo("Europe/Berlin")
            ),
            Resolution.HOURLY,
            at(3),
        ),
        (datetime(2026, 3, 2, 3, 30), Resolution.DAILY, T0),
    ],
)
def test_bucket_start(moment: datetime, target: Resolution, start: datetime) -> None:
    """Check UTC hour, day and Monday-based week buckets."""
    assert bucket_start(moment, target) == start


def test_rollup_writes_one_row_per_bucket_not_per_window() -> None:
    """Check that a late job over three hours writes three hourly rows per group."""
    rows = [
        HistoryRow(at(h, m), group, 1000, 100 * h + m + group, "raw")
        for h in range(3)
        for m in (0, 20, 40)
        for group in (1, 2)
    ]
    result = rollup(rows, "raw", "hourly", at(0), at(3))
    assert result == [
        HistoryRow(at(h), group, 1000, 100 * h + 20 + group, "hourly")
        for h in range(3)
        for group in (1, 2)
    ]


@pytest.mark.parametrize(
    ("case", "rows", "expected"),
    [
        ("empty", [], []),
        (
            "outside the window",
            [
                HistoryRow(at(-0.01), 1, 10, 5, "raw"),
                HistoryRow(at(2), 1, 10, 5, "raw"),
            ],
            [],
        ),
        (
            "wrong source tier",
            [HistoryRow(at(0.5), 1, 10, 5, "hourly")],
            [],
        ),
        (
            "no disk group",
            [HistoryRow(at(0.5), None, 10, 5, "raw")],
            [],
        ),
        (
            "averages round down",
            [
                HistoryRow(at(0, 1), 1, 10, 1, "raw"),
                HistoryRow(at(0, 2), 1, 11, 2, "raw"),
            ],
            [HistoryRow(at(0), 1, 10, 1, "hourly")],
        ),
        (
            "empty hours produce no rows",
            [
                HistoryRow(at(0, 5), 1, 10, 4, "raw"),
                HistoryRow(at(1, 55), 1, 10, 8, "raw"),
            ],
            [HistoryRow(at(0), 1, 10, 4, "hourly"),
             HistoryRow(at(1), 1, 10, 8, "hourly")],
        ),
        (
            "tuples and api mappings",
            [
                (at(0, 5), 1, 10, 4, "raw"),
                {"timestamp": at(0, 6), "diskGroupId": 1, "totalCapacity": 10,
                 "usedCapacity": 6, "resolution": "raw"},
            ],
            [HistoryRow(at(0), 1, 10, 5, "hourly")],
        ),
    ],
)  # fmt: skip
def test_rollup_raw_to_hourly(
    case: str, rows: list[object], expected: list[HistoryRow]
) -> None:
    """Check the window, tier and disk-group filters and the averaging."""
    assert rollup(rows, "raw", "hourly", at(0), at(2)) == expected, case


@pytest.mark.parametrize(
    ("source", "target", "step", "bucket"),
    [
        ("hourly", "daily", timedelta(hours=1), timedelta(days=1)),
        ("daily", "weekly", timedelta(days=1), timedelta(weeks=1)),
        ("raw", "daily", timedelta(minutes=10), timedelta(days=1)),
    ],
)
def test_rollup_coarser_tiers(
    source: str, target: str, step: timedelta, bucket: timedelta
) -> None:
    """Check that two buckets' worth of rows give two rows at bucket starts."""
    count = int(2 * bucket / step)
    rows = [HistoryRow(T0 + n * step, 7, 100, n, source) for n in range(count)]
    result = rollup(rows, source, target, T0, T0 + 2 * bucket)
    half = count // 2
    assert [r.timestamp for r in result] == [T0, T0 + bucket]
    assert [r.used_capacity for r in result] == [
        (half - 1) // 2,
        (half + count - 1) // 2,
    ]
    assert {r.resolution for r in result} == {target}


@pytest.mark.parametrize(
    ("source", "target", "error"),
    [
        ("hourly", "raw", RollupDirectionError),
        ("daily", "daily", RollupDirectionError),
        ("raw", "monthly", UnknownResolutionError),
        ("minutely", "hourly", UnknownResolutionError),
    ],
)
def test_rollup_rejects_bad_resolutions(
    source: str, target: str, error: type[Exception]
) -> None:
    """Check that a rollup to a finer or unknown tier is refused with a clear error."""
    with pytest.raises(error) as caught:
        rollup([], source, target, T0, at(1))
    assert source in str(caught.value) or target in str(caught.value)


@pytest.mark.parametrize(
    ("checkpoint", "now", "target", "expected"),
    [
        (at(1), at(3, 5), "hourly", (at(1), at(3))),
        (at(3), at(3, 59), "hourly", None),
        (None, at(48, 30), "hourly", (at(0, 30), at(48))),
        (T0, at(24 * 9), "weekly", (T0, at(24 * 7))),
        (at(24), at(24 * 3 + 1), "daily", (at(24), at(24 * 3))),
    ],
)
def test_rollup_window(
    checkpoint: datetime | None,
    now: datetime,
    target: str,
    expected: tuple[datetime, datetime] | None,
) -> None:
    """Check that the window ends at the current bucket and starts at the checkpoint."""
    assert rollup_window(checkpoint, now, target) == expected


def test_retention_periods() -> None:
    """Check the documented retention of each tier."""
    expected = {
        Resolution.RAW: timedelta(hours=48),
        Resolution.HOURLY: timedelta(days=14),
        Resolution.DAILY: timedelta(days=180),
        Resolution.WEEKLY: timedelta(days=1826),
    }
    assert expected == RETENTION


def test_prune_cutoff_waits_for_a_stalled_rollup() -> None:
    """Check that rows not yet rolled up survive past their retention."""
    now = at(24 * 10)
    assert prune_cutoff("raw", now) == now - timedelta(hours=48)
    assert prune_cutoff("raw", now, rolled_up_until=at(1)) == at(1)
    assert prune_cutoff("raw", now, rolled_up_until=now) == now - timedelta(hours=48)


def test_expired_rows_per_tier() -> None:
    """Check which rows of each tier retention deletes."""
    now = at(24 * 400)
    rows = [
        HistoryRow(now - timedelta(hours=49), 1, 1, 1, "raw"),
        HistoryRow(now - timedelta(hours=47), 1, 1, 1, "raw"),
        HistoryRow(now - timedelta(days=15), 1, 1, 1, "hourly"),
        HistoryRow(now - timedelta(days=13), 1, 1, 1, "hourly"),
        HistoryRow(now - timedelta(days=181), 1, 1, 1, "daily"),
        HistoryRow(now - timedelta(days=179), 1, 1, 1, "daily"),
        HistoryRow(now - timedelta(days=300), 1, 1, 1, "weekly"),
    ]
    gone = expired(rows, now)
    assert gone == [rows[0], rows[2], rows[4]]
    stalled = expired(rows, now, {"hourly": now - timedelta(days=3)})
    assert rows[0] not in stalled
