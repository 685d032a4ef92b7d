"""Cross-cutting request handling: request ids, security headers, access log.

One INFO line is logged per request, after the response is ready. The request id
is taken from the client's ``X-Request-ID`` when it is sane, else generated.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any

import falcon

log = logging.getLogger("api.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "X-Permitted-Cross-Domain-Policies": "none",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
HSTS = "max-age=63072000; includeSubDomains"

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    """Sixteen hex digits that tell one request from another in the logs.

    An id needs to be unique, not secret: it comes from the process's seeded
    generator rather than from ``os.urandom``, whose system call lets go of the
    interpreter lock and, with many worker threads busy, makes each request
    queue for it again.
    """
    return f"{random.getrandbits(64):016x}"


class RequestContext:
    """Give every request an id and a start time; log it once when done."""

    def __init__(
        self, *, secure: bool = False, clock: Callable[[], float] = time.monotonic
    ):
        self._secure = secure
        self._clock = clock

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = req.get_header("X-Request-ID") or ""
        req.context.request_id = given if _REQUEST_ID.match(given) else new_request_id()
        req.context.started = self._clock()

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: Any,
        req_succeeded: bool,
    ) -> None:
        # Set last, so whatever error handlers did the headers are there.
        resp.set_header("X-Request-ID", str(req.context.get("request_id", "")))
        resp.set_headers(SECURITY_HEADERS)
        if self._secure:
            resp.set_header("Strict-Transport-Security", HSTS)
        started = req.context.get("started")
        now = self._clock()
        elapsed_ms = (now - (started if started is not None else now)) * 1e3
        log.info(
            "%s %s %s %.1fms id=%s who=%s",
            req.method,
            req.path,
            resp.status_code,
            elapsed_ms,
            req.context.get("request_id"),
            req.context.get("origin", "-"),
        )
