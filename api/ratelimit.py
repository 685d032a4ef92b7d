"""Sliding-window rate limits per client, kept in memory.

A request is admitted while fewer than ``limit`` admitted requests from the same
client fall inside the last ``window`` seconds; refused requests do not count.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from api.errors import TooManyRequests


class RateLimit:
    """One limit (e.g. logins: 10 per 15 minutes) keyed by client address."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Admit one request from ``client`` or raise ``TooManyRequests``."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise TooManyRequests(math.ceil(hits[0] + self.window - now))
            hits.append(now)
            if len(self._hits) > 10_000:
                self._prune(now)

    def _prune(self, now: float) -> None:
        idle = [
            key
            for key, hits in self._hits.items()
            if not hits or hits[-1] <= now - self.window
        ]
        for key in idle:
            del self._hits[key]
