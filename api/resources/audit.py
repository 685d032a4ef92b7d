"""The audit log: paginated and searchable, the newest entries, grouped by show."""

from __future__ import annotations

import falcon

from api.context import ApiContext
from api.params import query_choice, query_int, query_str
from api.routes import Operation, RouteTable
from controller.store import reports
from controller.store.audit import ACTIONS

SORT_KEYS = reports.AUDIT_SORT_COLUMNS


class Log:
    """``GET /audit-log?limit=20&offset=0&search=&action=&sort_by=&sort_dir=``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 50, minimum=1, maximum=1000) or 50
        offset = query_int(req, "offset", 0, minimum=0) or 0
        entries, total = reports.audit_page(
            self._ctx.store,
            limit=limit,
            offset=offset,
            search=query_str(req, "search"),
            action=query_choice(req, "action", ACTIONS, "") or "",
            sort_by=query_choice(req, "sort_by", SORT_KEYS, "created_at") or "",
            sort_dir=query_choice(req, "sort_dir", ("asc", "desc"), "desc") or "",
        )
        resp.media = {
            "data": [entry.to_json() for entry in entries],
            "total": total,
            "limit": limit,
            "offset": offset,
        }


class Recent:
    """``GET /audit-log/recent?limit=5``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 5, minimum=1, maximum=100) or 5
        entries = reports.recent_audit(self._ctx.store, limit)
        resp.media = [entry.to_json() for entry in entries]


class Grouped:
    """``GET /audit-log/grouped?limit=200``: seasons grouped under their show."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 200, minimum=1, maximum=2000) or 200
        resp.media = reports.grouped_audit(self._ctx.store, limit)


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the audit-log routes."""
    table.add(
        "/audit-log",
        Log(ctx),
        "audit",
        get=Operation(
            "Audit entries, one page at a time",
            query=(
                ("limit", "integer", "1-1000, default 50"),
                ("offset", "integer", "entries to skip, default 0"),
                ("search", "string", "part of the media name"),
                ("action", "string", ", ".join(ACTIONS)),
                ("sort_by", "string", ", ".join(SORT_KEYS)),
                ("sort_dir", "string", "asc or desc"),
            ),
        ),
    )
    table.add(
        "/audit-log/recent",
        Recent(ctx),
        "audit",
        get=Operation(
            "The newest entries",
            query=(("limit", "integer", "1-100, default 5"),),
            response="array",
        ),
    )
    table.add(
        "/audit-log/grouped",
        Grouped(ctx),
        "audit",
        get=Operation(
            "Entries with seasons grouped by show",
            query=(("limit", "integer", "entries read, 1-2000, default 200"),),
            response="array",
        ),
    )
