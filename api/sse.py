"""Live events: ``GET /events`` streams the event bus as server-sent events.

Each stream occupies one waitress worker thread for its lifetime, so the number
of open streams is capped (``StreamGate``) below the thread count; ordinary
requests always find a free thread. A stream replays buffered events newer than
``Last-Event-ID``, then forwards live ones, and writes a ``: keepalive`` comment
when it has been quiet for ``keepalive`` seconds; a dead client is noticed at the
next write, which ends the stream and frees its thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import falcon

from api.errors import ServiceUnavailable
from controller.events import Event, EventBus, Subscription, parse_event_id

log = logging.getLogger(__name__)

# How often a waiting stream checks for shutdown even when nothing happens.
_POLL_SECONDS = 0.5


class StreamGate:
    """Count open streams and refuse new ones beyond ``limit``."""

    def __init__(self, limit: int):
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()
        self.closed = threading.Event()

    @property
    def open(self) -> int:
        """Streams open right now."""
        return self._open

    def enter(self) -> None:
        """Take a slot or raise ``ServiceUnavailable``."""
        with self._lock:
            if self._open >= self.limit:
                raise ServiceUnavailable(
                    f"too many open event streams (limit {self.limit})",
                    headers={"Retry-After": "5"},
                )
            self._open += 1

    def leave(self) -> None:
        """Give a slot back."""
        with self._lock:
            self._open -= 1

    def close(self) -> None:
        """Ask every open stream to finish (server shutdown)."""
        self.closed.set()


def gap_frame(oldest: str, requested: str) -> bytes:
    """The frame that tells a client its ``Last-Event-ID`` is no longer buffered."""
    data = json.dumps({"oldestAvailable": oldest, "requested": requested})
    return f"event: replay_gap\ndata: {data}\n\n".encode()


class EventsResource:
    """``GET /events``: the event stream."""

    def __init__(self, bus: EventBus, gate: StreamGate, keepalive: float = 15.0):
        self._bus = bus
        self._gate = gate
        self._keepalive = keepalive

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        last_id = req.get_header("Last-Event-ID") or req.get_param("lastEventId")
        if parse_event_id(last_id) is None:
            last_id = None
        self._gate.enter()
        try:
            subscription = self._bus.subscribe(after=last_id)
        except BaseException:
            self._gate.leave()
            raise
        resp.content_type = "text/event-stream"
        resp.set_header("Cache-Control", "no-cache")
        resp.set_header("X-Accel-Buffering", "no")
        resp.stream = _Stream(self._stream(subscription, last_id), self._gate)

    def _stream(
        self, subscription: Subscription, last_id: str | None
    ) -> Iterator[bytes]:
        try:
            # A first comment starts the response at once, so the client knows
            # it is connected before the first event arrives.
            yield b": connected\n\n"
            yield from self._frames(subscription, last_id)
        finally:
            subscription.close()

    def _frames(
        self, subscription: Subscription, last_id: str | None
    ) -> Iterator[bytes]:
        seen: set[str] = set()
        replay: list[Event] = subscription.replay or []
        if last_id and subscription.replay is None:
            yield gap_frame(self._bus.oldest_id or "", last_id)
            replay = self._bus.recent()
        for event in replay:
            seen.add(event.id)
            yield event.sse().encode()
        step = min(_POLL_SECONDS, self._keepalive)
        quiet = 0.0
        while not self._gate.closed.is_set():
            live = subscription.get(timeout=step)
            if live is None:
                quiet += step
                if quiet >= self._keepalive:
                    quiet = 0.0
                    yield b": keepalive\n\n"
                continue
            quiet = 0.0
            if live.id not in seen:
                yield live.sse().encode()


class _Stream:
    """Wrap the frame generator so the gate slot is freed however it ends."""

    def __init__(self, frames: Iterator[bytes], gate: StreamGate):
        self._frames = frames
        self._gate = gate
        self._closed = False

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> bytes:
        return next(self._frames)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._frames, "close", None)
            if close is not None:
                close()
        finally:
            self._gate.leave()
