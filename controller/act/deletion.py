"""The deletion worker: the only code that asks an *arr to delete something.

One thread drains the persistent deletion queue, one job at a time, once a
job's grace period (``not_before``) has passed, pausing between deletions. In
the same transaction that marks a job ``in_flight`` it re-reads the group's
effective mode and ``deletionsEnabled``, so a switch to safety stops the very
next deletion (invariant 4). The job is committed as ``in_flight`` before the
injected ``deleter`` is called, and the outcome is committed in one transaction
after; at start-up ``in_flight`` jobs are resolved by asking the owning *arr
whether the item still exists, never by deleting again (invariant 6). After a
batch the injected ``measure`` reads disk usage again and the difference from
the expected bytes is reported (invariant 8).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from controller.act.deletion_queue import (
    DeletionQueue,
    WorkerSettings,
    audit_values,
    job_fields,
    store_settings,
)
from controller.events import EventBus
from controller.integrations.errors import shorten
from controller.store import Store, Transaction
from controller.store import audit as audit_rows
from controller.store import queues as rows
from controller.store import runs as run_rows
from controller.store.queues import DeletionJob

log = logging.getLogger(__name__)

Deleter = Callable[[DeletionJob], None]
Exists = Callable[[DeletionJob], bool | None]
Measure = Callable[[int], int | None]
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


@dataclass
class _Batch:
    """Jobs processed since the queue last ran dry."""

    succeeded: int = 0
    failed: int = 0
    used_before: dict[int, int | None] = field(default_factory=dict)
    expected: dict[int, int] = field(default_factory=dict)
    audit_ids: dict[int, list[int]] = field(default_factory=dict)
    run_ids: set[int] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.succeeded + self.failed


@dataclass(frozen=True, slots=True)
class WorkerStats:
    """Counters for ``GET /worker/stats``."""

    running: bool
    processed: int
    failed: int
    current_item: str
    queue_depth: int
    grace_remaining_seconds: int


class DeletionWorker:
    """Drain the deletion queue through the integrations' delete calls.

    Args:
        store: the database.
        bus: where events go.
        deleter: deletes one job's item through its *arr; raises on failure
            (an error with ``transient = True`` is retried with backoff).
        exists: whether a job's item still exists in its *arr (None: unknown).
        measure: used bytes of a disk group now (None: unknown).
        settings: effective mode and master switch of a group; defaults to the
            store's preferences and disk groups.
        sleep: pause function (tests pass a fake); defaults to an interruptible
            wait that returns early on :meth:`stop`.
        pause_seconds: pause after each deletion call.
        max_attempts: attempts for transient failures.
        idle_poll: longest real wait between checks when nothing is due.
    """

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        *,
        deleter: Deleter,
        exists: Exists,
        measure: Measure,
        settings: Callable[[int | None], WorkerSettings] | None = None,
        sleep: Callable[[float], None] | None = None,
        pause_seconds: float = 3.0,
        max_attempts: int = 3,
        idle_poll: float = 1.0,
    ) -> None:
        self._store = store
        self._bus = bus
        self._deleter = deleter
        self._exists = exists
        self._measure = measure
        self._settings = settings or store_settings(store)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._pause = pause_seconds
        self._max_attempts = max_attempts
        self._idle_poll = idle_poll
        self._queue = DeletionQueue(store, bus)
        self._thread: threading.Thread | None = None
        self._batch = _Batch()
        self._unresolved_check: datetime | None = None
        self.processed = 0
        self.failed = 0
        self.current_item = ""

    # --- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Resolve jobs left in flight by a crash, then start the thread."""
        self.recover()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="deletion-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Let the current deletion finish, then exit; True when stopped."""
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        if stopped:
            self._thread = None
        return stopped

    def wake(self) -> None:
        """Re-check the queue now (after an enqueue or a clock change)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            outcome = self.process_next()
            if outcome == "deleted" and not self._stop.is_set():
                self._sleep(self._pause)
            elif outcome is None:
                self._finish_batch()
                self._maybe_recover()
                self._wake.wait(self._idle_poll)
                self._wake.clear()

    # --- one job --------------------------------------------------------------

    def process_next(self) -> str | None:
        """Process the oldest due job.

        Returns:
            ``deleted`` when a deletion call was made (whatever its outcome),
            ``skipped`` when the job was cancelled or turned into a dry run, None
            when nothing is due.
        """
        now = self._store.now()
        with self._store.read() as db:
            peek = rows.next_due_job(db, now)
        if peek is None:
            return None
        group = peek.disk_group_id
        if group is not None and group not in self._batch.used_before:
            self._batch.used_before[group] = self._safe_measure(group)
        with self._store.write() as tx:
            job = rows.next_due_job(tx, now)
            if job is None:
                return "skipped"
            settings = self._settings(job.disk_group_id)
            verdict = _verdict(job, settings)
            if verdict is None:
                rows.set_job_state(
                    tx, job.id, "in_flight", at=now, attempts=job.attempts + 1
                )
            else:
                self._finish_without_deleting(tx, job, *verdict, now=now)
        if verdict is not None:
            self._announce_skip(job, verdict[0])
            return "skipped"
        self._delete(job)
        return "deleted"

    def _finish_without_deleting(
        self,
        tx: Transaction,
        job: DeletionJob,
        state: str,
        reason: str,
        *,
        now: datetime,
    ) -> None:
        rows.set_job_state(tx, job.id, state, at=now, error=reason)
        if state == "dry_run":
            audit_rows.append(
                tx, audit_values(job, "dry_delete", dry_run_reason=reason), at=now
            )
        else:
            audit_rows.append(tx, audit_values(job, "cancelled", reason=reason), at=now)
        if job.approval_id is not None:
            approval = rows.find_approval(tx, job.key)
            if approval is not None and approval.status == "approved":
                rows.update_approval(tx, approval.id, {"status": "pending"}, at=now)
        self.processed += 1
        self._batch.succeeded += 1

    def _announce_skip(self, job: DeletionJob, state: str) -> None:
        if state == "dry_run":
            self._bus.publish(
                "deletion_dry_run",
                f"Dry-run flagged: {job.title}",
                mediaName=job.title,
                mediaType=job.media_type,
                sizeBytes=job.size_bytes,
            )
        else:
            self._bus.publish(
                "deletion_cancelled",
                f"Deletion cancelled: {job.title}",
                mediaName=job.title,
                mediaType=job.media_type,
                sizeBytes=job.size_bytes,
            )
        if job.approval_id is not None:
            self._bus.publish(
                "approval_returned_to_pending",
                f"Returned to pending after dry-delete: {job.title}",
                entryId=job.approval_id,
                mediaName=job.title,
                mediaType=job.media_type,
            )
        self._progress()

    def _delete(self, job: DeletionJob) -> None:
        self.current_item = job.title
        log.info(
            "deleting %s (%s %s:%s)",
            job.title,
            job.media_type,
            job.integration_id,
            job.external_id,
        )
        try:
            self._deleter(job)
        except Exception as exc:
            self._record_failure(job, exc)
        else:
            self._record_deleted(job, reason="")
        finally:
            self.current_item = ""
        self._progress()

    def _record_deleted(self, job: DeletionJob, *, reason: str) -> None:
        now = self._store.now()
        with self._store.write() as tx:
            rows.set_job_state(tx, job.id, "deleted", at=now, error="")
            audit_id = audit_rows.append(
                tx, audit_values(job, "deleted", reason=reason), at=now
            )
            run_rows.add_reclaimed(tx, bytes_reclaimed=job.size_bytes, at=now)
            run_rows.add_deletion(tx, job.run_id, freed_bytes=job.size_bytes)
            approval = rows.find_approval(tx, job.key)
            if approval is not None and approval.status != "rejected":
                rows.delete_approval(tx, approval.id)
        self.processed += 1
        self._batch.succeeded += 1
        if job.disk_group_id is not None:
            group = job.disk_group_id
            self._batch.expected[group] = self._batch.expected.get(group, 0) + (
                job.expected_bytes or job.size_bytes
            )
            self._batch.audit_ids.setdefault(group, []).append(audit_id)
        if job.run_id is not None:
            self._batch.run_ids.add(job.run_id)
        size_gb = job.size_bytes / 1024**3
        fields = job_fields(job)
        if job.collection_group:
            fields["collectionGroup"] = job.collection_group
        self._bus.publish(
            "deletion_success",
            f"Deleted: {job.title} ({size_gb:.2f} GB freed)"
            + (f" - {reason}" if reason else ""),
            **fields,
        )

    def _record_failure(self, job: DeletionJob, exc: Exception) -> None:
        now = self._store.now()
        error = shorten(str(exc) or type(exc).__name__)
        attempts = job.attempts + 1
        retry = bool(getattr(exc, "transient", False)) and (
            attempts < self._max_attempts
        )
        with self._store.write() as tx:
            if retry:
                delay = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
                rows.set_job_state(
                    tx, job.id, "queued", at=now, error=error, not_before=now + delay
                )
            else:
                rows.set_job_state(tx, job.id, "failed", at=now, error=error)
                audit_rows.append(tx, audit_values(job, "failed", reason=error), at=now)
                run_rows.add_failure(tx, job.run_id)
                approval = rows.find_approval(tx, job.key)
                if approval is not None and approval.status == "approved":
                    rows.update_approval(tx, approval.id, {"status": "pending"}, at=now)
        log.warning(
            "deletion of %s failed (attempt %d%s): %s",
            job.title,
            attempts,
            ", will retry" if retry else "",
            error,
        )
        if not retry:
            self.processed += 1
            self.failed += 1
            self._batch.failed += 1
        self._bus.publish(
            "deletion_failed",
            f"Deletion failed: {job.title} — {error}",
            mediaName=job.title,
            mediaType=job.media_type,
            integrationId=job.integration_id,
            error=error,
            willRetry=retry,
        )

    def _progress(self) -> None:
        depth = self.queue_depth()
        self._bus.publish(
            "deletion_progress",
            f"Deletion progress: {self._batch.total}/{self._batch.total + depth} "
            f"completed ({self._batch.succeeded} succeeded, "
            f"{self._batch.failed} failed)",
            currentItem=self.current_item,
            queueDepth=depth,
            processed=self._batch.total,
            succeeded=self._batch.succeeded,
            failed=self._batch.failed,
            batchTotal=self._batch.total + depth,
        )

    # --- batches and measurement ----------------------------------------------

    def _safe_measure(self, disk_group_id: int) -> int | None:
        try:
            return self._measure(disk_group_id)
        except Exception:
            log.warning("could not measure disk group %s", disk_group_id, exc_info=True)
            return None

    def finish_batch(self) -> dict[str, object] | None:
        """Measure reclaimed space for the batch just drained and report it.

        Called by the thread when nothing is due; public for tests driving
        :meth:`process_next` directly.
        """
        return self._finish_batch()

    def _finish_batch(self) -> dict[str, object] | None:
        batch = self._batch
        if batch.total == 0:
            self._batch = _Batch()
            return None
        self._batch = _Batch()
        groups: list[dict[str, Any]] = []
        for group, expected in batch.expected.items():
            before = batch.used_before.get(group)
            after = self._safe_measure(group)
            reclaimed = None if before is None or after is None else before - after
            groups.append(
                {
                    "diskGroupId": group,
                    "expectedBytes": expected,
                    "reclaimedBytes": reclaimed,
                }
            )
        self._store_measurements(batch, groups)
        expected_total = sum(int(g["expectedBytes"] or 0) for g in groups)
        known = [g["reclaimedBytes"] for g in groups if g["reclaimedBytes"] is not None]
        reclaimed_total = sum(int(r or 0) for r in known) if known else None
        summary: dict[str, object] = {
            "succeeded": batch.succeeded,
            "failed": batch.failed,
            "expectedBytes": expected_total,
            "reclaimedBytes": reclaimed_total,
            "groups": groups,
        }
        self._bus.publish(
            "deletion_batch_complete",
            _batch_message(batch, expected_total, reclaimed_total),
            **summary,
        )
        return summary

    def _store_measurements(self, batch: _Batch, groups: list[dict[str, Any]]) -> None:
        with self._store.write() as tx:
            for entry in groups:
                ids = batch.audit_ids.get(int(entry["diskGroupId"]), [])
                if entry["reclaimedBytes"] is not None:
                    audit_rows.set_reclaimed(tx, ids, int(entry["reclaimedBytes"]))
            for run_id in batch.run_ids:
                run_rows.merge_summary(tx, run_id, {"reclaim": groups})

    # --- crash recovery -------------------------------------------------------

    def recover(self) -> int:
        """Resolve jobs left ``in_flight`` by asking their *arr.

        Gone: the deletion is recorded (it happened before the crash) without
        deleting again. Present: the job is queued again. Unknown: left alone,
        re-checked later. Returns the number still unresolved.
        """
        self._unresolved_check = self._store.now()
        with self._store.read() as db:
            stuck = rows.list_jobs(db, states=("in_flight",))
        unresolved = 0
        for job in stuck:
            try:
                present = self._exists(job)
            except Exception:
                present = None
            if present is False:
                self._record_deleted(job, reason="confirmed after restart")
            elif present is True:
                with self._store.write() as tx:
                    rows.set_job_state(tx, job.id, "queued", at=self._store.now())
                log.info("%s still exists after restart; queued again", job.title)
            else:
                unresolved += 1
                log.warning(
                    "cannot tell whether %s was deleted; will ask again", job.title
                )
        return unresolved

    def _maybe_recover(self) -> None:
        last = self._unresolved_check
        if last is not None and self._store.now() - last < timedelta(minutes=1):
            return
        with self._store.read() as db:
            if rows.list_jobs(db, states=("in_flight",)):
                self.recover()
            else:
                self._unresolved_check = self._store.now()

    # --- stats ----------------------------------------------------------------

    def queue_depth(self) -> int:
        """Return how many jobs are queued or in flight."""
        with self._store.read() as db:
            return len(rows.list_jobs(db))

    def stats(self) -> WorkerStats:
        """Return the counters shown by ``GET /worker/stats``."""
        grace = self._queue.grace_period()
        return WorkerStats(
            running=self._thread is not None and self._thread.is_alive(),
            processed=self.processed,
            failed=self.failed,
            current_item=self.current_item,
            queue_depth=self.queue_depth(),
            grace_remaining_seconds=int(grace["remainingSeconds"]),
        )


def _verdict(job: DeletionJob, settings: WorkerSettings) -> tuple[str, str] | None:
    """Return (final state, reason) when the job must not be deleted now."""
    if not settings.deletions_enabled:
        return ("dry_run", "deletions_disabled")
    if settings.mode == "dry-run":
        return ("dry_run", "execution_mode")
    if settings.mode != job.enqueued_mode:
        return (
            "cancelled",
            f"mode changed from {job.enqueued_mode} to {settings.mode}",
        )
    return None


def _batch_message(batch: _Batch, expected: int, reclaimed: int | None) -> str:
    text = (
        f"Deletion batch complete: {batch.succeeded} succeeded, {batch.failed} failed"
    )
    if not expected:
        return text
    if reclaimed is None:
        return text + f"; expected to free {expected} bytes, usage not re-measured"
    text += f"; expected to free {expected} bytes, reclaimed {reclaimed} bytes"
    if reclaimed < expected:
        text += (
            " — the difference is still in use (hardlinks or files kept for seeding)"
        )
    return text
