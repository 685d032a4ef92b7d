"""When cycles run: on an interval, on manifest changes and on demand.

``CycleLoop`` owns one thread that runs the injected ``run_cycle`` callable. Cycles
never overlap: a trigger while a cycle runs is answered ``already_running`` and
remembered, so one more cycle follows. A failing cycle is logged and the loop goes
on. ``ManifestWatcher`` follows a manifests folder with watchfiles; editors' atomic
saves (write to a temporary file, rename over the original) arrive as several
events, which watchfiles' debounce folds into one trigger.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import watchfiles

log = logging.getLogger(__name__)

MANIFEST_SUFFIXES = (".yaml", ".yml")


class CycleLoop:
    """Run ``run_cycle(reason)`` on an interval and on demand, one at a time.

    Args:
        run_cycle: does one reconcile pass; exceptions are logged, never fatal.
        interval: returns the current interval in seconds (read before each wait,
            so a preference change takes effect at the next wait).
        clock: monotonic clock, injectable for tests.
    """

    def __init__(
        self,
        run_cycle: Callable[[str], object],
        interval: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run_cycle = run_cycle
        self._interval = interval
        self._clock = clock
        self._wake = threading.Condition()
        self._pending: list[str] = []
        self._running = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.cycles_completed = 0
        self.cycles_failed = 0

    @property
    def running(self) -> bool:
        """True while a cycle is executing."""
        return self._running

    def start(self, *, run_now: bool = True) -> None:
        """Start the loop thread; with ``run_now`` the first cycle starts at once."""
        if run_now:
            self._pending.append("startup")
        self._thread = threading.Thread(
            target=self._loop, name="reconcile-loop", daemon=True
        )
        self._thread.start()

    def trigger(self, reason: str) -> str:
        """Ask for a cycle now; returns ``started`` or ``already_running``."""
        with self._wake:
            busy = self._running
            self._pending.append(reason)
            self._wake.notify_all()
        return "already_running" if busy else "started"

    def stop(self, timeout: float | None = None) -> bool:
        """Stop after the current cycle; True when the thread ended in time."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        deadline = self._clock() + self._interval()
        while True:
            with self._wake:
                while not self._stopping and not self._pending:
                    remaining = deadline - self._clock()
                    if remaining <= 0:
                        self._pending.append("interval")
                        break
                    self._wake.wait(remaining)
                if self._stopping:
                    return
                reasons = list(dict.fromkeys(self._pending))
                self._pending.clear()
                self._running = True
            failed = False
            try:
                self._run_cycle(", ".join(reasons))
            except Exception:
                failed = True
                log.exception("reconcile cycle failed; the loop goes on")
            finally:
                with self._wake:
                    self._running = False
                    if failed:
                        self.cycles_failed += 1
                    else:
                        self.cycles_completed += 1
                    self._wake.notify_all()
            deadline = self._clock() + self._interval()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no cycle is running or pending; True if that happened."""
        end = time.monotonic() + timeout
        with self._wake:
            while self._running or self._pending:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(remaining)
        return True


def is_manifest_change(change: watchfiles.Change, path: str) -> bool:
    """Keep only events about manifest files, not editors' swap or backup files."""
    del change
    name = Path(path).name
    return name.endswith(MANIFEST_SUFFIXES) and not name.startswith((".", "#"))


class ManifestWatcher:
    """Call ``on_change()`` when a manifest file in ``directory`` changes."""

    def __init__(
        self,
        directory: Path,
        on_change: Callable[[], object],
        debounce_ms: int = 400,
    ) -> None:
        self._directory = directory
        self._on_change = on_change
        self._debounce_ms = debounce_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Watch on a daemon thread until ``stop``."""
        self._thread = threading.Thread(
            target=self._watch, name="manifest-watcher", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _watch(self) -> None:
        for changes in watchfiles.watch(
            self._directory,
            watch_filter=is_manifest_change,
            debounce=self._debounce_ms,
            stop_event=self._stop,
            recursive=False,
            rust_timeout=1000,
            yield_on_timeout=False,
        ):
            log.info("manifest files changed: %s", sorted(p for _, p in changes))
            try:
                self._on_change()
            except Exception:
                log.exception("handling a manifest change failed")
