"""Check data reset and housekeeping: roll-ups, retention, what a reset keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from controller.store import Store, audit, maintenance, metrics, queues

NOW = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


def approval(status: str, external_id: str) -> dict:
    return {
        "integration_id": 1,
        "external_id": external_id,
        "media_type": "movie",
        "title": f"Movie {external_id}",
        "size_bytes": 1,
        "score": 0.5,
        "status": status,
        "trigger": "engine",
    }


def test_housekeeping_rolls_raw_samples_into_hourly_rows() -> None:
    """Check that raw samples of finished hours become one hourly row each."""
    store = Store.memory(clock=lambda: NOW)
    with store.write() as db:
        db.execute(
            "INSERT INTO disk_groups (mount_path, created_at, updated_at) "
            "VALUES ('/data', 'x', 'x')"
        )
        for minutes in range(0, 180, 10):
            metrics.insert(
                db,
                disk_group_id=1,
                total_capacity=1000,
                used_capacity=500 + minutes,
                at=NOW - timedelta(minutes=minutes),
            )
        done = maintenance.housekeeping(db, now=NOW, audit_retention_days=30)
    assert done["rolled_hourly"] >= 2
    with store.read() as db:
        hourly = metrics.history(db, resolution="hourly", disk_group_id=1)
    assert len(hourly) >= 2


def test_housekeeping_applies_the_audit_retention() -> None:
    """Check that audit rows older than the retention are pruned, newer kept."""
    store = Store.memory(clock=lambda: NOW)
    with store.write() as db:
        for age in (1, 45):
            audit.append(
                db,
                {
                    "media_name": f"aged {age}",
                    "media_type": "movie",
                    "action": "deleted",
                },
                at=NOW - timedelta(days=age),
            )
        maintenance.housekeeping(db, now=NOW, audit_retention_days=30)
        names = [row["media_name"] for row in db.query("SELECT * FROM audit_log")]
    assert names == ["aged 1"]


def test_reset_keeps_approved_items_and_desired_state() -> None:
    """Check that a data reset never loses a person's approval."""
    store = Store.memory(clock=lambda: NOW)
    with store.write() as db:
        db.execute(
            "INSERT INTO integrations (name, type, created_at, updated_at) "
            "VALUES ('Radarr', 'radarr', 'x', 'x')"
        )
        queues.insert_approval(db, approval("approved", "1"), at=NOW)
        queues.insert_approval(db, approval("pending", "2"), at=NOW)
        cleared = maintenance.reset_observed(db)
        left = [row["status"] for row in db.query("SELECT * FROM approval_queue")]
    assert cleared["approvalQueue"] == 1
    assert left == ["approved"]
