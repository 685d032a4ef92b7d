"""Pausing Python's cyclic garbage collector around bulk work.

A cycle at 100,000 items builds millions of small objects (decoded replies,
items, index entries) that form no reference cycles; reference counting frees
them. Left alone, the cyclic collector would walk the whole heap again every
time those allocations pass its thresholds: at 10,000 items seven to nine full
collections a cycle, a third of its CPU time. The reconciler observes and
plans with the collector paused, and so does the engine's scoring; the pause
is counted, so work that pauses it from several threads at once resumes it
only when the last one is done.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic collector off while the block runs.

    Only the pause that turned the collector off turns it back on, and only
    after every other pause has ended; a collector that was off on entry
    stays off.
    """
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
