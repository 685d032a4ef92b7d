"""The composition root: ``create_app(runtime)`` builds the Falcon WSGI app.

It wires the middleware (request ids, security headers, access log, auth), the
error handlers, every resource module's routes under ``/api/v1`` and the
OpenAPI document generated from the same route table.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import falcon

from api import errors, openapi
from api.accounts import Accounts
from api.auth import AuthMiddleware, Tokens
from api.context import ApiContext, Limits
from api.middleware import RequestContext
from api.render import json_text
from api.resources import (
    approvals,
    audit,
    auth,
    disks,
    engine,
    insights,
    integrations,
    notifications,
    preferences,
    rules,
    settings,
    system,
)
from api.routes import BASE_PATH, Operation, RouteTable
from api.sse import EventsResource, StreamGate

DEFAULT_MAX_STREAMS = 128

_MODULES = (
    system,
    auth,
    integrations,
    engine,
    disks,
    preferences,
    rules,
    insights,
    audit,
    approvals,
    notifications,
    settings,
)


class _JsonHandler(falcon.media.JSONHandler):
    """Serialise datetimes, enums and records through ``api.render``."""

    def __init__(self) -> None:
        super().__init__(
            dumps=json_text,
        )


class ApiApp(falcon.App):
    """The Falcon app plus what tests and the server need to reach.

    Attributes:
        routes: the route table the app was built from.
        streams: the gate counting open event streams (closed at shutdown).
        context: what the resources share.
    """

    routes: RouteTable
    streams: StreamGate
    context: ApiContext


def create_app(
    runtime: Any,
    *,
    jwt_secret: str | None = None,
    admin_password: str | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    keepalive_seconds: float = 15.0,
    max_streams: int = DEFAULT_MAX_STREAMS,
    bcrypt_rounds: int = 12,
    limits: Limits | None = None,
    version: str | None = None,
) -> ApiApp:
    """Build the API over ``runtime``.

    Args:
        runtime: the controller runtime (store, bus, worker, approvals, cycles).
        jwt_secret: HMAC secret for tokens; else ``$CAPACITARR_JWT_SECRET``, else
            a secret persisted in the store (created on first start).
        admin_password: first admin password when no user exists yet; else
            ``$CAPACITARR_ADMIN_PASSWORD``; else the first login sets it.
        environ: environment to read those variables from (default os.environ).
        clock: wall-clock seconds (token expiry, ranges).
        monotonic: monotonic seconds (rate limits, request timing).
        keepalive_seconds: quiet time after which an event stream sends a comment.
        max_streams: event streams open at once; more get 503.
        bcrypt_rounds: cost of new password hashes.
        limits: rate limits (default: logins 10/15 min, runs 5/5 min, tests 30/5 min).
        version: reported by ``/version`` (default: the package version).
    """
    env = os.environ if environ is None else environ
    accounts = Accounts(runtime.store)
    secret = jwt_secret or env.get("CAPACITARR_JWT_SECRET") or accounts.jwt_secret()
    password = admin_password or env.get("CAPACITARR_ADMIN_PASSWORD")
    if password:
        accounts.ensure_admin(password, rounds=bcrypt_rounds)
    ctx = ApiContext(
        runtime=runtime,
        accounts=accounts,
        tokens=Tokens(secret, clock=clock),
        limits=limits or Limits.standard(monotonic),
        clock=clock,
        bcrypt_rounds=bcrypt_rounds,
        version=version or _package_version(),
    )
    table = RouteTable()
    for module in _MODULES:
        module.register(table, ctx)
    gate = StreamGate(max_streams)
    table.add(
        "/events",
        EventsResource(runtime.bus, gate, keepalive_seconds),
        "events",
        get=Operation("Stream live events (server-sent events)", response="stream"),
    )
    document: dict[str, Any] = {}
    table.add(
        "/openapi.json",
        system.OpenApi(document),
        "system",
        public=True,
        get=Operation("This API as an OpenAPI 3.1 document"),
    )
    document.update(openapi.build(table, ctx.version))

    middleware: list[Any] = [
        RequestContext(clock=monotonic),
        AuthMiddleware(accounts, ctx.tokens, table.public_paths()),
    ]
    app = ApiApp(middleware=middleware, cors_enable=False)
    handler = _JsonHandler()
    app.req_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = handler
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    for route in table:
        kwargs = {"suffix": route.suffix} if route.suffix else {}
        app.add_route(BASE_PATH + route.path, route.resource, **kwargs)
    app.routes = table
    app.streams = gate
    app.context = ctx
    return app


def _package_version() -> str:
    try:
        from controller import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover - the package always has it
        return "dev"
