"""Check the approval queue state machine against a real SQLite store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from controller.act.approval import ApprovalService
from controller.act.deletion_queue import DeletionQueue
from controller.act.errors import DeletionsDisabled, InvalidTransition
from controller.store import RecordNotFound
from controller.store import queues as rows


@pytest.fixture
def service(store, bus):
    return ApprovalService(store, bus, DeletionQueue(store, bus))


def rows_by_key(store):
    with store.read() as db:
        return {r.key: r for r in rows.list_approvals(db, limit=1000)}


def live_jobs(store):
    with store.read() as db:
        return rows.list_jobs(db)


def test_reconcile_inserts_refreshes_and_dismisses_stale(kit, service, store):
    """Check that planned items become pending, keyed by item not title."""
    a, b, c = kit.planned("1"), kit.planned("2"), kit.planned("3", title="Movie 1")
    first = service.reconcile_with_plan(kit.plan(a, b, c), kit.group_id)
    assert (first.added, first.refreshed, first.dismissed) == (3, 0, 0)
    assert set(rows_by_key(store)) == {(1, "1"), (1, "2"), (1, "3")}

    bigger = kit.planned("1", size=5000)
    second = service.reconcile_with_plan(kit.plan(bigger), kit.group_id)
    assert (second.added, second.refreshed, second.dismissed) == (0, 1, 2)
    current = rows_by_key(store)
    assert set(current) == {(1, "1")}
    assert current[(1, "1")].size_bytes == 5000


def test_reconcile_leaves_approved_rejected_and_user_rows(kit, service, store):
    """Check that reconciling never touches approved, rejected or user rows."""
    a, b = kit.planned("1"), kit.planned("2")
    service.reconcile_with_plan(kit.plan(a, b), kit.group_id)
    ids = {k: r.id for k, r in rows_by_key(store).items()}
    service.approve(ids[(1, "1")], "api:jwt:admin")
    service.reject(ids[(1, "2")])
    user = service.request(
        {
            "integration_id": 1,
            "external_id": "9",
            "media_type": "movie",
            "title": "Mine",
            "disk_group_id": kit.group_id,
        }
    )

    result = service.reconcile_with_plan(kit.plan(), kit.group_id)

    assert result.dismissed == 0
    current = rows_by_key(store)
    assert current[(1, "1")].status == "approved"
    assert current[(1, "2")].status == "rejected"
    assert current[(1, "9")].id == user.id and current[(1, "9")].user_initiated


def test_approve_queues_a_job_in_the_same_transaction(kit, service, store):
    """Check that approval flips the row and inserts a deletion job."""
    service.reconcile_with_plan(kit.plan(kit.planned("1")), kit.group_id)
    row = rows_by_key(store)[(1, "1")]
    kit.mode("approval")

    approved = service.approve(row.id, "api:apikey:admin")

    assert approved.status == "approved"
    [job] = live_jobs(store)
    assert (job.key, job.trigger, job.approval_id) == ((1, "1"), "approval", row.id)
    assert job.enqueued_mode == "approval"
    assert job.not_before == kit.clock() + timedelta(seconds=30)


def test_approve_when_deletions_disabled_is_refused(kit, service, store):
    """Check the 409 case: nothing changes and no job is queued."""
    service.reconcile_with_plan(kit.plan(kit.planned("1")), kit.group_id)
    row = rows_by_key(store)[(1, "1")]
    kit.prefs(deletionsEnabled=False)

    with pytest.raises(DeletionsDisabled):
        service.approve(row.id, "api:apikey:admin")

    assert rows_by_key(store)[(1, "1")].status == "pending"
    assert live_jobs(store) == []


def test_transitions_follow_the_state_machine(kit, service, store):
    """Check reject/unsnooze/dismiss and the refusals of invalid transitions."""
    service.reconcile_with_plan(
        kit.plan(kit.planned("1"), kit.planned("2")), kit.group_id
    )
    ids = {k: r.id for k, r in rows_by_key(store).items()}
    rejected = service.reject(ids[(1, "1")])
    assert rejected.status == "rejected"
    assert rejected.snoozed_until == kit.clock() + timedelta(hours=24)
    with pytest.raises(InvalidTransition):
        service.approve(ids[(1, "1")], "api:jwt:admin")
    with pytest.raises(InvalidTransition):
        service.unsnooze(ids[(1, "2")])
    assert service.unsnooze(ids[(1, "1")]).status == "pending"

    service.approve(ids[(1, "2")], "api:jwt:admin")
    with pytest.raises(InvalidTransition):
        service.dismiss(ids[(1, "2")])
    service.dismiss(ids[(1, "1")])
    with pytest.raises(RecordNotFound):
        service.dismiss(ids[(1, "1")])


def test_snoozes_hide_items_until_they_expire(kit, service, store):
    """Check snoozed_keys and expire_snoozes with a moving clock."""
    service.reconcile_with_plan(kit.plan(kit.planned("1")), kit.group_id)
    service.reject(rows_by_key(store)[(1, "1")].id)
    assert service.snoozed_keys(disk_group_id=kit.group_id) == {(1, "1")}
    assert service.snoozed_keys(disk_group_id=kit.group_id + 1) == set()

    kit.clock.advance(24 * 3600)
    assert service.snoozed_keys() == set()
    assert service.expire_snoozes() == 1
    assert rows_by_key(store)[(1, "1")].status == "pending"


def test_clear_keeps_approved_and_user_rows(kit, service, store):
    """Check clear_below_threshold and clear remove only engine pending/rejected."""
    service.reconcile_with_plan(
        kit.plan(kit.planned("1"), kit.planned("2"), kit.planned("3")), kit.group_id
    )
    ids = {k: r.id for k, r in rows_by_key(store).items()}
    service.approve(ids[(1, "1")], "api:jwt:admin")
    service.reject(ids[(1, "2")])
    service.request(
        {
            "integration_id": 1,
            "external_id": "9",
            "media_type": "movie",
            "title": "Mine",
            "disk_group_id": kit.group_id,
        }
    )

    assert service.clear_below_threshold(kit.group_id + 1) == 0
    assert service.clear_below_threshold(kit.group_id) == 2
    assert set(rows_by_key(store)) == {(1, "1"), (1, "9")}
    assert service.clear() == 0


def test_group_approve_and_reject_by_collection(kit, service, store):
    """Check that a collection group is approved or rejected as a whole."""
    service.reconcile_with_plan(
        kit.plan(
            kit.planned("1", group="Saga"),
            kit.planned("2", group="Saga"),
            kit.planned("3", group="Other"),
        ),
        kit.group_id,
    )
    kit.mode("approval")
    approved = service.approve_group("Saga", "api:jwt:admin")
    assert {r.key for r in approved} == {(1, "1"), (1, "2")}
    assert {j.key for j in live_jobs(store)} == {(1, "1"), (1, "2")}
    assert [r.key for r in service.reject_group("Other")] == [(1, "3")]


def test_recover_orphans_returns_jobless_approvals_to_pending(kit, service, store):
    """Check start-up recovery: approved rows whose job is gone become pending."""
    service.reconcile_with_plan(
        kit.plan(kit.planned("1"), kit.planned("2")), kit.group_id
    )
    ids = {k: r.id for k, r in rows_by_key(store).items()}
    service.approve(ids[(1, "1")], "api:jwt:admin")
    service.approve(ids[(1, "2")], "api:jwt:admin")
    [job1, _] = live_jobs(store)
    with store.write() as tx:
        rows.set_job_state(tx, job1.id, "cancelled", at=kit.clock())

    assert service.recover_orphans() == 1
    current = rows_by_key(store)
    assert current[(1, "1")].status == "pending"
    assert current[(1, "2")].status == "approved"


def test_approval_events_are_published(kit, service, bus, store):
    """Check approval_* and deletion_queued events with camelCase payloads."""
    sub = bus.subscribe()
    service.reconcile_with_plan(kit.plan(kit.planned("1")), kit.group_id)
    service.approve(rows_by_key(store)[(1, "1")].id, "api:jwt:admin")
    types = []
    while (event := sub.get(timeout=0.1)) is not None:
        types.append(event.type)
        if event.type == "approval_approved":
            assert event.payload()["mediaName"] == "Movie 1"
            assert event.payload()["message"] == "Approved for deletion: Movie 1"
    assert types == [
        "approval_queue_reconciled",
        "approval_approved",
        "deletion_queued",
        "deletion_grace_period",
    ]
