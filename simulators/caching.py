"""Caches of rendered JSON so big listings are served from bytes.

A listing of 100,000 items must cost the simulator almost nothing, or
benchmarks would measure it instead of the controller. :class:`ItemCache` keeps
each item's serialised JSON until the item's stamp changes, and joins the
pieces into one array; :class:`ListCache` keeps the joined bytes until the world
version moves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from simulators.server import dump_json


class ItemCache:
    """Serialised JSON per item, refreshed when the item's stamp changes.

    Args:
        render: Turns an item into JSON-ready data.
    """

    def __init__(self, render: Callable[[Any], Any]):
        self._render = render
        self._items: dict[Hashable, tuple[Hashable, bytes]] = {}

    def item(self, key: Hashable, stamp: Hashable, obj: Any) -> bytes:
        """Return the bytes of one item, rendering it only if it changed."""
        hit = self._items.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        data = dump_json(self._render(obj))
        self._items[key] = (stamp, data)
        return data

    def array(self, entries: Iterable[tuple[Hashable, Hashable, Any]]) -> bytes:
        """Return a JSON array of the items given as ``(key, stamp, obj)``."""
        return b"[" + b",".join(self.item(k, s, o) for k, s, o in entries) + b"]"


class ListCache:
    """Whole response bodies keyed by name, valid for one world version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[Hashable, tuple[int, bytes]] = {}

    def get(self, key: Hashable, version: int, build: Callable[[], bytes]) -> bytes:
        """Return the cached body for ``key`` or build and keep a fresh one."""
        hit = self._bodies.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        body = build()
        with self._lock:
            self._bodies[key] = (version, body)
        return body
