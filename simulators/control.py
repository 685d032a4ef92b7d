"""The ``/__sim/`` control endpoints every simulator serves beside its API.

They let a person or a test that runs the simulators standalone (``python -m
simulators``) switch faults, read or clear the request log, grow the library
and read the disks over HTTP. They need no key, are never recorded and are
never faulted. :class:`simulators.server.ServiceApp` calls :func:`handle`.
"""

from __future__ import annotations

import base64
import json

from simulators.faults import FaultError
from simulators.server import Request, Response, json_response

USAGE = {
    "GET /__sim/faults": "list active faults",
    "POST /__sim/faults": '{"kind", "path_prefix"?, "count"?, "seconds"?}',
    "DELETE /__sim/faults": "clear all faults (?kind= for one kind)",
    "GET /__sim/requests": "recorded requests (body base64)",
    "DELETE /__sim/requests": "clear the request log",
    "POST /__sim/media": '{"count", "service"?} adds media to the world',
    "POST /__sim/plays": '{"service", "id", "user", "at"?, "season"?, "episodes"?}',
    "DELETE /__sim/plays": '{"service", "id"} forgets the newest play of an item',
    "GET /__sim/disks": "every mount with total and free bytes",
}


def _error(message: str, status: int = 400) -> Response:
    return json_response({"error": message}, status)


def _faults(app, request: Request) -> Response:
    if request.method == "GET":
        return json_response([f.describe() for f in app.faults.active()])
    if request.method == "DELETE":
        app.faults.clear(request.arg("kind"))
        return json_response({"cleared": True})
    try:
        spec = json.loads(request.body or b"{}")
        app.faults.set(
            spec["kind"],
            path_prefix=spec.get("path_prefix"),
            count=spec.get("count"),
            seconds=spec.get("seconds"),
        )
    except (ValueError, KeyError, TypeError, FaultError) as exc:
        return _error(f"bad fault: {exc}")
    return json_response([f.describe() for f in app.faults.active()])


def _requests(app, request: Request) -> Response:
    if request.method == "DELETE":
        app.log.clear()
        return json_response({"cleared": True})
    return json_response(
        [
            {
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "headers": dict(r.headers.items()),
                "body": base64.b64encode(r.body).decode(),
            }
            for r in app.log.snapshot()
        ]
    )


def _media(app, request: Request) -> Response:
    try:
        spec = json.loads(request.body or b"{}")
        added = app.world.add_media(int(spec.get("count", 1)), spec.get("service"))
    except (ValueError, TypeError) as exc:
        return _error(f"bad growth request: {exc}")
    return json_response({"added": [{"service": s, "id": i} for s, i in added]})


def _plays(app, request: Request) -> Response:
    try:
        spec = json.loads(request.body or b"{}")
        service, item_id = str(spec["service"]), int(spec["id"])
        if request.method == "DELETE":
            return json_response({"removed": app.world.remove_play(service, item_id)})
        play = app.world.add_play(
            service,
            item_id,
            int(spec.get("user", 1)),
            at=int(spec["at"]) if spec.get("at") is not None else None,
            season=int(spec.get("season", 0)),
            episodes=int(spec.get("episodes", 1)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        return _error(f"bad play: {exc}")
    return json_response({"user": play.user, "at": play.at, "season": play.season})


def _disks(app) -> Response:
    rows = []
    for path in list(app.world.mounts):
        total, free = app.world.disk_usage(path)
        rows.append({"path": path, "totalBytes": total, "freeBytes": free})
    return json_response(rows)


def handle(app, request: Request) -> Response:
    """Answer one ``/__sim/`` request for ``app``."""
    route = request.path.removeprefix("/__sim/").strip("/")
    method = request.method
    if route == "faults" and method in ("GET", "POST", "DELETE"):
        return _faults(app, request)
    if route == "requests" and method in ("GET", "DELETE"):
        return _requests(app, request)
    if route == "media" and method == "POST":
        return _media(app, request)
    if route == "plays" and method in ("POST", "DELETE"):
        return _plays(app, request)
    if route == "disks" and method == "GET":
        return _disks(app)
    return json_response({"service": app.name, "usage": USAGE}, 404)
