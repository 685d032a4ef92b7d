"""Check when reconcile cycles run: interval, trigger, no overlap, failures."""

import os
import threading
import time
from pathlib import Path

from controller.reconcile.loop import CycleLoop, ManifestWatcher


def wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_cycles_never_overlap_and_a_trigger_while_running_is_remembered() -> None:
    """Check that a trigger while a cycle runs is answered and run once more."""
    release = threading.Event()
    active = []
    overlaps = []
    reasons = []

    def cycle(reason: str) -> None:
        reasons.append(reason)
        if active:
            overlaps.append(reason)
        active.append(1)
        release.wait(5)
        active.pop()

    loop = CycleLoop(cycle, interval=lambda: 3600)
    loop.start(run_now=True)
    assert wait_for(lambda: loop.running)
    assert loop.trigger("manual") == "already_running"
    assert loop.trigger("manual") == "already_running"
    release.set()
    assert wait_for(lambda: loop.cycles_completed == 2)
    assert loop.wait_idle(5)
    loop.stop(5)
    assert overlaps == []
    assert reasons == ["startup", "manual"]


def test_a_failing_cycle_never_stops_the_loop() -> None:
    """Check that the loop keeps running cycles after one raised."""
    calls = []

    def cycle(reason: str) -> None:
        calls.append(reason)
        if len(calls) == 1:
            raise RuntimeError("integration exploded")

    loop = CycleLoop(cycle, interval=lambda: 3600)
    loop.start(run_now=True)
    assert wait_for(lambda: loop.cycles_failed == 1)
    assert loop.trigger("manual") == "started"
    assert wait_for(lambda: loop.cycles_completed == 1)
    assert loop.stop(5)


def test_cycles_run_on_the_interval() -> None:
    """Check that cycles follow the interval when nothing triggers them."""
    calls = []
    loop = CycleLoop(calls.append, interval=lambda: 0.05)
    loop.start(run_now=False)
    assert wait_for(lambda: len(calls) >= 3)
    loop.stop(5)
    assert set(calls) == {"interval"}


def test_watcher_sees_an_editors_atomic_save(tmp_path: Path) -> None:
    """Check that write-to-temp-then-rename of a manifest triggers a reload."""
    manifest = tmp_path / "disks.yaml"
    manifest.write_text("diskGroups: []\n")
    seen = []
    watcher = ManifestWatcher(tmp_path, lambda: seen.append(1), debounce_ms=100)
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        # Keep saving until the watcher (which needs a moment to arm) reports it.
        while not seen and time.monotonic() < deadline:
            temp = tmp_path / ".disks.yaml.swp"
            temp.write_text("diskGroups: []\n# edited\n")
            os.replace(temp, manifest)
            wait_for(lambda: bool(seen), timeout=1)
        assert seen, "the watcher never reported the atomic save"
    finally:
        watcher.stop()


def test_watcher_ignores_non_manifest_files(tmp_path: Path) -> None:
    """Check that a README or a swap file alone never triggers a reload."""
    seen = []
    watcher = ManifestWatcher(tmp_path, lambda: seen.append(1), debounce_ms=50)
    watcher.start()
    try:
        time.sleep(0.3)  # let the watcher arm; nothing must arrive afterwards
        (tmp_path / "README.md").write_text("notes")
        (tmp_path / ".x.yaml.swp").write_text("junk")
        assert not wait_for(lambda: bool(seen), timeout=1.0)
    finally:
        watcher.stop()
