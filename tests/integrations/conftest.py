"""Fixtures shared by the integration-client tests."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from controller.integrations.registry import build_client

FAST = {"connect_timeout": 2.0, "read_timeout": 5.0, "retries": 0}


def need(*services: str) -> None:
    """Skip the test when a simulator module it needs is not there yet."""
    missing = [
        s for s in services if importlib.util.find_spec(f"simulators.{s}") is None
    ]
    if missing:
        pytest.skip(f"simulators not available yet: {', '.join(missing)}")


class SleepRecorder:
    """Stands in for time.sleep: remembers the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def client(sims, service: str, sleep=None, **options):
    """Build the client for one running simulator with fast test timeouts."""
    extra = {"sleep": sleep} if sleep is not None else {}
    return build_client(
        service,
        sims[service].url,
        sims[service].api_key,
        {**FAST, **options},
        integration_id=1,
        **extra,
    )


@contextmanager
def canned_server(
    status: int, body: bytes, headers: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Serve one fixed reply on loopback; yields the URL and the paths asked for.

    Used for what no simulator imitates: a reverse-proxy login page, 429 and
    503 replies.
    """
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def needs():
    """Return a function that skips the test when simulators are missing."""
    return need


@pytest.fixture
def sleeper() -> SleepRecorder:
    """A fake sleep that records backoff delays."""
    return SleepRecorder()


@pytest.fixture
def client_of():
    """Return :func:`client`; every client built is closed after the test."""
    built = []

    def make(*args, **kwargs):
        built.append(client(*args, **kwargs))
        return built[-1]

    yield make
    for each in built:
        each.close()


@pytest.fixture
def canned():
    """Return :func:`canned_server`: a loopback server with one fixed reply."""
    return canned_server
