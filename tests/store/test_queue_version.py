"""Check that the queue version moves with every change to either queue."""

from __future__ import annotations

from datetime import UTC, datetime

from controller.store import Store, queues
from tests.store.test_maintenance import approval

NOW = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)


def test_queue_version_moves_on_insert_update_and_delete_only() -> None:
    """Check that inserting, updating and deleting an approval each move the
    version, even at the same instant, and that reading leaves it alone."""
    store = Store.memory(clock=lambda: NOW)
    with store.write() as db:
        db.execute(
            "INSERT INTO integrations (name, type, created_at, updated_at) "
            "VALUES ('Radarr', 'radarr', 'x', 'x')"
        )
        seen = [queues.queue_version(db)]
        row = queues.insert_approval(db, approval("pending", "1"), at=NOW)
        seen.append(queues.queue_version(db))
        queues.update_approval(db, row.id, {"status": "approved"}, at=NOW)
        seen.append(queues.queue_version(db))
        queues.list_approvals(db)
        seen.append(queues.queue_version(db))
        queues.delete_approval(db, row.id)
        seen.append(queues.queue_version(db))
    assert seen[0] < seen[1] < seen[2] == seen[3] < seen[4]
