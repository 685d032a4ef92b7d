"""Engine and worker: run a cycle, run history, worker state, preview, status,
drift between manifests and runtime changes.

``GET /preview`` answers a JSON array of scored items, highest deletion score
first (the contract pipes it through ``jq '.[0:5]'``); ``?format=full`` gives
``{"items": [...], "diskContext": {...}}`` as the original did.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import falcon
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.compress import accepts_gzip, compress, worth_compressing
from api.context import ApiContext, client_address
from api.errors import BadRequest
from api.params import (
    parse_model,
    query_bool,
    query_choice,
    query_int,
    read_object,
)
from api.render import plain_json
from api.routes import Operation, RouteTable
from controller.store import reports, runs
from controller.store.desired import get_preferences

_RANGE = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_range(text: str, now: datetime) -> datetime:
    """``7d`` -> the moment seven days before ``now``; ``all`` -> ten years."""
    if text == "all":
        return now - timedelta(days=3650)
    match = _RANGE.match(text)
    if match is None:
        raise BadRequest(
            f"unknown range {text!r}",
            field="range",
            accepted="all, or a number followed by m, h, d or w (e.g. 24h, 7d)",
        )
    amount, unit = int(match.group(1)), _UNITS[match.group(2)]
    return now - timedelta(**{unit: amount})


class Run:
    """``POST /engine/run``: start a cycle now (5 per 5 minutes)."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._ctx.limits.engine_run.check(client_address(req))
        resp.media = {"status": self._ctx.runtime.request_cycle("manual")}


class History:
    """``GET /engine/history?range=7d``: completed runs, oldest first."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        now = datetime.fromtimestamp(self._ctx.clock(), UTC)
        since = parse_range(req.get_param("range") or "7d", now)
        resp.media = [
            {
                "id": run.id,
                "timestamp": run.started_at,
                "completedAt": run.completed_at,
                "evaluated": run.evaluated,
                "candidates": run.candidates,
                "protected": run.protected,
                "queued": run.queued,
                "deleted": run.deleted,
                "failed": run.failed,
                "freedBytes": run.freed_bytes,
                "durationMs": run.duration_ms,
                "executionMode": run.mode,
                "error": run.error,
            }
            for run in reports.engine_history(self._ctx.store, since)
        ]


class WorkerStats:
    """``GET /worker/stats``: cycle and deletion-worker state."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        runtime = self._ctx.runtime
        with self._ctx.store.read() as db:
            prefs = get_preferences(db)
            last = runs.latest(db)
        out: dict[str, Any] = {
            "isRunning": runtime.is_cycle_running(),
            "executionMode": prefs["defaultDiskGroupMode"],
            "deletionsEnabled": prefs["deletionsEnabled"],
            "pollIntervalSeconds": prefs["pollIntervalSeconds"],
            "lastRunEvaluated": last.evaluated if last else 0,
            "lastRunCandidates": last.candidates if last else 0,
            "protectedCount": last.protected if last else 0,
        }
        if last is not None:
            moment = last.completed_at or last.started_at
            out["lastRunAt"] = moment
            out["lastRunEpoch"] = int(moment.timestamp())
            out["lastRunFreedBytes"] = last.freed_bytes
            out["lastRunError"] = last.error
        out.update(runtime.worker.stats())
        resp.media = out


class Preview:
    """``GET /preview[?force=true][&format=full][&offset=N][&limit=N]``.

    The runtime hands out the same preview until a cycle completes or a queue
    changes; the serialised body of each shape and page is kept for as long,
    so repeated requests cost a lookup. ``offset`` and ``limit`` page the items
    (by default the whole list). Large bodies are gzipped, once, for clients
    that accept it (:mod:`api.compress`).
    """

    PAGES_KEPT = 64

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx
        # Bodies by (shape, offset, limit) and, gzipped, by (..., "gzip"), all
        # made from the preview in _made_from.
        self._bodies: dict[tuple[Any, ...], bytes] = {}
        self._made_from: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        force = query_bool(req, "force")
        shape = query_choice(req, "format", ("list", "full"), "list") or "list"
        offset = query_int(req, "offset", 0, minimum=0) or 0
        limit = query_int(req, "limit", None, minimum=0)
        gzip_ok = accepts_gzip(req.get_header("Accept-Encoding"))
        result = self._ctx.runtime.preview(force=force)
        key = (shape, offset, limit)
        resp.content_type = falcon.MEDIA_JSON
        resp.append_header("Vary", "Accept-Encoding")
        # One lock: concurrent first requests share one serialisation.
        with self._lock:
            if self._made_from is not result:
                self._bodies = {}
                self._made_from = result
            body = self._kept(key, lambda: self._render(result, shape, offset, limit))
            if gzip_ok and worth_compressing(body):
                plain = body
                body = self._kept((*key, "gzip"), lambda: compress(plain))
                resp.set_header("Content-Encoding", "gzip")
        resp.data = body

    def _kept(self, key: tuple[Any, ...], make: Callable[[], bytes]) -> bytes:
        body = self._bodies.get(key)
        if body is None:
            body = make()
            if len(self._bodies) >= self.PAGES_KEPT:
                self._bodies.pop(next(iter(self._bodies)))
            self._bodies[key] = body
        return body

    @staticmethod
    def _render(
        result: dict[str, Any], shape: str, offset: int, limit: int | None
    ) -> bytes:
        items = result.get("items", [])
        if offset or limit is not None:
            end = None if limit is None else offset + limit
            items = items[offset:end]
        return _body(result, shape, items)


def _body(result: dict[str, Any], shape: str, items: list[dict[str, Any]]) -> bytes:
    """Serialise a preview's ``items`` as a list, or with its header (full)."""
    marked = [_with_protected(item) for item in items]
    value: Any = {**result, "items": marked} if shape == "full" else marked
    return plain_json(value)


class PlanResource:
    """``GET /plan[?refresh=true]``: the plan per disk group, as `capacitarr plan`."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._ctx.runtime.plan_json(refresh=query_bool(req, "refresh"))


def _with_protected(item: dict[str, Any]) -> dict[str, Any]:
    if "protected" in item:
        return item
    return {**item, "protected": bool(item.get("isProtected", False))}


class Status:
    """``GET /status``: manifests, conditions, last cycle, drift."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._ctx.runtime.status()


class RevertBody(BaseModel):
    """Which runtime changes to revert to the manifests' values."""

    model_config = ConfigDict(extra="forbid")

    changeIds: list[StrictInt] | None = Field(None, min_length=1)
    all: StrictBool = False


class Drift:
    """``GET /drift``: effective state that differs from the manifests."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._ctx.runtime.drift()


class Revert:
    """``POST /drift/revert``: return changed fields to the manifests' values."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = parse_model(RevertBody, read_object(req))
        if body.all == bool(body.changeIds):
            raise BadRequest(
                "give either changeIds (a list of ids) or all: true",
                field="changeIds",
            )
        target: list[int] | str = "all" if body.all else list(body.changeIds or [])
        reverted = self._ctx.runtime.revert(target, req.context.origin)
        resp.media = {"reverted": reverted}


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the engine, worker, preview, status and drift routes."""
    table.add(
        "/engine/run",
        Run(ctx),
        "engine",
        post=Operation("Start a cycle now (5 per 5 minutes)"),
    )
    table.add(
        "/engine/history",
        History(ctx),
        "engine",
        get=Operation(
            "Completed runs in a time range",
            query=(("range", "string", "all, or e.g. 30m, 24h, 7d, 4w"),),
            response="array",
        ),
    )
    table.add(
        "/worker/stats",
        WorkerStats(ctx),
        "engine",
        get=Operation("Cycle and deletion-worker state"),
    )
    table.add(
        "/preview",
        Preview(ctx),
        "engine",
        get=Operation(
            "Scored items, highest deletion score first",
            query=(
                ("force", "boolean", "score again now instead of the last cycle"),
                ("format", "string", "list (default) or full ({items, diskContext})"),
                ("offset", "integer", "skip this many items (default 0)"),
                ("limit", "integer", "at most this many items (default all)"),
            ),
            response="array",
        ),
    )
    table.add(
        "/plan",
        PlanResource(ctx),
        "engine",
        get=Operation(
            "The plan of the last cycle per disk group",
            query=(("refresh", "boolean", "run a cycle first"),),
        ),
    )
    table.add("/status", Status(ctx), "engine", get=Operation("Controller status"))
    table.add(
        "/drift",
        Drift(ctx),
        "engine",
        get=Operation(
            "Runtime changes that differ from the manifests", response="array"
        ),
    )
    table.add(
        "/drift/revert",
        Revert(ctx),
        "engine",
        post=Operation("Revert runtime changes to the manifests", body=RevertBody),
    )
