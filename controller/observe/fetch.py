"""Fetch every integration at once, recording what arrived and what failed.

One task per integration runs in a bounded thread pool and calls every
capability its client has; a failing call is recorded against that capability
and the task carries on with the others. Tautulli and Jellystat need the item
index of a Plex or Jellyfin integration and the *arr items, so their tasks
start as soon as those are in, while the rest are still running.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from controller.integrations.capabilities import (
    CollectionSource,
    DiskReporter,
    ExternalIds,
    IndexedWatchSource,
    ItemIndexSource,
    ItemLink,
    LabelSource,
    MediaSource,
    NamedRecord,
    RequestRecord,
    RequestSource,
    WatchDataSource,
    WatchlistSource,
    WatchRecord,
)
from controller.integrations.connection import describe_failure
from controller.integrations.errors import IntegrationError
from controller.integrations.registry import build_client
from controller.integrations.sync import SyncAware, SyncStore, fingerprint
from controller.media import DiskReading, MediaItem, MediaType
from controller.observe.model import IntegrationConfigLike

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Fetched:
    """Everything one integration supplied this cycle."""

    spec: IntegrationConfigLike
    items: list[MediaItem] = field(default_factory=list)
    disks: list[DiskReading] = field(default_factory=list)
    root_folders: list[str] = field(default_factory=list)
    watch: list[WatchRecord] = field(default_factory=list)
    history: list[WatchRecord] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    watchlist: list[ExternalIds] = field(default_factory=list)
    collections: list[NamedRecord] = field(default_factory=list)
    labels: list[NamedRecord] = field(default_factory=list)
    index: dict[str, ItemLink] = field(default_factory=dict)
    capabilities: set[str] = field(default_factory=set)
    failures: dict[str, str] = field(default_factory=dict)
    error_class: str = ""
    notes: dict[str, int] = field(default_factory=dict)
    latency_ms: float = 0.0


class _Recorder:
    """Run capability calls for one integration, recording failures."""

    def __init__(self, fetched: Fetched, product: str) -> None:
        self.fetched = fetched
        self.product = product

    def call(self, capability: str, fn: Callable[[], Any]) -> Any:
        self.fetched.capabilities.add(capability)
        try:
            return fn()
        except IntegrationError as exc:
            message = describe_failure(self.product, exc)
            error_class = type(exc).__name__
        except ValueError as exc:  # shape errors outside the HTTP layer
            message, error_class = f"unexpected reply: {exc}", "UnexpectedResponse"
        except Exception as exc:  # a client bug must not sink the whole cycle
            logger.exception("%s: %s crashed", self.fetched.spec.type, capability)
            message, error_class = f"internal error: {exc!r}", type(exc).__name__
        self.fetched.failures.setdefault(capability, message)
        if not self.fetched.error_class:
            self.fetched.error_class = error_class
        return None


def _fetch_primary(spec: IntegrationConfigLike, client: Any) -> Fetched:
    fetched = Fetched(spec)
    rec = _Recorder(fetched, getattr(client, "product", spec.type))
    if isinstance(client, MediaSource):
        items = rec.call("media", client.fetch_media)
        if items is not None:
            if spec.options.get("show_level_only"):
                items = [i for i in items if i.media_type != MediaType.SEASON]
            for item in items:
                item.integration_id = spec.id
            fetched.items = items
    if isinstance(client, DiskReporter):
        fetched.root_folders = rec.call("disks", client.root_folders) or []
        fetched.disks = rec.call("disks", client.disks) or []
    if isinstance(client, ItemIndexSource):
        fetched.index = rec.call("item_index", client.item_index) or {}
    if isinstance(client, WatchDataSource):
        fetched.watch = rec.call("watch_data", client.watch_data) or []
    if isinstance(client, RequestSource):
        fetched.requests = rec.call("request_data", client.requests) or []
    if isinstance(client, WatchlistSource):
        fetched.watchlist = rec.call("watchlist_data", client.watchlist) or []
    if isinstance(client, CollectionSource):
        fetched.collections = rec.call("collections", client.collections) or []
    if isinstance(client, LabelSource):
        fetched.labels = rec.call("labels", client.labels) or []
    return fetched


def _fetch_history(
    spec: IntegrationConfigLike,
    client: IndexedWatchSource,
    bridges: Sequence[Future[Fetched]],
    arr: Sequence[Future[Fetched]],
    keep: Callable[[list[MediaItem], dict[str, ItemLink]], dict[str, ItemLink]],
) -> Fetched:
    fetched = Fetched(spec)
    rec = _Recorder(fetched, getattr(client, "product", spec.type))
    index: dict[str, ItemLink] = {}
    bridge_ok = False
    for future in bridges:
        bridge = future.result()
        if "item_index" not in bridge.failures:
            index.update(bridge.index)
            bridge_ok = True
    if not bridge_ok:
        fetched.capabilities.add("watch_data")
        fetched.failures["watch_data"] = (
            f"{spec.type} needs a working {client.bridge} integration to match plays"
        )
        fetched.error_class = "MissingBridge"
        return fetched
    items = [item for future in arr for item in future.result().items]
    wanted = keep(items, index)
    fetched.history = (
        rec.call("watch_data", lambda: client.watch_data_for(wanted)) or []
    )
    return fetched


def fetch_all(
    specs: Sequence[IntegrationConfigLike],
    keep: Callable[[list[MediaItem], dict[str, ItemLink]], dict[str, ItemLink]],
    *,
    max_workers: int = 8,
    client_factory: Callable[[IntegrationConfigLike], Any] | None = None,
    sync: SyncStore | None = None,
    now: datetime | None = None,
    fresh: frozenset[str] = frozenset(),
) -> list[Fetched]:
    """Fetch every integration concurrently and return one result per spec.

    Args:
        specs: the enabled integrations.
        keep: narrows a bridge index to entries matching the *arr items.
        max_workers: integrations fetched at the same time.
        client_factory: builds a client from a spec (tests may replace it).
        sync: what earlier cycles' reads left behind; clients that can read
            only what changed are handed their integration's state.
        now: the cycle's clock, for the sync states.
        fresh: capabilities to read in full this cycle whatever was kept.
    """
    factory = client_factory or _default_client
    clients: dict[int, Any] = {}
    broken: dict[int, Fetched] = {}
    if sync is not None:
        sync.retain(spec.id for spec in specs)
    for spec in specs:
        try:
            clients[spec.id] = client = factory(spec)
        except ValueError as exc:  # unknown type or unusable config
            broken[spec.id] = Fetched(
                spec, failures={"config": str(exc)}, error_class="InvalidConfig"
            )
            continue
        if sync is not None and isinstance(client, SyncAware):
            digest = fingerprint(spec.type, spec.url, spec.api_key, spec.options)
            moment = now or datetime.now(UTC)
            client.use_sync(sync.state_for(spec.id, digest, moment, fresh))
    futures: dict[int, Future[Fetched]] = {}
    try:
        with ThreadPoolExecutor(max_workers, thread_name_prefix="observe") as pool:
            for spec in specs:
                client = clients.get(spec.id)
                if client is None or isinstance(client, IndexedWatchSource):
                    continue
                futures[spec.id] = pool.submit(_timed, _fetch_primary, spec, client)
            arr = [
                futures[s.id]
                for s in specs
                if s.id in futures and isinstance(clients[s.id], MediaSource)
            ]
            dependants = [
                s for s in specs if isinstance(clients.get(s.id), IndexedWatchSource)
            ]
            _run_dependants(dependants, specs, clients, futures, arr, keep)
            return [
                broken[spec.id] if spec.id in broken else futures[spec.id].result()
                for spec in specs
            ]
    finally:
        for client in clients.values():
            client.close()


def _run_dependants(
    dependants: list[IntegrationConfigLike],
    specs: Sequence[IntegrationConfigLike],
    clients: dict[int, Any],
    futures: dict[int, Future[Fetched]],
    arr: list[Future[Fetched]],
    keep: Callable[[list[MediaItem], dict[str, ItemLink]], dict[str, ItemLink]],
) -> None:
    """Start history tasks; they wait on their bridges, never on each other."""
    if not dependants:
        return
    with ThreadPoolExecutor(len(dependants), thread_name_prefix="history") as side:
        for spec in dependants:
            client = clients[spec.id]
            bridges = [
                futures[s.id]
                for s in specs
                if s.type.lower() == client.bridge and s.id in futures
            ]
            futures[spec.id] = side.submit(
                _timed, _fetch_history, spec, client, bridges, arr, keep
            )
        for spec in dependants:
            futures[spec.id].result()


def _timed(
    fn: Callable[..., Fetched], spec: IntegrationConfigLike, *args: Any
) -> Fetched:
    started = time.monotonic()
    fetched = fn(spec, *args)
    fetched.latency_ms = (time.monotonic() - started) * 1000
    notes = getattr(args[0], "fetch_notes", None)
    if notes:
        fetched.notes = dict(notes)
    return fetched


def _default_client(spec: IntegrationConfigLike) -> Any:
    return build_client(
        spec.type,
        spec.url,
        spec.api_key,
        spec.options,
        integration_id=spec.id,
        name=spec.name or spec.type,
    )
