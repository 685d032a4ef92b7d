"""Invariant 2 as a property: in dry-run nothing is ever sent to an integration.

Random libraries, rules and weights are planned by the real engine for a disk
group in ``dry-run`` mode and handed to the real acting layer (audit rows, the
persistent queue and the deletion worker); the deleter must never be called.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.act.deletion import DeletionWorker
from controller.act.deletion_queue import DeletionQueue
from controller.engine import (
    DEFAULT_WEIGHTS,
    DiskGroupSpec,
    DiskUsage,
    GroupInput,
    Rule,
    ScoringContext,
    build_plan,
)
from controller.events import EventBus
from controller.media import MediaItem, MediaType
from controller.store import Store
from controller.store import desired as stored

NOW = datetime(2026, 6, 1, tzinfo=UTC)
GIB = 1024**3


@st.composite
def libraries(draw: st.DrawFn) -> list[MediaItem]:
    items = []
    for n in range(draw(st.integers(1, 30))):
        kind = draw(
            st.sampled_from([MediaType.MOVIE, MediaType.ARTIST, MediaType.BOOK])
        )
        items.append(
            MediaItem(
                integration_id=draw(st.integers(1, 2)),
                external_id=str(n),
                media_type=kind,
                title=draw(st.sampled_from(["Firefly", "Alien", "Up", "Heat"])),
                size_bytes=draw(st.integers(0, 40 * GIB)),
                path=f"/data/{n}",
                rating=draw(st.none() | st.floats(0, 10)),
                tags=tuple(draw(st.lists(st.sampled_from(["keep", "4k"]), max_size=2))),
                added_at=NOW - timedelta(days=draw(st.integers(0, 900))),
            )
        )
    return items


RULES = st.lists(
    st.builds(
        Rule,
        id=st.none(),
        name=st.just("r"),
        field=st.sampled_from(["title", "tag", "sizebytes", "type"]),
        operator=st.sampled_from(["==", "contains", ">", "!="]),
        value=st.sampled_from(["Firefly", "keep", "1000", "movie"]),
        effect=st.sampled_from(["always_keep", "prefer_remove", "lean_keep"]),
        integration_id=st.none() | st.integers(1, 2),
    ),
    max_size=4,
)
WEIGHTS = st.fixed_dictionaries({key: st.integers(0, 10) for key in DEFAULT_WEIGHTS})


class RecordingArr:
    """Records every call the worker makes; any call breaks invariant 2."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def deleter(self, job: object) -> None:
        self.calls.append("delete")

    def exists(self, job: object) -> bool:
        self.calls.append("exists")
        return True

    def measure(self, disk_group_id: int) -> int:
        return 0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(libraries(), RULES, WEIGHTS, st.integers(80, 100))
def test_invariant_2_dry_run_never_sends_anything_for_any_library(
    items: list[MediaItem], rules: list[Rule], weights: dict[str, int], used_pct: int
) -> None:
    """Check that acting on any dry-run plan never reaches an integration."""
    store = Store.memory(clock=lambda: NOW)
    bus = EventBus(store, clock=lambda: NOW)
    arr = RecordingArr()
    try:
        with store.write() as db:
            group = stored.disk_groups.upsert_settings(
                db, "test", "/data", {"mode": "dry-run"}, at=NOW
            )
        spec = DiskGroupSpec("/data", 85, 75, mode="dry-run")
        plan = build_plan(
            [GroupInput(spec, DiskUsage(100 * GIB, used_pct * GIB), items)],
            weights=weights,
            rules=rules,
            context=ScoringContext(),
            now=NOW,
        )
        queue = DeletionQueue(store, bus)
        recorded = queue.record_dry_run(plan.groups[0], group.id, run_id=None)
        assert recorded == len(plan.groups[0].deletions)
        worker = DeletionWorker(
            store,
            bus,
            deleter=arr.deleter,
            exists=arr.exists,
            measure=arr.measure,
            sleep=lambda seconds: None,
            idle_poll=0.01,
        )
        assert worker.process_next() is None
        assert arr.calls == []
        assert queue.jobs() == []
    finally:
        bus.close()
        store.close()
