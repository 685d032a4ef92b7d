"""Statistics and analytics: dashboard, lifetime counters, metrics history,
dead and stale content, capacity forecast, recent activity.

Growth and forecast read each disk group's own history across every
resolution (raw samples live only hours; the rollups carry the long view).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import falcon

from api.context import ApiContext
from api.errors import BadRequest
from api.kept import KeptBodies
from api.params import query_choice, query_int
from api.render import json_text
from api.routes import Operation, RouteTable
from controller.analytics import forecast, growth_bytes_per_week
from controller.store import disk_groups, metrics, reports, runs
from controller.store.desired import get_preferences
from controller.store.metrics import RESOLUTIONS

DASHBOARD_MAX_AGE = 5.0  # seconds a kept dashboard body is served at most

ACTIVITY_RETENTION = timedelta(days=7)
_SINCE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _now(ctx: ApiContext) -> datetime:
    return datetime.fromtimestamp(ctx.clock(), UTC)


def parse_since(text: str, now: datetime) -> datetime:
    """``24h`` -> 24 hours before ``now`` (units m, h, d, w)."""
    unit = _SINCE_UNITS.get(text[-1:]) if text else None
    if unit is None or not text[:-1].isdigit() or len(text) > 7:
        raise BadRequest(
            f"unknown duration {text!r}",
            field="since",
            accepted="a number followed by m, h, d or w (e.g. 1h, 24h, 7d, 30d)",
        )
    return now - timedelta(**{unit: int(text[:-1])})


def _all_history(ctx: ApiContext, disk_group_id: int | None) -> list[Any]:
    with ctx.store.read() as db:
        rows: list[Any] = []
        for resolution in RESOLUTIONS:
            rows += metrics.history(
                db, resolution=resolution, disk_group_id=disk_group_id, limit=5000
            )
    return rows


class Dashboard:
    """``GET /dashboard-stats``.

    Dashboards poll this: the body is kept until the next write to the store,
    and at most :data:`DASHBOARD_MAX_AGE` seconds since growth is measured up
    to now.
    """

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx
        self._kept = KeptBodies(ctx.store, max_age=DASHBOARD_MAX_AGE, size=1)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._kept.body("dashboard", self._render)

    def _render(self) -> bytes:
        with self._ctx.store.read() as db:
            lifetime = runs.lifetime(db)
            last = runs.latest(db, completed_only=True)
        growth = growth_bytes_per_week(_all_history(self._ctx, None), _now(self._ctx))
        return json_text(
            {
                "totalBytesReclaimed": lifetime.total_bytes_reclaimed,
                "totalItemsRemoved": lifetime.total_items_removed,
                "totalEngineRuns": lifetime.total_engine_runs,
                "protectedCount": last.protected if last else 0,
                "growthBytesPerWeek": growth["growthBytesPerWeek"],
                "hasGrowthData": growth["hasGrowthData"],
                "growthByDiskGroup": {
                    str(group): value for group, value in growth["byDiskGroup"].items()
                },
            }
        ).encode()


class Lifetime:
    """``GET /lifetime-stats``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._ctx.store.read() as db:
            resp.media = runs.lifetime(db).to_json()


class MetricsHistory:
    """``GET /metrics/history?resolution=hourly&since=24h&disk_group_id=1``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resolution = query_choice(req, "resolution", RESOLUTIONS, "raw")
        since_text = req.get_param("since")
        since = parse_since(since_text, _now(self._ctx)) if since_text else None
        group = query_int(req, "disk_group_id", None, minimum=1)
        limit = query_int(req, "limit", 1000, minimum=1, maximum=10000)
        with self._ctx.store.read() as db:
            if group is not None:
                disk_groups.get(db, group)
            samples = metrics.history(
                db,
                resolution=resolution or "raw",
                since=since,
                disk_group_id=group,
                limit=limit or 1000,
            )
        resp.media = {
            "status": "success",
            "data": [sample.to_json() for sample in samples],
        }


class DeadContent:
    """``GET /analytics/dead-content?minDays=90&disk_group_id=1``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        days = query_int(req, "minDays", None, minimum=1, maximum=36500)
        group = query_int(req, "disk_group_id", None, minimum=1)
        _check_group(self._ctx, group)
        days = days or _preference(self._ctx, "deadContentMinDays", 90)
        resp.media = self._ctx.runtime.dead_content(days, group)


class StaleContent:
    """``GET /analytics/stale-content?staleDays=180&disk_group_id=1``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        days = query_int(req, "staleDays", None, minimum=1, maximum=36500)
        group = query_int(req, "disk_group_id", None, minimum=1)
        _check_group(self._ctx, group)
        days = days or _preference(self._ctx, "staleContentDays", 180)
        resp.media = self._ctx.runtime.stale_content(days, group)


def _preference(ctx: ApiContext, name: str, default: int) -> int:
    with ctx.store.read() as db:
        return int(get_preferences(db).get(name) or default)


def _check_group(ctx: ApiContext, group: int | None) -> None:
    if group is not None:
        with ctx.store.read() as db:
            disk_groups.get(db, group)


class Forecast:
    """``GET /analytics/forecast[?disk_group_id=1]``: the fullest group by default."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        group_id = query_int(req, "disk_group_id", None, minimum=1)
        group: disk_groups.DiskGroup | None
        with self._ctx.store.read() as db:
            if group_id is not None:
                group = disk_groups.get(db, group_id)
            else:
                group = _fullest(disk_groups.list_all(db))
        if group is None:
            resp.media = {
                "currentUsedPct": 0,
                "growthRatePerDay": 0,
                "daysUntilThreshold": -1,
                "daysUntilFull": -1,
                "totalCapacity": 0,
                "usedCapacity": 0,
            }
            return
        result: dict[str, Any] = dict(
            forecast(
                _all_history(self._ctx, group.id),
                group.effective_total_bytes,
                group.used_bytes,
                group.threshold_pct,
                _now(self._ctx),
            )
        )
        result["diskGroupId"] = group.id
        result["mountPath"] = group.mount_path
        resp.media = result


def _fullest(groups: list[disk_groups.DiskGroup]) -> disk_groups.DiskGroup | None:
    sized = [g for g in groups if g.effective_total_bytes > 0]
    if not sized:
        return groups[0] if groups else None
    return max(sized, key=lambda g: g.used_bytes / g.effective_total_bytes)


class Activity:
    """``GET /activity/recent?limit=50``: events of the last 7 days, newest first."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 5, minimum=1, maximum=1000) or 5
        since = _now(self._ctx) - ACTIVITY_RETENTION
        rows = reports.recent_activity(self._ctx.store, limit, since=since)
        resp.media = [
            {
                "id": row["id"],
                "eventId": row["event_id"],
                "eventType": row["event_type"],
                "message": row["message"],
                "metadata": row["metadata"],
                "createdAt": row["created_at"],
            }
            for row in rows
        ]


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the statistics and analytics routes."""
    group_param = ("disk_group_id", "integer", "only this disk group")
    table.add(
        "/dashboard-stats",
        Dashboard(ctx),
        "statistics",
        get=Operation("Lifetime totals, protected items and weekly growth"),
    )
    table.add(
        "/lifetime-stats",
        Lifetime(ctx),
        "statistics",
        get=Operation("Bytes reclaimed, items removed, engine runs"),
    )
    table.add(
        "/metrics/history",
        MetricsHistory(ctx),
        "statistics",
        get=Operation(
            "Disk usage over time",
            query=(
                ("resolution", "string", "raw, hourly, daily or weekly"),
                ("since", "string", "e.g. 1h, 24h, 7d, 30d"),
                group_param,
                ("limit", "integer", "most points (newest kept), default 1000"),
            ),
        ),
    )
    table.add(
        "/analytics/dead-content",
        DeadContent(ctx),
        "analytics",
        get=Operation(
            "Items never watched since added",
            query=(("minDays", "integer", "days in library, default 90"), group_param),
        ),
    )
    table.add(
        "/analytics/stale-content",
        StaleContent(ctx),
        "analytics",
        get=Operation(
            "Items not watched for a long time",
            query=(
                ("staleDays", "integer", "days since played, default 180"),
                group_param,
            ),
        ),
    )
    table.add(
        "/analytics/forecast",
        Forecast(ctx),
        "analytics",
        get=Operation("When a disk group reaches its threshold", query=(group_param,)),
    )
    table.add(
        "/activity/recent",
        Activity(ctx),
        "statistics",
        get=Operation(
            "Recent events (kept 7 days)",
            query=(("limit", "integer", "1-1000, default 5"),),
            response="array",
        ),
    )
