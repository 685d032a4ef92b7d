"""Fixtures: a manifests folder wired to running simulators, and a runtime over it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from controller.reconcile.runtime import Runtime
from controller.store import Store
from simulators.harness import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def demo_env(sims) -> dict[str, str]:
    env = {}
    for name in SERVICES:
        env[f"CAPACITARR_DEMO_{name.upper()}_URL"] = sims[name].url
        env[f"CAPACITARR_DEMO_{name.upper()}_KEY"] = sims[name].api_key
    return env


def wait_for(predicate: Callable[[], object], timeout: float = 20.0) -> bool:
    """Poll ``predicate`` until it is truthy or the deadline passes."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """A copy of examples/demo that tests may edit."""
    folder = tmp_path / "manifests"
    shutil.copytree(ROOT / "examples" / "demo", folder)
    return folder


@pytest.fixture
def make_runtime(
    sims, manifests: Path, tmp_path: Path
) -> Iterator[Callable[..., Runtime]]:
    """Build (not start) runtimes over the simulators; stopped after the test."""
    made: list[Runtime] = []

    def make(*, watch: bool = False, db: Path | None = None) -> Runtime:
        store = Store.open(db or tmp_path / "capacitarr.db")
        runtime = Runtime(
            store, manifests=manifests, env=demo_env(sims), pause_seconds=0, watch=watch
        )
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.stop(10)
        runtime.store.close()
