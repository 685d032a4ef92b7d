"""Check the deletion worker and queue against real SQLite, real threads and a
fake *arr, clock and sleep."""

from __future__ import annotations

from datetime import timedelta

import pytest

from controller.act.approval import ApprovalService
from controller.act.deletion import DeletionWorker
from controller.act.deletion_queue import DeletionQueue
from controller.act.errors import NotQueued
from controller.store import audit, runs
from controller.store import queues as rows


class Crash(BaseException):
    """Stands for the process dying at a chosen point."""


class Transient(Exception):
    transient = True


@pytest.fixture
def queue(store, bus):
    return DeletionQueue(store, bus)


def make_worker(store, bus, arr, kit, **kwargs):
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        kit.clock.advance(seconds)

    worker = DeletionWorker(
        store,
        bus,
        deleter=arr.deleter,
        exists=arr.exists,
        measure=arr.measure,
        sleep=kwargs.pop("sleep", sleep),
        idle_poll=0.01,
        **kwargs,
    )
    worker.sleeps = sleeps  # type: ignore[attr-defined]
    return worker


def audit_actions(store):
    with store.read() as db:
        return [
            (e.external_id, e.action)
            for e in reversed(audit.list_entries(db, limit=1000))
        ]


def job_states(store):
    with store.read() as db:
        return {
            j.external_id: j.state
            for j in rows.list_jobs(
                db,
                states=(
                    "queued",
                    "in_flight",
                    "deleted",
                    "failed",
                    "cancelled",
                    "dry_run",
                ),
            )
        }


def test_grace_period_holds_jobs_until_due(kit, store, bus, arr, queue):
    """Check that nothing is deleted before deletionQueueDelaySeconds pass."""
    queue.enqueue_plan(kit.plan(arr.add(kit.planned("1"))), "auto", None, kit.group_id)
    worker = make_worker(store, bus, arr, kit)
    assert worker.process_next() is None
    assert queue.grace_period() == {
        "active": True,
        "remainingSeconds": 30,
        "queueSize": 1,
    }
    kit.clock.advance(29)
    assert worker.process_next() is None
    kit.clock.advance(1)
    assert worker.process_next() == "deleted"
    assert arr.delete_calls == [(1, "1")]


def test_worker_thread_pauses_between_deletions(kit, store, bus, arr, queue):
    """Check that the thread deletes one at a time with the pause in between."""
    items = [arr.add(kit.planned(str(n))) for n in range(1, 4)]
    queue.enqueue_plan(kit.plan(*items), "auto", None, kit.group_id)
    worker = make_worker(store, bus, arr, kit)
    kit.clock.advance(30)
    worker.start()
    try:
        assert kit.wait_for(lambda: len(arr.delete_calls) == 3)
        assert kit.wait_for(lambda: worker.sleeps == [3.0, 3.0, 3.0])
    finally:
        assert worker.stop(5)
    assert arr.delete_calls == [(1, "1"), (1, "2"), (1, "3")]
    assert worker.stats().processed == 3


def test_invariant_4_switch_to_safety_stops_next_deletion(kit, store, bus, arr, queue):
    """Check that flipping deletionsEnabled or the mode between two deletions
    keeps the next item from being deleted."""
    items = [arr.add(kit.planned(str(n))) for n in range(1, 5)]
    queue.enqueue_plan(kit.plan(*items), "auto", None, kit.group_id)
    kit.clock.advance(30)
    switches = [
        lambda: kit.prefs(deletionsEnabled=False),
        lambda: (kit.prefs(deletionsEnabled=True), kit.mode("dry-run")),
    ]

    def sleep(seconds: float) -> None:
        # A person hits the emergency switch while the worker pauses.
        if switches:
            switches.pop(0)()

    worker = make_worker(store, bus, arr, kit, sleep=sleep)
    assert worker.process_next() == "deleted"
    sleep(3)
    assert worker.process_next() == "skipped"
    sleep(3)
    assert worker.process_next() == "skipped"
    assert worker.process_next() == "skipped"

    assert arr.delete_calls == [(1, "1")]
    assert job_states(store) == {
        "1": "deleted",
        "2": "dry_run",
        "3": "dry_run",
        "4": "dry_run",
    }
    with store.read() as db:
        reasons = [
            e.dry_run_reason for e in audit.list_entries(db, action="dry_delete")
        ]
    assert sorted(reasons) == ["deletions_disabled", "execution_mode", "execution_mode"]


def test_invariant_4_mode_change_to_approval_cancels(kit, store, bus, arr, queue):
    """Check that a job enqueued in auto mode is cancelled once the group left auto."""
    queue.enqueue_plan(kit.plan(arr.add(kit.planned("1"))), "auto", None, kit.group_id)
    kit.clock.advance(30)
    kit.mode("approval")
    worker = make_worker(store, bus, arr, kit)
    assert worker.process_next() == "skipped"
    assert arr.delete_calls == []
    assert audit_actions(store) == [("1", "cancelled")]


def test_invariant_6_approved_item_deleted_at_most_once(kit, store, bus, arr, tmp_path):
    """Check crash safety: a crash before and after the delete call, then a
    restart, give exactly one delete call per item and an audit row each."""
    from controller.events import EventBus
    from controller.store import Store

    db_path = tmp_path / "capacitarr.db"
    disk = Store.open(db_path, clock=kit.clock)
    disk_bus = EventBus(disk, clock=kit.clock)
    with disk.write() as tx:
        from controller.store import desired

        group = desired.disk_groups.upsert_settings(
            tx, "manifest:abc", "/data", {"mode": "approval"}, at=kit.clock()
        )
    approvals = ApprovalService(disk, disk_bus)
    a, b = arr.add(kit.planned("1")), arr.add(kit.planned("2"))
    approvals.reconcile_with_plan(kit.plan(a, b), group.id)
    with disk.read() as db:
        ids = sorted(r.id for r in rows.list_approvals(db))
    for approval_id in ids:
        approvals.approve(approval_id, "api:jwt:admin")
    kit.clock.advance(30)

    real_deleter = arr.deleter
    crash_points = iter(["before", "after"])

    def crashing_deleter(job):
        if next(crash_points) == "before":
            raise Crash()  # died after in_flight was committed, before the call
        real_deleter(job)
        raise Crash()  # the *arr deleted it; we died before committing

    worker = DeletionWorker(
        disk, disk_bus, deleter=crashing_deleter, exists=arr.exists, measure=arr.measure
    )
    with pytest.raises(Crash):
        worker.process_next()
    with pytest.raises(Crash):
        worker.process_next()
    disk_bus.close()
    disk.close()

    # Restart: a new store on the same file, a new worker with the real deleter.
    disk = Store.open(db_path, clock=kit.clock)
    disk_bus = EventBus(disk, clock=kit.clock)
    ApprovalService(disk, disk_bus).recover_orphans()
    worker = make_worker(disk, disk_bus, arr, kit)
    worker.start()
    try:
        assert kit.wait_for(
            lambda: job_states(disk) == {"1": "deleted", "2": "deleted"}
        )
    finally:
        worker.stop(5)
    # Item 1 crashed before the call, item 2 after it: one call each.
    assert sorted(arr.delete_calls) == [(1, "1"), (1, "2")]
    with disk.read() as db:
        deleted = audit.list_entries(db, action="deleted")
        assert rows.list_approvals(db) == []
        assert runs.lifetime(db).total_items_removed == 2
    assert sorted(e.external_id for e in deleted) == ["1", "2"]
    assert [e.reason for e in deleted if e.external_id == "2"] == [
        "confirmed after restart"
    ]
    disk_bus.close()
    disk.close()


def test_unknown_existence_is_never_deleted_blindly(kit, store, bus, arr, queue):
    """Check that an in-flight job stays put while its *arr cannot answer."""
    queue.enqueue_plan(kit.plan(arr.add(kit.planned("1"))), "auto", None, kit.group_id)
    with store.write() as tx:
        [job] = rows.list_jobs(tx)
        rows.set_job_state(tx, job.id, "in_flight", at=kit.clock())
    arr.down = True
    worker = make_worker(store, bus, arr, kit)
    assert worker.recover() == 1
    kit.clock.advance(60)
    assert worker.process_next() is None
    assert arr.delete_calls == [] and job_states(store) == {"1": "in_flight"}
    arr.down = False
    assert worker.recover() == 0
    assert job_states(store) == {"1": "queued"}


def test_invariant_2_dry_run_sends_nothing(kit, store, bus, arr, queue):
    """Check that a dry-run plan writes one refreshed audit row per item and
    never reaches the deleter."""
    kit.mode("dry-run")
    plan = kit.plan(arr.add(kit.planned("1")), arr.add(kit.planned("2")))
    worker = make_worker(store, bus, arr, kit)
    assert queue.record_dry_run(plan, kit.group_id, run_id=None) == 2
    kit.clock.advance(300)
    assert queue.record_dry_run(plan, kit.group_id, run_id=None) == 2
    assert worker.process_next() is None
    assert arr.delete_calls == []
    assert audit_actions(store) == [("1", "dry_delete"), ("2", "dry_delete")]
    assert job_states(store) == {}


def test_invariant_8_reclaimed_space_measured(kit, store, bus, arr, queue):
    """Check that expected and reclaimed bytes are recorded and a shortfall is
    explained (a hardlinked copy keeps 400 bytes in use)."""
    sub = bus.subscribe()
    with store.write() as tx:
        run_id = runs.start(tx, mode="auto", at=kit.clock())
    a, b = arr.add(kit.planned("1", 1000)), arr.add(kit.planned("2", 500))
    arr.kept[(1, "2")] = 400
    queue.enqueue_plan(kit.plan(a, b), "auto", run_id, kit.group_id)
    kit.clock.advance(30)
    worker = make_worker(store, bus, arr, kit)
    while worker.process_next():
        pass
    summary = worker.finish_batch()

    assert summary is not None
    assert (summary["expectedBytes"], summary["reclaimedBytes"]) == (1500, 1100)
    with store.read() as db:
        run = runs.get(db, run_id)
    assert run is not None and run.deleted == 2 and run.freed_bytes == 1500
    assert run.summary["reclaim"] == [
        {"diskGroupId": kit.group_id, "expectedBytes": 1500, "reclaimedBytes": 1100}
    ]
    events = []
    while (event := sub.get(timeout=0.1)) is not None:
        events.append(event)
    [done] = [e for e in events if e.type == "deletion_batch_complete"]
    assert done.fields["expectedBytes"] == 1500
    assert done.fields["reclaimedBytes"] == 1100
    assert "hardlinks" in done.message


def test_enqueue_deduplicates_queued_and_in_flight(kit, store, bus, arr, queue):
    """Check that the same item is never queued twice."""
    a = arr.add(kit.planned("1"))
    assert len(queue.enqueue_plan(kit.plan(a), "auto", None, kit.group_id)) == 1
    assert queue.enqueue_plan(kit.plan(a), "auto", None, kit.group_id) == []
    with store.write() as tx:
        [job] = rows.list_jobs(tx)
        rows.set_job_state(tx, job.id, "in_flight", at=kit.clock())
    assert queue.enqueue_plan(kit.plan(a), "auto", None, kit.group_id) == []
    assert len(queue.jobs()) == 1


def test_transient_failures_retry_then_fail(kit, store, bus, arr, queue):
    """Check bounded retries with backoff for transient errors, then audit failed."""
    queue.enqueue_plan(kit.plan(arr.add(kit.planned("1"))), "auto", None, kit.group_id)
    arr.fail_with = Transient("sonarr: DELETE /api/v3/series/1 -> HTTP 503")
    worker = make_worker(store, bus, arr, kit)
    kit.clock.advance(30)
    assert worker.process_next() == "deleted"
    assert job_states(store) == {"1": "queued"}
    assert worker.process_next() is None
    kit.clock.advance(30)
    assert worker.process_next() == "deleted"
    kit.clock.advance(120)
    assert worker.process_next() == "deleted"
    assert job_states(store) == {"1": "failed"}
    assert len(arr.delete_calls) == 3
    assert audit_actions(store) == [("1", "failed")]
    assert worker.stats().failed == 1


def test_cancel_clear_and_snooze_remove_jobs_now(kit, store, bus, arr, queue):
    """Check that user cancellations take effect immediately with audit rows."""
    items = [arr.add(kit.planned(str(n))) for n in range(1, 4)]
    jobs = queue.enqueue_plan(kit.plan(*items), "auto", None, kit.group_id)
    queue.cancel(jobs[0].id)
    with pytest.raises(NotQueued):
        queue.cancel(jobs[0].id)
    until = queue.snooze((1, "2"))
    assert until == kit.clock() + timedelta(hours=24)
    assert ApprovalService(store, bus).snoozed_keys(disk_group_id=kit.group_id) == {
        (1, "2")
    }
    assert queue.clear() == 1
    assert queue.jobs() == []
    kit.clock.advance(30)
    assert make_worker(store, bus, arr, kit).process_next() is None
    assert arr.delete_calls == []
    assert sorted(audit_actions(store)) == [
        ("1", "cancelled"),
        ("2", "cancelled"),
        ("3", "cancelled"),
    ]


def test_stop_lets_the_current_deletion_finish(kit, store, bus, arr, queue):
    """Check that stop() waits for an in-progress delete and leaves no job in flight."""
    import threading

    items = [arr.add(kit.planned(str(n))) for n in range(1, 3)]
    queue.enqueue_plan(kit.plan(*items), "auto", None, kit.group_id)
    kit.clock.advance(30)
    entered, release = threading.Event(), threading.Event()
    real = arr.deleter

    def slow(job):
        entered.set()
        release.wait(5)
        real(job)

    worker = DeletionWorker(
        store, bus, deleter=slow, exists=arr.exists, measure=arr.measure, idle_poll=0.01
    )
    worker.start()
    assert entered.wait(5)
    stopper = threading.Thread(target=worker.stop, args=(5,))
    stopper.start()
    release.set()
    stopper.join(5)
    assert job_states(store) == {"1": "deleted", "2": "queued"}
    assert arr.delete_calls == [(1, "1")]
