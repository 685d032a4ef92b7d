"""Rows of the approval queue and the persistent deletion queue.

Plain data access only; the state machines live in ``controller.act.approval``
and ``controller.act.deletion``, which call these functions inside one
``store.write()`` transaction per transition. Items are identified by
``(integration_id, external_id)``, never by title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.errors import RecordNotFound
from controller.store.records import from_row, insert_row, json_text, to_json
from controller.store.timestamps import from_text, to_text

ItemKey = tuple[int, str]
LIVE_STATES = ("queued", "in_flight")


@dataclass(frozen=True, slots=True)
class ApprovalItem:
    """A row of the approval queue (§2.6)."""

    id: int
    integration_id: int
    external_id: str
    media_type: str
    title: str
    size_bytes: int
    expected_bytes: int
    score: float
    score_details: list[Any]
    poster_url: str
    disk_group_id: int | None
    unmonitor: bool
    status: str
    trigger: str
    user_initiated: bool
    collection_group: str
    snoozed_until: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> ItemKey:
        """``(integration_id, external_id)``."""
        return (self.integration_id, self.external_id)

    def to_json(self) -> dict[str, Any]:
        """Return the API shape; ``scoreDetails`` is a JSON string as upstream."""
        out = to_json(
            self,
            omit=("title", "expected_bytes", "unmonitor"),
            omit_empty=("disk_group_id", "collection_group", "snoozed_until"),
        )
        out["mediaName"] = self.title
        out["scoreDetails"] = json_text(self.score_details)
        return out


@dataclass(frozen=True, slots=True)
class DeletionJob:
    """A row of the persistent deletion queue."""

    id: int
    integration_id: int
    external_id: str
    media_type: str
    title: str
    size_bytes: int
    expected_bytes: int
    score: float
    score_details: list[Any]
    poster_url: str
    collection_group: str
    trigger: str
    approval_id: int | None
    disk_group_id: int | None
    run_id: int | None
    plan_digest: str
    enqueued_mode: str
    delete_files: bool
    add_exclusion: bool
    unmonitor: bool
    state: str
    not_before: datetime
    attempts: int
    error: str
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> ItemKey:
        """``(integration_id, external_id)``."""
        return (self.integration_id, self.external_id)

    def summary_json(self) -> dict[str, Any]:
        """Return the ``GET /deletion-queue`` entry (§2.14) plus id and state."""
        out: dict[str, Any] = {
            "id": self.id,
            "mediaName": self.title,
            "mediaType": self.media_type,
            "sizeBytes": self.size_bytes,
            "integrationId": self.integration_id,
            "externalId": self.external_id,
            "score": self.score,
            "state": self.state,
            "notBefore": to_json(self)["notBefore"],
        }
        if self.poster_url:
            out["posterUrl"] = self.poster_url
        if self.collection_group:
            out["collectionGroup"] = self.collection_group
        return out


# --- approval queue -------------------------------------------------------------


def queue_version(db: Database) -> int:
    """Return a number that grows with every change to either queue.

    Triggers bump it on each insert, update and delete of an approval or a
    deletion job, so a rendering of the queues can be kept until it moves.
    """
    row = db.execute("SELECT version FROM queue_version WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def get_approval(db: Database, approval_id: int) -> ApprovalItem:
    """Return the approval row or raise :class:`RecordNotFound`."""
    row = next(
        db.query("SELECT * FROM approval_queue WHERE id = ?", [approval_id]), None
    )
    if row is None:
        raise RecordNotFound("approval_queue", approval_id)
    return from_row(ApprovalItem, row)


def find_approval(db: Database, key: ItemKey) -> ApprovalItem | None:
    """Return the approval row for an item, if any."""
    row = next(
        db.query(
            "SELECT * FROM approval_queue WHERE integration_id = ? AND external_id = ?",
            list(key),
        ),
        None,
    )
    return None if row is None else from_row(ApprovalItem, row)


def list_approvals(
    db: Database,
    *,
    status: str | None = None,
    disk_group_id: int | None = None,
    collection_group: str | None = None,
    limit: int = 200,
) -> list[ApprovalItem]:
    """Return approval rows newest first, optionally filtered."""
    where: list[str] = ["1 = 1"]
    params: list[object] = []
    for column, value in (
        ("status", status),
        ("disk_group_id", disk_group_id),
        ("collection_group", collection_group),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        f"SELECT * FROM approval_queue WHERE {' AND '.join(where)} "
        "ORDER BY created_at DESC, id DESC LIMIT ?"
    )
    return [from_row(ApprovalItem, r) for r in db.query(sql, [*params, limit])]


def insert_approval(
    db: Database, values: dict[str, Any], *, at: datetime
) -> ApprovalItem:
    """Insert an approval row from column values (score_details as a list)."""
    row = dict(values)
    row["score_details"] = json_text(row.get("score_details", []))
    if isinstance(row.get("snoozed_until"), datetime):
        row["snoozed_until"] = to_text(row["snoozed_until"])
    row["created_at"] = row["updated_at"] = to_text(at)
    return get_approval(db, insert_row(db, "approval_queue", row))


def update_approval(
    db: Database, approval_id: int, changes: dict[str, Any], *, at: datetime
) -> ApprovalItem:
    """Set columns of an approval row and bump ``updated_at``."""
    row = dict(changes)
    if "score_details" in row:
        row["score_details"] = json_text(row["score_details"])
    if isinstance(row.get("snoozed_until"), datetime):
        row["snoozed_until"] = to_text(row["snoozed_until"])
    row["updated_at"] = to_text(at)
    db.execute(
        f"UPDATE approval_queue SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?",
        [*row.values(), approval_id],
    )
    return get_approval(db, approval_id)


def delete_approval(db: Database, approval_id: int) -> None:
    """Remove an approval row."""
    db.execute("DELETE FROM approval_queue WHERE id = ?", [approval_id])


def delete_unrequested(db: Database, disk_group_id: int | None = None) -> int:
    """Delete pending and rejected rows no user asked for (optionally one group's).

    Approved rows, whose deletion may be in flight, always stay.
    """
    sql = (
        "DELETE FROM approval_queue WHERE status IN ('pending', 'rejected') "
        "AND user_initiated = 0"
    )
    params: list[object] = []
    if disk_group_id is not None:
        sql += " AND disk_group_id = ?"
        params.append(disk_group_id)
    return db.execute(sql, params).rowcount


def expire_snoozes(db: Database, now: datetime) -> int:
    """Return rejected rows whose snooze ended by ``now`` to pending."""
    stamp = to_text(now)
    return db.execute(
        "UPDATE approval_queue SET status = 'pending', snoozed_until = NULL, "
        "updated_at = ? WHERE status = 'rejected' AND snoozed_until <= ?",
        [stamp, stamp],
    ).rowcount


def snoozed_keys(
    db: Database, now: datetime, disk_group_id: int | None = None
) -> set[ItemKey]:
    """Return keys of rejected rows still snoozed at ``now``.

    With ``disk_group_id``, rows of that group and rows without a group count.
    """
    sql = (
        "SELECT integration_id, external_id FROM approval_queue "
        "WHERE status = 'rejected' AND snoozed_until > ?"
    )
    params: list[object] = [to_text(now)]
    if disk_group_id is not None:
        sql += " AND (disk_group_id = ? OR disk_group_id IS NULL)"
        params.append(disk_group_id)
    return {(r[0], r[1]) for r in db.execute(sql, params).fetchall()}


# --- deletion queue -------------------------------------------------------------


def get_job(db: Database, job_id: int) -> DeletionJob:
    """Return the deletion job or raise :class:`RecordNotFound`."""
    row = next(db.query("SELECT * FROM deletion_queue WHERE id = ?", [job_id]), None)
    if row is None:
        raise RecordNotFound("deletion_queue", job_id)
    return from_row(DeletionJob, row)


def list_jobs(
    db: Database, *, states: tuple[str, ...] = LIVE_STATES, limit: int = 10_000
) -> list[DeletionJob]:
    """Return jobs in the given states in FIFO order."""
    marks = ", ".join("?" for _ in states)
    return [
        from_row(DeletionJob, r)
        for r in db.query(
            f"SELECT * FROM deletion_queue WHERE state IN ({marks}) "
            "ORDER BY id LIMIT ?",
            [*states, limit],
        )
    ]


def live_keys(db: Database) -> set[ItemKey]:
    """Return the keys of every queued or in-flight job."""
    return {
        (r["integration_id"], r["external_id"])
        for r in db.query(
            "SELECT integration_id, external_id FROM deletion_queue "
            "WHERE state IN ('queued', 'in_flight')"
        )
    }


def find_live_job(db: Database, key: ItemKey) -> DeletionJob | None:
    """Return the queued or in-flight job for an item, if any."""
    row = next(
        db.query(
            "SELECT * FROM deletion_queue WHERE integration_id = ? AND external_id = ?"
            " AND state IN ('queued', 'in_flight')",
            list(key),
        ),
        None,
    )
    return None if row is None else from_row(DeletionJob, row)


def next_due_job(db: Database, now: datetime) -> DeletionJob | None:
    """Return the oldest queued job whose grace period is over."""
    row = next(
        db.query(
            "SELECT * FROM deletion_queue WHERE state = 'queued' AND not_before <= ? "
            "ORDER BY not_before, id LIMIT 1",
            [to_text(now)],
        ),
        None,
    )
    return None if row is None else from_row(DeletionJob, row)


def earliest_not_before(db: Database) -> datetime | None:
    """Return when the next queued job becomes due, if any is queued."""
    row = db.execute(
        "SELECT MIN(not_before) FROM deletion_queue WHERE state = 'queued'"
    ).fetchone()
    return from_text(row[0]) if row else None


def insert_job(db: Database, values: dict[str, Any], *, at: datetime) -> DeletionJob:
    """Insert a queued job; the caller checks :func:`find_live_job` first."""
    row = {"state": "queued", **values}
    row["score_details"] = json_text(row.get("score_details", []))
    row["not_before"] = to_text(row["not_before"])
    row["created_at"] = row["updated_at"] = to_text(at)
    return get_job(db, insert_row(db, "deletion_queue", row))


def set_job_state(
    db: Database,
    job_id: int,
    state: str,
    *,
    at: datetime,
    error: str | None = None,
    not_before: datetime | None = None,
    attempts: int | None = None,
) -> None:
    """Move a job to ``state``, optionally recording an error or a new due time."""
    sets = ["state = ?", "updated_at = ?"]
    params: list[object] = [state, to_text(at)]
    if error is not None:
        sets.append("error = ?")
        params.append(error)
    if not_before is not None:
        sets.append("not_before = ?")
        params.append(to_text(not_before))
    if attempts is not None:
        sets.append("attempts = ?")
        params.append(attempts)
    db.execute(
        f"UPDATE deletion_queue SET {', '.join(sets)} WHERE id = ?", [*params, job_id]
    )
