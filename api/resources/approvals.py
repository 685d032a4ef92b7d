"""The approval queue and the deletion queue.

Approving while ``deletionsEnabled`` is false answers 409 and leaves the item
pending. Queue items are addressed by id; the deletion queue also accepts the
original's ``mediaName`` + ``mediaType`` pair.
"""

from __future__ import annotations

from typing import Any, Literal

import falcon
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt, StrictStr

from api.context import ApiContext
from api.errors import BadRequest, NotFound
from api.params import (
    parse_model,
    path_id,
    query_choice,
    query_int,
    read_json,
    read_object,
)
from api.routes import Operation, RouteTable
from controller.store import queues
from controller.store.queues import DeletionJob, ItemKey

STATUSES = ("pending", "approved", "rejected")


class GroupBody(BaseModel):
    """A collection group, as items of the queue carry it."""

    model_config = ConfigDict(extra="forbid")

    collectionGroup: StrictStr = Field(min_length=1, max_length=500)


class ItemBody(BaseModel):
    """An item: by ``integrationId`` + ``externalId``, or by name and type."""

    model_config = ConfigDict(extra="forbid")

    integrationId: StrictInt | None = Field(None, gt=0)
    externalId: StrictStr | None = Field(None, min_length=1)
    mediaName: StrictStr | None = Field(None, min_length=1)
    mediaType: StrictStr | None = Field(None, min_length=1)


class Queue:
    """``GET /approval-queue?status=pending&limit=200&disk_group_id=1``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        status = query_choice(req, "status", STATUSES, None)
        limit = query_int(req, "limit", 200, minimum=1, maximum=2000) or 200
        group = query_int(req, "disk_group_id", None, minimum=1)
        with self._ctx.store.read() as db:
            items = queues.list_approvals(
                db, status=status, disk_group_id=group, limit=limit
            )
        resp.media = [item.to_json() for item in items]


class Transition:
    """``POST /approval-queue/{id}/approve|reject|unsnooze``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post_approve(
        self, req: falcon.Request, resp: falcon.Response, id: str
    ) -> None:
        approvals = self._ctx.runtime.approvals
        resp.media = approvals.approve(path_id(id), req.context.origin).to_json()

    def on_post_reject(
        self, req: falcon.Request, resp: falcon.Response, id: str
    ) -> None:
        resp.media = self._ctx.runtime.approvals.reject(path_id(id)).to_json()

    def on_post_unsnooze(
        self, req: falcon.Request, resp: falcon.Response, id: str
    ) -> None:
        resp.media = self._ctx.runtime.approvals.unsnooze(path_id(id)).to_json()


class Entry:
    """``DELETE /approval-queue/{id}``: dismiss a pending or rejected item."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        item = self._ctx.runtime.approvals.dismiss(path_id(id))
        resp.media = {"status": "dismissed", "item": item.to_json()}


class Clear:
    """``POST /approval-queue/clear``: drop pending and rejected engine items."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"cleared": self._ctx.runtime.approvals.clear()}


class Group:
    """``POST /approval-queue/group/approve|reject``: a whole collection."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post_approve(self, req: falcon.Request, resp: falcon.Response) -> None:
        group = parse_model(GroupBody, read_object(req)).collectionGroup
        items = self._ctx.runtime.approvals.approve_group(group, req.context.origin)
        if not items:
            raise NotFound(f"no pending items in collection group {group!r}")
        resp.media = {"approved": len(items), "items": [i.to_json() for i in items]}

    def on_post_reject(self, req: falcon.Request, resp: falcon.Response) -> None:
        group = parse_model(GroupBody, read_object(req)).collectionGroup
        items = self._ctx.runtime.approvals.reject_group(group)
        if not items:
            raise NotFound(f"no pending items in collection group {group!r}")
        resp.media = {"rejected": len(items), "items": [i.to_json() for i in items]}


def _find_key(ctx: ApiContext, body: ItemBody) -> ItemKey:
    """Resolve an item to ``(integration_id, external_id)``."""
    if body.integrationId is not None and body.externalId is not None:
        return (body.integrationId, body.externalId)
    if not body.mediaName or not body.mediaType:
        raise BadRequest(
            "give integrationId and externalId, or mediaName and mediaType",
            field="mediaName",
        )
    for job in ctx.runtime.worker.jobs():
        if (job.title, job.media_type) == (body.mediaName, body.mediaType):
            return job.key
    with ctx.store.read() as db:
        for item in queues.list_approvals(db, limit=100_000):
            if (item.title, item.media_type) == (body.mediaName, body.mediaType):
                return item.key
    raise NotFound(f"{body.mediaName} ({body.mediaType}) is not queued")


class DeleteItem(BaseModel):
    """One item a person asks to delete (from the preview)."""

    model_config = ConfigDict(extra="forbid")

    integrationId: StrictInt = Field(gt=0)
    externalId: StrictStr = Field(min_length=1)
    mediaName: StrictStr = Field(min_length=1)
    mediaType: Literal["movie", "show", "season", "artist", "album", "author", "book"]
    sizeBytes: StrictInt = Field(0, ge=0)
    score: float = 0.0
    scoreDetails: Any = None
    posterUrl: StrictStr = ""
    diskGroupId: StrictInt | None = Field(None, gt=0)


class DeleteBody(RootModel[list[DeleteItem]]):
    """The items to delete, at least one."""

    root: list[DeleteItem] = Field(min_length=1, max_length=500)


class Delete:
    """``POST /delete``: delete items now (as the disk group's mode allows).

    In ``approval`` mode the items join the approval queue; otherwise they are
    queued for deletion (recorded only, in ``dry-run``).
    """

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = parse_model(DeleteBody, read_json(req, default=[]))
        items = [item.model_dump() for item in body.root]
        resp.media = self._ctx.runtime.request_deletion(items, req.context.origin)


class DeletionQueue:
    """``GET /deletion-queue``; ``DELETE`` cancels one queued job."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [job.summary_json() for job in self._ctx.runtime.worker.jobs()]

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        worker = self._ctx.runtime.worker
        job_id = query_int(req, "id", None, minimum=1)
        job: DeletionJob
        if job_id is not None:
            job = worker.cancel(job_id)
        else:
            body = parse_model(
                ItemBody,
                {
                    "integrationId": query_int(req, "integrationId", None, minimum=1),
                    "externalId": req.get_param("externalId"),
                    "mediaName": req.get_param("mediaName"),
                    "mediaType": req.get_param("mediaType"),
                },
            )
            job = worker.cancel_key(_find_key(self._ctx, body))
        resp.media = {"cancelled": True, "job": job.summary_json()}


class DeletionItem:
    """``DELETE /deletion-queue/{id}``: cancel one queued job by id."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        job = self._ctx.runtime.worker.cancel(path_id(id))
        resp.media = {"cancelled": True, "job": job.summary_json()}


class DeletionClear:
    """``POST /deletion-queue/clear``: cancel every queued job."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"cancelled": self._ctx.runtime.worker.clear()}


class DeletionSnooze:
    """``POST /deletion-queue/snooze``: cancel an item and keep it out for a while."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = parse_model(ItemBody, read_object(req))
        until = self._ctx.runtime.worker.snooze(_find_key(self._ctx, body))
        resp.media = {"snoozed": True, "snoozedUntil": until}


class GracePeriod:
    """``GET /deletion-queue/grace-period``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._ctx.runtime.worker.grace_period()


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the approval-queue and deletion-queue routes."""
    item_body: dict[str, Any] = ItemBody.model_json_schema()
    table.add(
        "/approval-queue",
        Queue(ctx),
        "approvals",
        get=Operation(
            "Items awaiting a decision",
            query=(
                ("status", "string", "pending, approved or rejected"),
                ("limit", "integer", "1-2000, default 200"),
                ("disk_group_id", "integer", "only this disk group"),
            ),
            response="array",
        ),
    )
    table.add(
        "/approval-queue/clear",
        Clear(ctx),
        "approvals",
        post=Operation("Remove pending and rejected items the engine added"),
    )
    for verb, text in (("approve", "Approve"), ("reject", "Snooze")):
        table.add(
            f"/approval-queue/group/{verb}",
            Group(ctx),
            "approvals",
            suffix=verb,
            post=Operation(
                f"{text} every pending item of a collection", body=GroupBody
            ),
        )
    transitions = {
        "approve": "Approve: queue for deletion (409 while deletions are disabled)",
        "reject": "Reject: snooze for snoozeDurationHours",
        "unsnooze": "Return a rejected item to pending",
    }
    for verb, text in transitions.items():
        table.add(
            f"/approval-queue/{{id}}/{verb}",
            Transition(ctx),
            "approvals",
            suffix=verb,
            post=Operation(text),
        )
    table.add(
        "/approval-queue/{id}",
        Entry(ctx),
        "approvals",
        delete=Operation("Dismiss a pending or rejected item"),
    )
    table.add(
        "/delete",
        Delete(ctx),
        "deletions",
        post=Operation(
            "Delete chosen items now, as their mode allows", body=DeleteBody
        ),
    )
    table.add(
        "/deletion-queue",
        DeletionQueue(ctx),
        "deletions",
        get=Operation("Jobs waiting or running", response="array"),
        delete=Operation(
            "Cancel a queued job",
            query=(
                ("id", "integer", "job id"),
                ("mediaName", "string", "with mediaType"),
                ("mediaType", "string", "with mediaName"),
            ),
        ),
    )
    table.add(
        "/deletion-queue/clear",
        DeletionClear(ctx),
        "deletions",
        post=Operation("Cancel every queued job"),
    )
    table.add(
        "/deletion-queue/snooze",
        DeletionSnooze(ctx),
        "deletions",
        post=Operation("Cancel an item's job and snooze it", body=item_body),
    )
    table.add(
        "/deletion-queue/grace-period",
        GracePeriod(ctx),
        "deletions",
        get=Operation("Time left before queued deletions start"),
    )
    table.add(
        "/deletion-queue/{id}",
        DeletionItem(ctx),
        "deletions",
        delete=Operation("Cancel a queued job by id"),
    )
