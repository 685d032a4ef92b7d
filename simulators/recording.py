"""The record each simulator keeps of every request it received.

Tests read :attr:`SimulatorHandle.requests` to prove what a client sent, for
example that a dry run sent no DELETE, PUT or POST.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass


class Headers(Mapping[str, str]):
    """Request headers with case-insensitive lookup, as HTTP defines them."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self._pairs = list(pairs)
        self._index = {name.lower(): value for name, value in self._pairs}

    def __getitem__(self, name: str) -> str:
        return self._index[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(name for name, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({self._pairs!r})"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the simulator received it.

    Attributes:
        method: HTTP method, upper case.
        path: URL path without the query string, percent-decoded.
        query: Every query parameter with all its values, in order.
        headers: Header names as sent; lookups ignore case.
        body: The raw request body (empty when none was sent).
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes


class RequestLog:
    """A thread-safe list of :class:`RecordedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def add(self, request: RecordedRequest) -> None:
        """Append one request."""
        with self._lock:
            self._items.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        """Return a copy of the requests recorded so far."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._items.clear()
