"""Response bodies kept while the store has not changed.

Reading the audit log or the dashboard figures means SQL, turning rows into
records and records into JSON: milliseconds that every one of many polling
clients would pay again for an identical answer. :class:`KeptBodies` keeps the
rendered bytes of such answers, keyed by the request, for as long as the
store's :attr:`~controller.store.Store.generation` is unchanged (any committed
write moves it) and at most ``max_age`` seconds, for answers that also depend
on the clock. Nothing is kept across a write, so an answer is never older than
the newest committed change.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from controller.store import Store


class KeptBodies:
    """Rendered bodies by request key, valid for one store generation.

    Args:
        store: the store whose generation invalidates the bodies.
        max_age: seconds a body may be served at most, whatever the store does.
        size: how many bodies are kept (least recently used go first).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        store: Store,
        *,
        max_age: float = 60.0,
        size: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._max_age = max_age
        self._size = size
        self._clock = clock
        self._lock = threading.Lock()
        self._generation = -1
        self._bodies: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()

    def body(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """Return the kept body for ``key``, rendering (and keeping) it if needed.

        ``render`` runs outside the lock; a body rendered while a write
        committed is served to its own request but not kept.
        """
        generation = self._store.generation
        now = self._clock()
        with self._lock:
            if generation != self._generation:
                self._bodies.clear()
                self._generation = generation
            kept = self._bodies.get(key)
            if kept is not None and now - kept[0] <= self._max_age:
                self._bodies.move_to_end(key)
                return kept[1]
        body = render()
        with self._lock:
            if self._generation == generation == self._store.generation:
                self._bodies[key] = (now, body)
                self._bodies.move_to_end(key)
                while len(self._bodies) > self._size:
                    self._bodies.popitem(last=False)
        return body
