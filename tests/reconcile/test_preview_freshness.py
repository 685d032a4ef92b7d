"""Check that the preview follows the desired state in force, and that a requested
run is announced before it starts."""

from __future__ import annotations

from controller.events import EventBus
from controller.reconcile.runtime import Runtime
from controller.store import Store, queues
from controller.store import desired as stored
from tests.reconcile.conftest import wait_for


def test_preview_follows_a_rule_added_after_the_last_cycle(make_runtime) -> None:
    """Check that a keep rule added since the last cycle shows in the preview
    without force, and that an unchanged desired state runs no new cycle."""
    runtime = make_runtime()
    runtime.start(run_now=True)
    assert wait_for(lambda: runtime.cycles.last is not None, 60)
    first = runtime.preview()
    assert runtime.preview() == first, "nothing changed: the same cycle answers"
    top = next(e for e in first["items"] if not e["isProtected"])
    with runtime.store.write() as db:
        stored.rules.create(
            db,
            "api:apikey:admin",
            {
                "field": "title",
                "operator": "==",
                "value": top["item"]["title"],
                "effect": "always_keep",
                "integration_id": top["item"]["integrationId"],
            },
            at=runtime.store.now(),
        )
    after = runtime.preview()
    same = next(
        e
        for e in after["items"]
        if (e["item"]["title"], e["item"]["integrationId"])
        == (top["item"]["title"], top["item"]["integrationId"])
    )
    assert same["isProtected"] is True
    assert after["planDigest"] != first["planDigest"]


class WakeRecorder:
    """Stands in for the loop thread: notes the events published when woken."""

    running = False

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.published_before_wake: list[str] = []

    def trigger(self, reason: str) -> str:
        self.published_before_wake = [e.type for e in self._bus.recent()]
        return "started"


def test_manual_run_triggered_is_published_before_the_loop_wakes() -> None:
    """Check that `manual_run_triggered` precedes the cycle's own events, so the
    live stream shows it before `engine_start`."""
    store = Store.memory()
    runtime = Runtime(store, watch=False)
    recorder = WakeRecorder(runtime.bus)
    runtime.loop = recorder  # type: ignore[assignment]
    try:
        assert runtime.request_cycle("manual") == "started"
        assert recorder.published_before_wake[-1:] == ["manual_run_triggered"]
    finally:
        runtime.bus.close()
        store.close()


def test_preview_is_kept_until_a_queue_changes(make_runtime) -> None:
    """Check that repeated previews hand out one rendering, and that a change to
    the approval queue gives a new one showing the change."""
    runtime = make_runtime()
    runtime.start(run_now=True)
    assert wait_for(lambda: runtime.cycles.last is not None, 60)
    first = runtime.preview()
    assert runtime.preview() is first
    queued = next(e for e in first["items"] if "approvalQueueId" in e)
    with runtime.store.write() as db:
        queues.delete_approval(db, queued["approvalQueueId"])
    after = runtime.preview()
    assert after is not first
    same = next(
        e
        for e in after["items"]
        if (e["item"]["externalId"], e["item"]["integrationId"])
        == (queued["item"]["externalId"], queued["item"]["integrationId"])
    )
    assert "approvalQueueId" not in same
