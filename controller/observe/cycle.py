"""One observation: fetch everything, map paths, build groups, enrich, judge.

The reconcile loop calls :func:`observe` once per cycle and passes the returned
baseline back the next time. Nothing here speaks HTTP; the clients do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from controller.integrations.capabilities import ExternalIds, ItemLink
from controller.integrations.sync import SyncStore
from controller.media import DiskReading, MediaItem
from controller.observe import enrich
from controller.observe.fetch import Fetched, fetch_all
from controller.observe.model import (
    ENRICHMENT_CAPABILITIES,
    CapabilityStatus,
    DiskGroupObservation,
    IntegrationConfigLike,
    IntegrationHealth,
    Observation,
    Outcome,
)
from controller.observe.mounts import (
    map_path,
    media_mounts,
    most_specific,
    parse_mappings,
)
from controller.observe.sanity import (
    CycleFacts,
    ObservationBaseline,
    SanitySettings,
    assess,
)

logger = logging.getLogger(__name__)


def observe(
    integrations: Sequence[IntegrationConfigLike],
    previous: ObservationBaseline | None,
    now: datetime,
    *,
    settings: SanitySettings | None = None,
    max_workers: int = 8,
    client_factory: Callable[[IntegrationConfigLike], Any] | None = None,
    sync: SyncStore | None = None,
    fresh: frozenset[str] = frozenset(),
) -> Observation:
    """Observe every integration once and judge what was seen.

    Args:
        integrations: the enabled integrations (anything with ``id``, ``type``,
            ``name``, ``url``, ``api_key`` and ``options``).
        previous: the baseline from the last cycle, or None on the first.
        now: the cycle's time (aware UTC), used for dates and the baseline.
        settings: sanity thresholds.
        max_workers: integrations fetched at the same time.
        client_factory: builds clients from specs (defaults to the registry).
        sync: what earlier cycles' reads left behind (see
            :mod:`controller.integrations.sync`); None reads everything in full.
        fresh: capabilities a decision rests on this cycle, read in full.

    Returns:
        The observation, with its sanity report and the next baseline.
    """
    started = time.monotonic()
    results = fetch_all(
        integrations,
        _KnownTitles(),
        max_workers=max_workers,
        client_factory=client_factory,
        sync=sync,
        now=now,
        fresh=fresh,
    )
    for fetched in results:
        _map_paths(fetched)
    items = [item for f in results for item in f.items]
    groups = media_mounts(
        {f.spec.id: f.disks for f in results if f.disks},
        {f.spec.id: f.root_folders for f in results if f.root_folders},
    )
    item_mounts = _assign(items, groups)
    integration_mounts = {
        f.spec.id: tuple(
            sorted({m for r in f.root_folders if (m := most_specific(r, list(groups)))})
        )
        for f in results
        if f.root_folders and "disks" not in f.failures
    }
    _enrich(items, results)
    health = {f.spec.id: _health(f) for f in results}
    facts = CycleFacts(items, groups, health, integration_mounts, item_mounts)
    report, baseline = assess(facts, previous, now, settings)
    elapsed = (time.monotonic() - started) * 1000
    logger.info(
        "observed %d items on %d disk groups from %d integrations in %.0f ms "
        "(%d failed, %d groups distrusted)",
        len(items),
        len(groups),
        len(results),
        elapsed,
        sum(1 for h in health.values() if not h.ok),
        sum(1 for v in report.groups.values() if not v.trusted),
    )
    return Observation(
        at=now,
        items=items,
        disk_groups=groups,
        item_mounts=item_mounts,
        health=health,
        capabilities=_capabilities(results),
        sanity=report,
        baseline=baseline,
        duration_ms=elapsed,
    )


class _KnownTitles:
    """Narrows a media server's index to entries some *arr item matches.

    One per observation: every history source is handed the same *arr items,
    so their lookup keys are gathered once, on the first call.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: set[enrich.IdKey] | None = None

    def __call__(
        self, items: list[MediaItem], index: dict[str, ItemLink]
    ) -> dict[str, ItemLink]:
        with self._lock:
            if self._known is None:
                self._known = enrich.known_keys(items)
            known = self._known
        # Seasons share their show's ids: judge each set of ids once.
        verdicts: dict[ExternalIds, bool] = {}
        kept = {}
        for key, link in index.items():
            ids = link.ids
            verdict = verdicts.get(ids)
            if verdict is None:
                verdict = verdicts[ids] = any(k in known for k in enrich.id_keys(ids))
            if verdict:
                kept[key] = link
        return kept


def _map_paths(fetched: Fetched) -> None:
    mappings = parse_mappings(fetched.spec.options.get("path_mappings"))
    if not mappings:
        return
    for item in fetched.items:
        item.path = map_path(item.path, mappings)
    fetched.root_folders = [map_path(r, mappings) for r in fetched.root_folders]
    fetched.disks = [
        DiskReading(map_path(d.path, mappings), d.total_bytes, d.free_bytes)
        for d in fetched.disks
    ]


def _assign(
    items: list[MediaItem], groups: dict[str, DiskGroupObservation]
) -> dict[tuple[int, str], str]:
    mounts = sorted(groups, key=len, reverse=True)
    assigned: dict[tuple[int, str], str] = {}
    for item in items:
        mount = most_specific(item.path, mounts) if item.path else None
        if mount is None:
            continue
        assigned[item.key] = mount
        group = groups[mount]
        group.item_count += 1
        group.item_bytes += item.size_bytes
    return assigned


def _enrich(items: list[MediaItem], results: list[Fetched]) -> None:
    ordered = sorted(results, key=lambda f: f.spec.id)
    index = enrich.ItemIndex(items)
    history = [r for f in ordered for r in f.history]
    if history:
        enrich.apply_history(index, items, history)
    for fetched in ordered:
        if fetched.watch:
            enrich.fill_watch(index, items, fetched.watch)
    for fetched in ordered:
        if fetched.requests:
            enrich.apply_requests(index, fetched.requests)
    for fetched in ordered:
        if fetched.watchlist:
            enrich.apply_watchlist(index, fetched.watchlist)
    for fetched in ordered:
        if fetched.collections:
            enrich.apply_names(index, fetched.collections, "collections")
    for fetched in ordered:
        if fetched.labels:
            enrich.apply_names(index, fetched.labels, "labels")
    enrich.cross_reference(items)


def _listing_size(fetched: Fetched) -> int:
    """How much an integration listed: items for an *arr, records otherwise.

    The sanity checks compare it with the last good cycle, so a watch or request
    source that suddenly lists nothing is caught like a shrunken library.
    """
    if fetched.items:
        return len(fetched.items)
    return (
        len(fetched.watch)
        + len(fetched.history)
        + len(fetched.requests)
        + len(fetched.watchlist)
        + len(fetched.index)
    )


def _health(fetched: Fetched) -> IntegrationHealth:
    spec = fetched.spec
    first = next(iter(fetched.failures.values()), "")
    return IntegrationHealth(
        integration_id=spec.id,
        type=spec.type.lower(),
        name=spec.name,
        ok=not fetched.failures,
        error=first,
        error_class=fetched.error_class,
        failed_capabilities=tuple(fetched.failures),
        latency_ms=fetched.latency_ms,
        item_count=_listing_size(fetched),
        notes=dict(fetched.notes),
    )


def _capabilities(results: list[Fetched]) -> dict[str, CapabilityStatus]:
    statuses = {}
    for capability in ENRICHMENT_CAPABILITIES:
        sources = [f for f in results if capability in f.capabilities]
        failed = [f for f in sources if capability in f.failures]
        if not sources:
            outcome = Outcome.NOT_CONFIGURED
        elif failed:
            outcome = Outcome.FAILED
        else:
            outcome = Outcome.OK
        statuses[capability] = CapabilityStatus(
            capability,
            outcome,
            sources=tuple(f.spec.id for f in sources),
            failed=tuple(f.spec.id for f in failed),
            errors=tuple(f.failures[capability] for f in failed),
        )
    return statuses
