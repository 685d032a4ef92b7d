"""Faults a simulator injects on demand, switchable while it runs.

A test (or the ``/__sim/faults`` control endpoint) calls :meth:`Faults.set`;
the server asks :meth:`Faults.take` on every request which faults apply, and
:mod:`simulators.mangling` applies the ones that rewrite a response body.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

FAULT_KINDS = (
    "latency",
    "timeout",
    "http_500",
    "http_401",
    "malformed_json",
    "truncated_json",
    "partial_page",
    "empty_library",
    "placeholder_dates",
    "vanishing_items",
)
# Faults that only make sense on a listing of library items.
LISTING_KINDS = frozenset({"partial_page", "empty_library", "vanishing_items"})
# How long a "timeout" request hangs unless the fault is cleared first.
DEFAULT_HANG_SECONDS = 600.0


class FaultError(ValueError):
    """An unknown fault kind or a bad fault parameter."""


@dataclass(slots=True)
class Fault:
    """One active fault.

    Attributes:
        kind: One of :data:`FAULT_KINDS`.
        path_prefix: Only requests whose path starts with this are affected.
        remaining: Requests left to affect; ``None`` means no limit.
        seconds: Delay for ``latency``; hang time for ``timeout``.
    """

    kind: str
    path_prefix: str | None = None
    remaining: int | None = None
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        """Say whether the fault covers a request for ``path``."""
        return self.path_prefix is None or path.startswith(self.path_prefix)

    def describe(self) -> dict:
        """Return the fault as JSON-ready data for the control endpoint."""
        return {
            "kind": self.kind,
            "path_prefix": self.path_prefix,
            "count": self.remaining,
            "seconds": self.seconds,
        }


class Faults:
    """The set of faults one simulator currently injects."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Set when faults are cleared or the server stops, to free hung requests.
        self._release = threading.Event()

    def set(
        self,
        kind: str,
        path_prefix: str | None = None,
        count: int | None = None,
        seconds: float | None = None,
    ) -> None:
        """Turn a fault on, replacing one of the same kind and prefix.

        Args:
            kind: One of :data:`FAULT_KINDS`.
            path_prefix: Limit the fault to paths starting with this.
            count: Affect only this many requests, then switch off.
            seconds: For ``latency`` the added delay (default 1 s); for
                ``timeout`` how long to hang (default 600 s, or until cleared).
        """
        if kind not in FAULT_KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; known: {FAULT_KINDS}")
        if count is not None and count < 1:
            raise FaultError(f"count must be positive, got {count}")
        if seconds is None:
            seconds = DEFAULT_HANG_SECONDS if kind == "timeout" else 1.0
        with self._lock:
            self._faults = [
                f
                for f in self._faults
                if not (f.kind == kind and f.path_prefix == path_prefix)
            ]
            self._faults.append(Fault(kind, path_prefix, count, float(seconds)))
            if kind == "timeout":
                self._release.clear()

    def clear(self, kind: str | None = None) -> None:
        """Switch off every fault, or every fault of one kind."""
        with self._lock:
            self._faults = [f for f in self._faults if kind and f.kind != kind]
            if not any(f.kind == "timeout" for f in self._faults):
                self._release.set()

    def active(self) -> list[Fault]:
        """Return a copy of the faults now on."""
        with self._lock:
            return [
                Fault(f.kind, f.path_prefix, f.remaining, f.seconds)
                for f in self._faults
            ]

    def take(self, path: str, listing: bool) -> list[Fault]:
        """Return the faults to apply to one request and count them as used.

        Args:
            path: The request path.
            listing: Whether the route returns a list of library items; the
                list-only faults skip other routes without using up a count.
        """
        taken = []
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(path):
                    continue
                if fault.kind in LISTING_KINDS and not listing:
                    continue
                taken.append(Fault(fault.kind, fault.path_prefix, None, fault.seconds))
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
        return taken

    def wait_released(self, seconds: float) -> None:
        """Block a hung request until faults are cleared or ``seconds`` pass."""
        self._release.wait(seconds)

    def release_all(self) -> None:
        """Free every hung request; the server calls this when it stops."""
        self._release.set()
