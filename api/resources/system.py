"""Health, version, status and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import falcon

from api.context import ApiContext
from api.routes import Operation, RouteTable


class Health:
    """``GET /health``: the text ``OK`` while the process serves requests."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "OK"


class Version:
    """``GET /version``: the running version."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {
            "version": self._ctx.version,
            "commit": self._ctx.commit,
            "buildDate": self._ctx.build_date,
        }


class VersionCheck:
    """``GET/POST /version/check``: Capacitarr makes no outbound update checks,
    so this reports the running version and no newer one."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {
            "current": self._ctx.version,
            "latest": "",
            "updateAvailable": False,
            "releaseUrl": "",
            "checkedAt": None,
        }

    on_post = on_get


class OpenApi:
    """``GET /openapi.json``: this API described in OpenAPI 3.1."""

    def __init__(self, document: dict[str, Any]):
        self._document = document

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._document


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the system routes."""
    table.add(
        "/health",
        Health(),
        "system",
        public=True,
        get=Operation("Answer OK while the server runs", response="text"),
    )
    table.add(
        "/version",
        Version(ctx),
        "system",
        public=True,
        get=Operation("Show the running version"),
    )
    table.add(
        "/version/check",
        VersionCheck(ctx),
        "system",
        get=Operation("Update check (none is made: reports the running version)"),
        post=Operation("Same as GET"),
    )
