"""Pytest fixtures that give a test a world and running simulators.

The project's ``tests/conftest.py`` loads this module with
``pytest_plugins = ["simulators.testing"]``. ``sims`` and ``make_sims`` stop
every simulator they started when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pytest

from simulators.harness import Simulators, start_simulators
from simulators.world import World

SEED = 7
SIZE = 1000
FILL = 0.9


@pytest.fixture
def sim_world() -> World:
    """A fresh world: seed 7, 1,000 items, media disks 90% full."""
    return World.generate(seed=SEED, size=SIZE, fill_pct=FILL)


@pytest.fixture
def sims(sim_world: World) -> Iterator[Simulators]:
    """All ten simulators serving ``sim_world``."""
    running = start_simulators(sim_world)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def make_sims() -> Iterator[Callable[..., Simulators]]:
    """A factory for simulators over a new world, stopped after the test.

    Call it as ``make_sims(size=..., seed=..., fill_pct=..., services=...)``;
    any other keyword goes to :meth:`World.generate`.
    """
    started: list[Simulators] = []

    def make(
        size: int = SIZE,
        seed: int = SEED,
        fill_pct: float | None = FILL,
        services: Iterable[str] | None = None,
        **world_args,
    ) -> Simulators:
        world = World.generate(seed=seed, size=size, fill_pct=fill_pct, **world_args)
        running = start_simulators(world, services)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()
