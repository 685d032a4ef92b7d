"""Fixtures for the notification tests: a webhook receiver on loopback.

The receiver is a real HTTP server on 127.0.0.1 that records every request and
answers from a script (status, headers) per path, 204 by default. Tests wait on
it with deadlines, never with sleeps.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from controller.events import EventBus


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Scriptable webhook endpoint; see the module docstring."""

    server: ThreadingHTTPServer
    requests: list[Received] = field(default_factory=list)
    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)
    holds: dict[str, threading.Event] = field(default_factory=dict)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str) -> str:
        return self.base + path

    def hold(self, path: str) -> threading.Event:
        """Make requests to ``path`` wait until the returned event is set."""
        return self.holds.setdefault(path, threading.Event())

    def respond(self, path: str, *answers: tuple[int, dict[str, str]]) -> None:
        """Answer the next requests to ``path`` with these (status, headers)."""
        self.script.setdefault(path, []).extend(answers)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least ``count`` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} requests, got {len(self.requests)}"
                    )
                self.changed.wait(left)
            return list(self.requests)

    def on(self, path: str) -> list[Received]:
        """Requests received on ``path`` so far."""
        with self.changed:
            return [r for r in self.requests if r.path.split("?")[0] == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            path = self.path.split("?")[0]
            if path in receiver.holds:
                receiver.holds[path].wait(10)
            with receiver.changed:
                answers = receiver.script.get(path) or []
                status, headers = answers.pop(0) if answers else (204, {})
                receiver.requests.append(
                    Received("POST", self.path, dict(self.headers.items()), body)
                )
                receiver.changed.notify_all()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            text = b"" if status == 204 else b'{"message": "scripted"}'
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on an ephemeral loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(server)
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield receiver
    for held in receiver.holds.values():
        held.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


class Sleeps:
    """Records the waits delivery asks for instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def bus() -> Iterator[EventBus]:
    """An in-memory event bus."""
    events = EventBus(None)
    yield events
    events.close()
