"""Check the event bus: ids, replay, persistence and slow subscribers."""

from __future__ import annotations

from datetime import UTC, datetime

from controller.events import EventBus, parse_event_id
from controller.store import Store
from controller.store import audit as audit_rows

T = datetime(2025, 3, 5, 18, 37, tzinfo=UTC)


def test_ids_grow_within_and_across_restarts(tmp_path):
    """Check <epoch>-<seq> ids, monotonic even when restarted in the same second."""
    store = Store.open(tmp_path / "e.db", clock=lambda: T)
    bus = EventBus(store, clock=lambda: T)
    first = bus.publish(
        "engine_start", "Engine run started in auto mode", executionMode="auto"
    )
    second = bus.publish("manual_run_triggered", "Manual engine run triggered")
    assert first.id == f"{int(T.timestamp())}-001"
    assert parse_event_id(second.id) > parse_event_id(first.id)
    assert second.payload() == {"message": "Manual engine run triggered"}
    bus.close()

    bus = EventBus(store, clock=lambda: T)
    third = bus.publish("engine_complete", "done", evaluated=1)
    assert parse_event_id(third.id) > parse_event_id(second.id)
    assert [e.id for e in bus.events_after(first.id)] == [second.id, third.id]
    bus.close()
    with store.read() as db:
        rows = list(reversed(audit_rows.recent_events(db)))
    assert [r["event_id"] for r in rows] == [first.id, second.id, third.id]
    assert rows[0]["metadata"] == '{"executionMode":"auto"}'
    store.close()


def test_replay_reports_gaps():
    """Check that an id older than the buffer yields None (refresh fully)."""
    bus = EventBus(None, clock=lambda: T, buffer_size=3)
    events = [bus.publish("deletion_progress", f"p{i}") for i in range(5)]
    assert bus.events_after(events[0].id) is None
    assert [e.id for e in bus.events_after(events[1].id)] == [e.id for e in events[2:]]
    assert bus.events_after(events[4].id) == []
    assert bus.events_after("not-an-id") is None


def test_slow_subscriber_drops_and_counts():
    """Check that a full subscriber queue drops events instead of blocking."""
    bus = EventBus(None, clock=lambda: T)
    slow = bus.subscribe(maxsize=2)
    fast = bus.subscribe()
    for i in range(5):
        bus.publish("deletion_progress", f"p{i}")
    assert slow.dropped == 3 and bus.dropped == 3
    assert [slow.get(0.1).message, slow.get(0.1).message] == ["p0", "p1"]
    assert slow.get(0.01) is None
    assert [fast.get(0.1).message for _ in range(5)] == [f"p{i}" for i in range(5)]
    fast.close()
    bus.publish("x", "after close")
    assert fast.get(0.01) is None


def test_subscribe_after_replays_without_overlap():
    """Check that subscribe(after=...) fills replay and then delivers live."""
    bus = EventBus(None, clock=lambda: T)
    a = bus.publish("a", "a")
    b = bus.publish("b", "b")
    sub = bus.subscribe(after=a.id)
    c = bus.publish("c", "c")
    assert [e.id for e in sub.replay] == [b.id]
    assert sub.get(0.1).id == c.id
    assert c.sse().startswith(f"id: {c.id}\nevent: c\ndata: {{")
