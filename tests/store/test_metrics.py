"""Check capacity history roll-ups, retention and queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controller.store import Store, metrics

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_rollup_averages_each_finished_hour():
    """Check one hourly row per hour and group, and the checkpoint advancing."""
    store = Store.memory(clock=lambda: T0)
    with store.write() as tx:
        for minutes, used in ((5, 100), (35, 200), (65, 400)):
            metrics.insert(
                tx,
                disk_group_id=1,
                total_capacity=1000,
                used_capacity=used,
                at=T0 + timedelta(minutes=minutes),
            )
        written = metrics.rollup(tx, "hourly", now=T0 + timedelta(hours=2, minutes=1))
        again = metrics.rollup(tx, "hourly", now=T0 + timedelta(hours=2, minutes=5))
        hourly = metrics.history(tx, resolution="hourly", disk_group_id=1)
        removed = metrics.prune(tx, now=T0 + timedelta(hours=3))
    assert (written, again) == (2, 0)
    assert [(s.timestamp, s.used_capacity) for s in hourly] == [
        (T0, 150),
        (T0 + timedelta(hours=1), 400),
    ]
    assert removed == 2
    store.close()
