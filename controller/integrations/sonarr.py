"""Sonarr: series and seasons as items, season and show deletion.

Emits one ``show`` item per series with files and one ``season`` item per
season with files (specials excluded; their bytes stay in the show). Deleting a
season removes its episode files in one bulk call and, when asked, unmonitors
that season so Sonarr does not fetch it again.
"""

from __future__ import annotations

from typing import Any, TypedDict

from controller.integrations.arr import (
    ArrClient,
    ArrEntry,
    as_list,
    flag,
    id_of,
    rating_value,
    split_season_id,
)
from controller.integrations.capabilities import ItemRef
from controller.integrations.errors import NotFound, UnexpectedResponse
from controller.integrations.parsing import (
    label,
    names,
    normalize_path,
    parse_datetime,
    positive_int,
    to_int,
)
from controller.media import MediaItem, MediaType


class _Statistics(TypedDict, total=False):
    sizeOnDisk: Any
    seasonCount: Any
    episodeCount: Any
    episodeFileCount: Any


class _Season(TypedDict, total=False):
    seasonNumber: Any
    monitored: Any
    statistics: _Statistics | None


class _Series(ArrEntry, total=False):
    """The keys of a series that :meth:`SonarrClient._items_for` reads."""

    title: Any
    year: Any
    status: Any
    originalLanguage: Any
    tmdbId: Any
    imdbId: Any
    tvdbId: Any
    statistics: _Statistics | None
    seasons: list[_Season] | None


class SonarrClient(ArrClient):
    """Client for Sonarr v3/v4 (API v3)."""

    type_name = "sonarr"
    product = "Sonarr"
    api_prefix = "/api/v3"

    def fetch_media(self) -> list[MediaItem]:
        """Return show and season items for every series with files on disk."""
        self.start_listing()
        return self.listing("series", self._items_for, _Series)

    def _items_for(self, series: dict[str, Any]) -> list[MediaItem]:
        stats = series.get("statistics") or {}
        size = to_int(stats.get("sizeOnDisk")) or 0
        series_id = to_int(series.get("id"))
        if size <= 0 or series_id is None:
            return []
        title = str(series.get("title", ""))
        language = (series.get("originalLanguage") or {}).get("name", "")
        common: dict[str, Any] = {
            "integration_id": self.integration_id,
            "path": normalize_path(series.get("path")),
            "year": positive_int(series.get("year")),
            "added_at": parse_datetime(series.get("added"), self.fetch_notes),
            "rating": rating_value(series.get("ratings")),
            "genres": names(series.get("genres")),
            "tags": self.resolve_tags(series.get("tags")),
            "quality_profile": self.profile_name(series.get("qualityProfileId")),
            "series_status": label(series.get("status")),
            "language": label(language),
            "poster_url": self.poster(series.get("images")),
            "tmdb_id": positive_int(series.get("tmdbId")),
            "imdb_id": str(series.get("imdbId") or ""),
            "tvdb_id": positive_int(series.get("tvdbId")),
        }
        monitored = bool(series.get("monitored", True))
        numbers = [to_int(s.get("seasonNumber")) for s in series.get("seasons") or ()]
        season_count = to_int(stats.get("seasonCount"))
        if season_count is None:
            season_count = sum(1 for n in numbers if n)
        items = []
        for season in series.get("seasons") or ():
            number = to_int(season.get("seasonNumber"))
            season_stats = season.get("statistics") or {}
            season_size = to_int(season_stats.get("sizeOnDisk")) or 0
            if not number or season_size <= 0:
                continue
            items.append(
                MediaItem(
                    external_id=f"{series_id}-s{number}",
                    media_type=MediaType.SEASON,
                    title=f"{title} - Season {number}",
                    size_bytes=season_size,
                    monitored=monitored and bool(season.get("monitored", True)),
                    show_title=title,
                    season_number=number,
                    episode_count=to_int(season_stats.get("episodeFileCount")) or 0,
                    **common,
                )
            )
        items.append(
            MediaItem(
                external_id=str(series_id),
                media_type=MediaType.SHOW,
                title=title,
                size_bytes=size,
                monitored=monitored,
                season_number=0,
                season_count=season_count,
                episode_count=to_int(stats.get("episodeCount")) or 0,
                **common,
            )
        )
        return items

    # -- Deleter ------------------------------------------------------------

    def delete(
        self,
        item_ref: ItemRef,
        delete_files: bool,
        add_exclusion: bool,
        unmonitor: bool,
    ) -> None:
        """Delete a show (the series) or a season (its files, then unmonitor it).

        Args:
            item_ref: the item; ``external_id`` is ``"12"`` or ``"12-s3"``.
            delete_files: delete the files on disk, not only Sonarr's entry.
            add_exclusion: for a show, add an import-list exclusion.
            unmonitor: for a season, set it unmonitored after deleting files.
        """
        if item_ref.media_type == MediaType.SHOW:
            series_id = id_of(item_ref.external_id)
            self.http.request(
                "DELETE",
                f"series/{series_id}",
                params={
                    "deleteFiles": flag(delete_files),
                    "addImportListExclusion": flag(add_exclusion),
                },
                expect_json=False,
            )
            return
        if item_ref.media_type != MediaType.SEASON:
            raise ValueError(f"Sonarr cannot delete a {item_ref.media_type}")
        series_id, season = split_season_id(item_ref.external_id)
        if delete_files:
            self._delete_season_files(series_id, season)
        if unmonitor:
            self._unmonitor_season(series_id, season)

    def _delete_season_files(self, series_id: int, season: int) -> None:
        files = as_list(
            self.http.get(
                "episodefile", {"seriesId": series_id, "seasonNumber": season}
            ),
            self,
            "episodefile",
        )
        # Sonarr may ignore seasonNumber; never delete another season's files.
        ids = [
            f["id"]
            for f in files
            if to_int(f.get("seasonNumber")) == season and "id" in f
        ]
        if ids:
            self.http.request(
                "DELETE",
                "episodefile/bulk",
                json_body={"episodeFileIds": ids},
                expect_json=False,
            )

    def _unmonitor_season(self, series_id: int, season: int) -> None:
        series = self.http.get(f"series/{series_id}")
        if not isinstance(series, dict):
            raise UnexpectedResponse(
                self.http.service, "GET", f"series/{series_id}", 200, "not an object"
            )
        for entry in series.get("seasons") or ():
            if to_int(entry.get("seasonNumber")) == season:
                entry["monitored"] = False
        self.http.request("PUT", f"series/{series_id}", json_body=series)

    def exists(self, item_ref: ItemRef) -> bool:
        """Return whether the show, or the season's files, are still there."""
        if item_ref.media_type == MediaType.SEASON:
            series_id, season = split_season_id(item_ref.external_id)
        else:
            series_id, season = id_of(item_ref.external_id), None
        try:
            series = self.http.get(f"series/{series_id}")
        except NotFound:
            return False
        if season is None:
            return True
        for entry in series.get("seasons") or ():
            if to_int(entry.get("seasonNumber")) == season:
                stats = entry.get("statistics") or {}
                return (to_int(stats.get("episodeFileCount")) or 0) > 0 or (
                    to_int(stats.get("sizeOnDisk")) or 0
                ) > 0
        return False
