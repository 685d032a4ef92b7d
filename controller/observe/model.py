"""The shapes of one observation cycle: inputs, results and the baseline.

:func:`controller.observe.observe` takes integration configs (anything shaped
like :class:`IntegrationSpec`) and returns an :class:`Observation`. The planner
reads items, disk groups and the sanity report from it; the status shows the
per-integration health and per-capability outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from controller.media import DiskReading, MediaItem

if TYPE_CHECKING:
    from controller.observe.sanity import ObservationBaseline, SanityReport

# Capabilities whose arrival is tracked every cycle.
ENRICHMENT_CAPABILITIES = (
    "watch_data",
    "request_data",
    "watchlist_data",
    "collections",
    "labels",
)


class IntegrationConfigLike(Protocol):
    """What observe needs from a stored integration config."""

    @property
    def id(self) -> int: ...

    @property
    def type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def api_key(self) -> str: ...

    @property
    def options(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class IntegrationSpec:
    """A plain integration config, for tests and callers without a store.

    ``options`` may hold HTTP settings (``connect_timeout``, ``read_timeout``,
    ``retries``...), ``path_mappings`` (``{"/tv": "/data/media/tv"}`` or a list
    of ``{"from", "to"}``), ``show_level_only`` (Sonarr) and client tuning.
    """

    id: int
    type: str
    url: str
    api_key: str
    name: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


class Outcome(StrEnum):
    """Whether a capability's data arrived this cycle."""

    OK = "ok"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(slots=True)
class IntegrationHealth:
    """How one integration fared this cycle.

    Attributes:
        ok: every call it was asked to make succeeded.
        error: the first failure, worded for a person ("" when ok).
        error_class: name of the error class, e.g. ``"Timeout"``.
        failed_capabilities: which of its capabilities failed.
        latency_ms: wall time of all its calls this cycle.
        item_count: media items it supplied (0 for enrichment sources).
        notes: oddities met while parsing, e.g. ``{"placeholder_dates": 3}``.
    """

    integration_id: int
    type: str
    name: str
    ok: bool = True
    error: str = ""
    error_class: str = ""
    failed_capabilities: tuple[str, ...] = ()
    latency_ms: float = 0.0
    item_count: int = 0
    notes: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class CapabilityStatus:
    """Whether one enrichment capability's data arrived from its sources."""

    capability: str
    outcome: Outcome
    sources: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(slots=True)
class DiskGroupObservation:
    """One media mount: its reading, who reported it, which root folders sit on it.

    The per-group total-size override is applied later by the planner; this
    carries the reading as reported.
    """

    mount_path: str
    reading: DiskReading | None
    integration_ids: tuple[int, ...] = ()
    root_folders: tuple[str, ...] = ()
    item_count: int = 0
    item_bytes: int = 0

    @property
    def total_bytes(self) -> int:
        return self.reading.total_bytes if self.reading else 0

    @property
    def free_bytes(self) -> int:
        return self.reading.free_bytes if self.reading else 0

    @property
    def used_bytes(self) -> int:
        return self.reading.used_bytes if self.reading else 0


@dataclass(slots=True)
class Observation:
    """Everything one cycle saw, and how far it can be trusted.

    Attributes:
        at: when the cycle started (the ``now`` passed in).
        items: every media item from every *arr, enriched.
        disk_groups: media mounts by mount path.
        item_mounts: item key ``(integration_id, external_id)`` → mount path;
            items on no media mount are absent.
        health: per-integration health by integration id.
        capabilities: per-capability outcome (watch_data, request_data, ...).
        sanity: the trust verdicts; see :class:`SanityReport`.
        baseline: the baseline to pass to the next cycle.
        duration_ms: wall time of the whole observation.
    """

    at: datetime
    items: list[MediaItem]
    disk_groups: dict[str, DiskGroupObservation]
    item_mounts: dict[tuple[int, str], str]
    health: dict[int, IntegrationHealth]
    capabilities: dict[str, CapabilityStatus]
    sanity: SanityReport
    baseline: ObservationBaseline
    duration_ms: float = 0.0
    _by_mount: dict[str, list[MediaItem]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _mounts: list[str | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def mounts(self) -> list[str | None]:
        """Each item's mount path, in ``items`` order (None: on no media mount).

        Worked out on the first call and kept.
        """
        if self._mounts is None:
            get = self.item_mounts.get
            self._mounts = [
                get((item.integration_id, item.external_id)) for item in self.items
            ]
        return self._mounts

    def items_in(self, mount_path: str) -> list[MediaItem]:
        """Return the items whose most specific media mount is ``mount_path``.

        The items are grouped by mount on the first call and the groups kept,
        so asking once per disk group stays linear in the number of items.
        """
        if self._by_mount is None:
            by_mount: dict[str, list[MediaItem]] = {}
            for item, mount in zip(self.items, self.mounts(), strict=True):
                if mount is not None:
                    by_mount.setdefault(mount, []).append(item)
            self._by_mount = by_mount
        return list(self._by_mount.get(mount_path, ()))
