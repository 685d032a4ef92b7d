"""Putting work into the persistent deletion queue and taking it back out.

:class:`DeletionQueue` is what the reconciler and the API call: ``auto`` plans
are enqueued (de-duplicated against queued and in-flight items), ``dry-run``
plans are only written to the audit log and never reach an integration, users
cancel, clear or snooze queued jobs. The worker in ``controller.act.deletion``
drains the queue. :func:`store_settings` reads what the worker re-checks before
every deletion.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from controller.act.errors import NotQueued
from controller.act.plans import item_columns, planned_items
from controller.events import EventBus
from controller.store import Store, Transaction, desired
from controller.store import audit as audit_rows
from controller.store import queues as rows
from controller.store import runs as run_rows
from controller.store.queues import DeletionJob, ItemKey

DEFAULT_DELAY_SECONDS = 30


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What decides, right before a deletion, whether it may happen."""

    mode: str
    deletions_enabled: bool


def store_settings(store: Store) -> Callable[[int | None], WorkerSettings]:
    """Return a callable reading a group's effective mode and the master switch."""

    def read(disk_group_id: int | None) -> WorkerSettings:
        with store.read() as db:
            prefs = desired.get_preferences(db)
            mode = desired.effective_mode(db, disk_group_id)
        return WorkerSettings(mode, prefs.get("deletionsEnabled") is True)

    return read


def grace_delay(db: Transaction) -> timedelta:
    """Return the grace period from preferences (<= 0 reads as 30 s)."""
    seconds = desired.get_preferences(db).get("deletionQueueDelaySeconds")
    if not isinstance(seconds, int | float) or seconds <= 0:
        seconds = DEFAULT_DELAY_SECONDS
    return timedelta(seconds=seconds)


def insert_job(
    db: Transaction,
    columns: dict[str, Any],
    *,
    trigger: str,
    mode: str,
    at: datetime,
    **extra: Any,
) -> DeletionJob:
    """Queue one job with the grace period from now; columns from
    :func:`controller.act.plans.item_columns` or an approval row."""
    values = {k: v for k, v in columns.items() if k in _JOB_COLUMNS}
    values.update(extra)
    values.update(trigger=trigger, enqueued_mode=mode, not_before=at + grace_delay(db))
    return rows.insert_job(db, values, at=at)


# What describes an item in both queues: copied between approval rows and jobs.
ITEM_COLUMNS = (
    "integration_id",
    "external_id",
    "media_type",
    "title",
    "size_bytes",
    "expected_bytes",
    "score",
    "score_details",
    "poster_url",
    "collection_group",
    "unmonitor",
    "disk_group_id",
)
_JOB_COLUMNS = frozenset(ITEM_COLUMNS)


def job_fields(job: DeletionJob) -> dict[str, Any]:
    """Return the ``deletion_*`` event fields of a job."""
    return {
        "mediaName": job.title,
        "mediaType": job.media_type,
        "sizeBytes": job.size_bytes,
        "integrationId": job.integration_id,
    }


def audit_values(job: DeletionJob, action: str, **extra: Any) -> dict[str, Any]:
    """Return the audit row columns describing what happened to a job."""
    return {
        "media_name": job.title,
        "media_type": job.media_type,
        "integration_id": job.integration_id,
        "external_id": job.external_id,
        "score_details": job.score_details,
        "action": action,
        "size_bytes": job.size_bytes,
        "expected_bytes": job.expected_bytes,
        "score": job.score,
        "trigger": job.trigger,
        "disk_group_id": job.disk_group_id,
        "collection_group": job.collection_group,
        "run_id": job.run_id,
        "plan_digest": job.plan_digest,
        **extra,
    }


class DeletionQueue:
    """Enqueue, record dry runs, cancel and snooze (no deleting happens here).

    Args:
        store: the database.
        bus: where events go.
        notify: called after jobs are added, e.g. the worker's ``wake``.
    """

    def __init__(
        self, store: Store, bus: EventBus, notify: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self._bus = bus
        self._notify = notify

    def enqueue_plan(
        self,
        group_plan: object,
        mode: str,
        run_id: int | None,
        disk_group_id: int | None,
        *,
        plan_digest: str = "",
        trigger: str = "engine",
        add_exclusion: bool = False,
        delete_files: bool = True,
    ) -> list[DeletionJob]:
        """Queue every planned item not already queued or in flight.

        Returns:
            The jobs added, in plan order.
        """
        added: list[DeletionJob] = []
        now = self._store.now()
        with self._store.write() as tx:
            live = rows.live_keys(tx)
            for planned in planned_items(group_plan):
                columns = item_columns(planned)
                key = (columns["integration_id"], columns["external_id"])
                if key in live:
                    continue
                live.add(key)
                added.append(
                    insert_job(
                        tx,
                        columns,
                        trigger=trigger,
                        mode=mode,
                        at=now,
                        disk_group_id=disk_group_id,
                        run_id=run_id,
                        plan_digest=plan_digest,
                        add_exclusion=add_exclusion,
                        delete_files=delete_files,
                    )
                )
        self._announce(added)
        return added

    def _announce(self, added: list[DeletionJob]) -> None:
        for job in added:
            self._bus.publish(
                "deletion_queued",
                f"Queued for deletion: {job.title}",
                **job_fields(job),
            )
        if added:
            self.publish_grace_period()
            if self._notify is not None:
                self._notify()

    def record_dry_run(
        self,
        group_plan: object,
        disk_group_id: int | None,
        *,
        run_id: int | None = None,
        plan_digest: str = "",
        reason: str = "execution_mode",
    ) -> int:
        """Write or refresh one ``dry_delete`` audit row per planned item.

        Nothing is sent to any integration and nothing is queued.

        Returns:
            The number of items recorded.
        """
        items = planned_items(group_plan)
        now = self._store.now()
        with self._store.write() as tx:
            for planned in items:
                c = item_columns(planned)
                audit_rows.upsert_dry_delete(
                    tx,
                    {
                        "media_name": c["title"],
                        "media_type": c["media_type"],
                        "integration_id": c["integration_id"],
                        "external_id": c["external_id"],
                        "score_details": c["score_details"],
                        "size_bytes": c["size_bytes"],
                        "expected_bytes": c["expected_bytes"],
                        "score": c["score"],
                        "trigger": "engine",
                        "dry_run_reason": reason,
                        "reason": planned.reason,
                        "disk_group_id": disk_group_id,
                        "collection_group": c["collection_group"],
                        "run_id": run_id,
                        "plan_digest": plan_digest,
                    },
                    at=now,
                )
        for planned in items:
            self._bus.publish(
                "deletion_dry_run",
                f"Dry-run flagged: {planned.item.title}",
                mediaName=planned.item.title,
                mediaType=str(planned.item.media_type),
                sizeBytes=planned.item.size_bytes,
            )
        return len(items)

    def jobs(self) -> list[DeletionJob]:
        """Return queued and in-flight jobs in FIFO order."""
        with self._store.read() as db:
            return rows.list_jobs(db)

    def cancel(self, job_id: int, *, reason: str = "cancelled by user") -> DeletionJob:
        """Cancel one queued job now (audit ``cancelled``).

        Raises:
            NotQueued: the job is not waiting (absent, in flight or finished).
        """
        with self._store.write() as tx:
            job = next(
                (j for j in rows.list_jobs(tx, states=("queued",)) if j.id == job_id),
                None,
            )
            if job is None:
                raise NotQueued(job_id)
            self._cancel_in(tx, job, reason)
        self._cancelled([job])
        return job

    def cancel_key(
        self, key: ItemKey, *, reason: str = "cancelled by user"
    ) -> DeletionJob:
        """Cancel the queued job of an item; raises :class:`NotQueued`."""
        with self._store.read() as db:
            job = rows.find_live_job(db, key)
        if job is None or job.state != "queued":
            raise NotQueued(key)
        return self.cancel(job.id, reason=reason)

    def clear(self, *, reason: str = "queue cleared") -> int:
        """Cancel every queued job now; in-flight deletions finish."""
        with self._store.write() as tx:
            jobs = rows.list_jobs(tx, states=("queued",))
            for job in jobs:
                self._cancel_in(tx, job, reason)
        self._cancelled(jobs)
        self._bus.publish(
            "deletion_grace_period",
            "Deletion grace period cleared",
            remainingSeconds=0,
            queueSize=0,
            active=False,
        )
        return len(jobs)

    def _cancel_in(self, tx: Transaction, job: DeletionJob, reason: str) -> None:
        now = self._store.now()
        rows.set_job_state(tx, job.id, "cancelled", at=now, error=reason)
        audit_rows.append(tx, audit_values(job, "cancelled", reason=reason), at=now)
        if job.approval_id is not None:
            approval = rows.find_approval(tx, job.key)
            if approval is not None and approval.status == "approved":
                rows.update_approval(tx, approval.id, {"status": "pending"}, at=now)

    def _cancelled(self, jobs: list[DeletionJob]) -> None:
        for job in jobs:
            self._bus.publish(
                "deletion_cancelled",
                f"Deletion cancelled: {job.title}",
                mediaName=job.title,
                mediaType=job.media_type,
                sizeBytes=job.size_bytes,
            )

    def snooze(self, key: ItemKey) -> datetime:
        """Cancel the item's queued job (if any) and snooze it.

        The item's approval row becomes ``rejected`` until now +
        ``snoozeDurationHours`` (created if missing, keeping the job's disk
        group so the planner honours it).

        Returns:
            When the snooze ends.
        """
        now = self._store.now()
        with self._store.write() as tx:
            job = rows.find_live_job(tx, key)
            if job is not None and job.state == "queued":
                self._cancel_in(tx, job, "snoozed by user")
            hours = desired.get_preferences(tx).get("snoozeDurationHours", 24)
            until = now + timedelta(hours=float(hours))
            row = rows.find_approval(tx, key)
            if row is not None:
                approval = rows.update_approval(
                    tx, row.id, {"status": "rejected", "snoozed_until": until}, at=now
                )
            else:
                source = job or _bare_job(key)
                approval = rows.insert_approval(
                    tx,
                    {
                        **{k: getattr(source, k) for k in _APPROVAL_FROM_JOB},
                        "status": "rejected",
                        "trigger": "user",
                        "snoozed_until": until,
                    },
                    at=now,
                )
        if job is not None and job.state == "queued":
            self._cancelled([job])
        self._bus.publish(
            "approval_rejected",
            f"Rejected (snoozed): {approval.title}",
            entryId=approval.id,
            mediaName=approval.title,
            mediaType=approval.media_type,
            snoozeDuration=f"{hours}h",
        )
        return until

    def grace_period(self) -> dict[str, Any]:
        """Return ``{active, remainingSeconds, queueSize}`` for the API."""
        now = self._store.now()
        with self._store.read() as db:
            queued = rows.list_jobs(db, states=("queued",))
        waiting = [j.not_before for j in queued if j.not_before > now]
        remaining = max(waiting, default=now) - now
        return {
            "active": bool(waiting),
            "remainingSeconds": math.ceil(remaining.total_seconds()),
            "queueSize": len(queued),
        }

    def publish_grace_period(self) -> None:
        """Publish ``deletion_grace_period`` with the current numbers."""
        state = self.grace_period()
        message = (
            f"Deletion grace period active: {state['remainingSeconds']}s remaining,"
            f" {state['queueSize']} items queued"
            if state["active"]
            else f"Deletion grace period expired: processing {state['queueSize']} items"
        )
        self._bus.publish("deletion_grace_period", message, **state)


_APPROVAL_FROM_JOB = tuple(c for c in ITEM_COLUMNS if c != "unmonitor")


@dataclass(frozen=True, slots=True)
class _BareItem:
    integration_id: int
    external_id: str
    media_type: str = "movie"
    title: str = ""
    size_bytes: int = 0
    expected_bytes: int = 0
    score: float = 0.0
    score_details: tuple[Any, ...] = ()
    poster_url: str = ""
    disk_group_id: int | None = None
    collection_group: str = ""


def _bare_job(key: ItemKey) -> _BareItem:
    return _BareItem(key[0], key[1], title=f"{key[0]}:{key[1]}")


def latest_run_id(db: Transaction) -> int | None:
    """Return the newest engine run id, to attribute jobs made outside a cycle."""
    run = run_rows.latest(db)
    return None if run is None else run.id
