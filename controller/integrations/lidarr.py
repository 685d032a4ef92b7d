"""Lidarr: one ``artist`` item per artist with files, and artist deletion."""

from __future__ import annotations

from typing import Any

from controller.integrations.arr import (
    ArrClient,
    ArrEntry,
    SizeStatistics,
    flag,
    one,
    rating_value,
)
from controller.integrations.capabilities import ItemRef
from controller.integrations.parsing import (
    label,
    names,
    normalize_path,
    parse_datetime,
    to_int,
)
from controller.media import MediaItem, MediaType


class _Artist(ArrEntry, total=False):
    """The keys of an artist that :meth:`LidarrClient._item_for` reads."""

    artistName: Any
    status: Any
    foreignArtistId: Any
    mbId: Any
    statistics: SizeStatistics | None


class LidarrClient(ArrClient):
    """Client for Lidarr (API v1)."""

    type_name = "lidarr"
    product = "Lidarr"
    api_prefix = "/api/v1"
    min_major_version = 1

    def fetch_media(self) -> list[MediaItem]:
        """Return an artist item for every artist with bytes on disk."""
        self.start_listing()
        return self.listing(
            "artist", lambda artist: one(self._item_for(artist)), _Artist
        )

    def _item_for(self, artist: dict[str, Any]) -> MediaItem | None:
        artist_id = to_int(artist.get("id"))
        size = to_int((artist.get("statistics") or {}).get("sizeOnDisk")) or 0
        if artist_id is None or size <= 0:
            return None
        return MediaItem(
            integration_id=self.integration_id,
            external_id=str(artist_id),
            media_type=MediaType.ARTIST,
            title=str(artist.get("artistName", "")),
            size_bytes=size,
            path=normalize_path(artist.get("path")),
            added_at=parse_datetime(artist.get("added"), self.fetch_notes),
            rating=rating_value(artist.get("ratings")),
            genres=names(artist.get("genres")),
            tags=self.resolve_tags(artist.get("tags")),
            quality_profile=self.profile_name(artist.get("qualityProfileId")),
            monitored=bool(artist.get("monitored", True)),
            series_status=label(artist.get("status")),
            poster_url=self.poster(artist.get("images")),
            musicbrainz_id=str(
                artist.get("foreignArtistId") or artist.get("mbId") or ""
            ),
        )

    def languages(self) -> tuple[str, ...]:
        """Lidarr has no languages to offer."""
        return ()

    def delete(
        self,
        item_ref: ItemRef,
        delete_files: bool,
        add_exclusion: bool,
        unmonitor: bool,
    ) -> None:
        """Delete the artist (and its files when ``delete_files``)."""
        if item_ref.media_type != MediaType.ARTIST:
            raise ValueError(f"Lidarr cannot delete a {item_ref.media_type}")
        self.delete_resource(
            "artist",
            item_ref.external_id,
            {
                "deleteFiles": flag(delete_files),
                "addImportListExclusion": flag(add_exclusion),
            },
        )

    def exists(self, item_ref: ItemRef) -> bool:
        """Return whether Lidarr still has the artist."""
        return self.resource_exists("artist", item_ref.external_id)
