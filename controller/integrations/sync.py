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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
        return None if self.due(built, full_sync_hours) else self.entries[name]

    def due(self, built: datetime, full_sync_hours: float) -> bool:
        """Whether something read in full at ``built`` must be read in full again."""
        hours = timedelta(hours=full_sync_hours)
        return full_sync_hours <= 0 or self.now - built >= hours

    def keep(self, name: str, value: Any, *, full: bool) -> None:
        """Store ``value`` under ``name``; ``full``: it came from a full read."""
        self.entries[name] = value
        if full:
            self.full_at[name] = self.now


@runtime_checkable
class SyncAware(Protocol):
    """A client that can use what its earlier reads left behind."""

    def use_sync(self, state: SyncState) -> None: ...


class KeepsReads:
    """What a client that keeps its reads between cycles shares (a mixin).

    It is handed its integration's state before the cycle's reads; without
    one (a client used on its own) it reads everything in full.
    """

    options: dict[str, Any]
    _sync: SyncState | None = None

    def use_sync(self, state: SyncState) -> None:
        """Take this cycle's state of the integration."""
        self._sync = state

    def full_sync_hours(self) -> float:
        """The ``full_sync_hours`` option (hours between full reads)."""
        value = self.options.get("full_sync_hours")
        try:
            return DEFAULT_FULL_SYNC_HOURS if value is None else float(value)
        except (TypeError, ValueError):
            return DEFAULT_FULL_SYNC_HOURS

    def kept(self, name: str) -> Any:
        """A kept entry, or None when there is none or a full read is due."""
        if self._sync is None:
            return None
        return self._sync.get(name, self.full_sync_hours())

    def sync_now(self) -> datetime:
        """The cycle's clock (the wall clock without a state)."""
        return self._sync.now if self._sync is not None else datetime.now(UTC)

    def sync_due(self, built: datetime) -> bool:
        """Whether something read in full at ``built`` must be read again."""
        if self._sync is None:
            return True
        return self._sync.due(built, self.full_sync_hours())


def fingerprint(type_name: str, url: str, api_key: str, options: Any) -> str:
    """Digest of what a memory depends on: type, URL, key and options."""
    text = json.dumps(
        [type_name, url, api_key, dict(options)], sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


class SyncStore:
    """Every integration's :class:`SyncState`, kept across cycles in memory."""

    def __init__(self) -> None:
        self._states: dict[int, SyncState] = {}
        self._lock = threading.Lock()

    def state_for(
        self,
        integration_id: int,
        digest: str,
        now: datetime,
        fresh: frozenset[str] = frozenset(),
    ) -> SyncState:
        """An integration's state, empty when its settings' digest changed.

        ``fresh`` names the capabilities to read in full this cycle.
        """
        with self._lock:
            state = self._states.get(integration_id)
            if state is None or state.fingerprint != digest:
                state = self._states[integration_id] = SyncState(digest, now)
            state.now = now
            state.fresh = fresh
            return state

    def retain(self, ids: Iterable[int]) -> None:
        """Forget integrations that are no longer configured."""
        keep = set(ids)
        with self._lock:
            for stale in set(self._states) - keep:
                del self._states[stale]
