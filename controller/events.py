"""The in-process event bus behind activity history, SSE and notifications.

:meth:`EventBus.publish` gives each event an id, keeps the last 100 in a ring
buffer for ``Last-Event-ID`` replay, hands it to every subscriber and queues it
for a background thread that persists it to ``activity_events`` in publish
order. Ids read ``<epoch>-<seq>`` (``1741199820-001``): the epoch is the bus's
start second, moved past the newest persisted id so ids grow across restarts;
``seq`` counts within the process. Compare ids with :func:`parse_event_id`.

Payloads follow the API reference §S5.2: camelCase fields plus ``message``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from controller.store import Store
from controller.store import audit as audit_rows
from controller.store.timestamps import from_text, utc_now

log = logging.getLogger(__name__)

BUFFER_SIZE = 100
SUBSCRIBER_QUEUE = 256
_STOP = object()

EventKey = tuple[int, int]


def parse_event_id(text: str | None) -> EventKey | None:
    """Return ``(epoch, seq)`` for an id like ``1741199820-001``, else None."""
    if not text:
        return None
    epoch, sep, seq = text.strip().partition("-")
    if not sep or not epoch.isdigit() or not seq.isdigit():
        return None
    return (int(epoch), int(seq))


@dataclass(frozen=True, slots=True)
class Event:
    """One published event."""

    id: str
    type: str
    message: str
    fields: dict[str, Any]
    created_at: datetime
    key: EventKey = field(repr=False, compare=False)

    def payload(self) -> dict[str, Any]:
        """The SSE ``data`` object: the fields with ``message`` added last."""
        return {**self.fields, "message": self.message}

    def sse(self) -> str:
        """Render the event as one SSE frame (id, event, data, blank line)."""
        data = json.dumps(self.payload(), separators=(",", ":"), default=str)
        return f"id: {self.id}\nevent: {self.type}\ndata: {data}\n\n"


class Subscription:
    """A subscriber's bounded queue; events that do not fit are dropped.

    Attributes:
        dropped: events this subscriber lost because its queue was full.
        replay: events after the ``after`` id given to
            :meth:`EventBus.subscribe`, or None when they are no longer all
            buffered (the client must refresh fully).
    """

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=maxsize)
        self.dropped = 0
        self.replay: list[Event] | None = []

    def offer(self, event: Event) -> bool:
        """Queue ``event`` without blocking; count a drop when full."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def get(self, timeout: float | None = None) -> Event | None:
        """Return the next event, or None when none arrives within ``timeout``."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Stop receiving events."""
        self._bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Publish events to subscribers, a replay buffer and the database.

    Args:
        store: where events are persisted; None keeps them in memory only.
        clock: time source for event times and the id epoch.
        buffer_size: how many recent events are kept for replay.
    """

    def __init__(
        self,
        store: Store | None,
        *,
        clock: Callable[[], datetime] = utc_now,
        buffer_size: int = BUFFER_SIZE,
    ) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._buffer: deque[Event] = deque()
        self._buffer_size = buffer_size
        self._evicted_last: EventKey | None = None
        self._subscribers: list[Subscription] = []
        self.dropped = 0
        self._seq = 0
        self._epoch = int(clock().timestamp())
        self._pending: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._published = 0
        self._persisted = 0
        self._persist_done = threading.Condition()
        self._thread: threading.Thread | None = None
        if store is not None:
            self._prime(store)
            self._thread = threading.Thread(
                target=self._persist_loop, name="event-persister", daemon=True
            )
            self._thread.start()

    def _prime(self, store: Store) -> None:
        with store.read() as db:
            rows = audit_rows.recent_events(db, self._buffer_size + 1)
        parsed = (self._from_row(r) for r in reversed(rows))
        events = [e for e in parsed if e is not None]
        if len(events) > self._buffer_size:
            self._evicted_last = events.pop(0).key
        self._buffer.extend(events)
        if events and events[-1].key[0] >= self._epoch:
            self._epoch = events[-1].key[0] + 1

    @staticmethod
    def _from_row(row: dict[str, Any]) -> Event | None:
        key = parse_event_id(row["event_id"])
        created = from_text(row["created_at"])
        if key is None or created is None:
            return None
        return Event(
            row["event_id"],
            row["event_type"],
            row["message"],
            json.loads(row["metadata"] or "{}"),
            created,
            key,
        )

    def publish(self, event_type: str, message: str, **fields: Any) -> Event:
        """Publish an event and return it.

        Args:
            event_type: a type from the API reference §S5.2, e.g. ``engine_start``.
            message: the human-readable text.
            **fields: camelCase payload fields.
        """
        with self._lock:
            self._seq += 1
            key = (self._epoch, self._seq)
            event = Event(
                f"{self._epoch}-{self._seq:03d}",
                event_type,
                message,
                dict(fields),
                self._clock(),
                key,
            )
            self._buffer.append(event)
            while len(self._buffer) > self._buffer_size:
                self._evicted_last = self._buffer.popleft().key
            for sub in self._subscribers:
                if not sub.offer(event):
                    self.dropped += 1
            if self._thread is not None:
                self._published += 1
                self._pending.put(event)
        return event

    def subscribe(
        self, maxsize: int = SUBSCRIBER_QUEUE, after: str | None = None
    ) -> Subscription:
        """Return a new subscription; with ``after``, fill its ``replay`` too.

        Registering and computing the replay happen under one lock, so no event
        is both replayed and delivered, and none falls between the two.
        """
        sub = Subscription(self, maxsize)
        with self._lock:
            if after is not None:
                sub.replay = self._after(after)
            self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Remove a subscription (idempotent)."""
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def events_after(self, last_id: str) -> list[Event] | None:
        """Return buffered events newer than ``last_id``.

        Returns:
            The events in order, or None when events after ``last_id`` have left
            the buffer or the id cannot be read (a gap: refresh fully).
        """
        with self._lock:
            return self._after(last_id)

    def _after(self, last_id: str) -> list[Event] | None:
        key = parse_event_id(last_id)
        if key is None:
            return None
        if self._evicted_last is not None and key < self._evicted_last:
            return None
        return [e for e in self._buffer if e.key > key]

    def recent(self, limit: int = BUFFER_SIZE) -> list[Event]:
        """Return up to ``limit`` buffered events, oldest first."""
        with self._lock:
            return list(self._buffer)[-limit:]

    @property
    def oldest_id(self) -> str | None:
        """The id of the oldest buffered event (for the ``replay_gap`` frame)."""
        with self._lock:
            return self._buffer[0].id if self._buffer else None

    def _persist_loop(self) -> None:
        assert self._store is not None
        while True:
            first = self._pending.get()
            batch = [first]
            while len(batch) < 500:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            events = [item for item in batch if isinstance(item, Event)]
            if events:
                try:
                    with self._store.write() as tx:
                        audit_rows.append_events(
                            tx,
                            [
                                (e.id, e.type, e.message, e.fields, e.created_at)
                                for e in events
                            ],
                        )
                except Exception:
                    log.exception("could not persist %d events", len(events))
                with self._persist_done:
                    self._persisted += len(events)
                    self._persist_done.notify_all()
            if stop:
                return

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event published so far is persisted.

        Returns:
            True when all are written, False on timeout.
        """
        with self._lock:
            target = self._published
        with self._persist_done:
            return self._persist_done.wait_for(
                lambda: self._persisted >= target, timeout=timeout
            )

    def close(self, timeout: float = 5.0) -> None:
        """Persist what is queued and stop the background thread."""
        if self._thread is None:
            return
        self._pending.put(_STOP)
        self._thread.join(timeout)
        self._thread = None
