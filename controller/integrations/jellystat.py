"""Jellystat: every user's Jellyfin plays, keyed by Jellyfin item ids.

Jellystat records playback sessions with Jellyfin's item ids, so it needs a
Jellyfin integration's index (item id → title or season). The history is read
page by page from ``/api/getHistory``, newest first; an episode's play counts
for its season and its series, a movie's for the movie. The history read in
full is kept summed per item id in the integration's sync state; later cycles
read only the newest pages (and the last, for the row count) and add the new
rows if the count grew by exactly those
(:class:`~controller.integrations.history.PlayHistory`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, NamedTuple

from controller.integrations.base import ServiceClient
from controller.integrations.capabilities import (
    ConnectionResult,
    ItemLink,
    WatchRecord,
)
from controller.integrations.connection import run_test
from controller.integrations.history import Play, PlayHistory
from controller.integrations.parsing import parse_datetime, to_int
from controller.integrations.sync import KeepsReads

HISTORY = "jellystat.history"
logger = logging.getLogger(__name__)


class JellystatClient(KeepsReads, ServiceClient):
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
        return [row for page in self._pages() for row in page.rows]

    def _pages(self, stop_before: float | None = None) -> Iterator[_Page]:
        """Read history pages newest first; stop at a row older than ``stop_before``.

        Unpaged deployments answer one list; it is one page.
        """
        size = self.option_int("page_size", 1000)
        page = 1
        while True:
            params = {
                "size": size,
                "page": page,
                "sort": "ActivityDateInserted",
                "desc": "true",
            }
            payload = self.http.get("api/getHistory", params)
            if isinstance(payload, list):  # unpaged deployments
                yield _Page([r for r in payload if isinstance(r, dict)], 1, size)
                return
            if not isinstance(payload, dict) or "results" not in payload:
                raise self.http.unexpected(
                    "api/getHistory", "expected {results, pages}", params
                )
            batch = [r for r in payload.get("results") or () if isinstance(r, dict)]
            pages = to_int(payload.get("pages"))
            yield _Page(batch, pages, size)
            if not batch or (pages is not None and page >= pages):
                return
            if pages is None and len(batch) < size:
                return
            if stop_before is not None:
                oldest = _epoch(batch[-1].get("ActivityDateInserted"))
                if oldest is None or oldest < stop_before:
                    return
            page += 1

    def _row_count(self, first: _Page, size: int) -> int | None:
        """How many rows the history holds: full pages before the last, plus it."""
        if first.pages is None:
            return None
        if first.pages <= 1:
            return len(first.rows)
        params = {
            "size": size,
            "page": first.pages,
            "sort": "ActivityDateInserted",
            "desc": "true",
        }
        payload = self.http.get("api/getHistory", params)
        if not isinstance(payload, dict):
            return None
        last = [r for r in payload.get("results") or () if isinstance(r, dict)]
        return (first.pages - 1) * size + len(last)

    def watch_data_for(self, index: dict[str, ItemLink]) -> list[WatchRecord]:
        """Return plays per title and season for item ids in ``index``.

        With the history summed by an earlier cycle, only its newest pages are
        read, as for Tautulli; it is read in full again when they do not add
        up, and at least every ``full_sync_hours`` (24 by default).
        """
        if not index:
            return []
        history: PlayHistory | None = self.kept(HISTORY)
        if history is not None and self._read_since(history):
            return history.records(index)
        pages = list(self._pages())
        history = PlayHistory.from_plays(
            _play(row) for page in pages for row in page.rows
        )
        if self._sync is not None and history.incremental and pages[0].pages:
            self._sync.keep(HISTORY, history, full=True)
        return history.records(index)

    def _read_since(self, history: PlayHistory) -> bool:
        """Add the rows of the newest pages; False if they do not add up."""
        start = history.window_start()
        pages = list(self._pages(stop_before=start))
        total = self._row_count(pages[0], pages[0].size) if pages else None
        # Only the rows of the window: older ones are not remembered, and one
        # that is new there was written late, which the count then shows.
        plays = [
            play
            for play in (_play(row) for page in pages for row in page.rows)
            if play.when is not None and play.when >= start
        ]
        if total is None or not history.extend(plays, total):
            logger.info("jellystat history does not add up: reading it in full")
            return False
        return True


class _Page(NamedTuple):
    rows: list[dict[str, Any]]
    pages: int | None
    size: int


def _epoch(value: Any) -> float | None:
    parsed = parse_datetime(value)
    return parsed.timestamp() if parsed is not None else None


def _play(row: dict[str, Any]) -> Play:
    """One history row as a play: an episode counts for its season and series."""
    series, season = _id(row.get("SeriesId")), _id(row.get("SeasonId"))
    if series:
        keys = tuple(k for k in (season, series) if k)
    else:
        keys = tuple(k for k in (_id(row.get("NowPlayingItemId")),) if k)
    return Play(
        row.get("Id"),
        keys,
        _epoch(row.get("ActivityDateInserted")),
        str(row.get("UserName") or ""),
    )


def _id(value: Any) -> str:
    return "" if value is None else str(value)
