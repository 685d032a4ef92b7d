"""Jellystat: every user's Jellyfin plays, keyed by Jellyfin item ids.

Jellystat records playback sessions with Jellyfin's item ids, so it needs a
Jellyfin integration's index (item id → title or season). The history is read
page by page from ``/api/getHistory``; an episode's play counts for its season
and its series.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from controller.integrations.base import ServiceClient
from controller.integrations.capabilities import (
    ConnectionResult,
    ExternalIds,
    ItemLink,
    WatchRecord,
)
from controller.integrations.connection import run_test
from controller.integrations.parsing import parse_datetime, to_int

Key = tuple[ExternalIds, int | None]
# Fields of a history row that may hold an id the Jellyfin index knows.
ID_FIELDS = ("NowPlayingItemId", "EpisodeId", "SeasonId", "SeriesId")


class JellystatClient(ServiceClient):
    """Client for Jellystat (header ``x-api-token``)."""

    type_name = "jellystat"
    product = "Jellystat"
    bridge = "jellyfin"

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Jellystat takes the key in ``x-api-token``."""
        return {"x-api-token": api_key}, {}

    def test(self) -> ConnectionResult:
        """Check the key by listing libraries."""
        return run_test(self.product, self._probe)

    def _probe(self) -> tuple[str, str]:
        libraries = self.http.get("api/getLibraries")
        if not isinstance(libraries, list):
            raise self.http.unexpected(
                "api/getLibraries", "expected a list of libraries from Jellystat"
            )
        return "Jellystat", ""

    def history(self) -> list[dict[str, Any]]:
        """Return every playback row, reading all pages."""
        size = self.option_int("page_size", 1000)
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"size": size, "page": page}
            payload = self.http.get("api/getHistory", params)
            if isinstance(payload, list):  # unpaged deployments
                return [r for r in payload if isinstance(r, dict)]
            if not isinstance(payload, dict) or "results" not in payload:
                raise self.http.unexpected(
                    "api/getHistory", "expected {results, pages}", params
                )
            batch = [r for r in payload.get("results") or () if isinstance(r, dict)]
            rows.extend(batch)
            pages = to_int(payload.get("pages"))
            if not batch or (pages is not None and page >= pages):
                return rows
            if pages is None and len(batch) < size:
                return rows
            page += 1

    def watch_data_for(self, index: dict[str, ItemLink]) -> list[WatchRecord]:
        """Return plays per title and season for item ids in ``index``."""
        if not index:
            return []
        counts: dict[Key, int] = defaultdict(int)
        last: dict[Key, datetime] = {}
        users: dict[Key, dict[str, None]] = defaultdict(dict)
        for row in self.history():
            for key in _keys_for(row, index):
                counts[key] += 1
                when = parse_datetime(row.get("ActivityDateInserted"))
                if when and (key not in last or when > last[key]):
                    last[key] = when
                if row.get("UserName"):
                    users[key].setdefault(str(row["UserName"]), None)
        return [
            WatchRecord(key[0], n, last.get(key), tuple(users[key]), key[1])
            for key, n in counts.items()
        ]


def _keys_for(row: dict[str, Any], index: dict[str, ItemLink]) -> list[Key]:
    """Return the title key (and season key) one history row counts for."""
    links = [index[str(row[f])] for f in ID_FIELDS if str(row.get(f)) in index]
    if not links:
        return []
    season = next((link for link in links if link.season is not None), None)
    keys: list[Key] = [(links[0].ids, None)]
    if season is not None:
        keys.append((season.ids, season.season))
    return keys
