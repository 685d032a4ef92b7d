"""What an integration's earlier reads left behind, so the next read can be short.

A history source (Tautulli's play history, say) grows by a few rows a day while
holding hundreds of thousands. A client that can read only what changed keeps
what it learned in a :class:`SyncState` between cycles and reads the rest in
full only when it must: on the first cycle, after its configuration changed,
when its own consistency checks fail, when its last full read is older than
its ``full_sync_hours`` option, or when the cycle's decisions rest on the data
(``SyncState.fresh``). The observer owns one :class:`SyncStore` for
the life of the process (nothing is written to disk: a restart reads in full)
and hands each client the state of its integration before the cycle's reads.

A client replaces its state only after a read that fully succeeded, so a
failed or interrupted read leaves the last consistent state in place.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

DEFAULT_FULL_SYNC_HOURS = 24.0


@dataclass
class SyncState:
    """One integration's memory of its earlier reads.

    Attributes:
        fingerprint: digest of the settings the memory is valid for.
        now: the current cycle's clock.
        fresh: capabilities that must be read in full this cycle, because a
            decision rests on them (a protection rule on collections, say).
        entries: client-owned values by name.
        full_at: when each entry was last built from a full read.
    """

    fingerprint: str
    now: datetime
    fresh: frozenset[str] = frozenset()
    entries: dict[str, Any] = field(default_factory=dict)
    full_at: dict[str, datetime] = field(default_factory=dict)

    def get(self, name: str, full_sync_hours: float) -> Any:
        """The entry ``name``, or None when absent or due for a full read."""
        built = self.full_at.get(name)
        if built is None or name not in self.entries:
            return None
        if full_sync_hours <= 0 or self.now - built >= timedelta(hours=full_sync_hours):
            return None
        return self.entries[name]

    def keep(self, name: str, value: Any, *, full: bool) -> None:
        """Store ``value`` under ``name``; ``full``: it came from a full read."""
        self.entries[name] = value
        if full:
            self.full_at[name] = self.now

    def drop(self, name: str) -> None:
        """Forget ``name``, so the next read is a full one."""
        self.entries.pop(name, None)
        self.full_at.pop(name, None)


@runtime_checkable
class SyncAware(Protocol):
    """A client that can use what its earlier reads left behind."""

    def use_sync(self, state: SyncState) -> None: ...


class _Spec(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def options(self) -> Mapping[str, Any]: ...


def fingerprint(spec: _Spec) -> str:
    """Digest of what a memory depends on: type, URL, key and options."""
    text = json.dumps(
        [spec.type, spec.url, spec.api_key, dict(spec.options)],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class SyncStore:
    """Every integration's :class:`SyncState`, kept across cycles in memory."""

    def __init__(self) -> None:
        self._states: dict[int, SyncState] = {}
        self._lock = threading.Lock()

    def state_for(
        self, spec: _Spec, now: datetime, fresh: frozenset[str] = frozenset()
    ) -> SyncState:
        """The state of ``spec``'s integration, empty when its settings changed.

        ``fresh`` names the capabilities to read in full this cycle.
        """
        digest = fingerprint(spec)
        with self._lock:
            state = self._states.get(spec.id)
            if state is None or state.fingerprint != digest:
                state = self._states[spec.id] = SyncState(digest, now)
            state.now = now
            state.fresh = fresh
            return state

    def retain(self, ids: Iterable[int]) -> None:
        """Forget integrations that are no longer configured."""
        keep = set(ids)
        with self._lock:
            for stale in set(self._states) - keep:
                del self._states[stale]
