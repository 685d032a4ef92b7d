"""Which client serves which integration type, and what each can do.

The observer and the deletion worker build clients here; nothing else needs to
know the client classes. ``build_client("sonarr", url, key, options)`` returns a
ready client; :func:`capabilities_of` and :func:`supports` answer what it can do.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from controller.integrations.arr import ArrClient
from controller.integrations.base import ServiceClient
from controller.integrations.capabilities import (
    CollectionSource,
    ConnectionTester,
    Deleter,
    DiskReporter,
    IndexedWatchSource,
    ItemIndexSource,
    LabelSource,
    MediaSource,
    RequestSource,
    RuleValueSource,
    WatchDataSource,
    WatchlistSource,
)
from controller.integrations.emby import EmbyClient
from controller.integrations.http import Sleep
from controller.integrations.jellyfin import JellyfinClient
from controller.integrations.jellystat import JellystatClient
from controller.integrations.lidarr import LidarrClient
from controller.integrations.plex import PlexClient
from controller.integrations.radarr import RadarrClient
from controller.integrations.readarr import ReadarrClient
from controller.integrations.seerr import SeerrClient
from controller.integrations.sonarr import SonarrClient
from controller.integrations.tautulli import TautulliClient

Client = ArrClient | ServiceClient

CLIENT_TYPES: dict[str, type[ArrClient] | type[ServiceClient]] = {
    "sonarr": SonarrClient,
    "radarr": RadarrClient,
    "lidarr": LidarrClient,
    "readarr": ReadarrClient,
    "plex": PlexClient,
    "jellyfin": JellyfinClient,
    "emby": EmbyClient,
    "tautulli": TautulliClient,
    "jellystat": JellystatClient,
    "seerr": SeerrClient,
}
# Older names that still mean the same client.
ALIASES = {"overseerr": "seerr", "jellyseerr": "seerr"}

CAPABILITIES: dict[str, type] = {
    "connection_test": ConnectionTester,
    "media_source": MediaSource,
    "disk_reporter": DiskReporter,
    "deleter": Deleter,
    "watch_data": WatchDataSource,
    "indexed_watch_data": IndexedWatchSource,
    "item_index": ItemIndexSource,
    "request_data": RequestSource,
    "watchlist_data": WatchlistSource,
    "collections": CollectionSource,
    "labels": LabelSource,
    "rule_values": RuleValueSource,
}


class UnknownIntegrationType(ValueError):
    """The type string names no client."""


def client_class(type_name: str) -> type[ArrClient] | type[ServiceClient]:
    """Return the client class for an integration type (case-insensitive)."""
    key = ALIASES.get(type_name.lower(), type_name.lower())
    try:
        return CLIENT_TYPES[key]
    except KeyError:
        known = ", ".join(sorted(CLIENT_TYPES))
        raise UnknownIntegrationType(
            f"unknown integration type {type_name!r} (known: {known})"
        ) from None


def build_client(
    type_name: str,
    url: str,
    api_key: str,
    options: Mapping[str, Any] | None = None,
    *,
    integration_id: int = 0,
    name: str = "",
    sleep: Sleep = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> Client:
    """Build a client for one integration.

    Args:
        type_name: ``"sonarr"``, ``"plex"``, … (``"overseerr"`` → Seerr).
        url: the service URL as configured (Emby without ``/emby``).
        api_key: the key or token, already resolved from its secret reference.
        options: timeouts, retries, page sizes, concurrency.
        integration_id: stamped on media items and used in logs.
        name: display name for logs and errors.
        sleep: backoff sleeper; tests pass a recorder.
        transport: optional httpx transport (tests only).

    Returns:
        The client; call ``close()`` when done with it.
    """
    cls = client_class(type_name)
    return cls(
        url,
        api_key,
        options,
        integration_id=integration_id,
        name=name or type_name.lower(),
        sleep=sleep,
        transport=transport,
    )


def capabilities_of(client: object) -> frozenset[str]:
    """Return the names of every capability ``client`` implements."""
    return frozenset(
        name for name, proto in CAPABILITIES.items() if isinstance(client, proto)
    )


def supports(type_name: str, capability: str) -> bool:
    """Return whether clients of ``type_name`` offer ``capability``."""
    cls = client_class(type_name)
    proto = CAPABILITIES[capability]
    members = [m for m in dir(proto) if not m.startswith("_") and m not in ("bridge",)]
    return all(callable(getattr(cls, m, None)) for m in members)


def client_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Translate an integration's desired-state options into client options.

    Manifests and the API speak camelCase (``pathMappings``, ``showLevelOnly``,
    ``timeoutSeconds``, ``fullSyncHours``); clients and the observer take
    snake_case settings.
    Options already in client form pass through unchanged.
    """
    given = dict(options or {})
    out = {k: v for k, v in given.items() if "_" in k or k.islower()}
    if "pathMappings" in given:
        out["path_mappings"] = [
            {"from": m.get("from", m.get("source")), "to": m.get("to", m.get("target"))}
            for m in given["pathMappings"] or []
        ]
    if given.get("showLevelOnly"):
        out["show_level_only"] = True
    if given.get("fullSyncHours") is not None:
        out["full_sync_hours"] = float(given["fullSyncHours"])
    if given.get("timeoutSeconds"):
        seconds = float(given["timeoutSeconds"])
        out["read_timeout"] = seconds
        out["connect_timeout"] = min(seconds, 10.0)
    return out
