"""The HTTP machinery every service simulator shares.

A :class:`ServiceApp` holds one product's routes; :meth:`ServiceApp.handle`
runs the pipeline every request goes through (record it, apply faults, route
it, check the key, call the handler, mangle the body). :class:`SimServer` puts
an app on a loopback port with a standard-library threading HTTP server whose
shutdown never waits for a hung or idle connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from simulators import mangling
from simulators.faults import Faults
from simulators.recording import Headers, RecordedRequest, RequestLog

logger = logging.getLogger(__name__)
JSON_TYPE = "application/json; charset=utf-8"
LOOPBACK = "127.0.0.1"


def dump_json(value: Any) -> bytes:
    """Serialise ``value`` compactly, as the real servers do."""
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(slots=True)
class Response:
    """What a handler answers with."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(value: Any, status: int = 200) -> Response:
    """Wrap JSON-ready data in a :class:`Response`."""
    return Response(status, dump_json(value))


class HttpError(Exception):
    """Raised by a handler to answer with an error response at once."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


class Hang(Exception):
    """Raised by the pipeline to leave a request without any answer."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


class Request:
    """An incoming request as handlers see it."""

    def __init__(self, method, path, query, headers: Headers, body: bytes):
        self.method = method
        self.path = path
        self.query: dict[str, list[str]] = query
        self.headers = headers
        self.body = body
        self._lower = {k.lower(): v for k, v in query.items()}

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of a query parameter, matching case-insensitively."""
        values = self._lower.get(name.lower())
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """Return every value of a query parameter, matching case-insensitively."""
        return list(self._lower.get(name.lower(), []))

    def json(self, on_error: Callable[[str], Response]) -> Any:
        """Parse the body as JSON, or raise ``HttpError(on_error(message))``."""
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise HttpError(on_error(f"invalid JSON body: {exc}")) from exc


@dataclass(slots=True)
class Route:
    """One method and path pattern bound to a handler."""

    method: str
    regex: re.Pattern
    handler: Callable[..., Response | Any]
    listing: str | None
    public: bool


class ServiceApp:
    """One simulated product: its routes, key, faults and request log.

    Subclasses register routes in ``__init__`` and override the hooks that
    differ per product: :meth:`authenticate`, the error responses, and
    :meth:`normalise_path`.
    """

    name = "service"
    case_insensitive = False

    def __init__(self, world, api_key: str):
        self.world = world
        self.api_key = api_key
        self.faults = Faults()
        self.log = RequestLog()
        self.stopping = threading.Event()
        self.routes: list[Route] = []
        self.control: Callable[[Request], Response] | None = None
        # Requests whose handler crashed; tests assert this stays empty.
        self.errors: list[str] = []

    # Registration -----------------------------------------------------------

    def route(self, method, pattern, handler, listing=None, public=False) -> None:
        """Register ``handler`` for ``method`` on ``pattern``.

        ``{name}`` in the pattern captures one path segment as a keyword
        argument. ``listing`` names the shape of a library listing (see
        :mod:`simulators.mangling`) so list faults know where the items are.
        """
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        flags = re.IGNORECASE if self.case_insensitive else 0
        self.routes.append(
            Route(method, re.compile(f"^{regex}/?$", flags), handler, listing, public)
        )

    # Product hooks ----------------------------------------------------------

    def authenticate(self, request: Request) -> bool:
        """Say whether the request carries this product's valid credentials."""
        raise NotImplementedError

    def unauthorized(self, request: Request) -> Response:
        """Answer a request without valid credentials."""
        return Response(401, b"", None)

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Answer an unknown path or id."""
        return Response(404, b"", None)

    def server_error(self, request: Request) -> Response:
        """Answer with the product's internal-error response."""
        return Response(500, b"", None)

    def normalise_path(self, path: str) -> str:
        """Map the request path to the form the routes use."""
        return path

    # Pipeline ---------------------------------------------------------------

    def _match(self, method: str, path: str):
        allowed = False
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict()
                allowed = True
        return None, allowed

    def handle(self, request: Request) -> Response:
        """Run one request through recording, faults, routing and auth."""
        if request.path.startswith("/__sim/") and self.control is not None:
            return self.control(request)
        self.log.add(
            RecordedRequest(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.body,
            )
        )
        path = self.normalise_path(request.path)
        route, params = self._match(request.method, path)
        listing = route.listing if route else None
        faults = self.faults.take(request.path, listing is not None)
        kinds = {f.kind: f for f in faults}
        if "latency" in kinds:
            self.stopping.wait(kinds["latency"].seconds)
        if "timeout" in kinds:
            raise Hang(kinds["timeout"].seconds)
        if "http_500" in kinds:
            return self.server_error(request)
        if "http_401" in kinds:
            return self.unauthorized(request)
        if route is None:
            if params:
                return Response(405, b"", None)
            return self.not_found(request)
        if not route.public and not self.authenticate(request):
            return self.unauthorized(request)
        try:
            result = route.handler(request, **params)
        except HttpError as exc:
            return exc.response
        except Exception:
            # A simulator bug must look like a product failure, and be seen.
            logger.exception(
                "%s: handler failed for %s %s", self.name, request.method, path
            )
            self.errors.append(f"{request.method} {path}")
            return self.server_error(request)
        response = result if isinstance(result, Response) else json_response(result)
        if response.status < 300 and response.body:
            response.body = mangling.apply(response.body, kinds, listing)
        return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Idle keep-alive connections end on their own after this many seconds.
    timeout = 60
    # Headers and body leave in two writes; with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (about 40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: SimServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the request log is the record."""

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return b""

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        request = Request(
            self.command,
            unquote(parts.path) or "/",
            parse_qs(parts.query, keep_blank_values=True),
            Headers(list(self.headers.items())),
            self._read_body(),
        )
        app = self.server.app
        try:
            response = app.handle(request)
        except Hang as hang:
            app.faults.wait_released(hang.seconds)
            self.close_connection = True
            return
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        body = b"" if self.command == "HEAD" else response.body
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


class SimServer(ThreadingHTTPServer):
    """A threading HTTP server for one app, bound to loopback only."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, app: ServiceApp, port: int = 0):
        self.app = app
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__((LOOPBACK, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the server, without a trailing slash."""
        return f"http://{LOOPBACK}:{self.server_address[1]}"

    def track(self, conn: socket.socket, alive: bool) -> None:
        """Remember open connections so :meth:`stop` can cut them."""
        with self._conn_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sim-{self.app.name}",
            daemon=True,
        )
        self._thread.start()

    def begin_stop(self) -> None:
        """Free hung requests and ask the serving loop to end."""
        self.app.stopping.set()
        self.app.faults.release_all()
        threading.Thread(target=self.shutdown, daemon=True).start()

    def finish_stop(self) -> None:
        """Wait for the loop to end, then close the socket and live connections."""
        if self._thread is not None:
            self._thread.join(5)
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()
