"""The notifier: turns events and cycle summaries into deliveries.

The runtime builds one :class:`Notifier` with a way to read the current
channels and the event bus. It either subscribes to the bus (:meth:`attach`)
or is called directly by the reconciler (:meth:`send_digest`,
:meth:`handle_event`). Each channel has its own worker thread and queue, so a
slow or dead webhook delays only its own messages and never a cycle. The
outcome of every delivery is published back on the bus as
``notification_sent`` or ``notification_delivery_failed``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import httpx

from controller.notify.alerts import (
    Latch,
    alert_for,
    channel_test_message,
    threshold_message,
)
from controller.notify.channels import Channel, Trigger
from controller.notify.delivery import RetryPolicy, Sleep, deliver
from controller.notify.digest import CycleSummary, render_digest
from controller.notify.errors import NotificationError
from controller.notify.messages import Message

log = logging.getLogger(__name__)

ChannelSource = Callable[[], Iterable[Any]]
_Job = tuple[Channel, Message]

# Messages waiting per channel before new ones are dropped (and reported).
QUEUE_SIZE = 100


class Publisher(Protocol):
    """What the notifier needs from the event bus to report outcomes."""

    def publish(self, event_type: str, message: str, **fields: Any) -> Any: ...


class Subscribable(Protocol):
    """What :meth:`Notifier.attach` needs from the event bus."""

    def subscribe(self) -> Any: ...


def _event_parts(event: Any) -> tuple[str, dict[str, Any]]:
    """Return ``(type, fields)`` of a bus event, a mapping or a pair."""
    if isinstance(event, Mapping):
        fields = dict(event.get("fields") or {})
        fields.update({k: v for k, v in event.items() if k not in ("type", "fields")})
        return str(event.get("type", "")), fields
    if isinstance(event, tuple):
        return str(event[0]), dict(event[1])
    return str(event.type), dict(getattr(event, "fields", None) or {})


class Notifier:
    """Send cycle digests and instant alerts to the configured channels.

    Args:
        channels: a callable returning the current channel configurations
            (mappings or objects with NotificationConfig fields), or a fixed
            iterable of them.
        bus: where ``notification_sent`` / ``notification_delivery_failed``
            are published; None publishes nothing.
        version: the version shown in author lines.
        sleep: waits between retries; tests pass a recorder.
        policy: attempts, backoff and timeouts.
        client: HTTP client shared by the Discord deliveries; one is created
            (and closed by :meth:`close`) when None.
    """

    def __init__(
        self,
        channels: ChannelSource | Iterable[Any],
        *,
        bus: Publisher | None = None,
        version: str = "",
        sleep: Sleep = time.sleep,
        policy: RetryPolicy | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._channels = channels if callable(channels) else _fixed(list(channels))
        self._bus = bus
        self.version = version
        self._sleep = sleep
        self._policy = policy or RetryPolicy()
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=self._policy.timeout)
        self._workers: dict[str, _Worker] = {}
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._thresholds = Latch()
        self._integrations = Latch()
        self._listener: threading.Thread | None = None
        self._subscription: Any = None
        self._closed = threading.Event()

    # Entry points ----------------------------------------------------------

    def send_digest(self, summary: CycleSummary | Mapping[str, Any]) -> None:
        """Queue the cycle digest for every channel that wants it.

        Also feeds the threshold alerts: a group at or above its threshold
        alerts if it was not already known to be, and a group below it
        counts as recovered.
        """
        if not isinstance(summary, CycleSummary):
            summary = CycleSummary.from_mapping(summary)
        for group in summary.groups:
            if group.usage_pct is not None and group.threshold_pct is not None:
                self._observe_threshold(
                    group.mount_path,
                    group.usage_pct,
                    group.threshold_pct,
                    group.target_pct,
                )
        for channel in self._current_channels():
            message = render_digest(summary, channel.accepts_digest_mode)
            if message is not None:
                self._enqueue(channel, message)

    def handle_event(self, event: Any) -> None:
        """Turn one bus event into alerts for the channels that want them.

        Accepts a bus ``Event`` (``type`` and ``fields``), a mapping with a
        ``type`` key, or a ``(type, fields)`` pair. Events that do not alert are
        ignored.
        """
        event_type, fields = _event_parts(event)
        if event_type == "threshold_breached":
            self._observe_threshold(
                str(fields.get("mountPath", "")),
                float(fields.get("currentPct", 0)),
                float(fields.get("thresholdPct", 0)),
                _optional_float(fields.get("targetPct")),
            )
            return
        if event_type == "threshold_recovered":
            self._thresholds.clear(str(fields.get("mountPath", "")))
            return
        if event_type in ("integration_test_failed", "integration_recovered"):
            # Both payloads carry the name; only the recovery carries the id.
            key = str(fields.get("name") or fields.get("integrationId") or "")
            if event_type == "integration_test_failed":
                if not self._integrations.raise_(key):
                    return
            else:
                self._integrations.clear(key)
        message = alert_for(event_type, fields)
        if message is not None:
            self._broadcast(message)

    def send_test(self, channel: Any) -> None:
        """Send the test alert to ``channel`` now, on the calling thread.

        Works on disabled channels too.

        Raises:
            NotificationError: the configuration is unusable or delivery failed;
                the message says why and never contains the URL.
        """
        target = Channel.from_config(channel)
        try:
            deliver(
                target,
                channel_test_message(),
                version=self.version,
                sleep=self._sleep,
                policy=self._policy,
                client=self._client,
            )
        except NotificationError as exc:
            self._report_failure(target, exc)
            raise
        self._report_sent(target, Trigger.TEST)

    def attach(self, bus: Subscribable) -> None:
        """Subscribe to ``bus`` and handle its events on a background thread."""
        if self._listener is not None:
            return
        self._subscription = bus.subscribe()
        self._listener = threading.Thread(
            target=self._listen, name="notify-listener", daemon=True
        )
        self._listener.start()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued message has been handled; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Stop listening, let the workers finish their queues, release the client."""
        self._closed.set()
        if self._subscription is not None:
            self._subscription.close()
        if self._listener is not None:
            self._listener.join(timeout)
        with self._lock:
            workers = list(self._workers.values())
            self._workers.clear()
        for worker in workers:
            worker.stop(timeout)
        if self._owns_client:
            self._client.close()

    # Internals -------------------------------------------------------------

    def _listen(self) -> None:
        while not self._closed.is_set():
            event = self._subscription.get(timeout=0.2)
            if event is None:
                continue
            try:
                self.handle_event(event)
            except Exception:  # one bad event must not stop all alerts
                log.exception("notify: could not handle event %r", event)

    def _observe_threshold(
        self, mount: str, current: float, threshold: float, target: float | None
    ) -> None:
        if current < threshold:
            self._thresholds.clear(mount)
            return
        if self._thresholds.raise_(mount):
            self._broadcast(threshold_message(mount, current, threshold, target))

    def _current_channels(self) -> list[Channel]:
        channels = []
        for config in self._channels():
            try:
                channels.append(Channel.from_config(config))
            except NotificationError as exc:
                log.warning("notify: skipping channel: %s", exc)
        return channels

    def _broadcast(self, message: Message) -> None:
        for channel in self._current_channels():
            if channel.accepts(message.trigger):
                self._enqueue(channel, message)

    def _enqueue(self, channel: Channel, message: Message) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            worker = self._workers.get(channel.key)
            if worker is None:
                worker = _Worker(channel.key, self._deliver)
                self._workers[channel.key] = worker
            self._pending += 1
        if not worker.put((channel, message)):
            self._done()
            log.warning("notify: queue for %s is full; message dropped", channel.name)
            self._report_failure(channel, NotificationError("delivery queue is full"))

    def _deliver(self, job: _Job) -> None:
        channel, message = job
        try:
            deliver(
                channel,
                message,
                version=self.version,
                sleep=self._sleep,
                policy=self._policy,
                client=self._client,
            )
        except NotificationError as exc:
            log.warning("notify: %s", exc)
            self._report_failure(channel, exc)
        except Exception:  # a bug here must not kill the channel's worker
            log.exception("notify: unexpected error delivering to %s", channel.name)
            self._report_failure(channel, NotificationError("internal error"))
        else:
            self._report_sent(channel, message.trigger)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def _report_sent(self, channel: Channel, trigger: Trigger) -> None:
        if self._bus is not None:
            self._bus.publish(
                "notification_sent",
                f"Notification sent via {channel.name} ({channel.type})",
                channelId=channel.id,
                channelType=str(channel.type),
                name=channel.name,
                triggerType=str(trigger),
            )

    def _report_failure(self, channel: Channel, error: Exception) -> None:
        if self._bus is not None:
            reason = getattr(error, "reason", None) or str(error)
            self._bus.publish(
                "notification_delivery_failed",
                f"Notification delivery failed: {channel.name} ({channel.type}) — "
                f"{reason}",
                channelId=channel.id,
                channelType=str(channel.type),
                name=channel.name,
                error=str(error),
            )


def _fixed(channels: list[Any]) -> ChannelSource:
    return lambda: channels


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


class _Worker:
    """One channel's queue and the thread that drains it in order."""

    def __init__(self, key: str, handle: Callable[[_Job], None]) -> None:
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self._handle = handle
        self._thread = threading.Thread(
            target=self._run, name=f"notify-{key}", daemon=True
        )
        self._thread.start()

    def put(self, job: _Job) -> bool:
        """Queue ``job``; return False when the queue is full."""
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            return False
        return True

    def stop(self, timeout: float) -> None:
        """Let the queued jobs finish, then end the thread."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            self._handle(job)
