"""Fixtures for the act tests: a fake clock, a real store and bus, plans, and a
fake *arr standing in for the integration clients (the only fakes)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from controller.events import EventBus
from controller.media import MediaItem, MediaType
from controller.store import Store, desired


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self._now = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


@dataclass(frozen=True)
class Factor:
    key: str
    contribution: float

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "contribution": self.contribution}


@dataclass(frozen=True)
class Planned:
    item: MediaItem
    score: float
    expected_bytes: int
    reason: str = "file_size:0.5"
    factors: tuple[Factor, ...] = (Factor("file_size", 0.5),)
    unmonitor: bool = False
    collection_group: str = ""


@dataclass
class GroupPlan:
    deletions: list[Planned] = field(default_factory=list)


def planned(
    external_id: str,
    size: int = 1000,
    *,
    integration_id: int = 1,
    title: str | None = None,
    group: str = "",
) -> Planned:
    item = MediaItem(
        integration_id=integration_id,
        external_id=external_id,
        media_type=MediaType.MOVIE,
        title=title or f"Movie {external_id}",
        size_bytes=size,
        path=f"/data/movies/{external_id}",
    )
    return Planned(item=item, score=0.7, expected_bytes=size, collection_group=group)


class FakeArr:
    """Items on a disk that a fake *arr can delete, report and measure."""

    def __init__(self, used: int = 10_000) -> None:
        self.items: dict[tuple[int, str], int] = {}
        self.used = used
        self.kept: dict[tuple[int, str], int] = {}
        self.delete_calls: list[tuple[int, str]] = []
        self.down = False
        self.fail_with: Exception | None = None
        self.before_delete: Callable[[], None] | None = None
        self.lock = threading.Lock()

    def add(self, p: Planned) -> Planned:
        self.items[p.item.key] = p.item.size_bytes
        return p

    def deleter(self, job: Any) -> None:
        with self.lock:
            self.delete_calls.append(job.key)
            if self.fail_with is not None:
                raise self.fail_with
            size = self.items.pop(job.key)
            self.used -= size - self.kept.get(job.key, 0)

    def exists(self, job: Any) -> bool | None:
        return None if self.down else job.key in self.items

    def measure(self, disk_group_id: int) -> int | None:
        return None if self.down else self.used


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    s = Store.memory(clock=clock)
    yield s
    s.close()


@pytest.fixture
def bus(store: Store, clock: FakeClock) -> Iterator[EventBus]:
    b = EventBus(store, clock=clock)
    yield b
    b.close()


@pytest.fixture
def arr() -> FakeArr:
    return FakeArr()


@pytest.fixture
def group_id(store: Store, clock: FakeClock) -> int:
    """A disk group in auto mode with deletions enabled."""
    with store.write() as tx:
        group = desired.disk_groups.upsert_settings(
            tx, "api:apikey:admin", "/data", {"mode": "auto"}, at=clock()
        )
        desired.disk_groups.observe(
            tx, "/data", total_bytes=20_000, used_bytes=10_000, at=clock()
        )
    return group.id


def set_prefs(store: Store, **changes: Any) -> None:
    with store.write() as tx:
        desired.set_preferences(tx, "api:apikey:admin", changes, at=store.now())


def set_mode(store: Store, group: int, mode: str) -> None:
    with store.write() as tx:
        desired.disk_groups.update_settings(
            tx, "api:jwt:admin", group, {"mode": mode}, at=store.now()
        )


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Wait until ``predicate`` holds or the deadline passes."""
    pause = threading.Event()
    deadline = datetime.now(UTC) + timedelta(seconds=timeout)
    while datetime.now(UTC) < deadline:
        if predicate():
            return True
        pause.wait(0.005)
    return predicate()


@dataclass
class Kit:
    """Helpers handed to tests as one fixture (tests cannot import conftest)."""

    store: Store
    clock: FakeClock
    group_id: int

    planned = staticmethod(planned)
    wait_for = staticmethod(wait_for)

    def plan(self, *items: Planned) -> GroupPlan:
        return GroupPlan(list(items))

    def prefs(self, **changes: Any) -> None:
        set_prefs(self.store, **changes)

    def mode(self, mode: str, group: int | None = None) -> None:
        set_mode(self.store, self.group_id if group is None else group, mode)


@pytest.fixture
def kit(store: Store, clock: FakeClock, group_id: int) -> Kit:
    return Kit(store, clock, group_id)
