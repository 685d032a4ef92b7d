"""Check the notifier: gating, de-duplication, workers, outcomes, the test button."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from controller.events import EventBus
from controller.notify import (
    CycleSummary,
    DeliveryError,
    GroupSummary,
    NotificationError,
    Notifier,
)

SECRET = "hidden-webhook-token"


def config(receiver: Any, path: str, **flags: Any) -> dict[str, Any]:
    return {
        "id": path,
        "name": path.strip("/").split("/")[0],
        "type": "discord",
        "url": receiver.url(path),
        **flags,
    }


@pytest.fixture
def make(sleeps: Any, bus: EventBus) -> Iterator[Any]:
    """Build notifiers that are closed after the test."""
    made: list[Notifier] = []

    def build(channels: Any) -> Notifier:
        notifier = Notifier(channels, bus=bus, version="9.9", sleep=sleeps)
        made.append(notifier)
        return notifier

    yield build
    for notifier in made:
        notifier.close()


def titles(receiver: Any, path: str) -> list[str]:
    return [r.json()["embeds"][0]["title"] for r in receiver.on(path)]


EVENTS: list[tuple[str, dict[str, Any], str]] = [
    ("engine_error", {"error": "boom"}, "onError"),
    ("deletion_failed", {"mediaName": "Serenity", "error": "403"}, "onError"),
    ("engine_mode_changed", {"oldMode": "dry-run", "newMode": "auto"}, "onModeChanged"),
    ("server_started", {"version": "9.9"}, "onServerStarted"),
    (
        "threshold_breached",
        {"mountPath": "/data", "currentPct": 91.0, "thresholdPct": 85.0},
        "onThresholdBreach",
    ),
    ("approval_approved", {"mediaName": "Lost", "sizeBytes": 5}, "onApprovalActivity"),
    ("approval_rejected", {"mediaName": "Lost", "snoozeDuration": "24h"},
     "onApprovalActivity"),
    ("integration_test_failed", {"name": "Sonarr", "error": "timeout"},
     "onIntegrationStatus"),
    ("integration_recovered", {"name": "Sonarr"}, "onIntegrationStatus"),
    ("update_available", {"latestVersion": "v10"}, "onUpdateAvailable"),
]  # fmt: skip


@pytest.mark.parametrize(("event_type", "fields", "flag"), EVENTS)
def test_alert_gating_by_flag(
    receiver: Any, make: Any, event_type: str, fields: dict[str, Any], flag: str
) -> None:
    """Check that each alert goes to channels with its flag on and no others."""
    notifier = make(
        [
            config(receiver, "/on"),
            config(receiver, "/off", **{flag: False}),
            config(receiver, "/disabled", enabled=False),
        ]
    )
    notifier.handle_event({"type": event_type, **fields})
    assert notifier.wait_idle(10)
    assert len(receiver.on("/on")) == 1
    assert receiver.on("/off") == []
    assert receiver.on("/disabled") == []


def test_events_that_do_not_alert_are_ignored(receiver: Any, make: Any) -> None:
    """Check that ordinary events (and our own outcome events) send nothing."""
    notifier = make([config(receiver, "/on")])
    for event_type in ("engine_start", "notification_sent", "preview_updated"):
        notifier.handle_event({"type": event_type})
    assert notifier.wait_idle(10)
    assert receiver.requests == []


def test_digest_gating(receiver: Any, make: Any) -> None:
    """Check onCycleDigest, onDryRunDigest and enabled for digests."""
    notifier = make(
        [
            config(receiver, "/all"),
            config(receiver, "/nodigest", onCycleDigest=False),
            config(receiver, "/nodry", onDryRunDigest=False),
            config(receiver, "/disabled", enabled=False),
        ]
    )
    notifier.send_digest(
        CycleSummary((GroupSummary("/data", "dry-run", evaluated=3, planned=1),))
    )
    assert notifier.wait_idle(10)
    assert titles(receiver, "/all") == ["🔍 Dry-Run Complete"]
    for path in ("/nodigest", "/nodry", "/disabled"):
        assert receiver.on(path) == []


def breach(notifier: Notifier, pct: float) -> None:
    notifier.handle_event(
        {
            "type": "threshold_breached",
            "mountPath": "/data",
            "currentPct": pct,
            "thresholdPct": 85.0,
            "targetPct": 75.0,
        }
    )


def usage(pct: float) -> CycleSummary:
    return CycleSummary(
        (GroupSummary("/data", "auto", usage_pct=pct, threshold_pct=85.0),)
    )


def test_threshold_alert_is_deduplicated(receiver: Any, make: Any) -> None:
    """Check one alert per breach, and a new one only after recovery."""
    notifier = make([config(receiver, "/hook", onCycleDigest=False)])
    for pct in (91.0, 92.0, 90.5):
        breach(notifier, pct)
    notifier.send_digest(usage(88.0))  # still above: no new alert
    assert notifier.wait_idle(10)
    assert titles(receiver, "/hook") == ["🔴 Threshold Breached"]
    notifier.send_digest(usage(80.0))  # recovered
    breach(notifier, 86.0)
    breach(notifier, 87.0)
    assert notifier.wait_idle(10)
    assert titles(receiver, "/hook") == ["🔴 Threshold Breached"] * 2
    text = receiver.on("/hook")[1].json()["embeds"][0]["description"]
    assert "**/data** is at **86.0%** (threshold 85%, target 75%)" in text


def test_digest_alone_raises_the_threshold_alert(receiver: Any, make: Any) -> None:
    """Check that a summary above threshold alerts even without a bus event."""
    notifier = make([config(receiver, "/hook", onCycleDigest=False)])
    notifier.send_digest(usage(95.0))
    notifier.send_digest(usage(96.0))
    assert notifier.wait_idle(10)
    assert titles(receiver, "/hook") == ["🔴 Threshold Breached"]


def test_integration_down_is_deduplicated(receiver: Any, make: Any) -> None:
    """Check one 'down' alert per outage and a 'recovered' alert after it."""
    notifier = make([config(receiver, "/hook")])
    for _ in range(3):
        notifier.handle_event(
            ("integration_test_failed", {"name": "Sonarr", "error": "refused"})
        )
    notifier.handle_event(("integration_recovered", {"name": "Sonarr"}))
    notifier.handle_event(("integration_test_failed", {"name": "Sonarr"}))
    assert notifier.wait_idle(10)
    assert titles(receiver, "/hook") == [
        "🔴 Integration Down: Sonarr",
        "🟢 Integration Recovered: Sonarr",
        "🔴 Integration Down: Sonarr",
    ]


def test_slow_channel_blocks_neither_the_caller_nor_other_channels(
    receiver: Any, make: Any
) -> None:
    """Check that a stuck webhook only delays its own channel."""
    release = receiver.hold("/slow")
    notifier = make([config(receiver, "/slow"), config(receiver, "/fast")])
    notifier.send_digest(CycleSummary((GroupSummary("/data", "auto"),)))
    receiver.wait_for(1)
    assert [r.path for r in receiver.requests] == ["/fast"]
    release.set()
    assert notifier.wait_idle(10)
    assert len(receiver.on("/slow")) == 1


def test_outcomes_are_published(receiver: Any, make: Any, bus: EventBus) -> None:
    """Check notification_sent and notification_delivery_failed payloads."""
    events = bus.subscribe()
    receiver.respond(f"/bad/{SECRET}", (404, {}))
    notifier = make([config(receiver, "/good"), config(receiver, f"/bad/{SECRET}")])
    notifier.handle_event({"type": "engine_error", "error": "boom"})
    assert notifier.wait_idle(10)
    seen: dict[str, Any] = {}
    wanted = {"notification_sent", "notification_delivery_failed"}
    while not wanted <= seen.keys():
        event = events.get(timeout=10)
        assert event is not None, f"missing outcome events, saw {sorted(seen)}"
        seen[event.type] = event
    sent = seen["notification_sent"]
    assert sent.fields == {
        "channelId": "/good",
        "channelType": "discord",
        "name": "good",
        "triggerType": "error",
    }
    assert sent.message == "Notification sent via good (discord)"
    failed = seen["notification_delivery_failed"]
    assert failed.fields["channelType"] == "discord"
    assert "HTTP 404" in failed.fields["error"]
    assert SECRET not in failed.message + failed.fields["error"]


def test_attach_listens_to_the_bus(receiver: Any, make: Any, bus: EventBus) -> None:
    """Check that alerts published on the bus reach the channels."""
    notifier = make([config(receiver, "/hook")])
    notifier.attach(bus)
    bus.publish("engine_error", "Engine error: boom", error="boom")
    (request,) = receiver.wait_for(1)
    embed = request.json()["embeds"][0]
    assert embed["title"] == "🔴 Engine Error"
    assert embed["author"]["name"] == "⚡ Capacitarr 9.9 • Engine Error"
    assert "boom" in embed["description"]


def test_channels_are_read_at_send_time(receiver: Any, make: Any) -> None:
    """Check that a channel source callable is consulted for every message."""
    current = [config(receiver, "/one")]
    notifier = make(lambda: current)
    notifier.handle_event({"type": "server_started"})
    assert notifier.wait_idle(10)
    current[:] = [config(receiver, "/two")]
    notifier.handle_event({"type": "server_started"})
    assert notifier.wait_idle(10)
    assert len(receiver.on("/one")) == len(receiver.on("/two")) == 1


def test_send_test_succeeds_even_when_disabled(receiver: Any, make: Any) -> None:
    """Check the test button on a disabled channel."""
    notifier = make([])
    notifier.send_test(config(receiver, "/hook", enabled=False, onError=False))
    (request,) = receiver.wait_for(1)
    assert request.json()["embeds"][0]["title"] == "🔔 Test — channel is working!"


def test_send_test_raises_a_clear_error(receiver: Any, make: Any, sleeps: Any) -> None:
    """Check that a failing test raises with the channel and status, no URL."""
    receiver.respond(f"/t/{SECRET}", (401, {}))
    notifier = make([])
    with pytest.raises(DeliveryError) as caught:
        notifier.send_test(config(receiver, f"/t/{SECRET}"))
    assert str(caught.value).startswith("t (discord): HTTP 401")
    assert SECRET not in str(caught.value)


def test_send_test_rejects_a_bad_config(make: Any) -> None:
    """Check that an unknown channel type is reported as a notification error."""
    notifier = make([])
    with pytest.raises(NotificationError, match="must be discord or apprise"):
        notifier.send_test({"name": "x", "type": "slack", "url": "http://x/"})
