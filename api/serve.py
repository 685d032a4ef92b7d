"""Run the API with waitress.

Every open event stream holds one worker thread, so the pool is sized for the
stream cap plus a reserve for ordinary requests: with ``max_streams`` streams
open, ``reserve`` threads are still free. ``make_server`` returns the server for
callers that run it in their own thread (tests, the CLI); ``serve`` blocks.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from api.app import ApiApp

log = logging.getLogger(__name__)

DEFAULT_PORT = 2187
RESERVE_THREADS = 32


class Server:
    """A waitress server for one app, with a clean shutdown."""

    def __init__(self, app: ApiApp, inner: Any):
        self.app = app
        self._inner = inner

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self._inner.effective_port)

    @property
    def host(self) -> str:
        """The address actually bound."""
        return str(self._inner.effective_host)

    def run(self) -> None:
        """Serve until :meth:`close` is called."""
        self._inner.run()

    def close(self, timeout: float = 5.0) -> None:
        """End the event streams, let the workers finish, close every socket."""
        self.app.streams.close()
        deadline = time.monotonic() + timeout
        while self.app.streams.open and time.monotonic() < deadline:
            time.sleep(0.05)
        self._inner.task_dispatcher.shutdown(timeout=timeout)
        # Close the sockets from the loop's own thread, which then ends.
        inner = self._inner
        inner.trigger.pull_trigger(lambda: wasyncore.close_all(inner._map))


def make_server(
    app: ApiApp,
    host: str = "0.0.0.0",
    port: int = DEFAULT_PORT,
    threads: int | None = None,
) -> Server:
    """Bind ``host:port`` and return the server, not yet running.

    Args:
        threads: worker threads; default is the stream cap plus a reserve of
            32 for ordinary requests, so streams never starve them.
    """
    streams = app.streams.limit
    count = threads or streams + RESERVE_THREADS
    inner = create_server(
        app,
        host=host,
        port=port,
        threads=count,
        # Each stream is a connection; leave room for the ordinary ones.
        connection_limit=max(1000, streams + 4 * count),
        channel_timeout=300,
        ident="capacitarr",
        clear_untrusted_proxy_headers=True,
    )
    server = Server(app, inner)
    log.info(
        "serving the API on http://%s:%s/api/v1 (%d threads, %d streams max)",
        server.host,
        server.port,
        count,
        streams,
    )
    return server


def serve(
    app: ApiApp,
    host: str = "0.0.0.0",
    port: int = DEFAULT_PORT,
    threads: int | None = None,
) -> None:
    """Serve ``app`` until interrupted."""
    server = make_server(app, host, port, threads)
    try:
        server.run()
    finally:
        server.close()
