"""The approval queue: what a person must approve before anything is deleted.

The reconciler calls :meth:`ApprovalService.reconcile_with_plan` for each disk
group in ``approval`` mode and :meth:`ApprovalService.clear_below_threshold` for
groups that no longer need space; the API calls approve, reject, unsnooze,
dismiss and clear. Approving inserts the deletion job in the same transaction as
the status change, so an approved row always has a job (or is recovered to
pending at start-up by :meth:`ApprovalService.recover_orphans`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from controller.act.deletion_queue import (
    ITEM_COLUMNS,
    DeletionQueue,
    insert_job,
    job_fields,
    latest_run_id,
)
from controller.act.errors import DeletionsDisabled, InvalidTransition
from controller.act.plans import item_columns, planned_items
from controller.events import EventBus
from controller.store import Store, Transaction, desired
from controller.store import queues as rows
from controller.store.queues import ApprovalItem, DeletionJob, ItemKey


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """What reconciling one group's plan did to the queue."""

    added: int
    refreshed: int
    dismissed: int


class ApprovalService:
    """State machine of the approval queue (pending, approved, rejected).

    Args:
        store: the database.
        bus: where events go.
        deletions: used to announce jobs created by approvals.
    """

    def __init__(
        self, store: Store, bus: EventBus, deletions: DeletionQueue | None = None
    ) -> None:
        self._store = store
        self._bus = bus
        self._deletions = deletions or DeletionQueue(store, bus)

    def reconcile_with_plan(
        self, group_plan: object, disk_group_id: int
    ) -> ReconcileResult:
        """Make the group's pending rows match its plan.

        Planned items get a pending row (inserted, or refreshed when already
        pending); approved and rejected rows are left alone; pending rows of this
        group that are not user-initiated and no longer planned are removed.
        """
        now = self._store.now()
        added = refreshed = 0
        needed: set[ItemKey] = set()
        with self._store.write() as tx:
            for planned in planned_items(group_plan):
                columns = item_columns(planned)
                key = (columns["integration_id"], columns["external_id"])
                needed.add(key)
                row = rows.find_approval(tx, key)
                if row is None:
                    rows.insert_approval(
                        tx,
                        {
                            **columns,
                            "disk_group_id": disk_group_id,
                            "status": "pending",
                            "trigger": "engine",
                        },
                        at=now,
                    )
                    added += 1
                elif row.status == "pending":
                    rows.update_approval(
                        tx, row.id, {**columns, "disk_group_id": disk_group_id}, at=now
                    )
                    refreshed += 1
            stale = [
                r
                for r in rows.list_approvals(
                    tx, status="pending", disk_group_id=disk_group_id, limit=1_000_000
                )
                if not r.user_initiated and r.key not in needed
            ]
            for row in stale:
                rows.delete_approval(tx, row.id)
        self._bus.publish(
            "approval_queue_reconciled",
            f"Approval queue reconciled for disk group {disk_group_id}: "
            f"{len(stale)} stale items dismissed",
            diskGroupId=disk_group_id,
            dismissed=len(stale),
        )
        return ReconcileResult(added, refreshed, len(stale))

    def clear_below_threshold(self, disk_group_id: int) -> int:
        """Remove the group's pending and rejected rows that no user asked for.

        Approved rows (their deletion may be in flight) and user-initiated rows
        stay. Returns the number removed.
        """
        return self._clear(disk_group_id)

    def clear(self) -> int:
        """Remove every pending and rejected row no user asked for."""
        return self._clear(None)

    def _clear(self, disk_group_id: int | None) -> int:
        with self._store.write() as tx:
            count = rows.delete_unrequested(tx, disk_group_id)
        if count:
            self._bus.publish(
                "approval_queue_cleared",
                f"Approval queue cleared: {count} items removed",
                count=count,
            )
        return count

    def approve(self, approval_id: int, origin: str) -> ApprovalItem:
        """Approve a pending row and queue its deletion in one transaction.

        Args:
            approval_id: the row.
            origin: who approves (``api:apikey:<user>`` ...), logged on the job's
                audit trail through the event.

        Raises:
            RecordNotFound: no such row.
            InvalidTransition: the row is not pending.
            DeletionsDisabled: ``deletionsEnabled`` is false (nothing changes).
        """
        item, job = self._approve_in_tx(approval_id)
        self._announce_approval(item, job, origin)
        return item

    def _approve_in_tx(
        self, approval_id: int
    ) -> tuple[ApprovalItem, DeletionJob | None]:
        now = self._store.now()
        with self._store.write() as tx:
            row = rows.get_approval(tx, approval_id)
            if row.status != "pending":
                raise InvalidTransition(approval_id, row.status, "approve")
            if desired.get_preferences(tx).get("deletionsEnabled") is not True:
                raise DeletionsDisabled(approval_id)
            item = rows.update_approval(tx, approval_id, {"status": "approved"}, at=now)
            job = None
            if rows.find_live_job(tx, row.key) is None:
                job = self._insert_job(tx, item, now)
        return item, job

    def _insert_job(
        self, tx: Transaction, item: ApprovalItem, now: datetime
    ) -> DeletionJob:
        columns = {c: getattr(item, c) for c in ITEM_COLUMNS}
        return insert_job(
            tx,
            columns,
            trigger="approval",
            mode=desired.effective_mode(tx, item.disk_group_id),
            at=now,
            approval_id=item.id,
            run_id=latest_run_id(tx),
        )

    def _announce_approval(
        self, item: ApprovalItem, job: DeletionJob | None, origin: str
    ) -> None:
        self._bus.publish(
            "approval_approved",
            f"Approved for deletion: {item.title}",
            entryId=item.id,
            mediaName=item.title,
            mediaType=item.media_type,
            sizeBytes=item.size_bytes,
            origin=origin,
        )
        if job is not None:
            self._bus.publish(
                "deletion_queued",
                f"Queued for deletion: {job.title}",
                **job_fields(job),
            )
            self._deletions.publish_grace_period()

    def approve_group(self, collection_group: str, origin: str) -> list[ApprovalItem]:
        """Approve every pending row of a collection group (see :meth:`approve`)."""
        pending = self._pending_in(collection_group)
        return [self.approve(row.id, origin) for row in pending]

    def _pending_in(self, collection_group: str) -> list[ApprovalItem]:
        with self._store.read() as db:
            return rows.list_approvals(
                db, status="pending", collection_group=collection_group, limit=100_000
            )

    def request(self, columns: dict[str, Any]) -> ApprovalItem:
        """Add a user's deletion request as a pending, user-initiated row.

        ``columns`` are approval-queue columns (integration_id, external_id,
        media_type, title, size_bytes, score, score_details, poster_url ...).
        An existing pending row of the item is refreshed and keeps its flag;
        approved or rejected rows are returned unchanged.
        """
        now = self._store.now()
        key = (columns["integration_id"], columns["external_id"])
        with self._store.write() as tx:
            row = rows.find_approval(tx, key)
            if row is None:
                return rows.insert_approval(
                    tx,
                    {
                        **columns,
                        "status": "pending",
                        "trigger": "user",
                        "user_initiated": True,
                    },
                    at=now,
                )
            if row.status == "pending":
                return rows.update_approval(tx, row.id, dict(columns), at=now)
            return row

    def reject(self, approval_id: int) -> ApprovalItem:
        """Reject (snooze) a pending row for ``snoozeDurationHours``.

        Raises:
            RecordNotFound: no such row.
            InvalidTransition: the row is not pending.
        """
        now = self._store.now()
        with self._store.write() as tx:
            row = rows.get_approval(tx, approval_id)
            if row.status != "pending":
                raise InvalidTransition(approval_id, row.status, "reject")
            hours = desired.get_preferences(tx).get("snoozeDurationHours", 24)
            item = rows.update_approval(
                tx,
                approval_id,
                {
                    "status": "rejected",
                    "snoozed_until": now + timedelta(hours=float(hours)),
                },
                at=now,
            )
        self._bus.publish(
            "approval_rejected",
            f"Rejected (snoozed): {item.title}",
            entryId=item.id,
            mediaName=item.title,
            mediaType=item.media_type,
            snoozeDuration=f"{hours}h",
        )
        return item

    def reject_group(self, collection_group: str) -> list[ApprovalItem]:
        """Reject every pending row of a collection group."""
        pending = self._pending_in(collection_group)
        return [self.reject(row.id) for row in pending]

    def unsnooze(self, approval_id: int) -> ApprovalItem:
        """Return a rejected row to pending; raises :class:`InvalidTransition`."""
        now = self._store.now()
        with self._store.write() as tx:
            row = rows.get_approval(tx, approval_id)
            if row.status != "rejected":
                raise InvalidTransition(approval_id, row.status, "unsnooze")
            item = rows.update_approval(
                tx, approval_id, {"status": "pending", "snoozed_until": None}, at=now
            )
        self._bus.publish(
            "approval_unsnoozed",
            f"Unsnoozed: {item.title}",
            entryId=item.id,
            mediaName=item.title,
            mediaType=item.media_type,
        )
        return item

    def dismiss(self, approval_id: int) -> ApprovalItem:
        """Delete a pending or rejected row; approved rows cannot be dismissed."""
        with self._store.write() as tx:
            row = rows.get_approval(tx, approval_id)
            if row.status == "approved":
                raise InvalidTransition(approval_id, row.status, "dismiss")
            rows.delete_approval(tx, approval_id)
        self._bus.publish(
            "approval_dismissed",
            f"Dismissed from queue: {row.title}",
            entryId=row.id,
            mediaName=row.title,
            mediaType=row.media_type,
        )
        return row

    def expire_snoozes(self, now: datetime | None = None) -> int:
        """Return rejected rows whose snooze has ended to pending."""
        moment = now or self._store.now()
        with self._store.write() as tx:
            return rows.expire_snoozes(tx, moment)

    def recover_orphans(self) -> int:
        """At start-up, return approved rows without a live deletion job to
        pending (their job was lost or finished without removing them)."""
        now = self._store.now()
        with self._store.write() as tx:
            live = rows.live_keys(tx)
            orphans = [
                r
                for r in rows.list_approvals(tx, status="approved", limit=1_000_000)
                if r.key not in live
            ]
            for row in orphans:
                rows.update_approval(tx, row.id, {"status": "pending"}, at=now)
        if orphans:
            self._bus.publish(
                "approval_orphans_recovered",
                f"Recovered {len(orphans)} orphaned approval items",
                count=len(orphans),
            )
        return len(orphans)

    def snoozed_keys(
        self, now: datetime | None = None, disk_group_id: int | None = None
    ) -> set[ItemKey]:
        """Return items the planner must skip: rejected and still snoozed.

        With ``disk_group_id``, snoozes of that group and snoozes without a group
        (made from the deletion queue) count.
        """
        with self._store.read() as db:
            return rows.snoozed_keys(db, now or self._store.now(), disk_group_id)
