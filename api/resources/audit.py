"""The audit log: paginated and searchable, the newest entries, grouped by show."""

from __future__ import annotations

import falcon

from api.context import ApiContext
from api.kept import KeptBodies
from api.params import query_choice, query_int, query_str
from api.render import json_text
from api.routes import Operation, RouteTable
from controller.store import reports
from controller.store.audit import ACTIONS

SORT_KEYS = reports.AUDIT_SORT_COLUMNS


class Log:
    """``GET /audit-log?limit=20&offset=0&search=&action=&sort_by=&sort_dir=``.

    The audit log is read far more often than it grows: each page's body is
    kept until the next write (see :mod:`api.kept`).
    """

    def __init__(self, ctx: ApiContext, kept: KeptBodies):
        self._ctx = ctx
        self._kept = kept

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 50, minimum=1, maximum=1000) or 50
        offset = query_int(req, "offset", 0, minimum=0) or 0
        search = query_str(req, "search")
        action = query_choice(req, "action", ACTIONS, "") or ""
        sort_by = query_choice(req, "sort_by", SORT_KEYS, "created_at") or ""
        sort_dir = query_choice(req, "sort_dir", ("asc", "desc"), "desc") or ""

        def render() -> bytes:
            entries, total = reports.audit_page(
                self._ctx.store,
                limit=limit,
                offset=offset,
                search=search,
                action=action,
                sort_by=sort_by,
                sort_dir=sort_dir,
            )
            page = {
                "data": [entry.to_json() for entry in entries],
                "total": total,
                "limit": limit,
                "offset": offset,
            }
            return json_text(page).encode()

        key = ("page", limit, offset, search, action, sort_by, sort_dir)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._kept.body(key, render)


class Recent:
    """``GET /audit-log/recent?limit=5``."""

    def __init__(self, ctx: ApiContext, kept: KeptBodies):
        self._ctx = ctx
        self._kept = kept

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 5, minimum=1, maximum=100) or 5

        def render() -> bytes:
            entries = reports.recent_audit(self._ctx.store, limit)
            return json_text([entry.to_json() for entry in entries]).encode()

        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._kept.body(("recent", limit), render)


class Grouped:
    """``GET /audit-log/grouped?limit=200``: seasons grouped under their show."""

    def __init__(self, ctx: ApiContext, kept: KeptBodies):
        self._ctx = ctx
        self._kept = kept

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = query_int(req, "limit", 200, minimum=1, maximum=2000) or 200

        def render() -> bytes:
            return json_text(reports.grouped_audit(self._ctx.store, limit)).encode()

        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._kept.body(("grouped", limit), render)


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the audit-log routes (sharing one set of kept bodies)."""
    kept = KeptBodies(ctx.store)
    table.add(
        "/audit-log",
        Log(ctx, kept),
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
        Recent(ctx, kept),
        "audit",
        get=Operation(
            "The newest entries",
            query=(("limit", "integer", "1-100, default 5"),),
            response="array",
        ),
    )
    table.add(
        "/audit-log/grouped",
        Grouped(ctx, kept),
        "audit",
        get=Operation(
            "Entries with seasons grouped by show",
            query=(("limit", "integer", "entries read, 1-2000, default 200"),),
            response="array",
        ),
    )
