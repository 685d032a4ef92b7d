"""Radarr: one ``movie`` item per movie with a file, and movie deletion."""

from __future__ import annotations

from typing import Any

from controller.integrations.arr import ArrClient, ArrEntry, SizeStatistics, flag, one
from controller.integrations.capabilities import ItemRef
from controller.integrations.parsing import (
    label,
    names,
    normalize_path,
    parse_datetime,
    positive_int,
    to_float,
    to_int,
)
from controller.media import MediaItem, MediaType


class _Movie(ArrEntry, total=False):
    """The keys of a movie that :meth:`RadarrClient._item_for` reads."""

    title: Any
    year: Any
    hasFile: Any
    sizeOnDisk: Any
    statistics: SizeStatistics | None
    originalLanguage: Any
    tmdbId: Any
    imdbId: Any
    collection: Any


class RadarrClient(ArrClient):
    """Client for Radarr v3 and later (API v3)."""

    type_name = "radarr"
    product = "Radarr"
    api_prefix = "/api/v3"

    def fetch_media(self) -> list[MediaItem]:
        """Return a movie item for every movie that has a file on disk."""
        self.start_listing()
        return self.listing("movie", lambda movie: one(self._item_for(movie)), _Movie)

    def _item_for(self, movie: dict[str, Any]) -> MediaItem | None:
        movie_id = to_int(movie.get("id"))
        size = to_int(movie.get("sizeOnDisk"))
        if size is None:
            size = to_int((movie.get("statistics") or {}).get("sizeOnDisk")) or 0
        if movie_id is None or not movie.get("hasFile") or size <= 0:
            return None
        collection = movie.get("collection") or {}
        collection_name = collection.get("title") or collection.get("name") or ""
        language = (movie.get("originalLanguage") or {}).get("name", "")
        return MediaItem(
            integration_id=self.integration_id,
            external_id=str(movie_id),
            media_type=MediaType.MOVIE,
            title=str(movie.get("title", "")),
            size_bytes=size,
            path=normalize_path(movie.get("path")),
            year=positive_int(movie.get("year")),
            added_at=parse_datetime(movie.get("added"), self.fetch_notes),
            rating=movie_rating(movie.get("ratings")),
            genres=names(movie.get("genres")),
            tags=self.resolve_tags(movie.get("tags")),
            quality_profile=self.profile_name(movie.get("qualityProfileId")),
            monitored=bool(movie.get("monitored", True)),
            language=label(language),
            poster_url=self.poster(movie.get("images")),
            tmdb_id=positive_int(movie.get("tmdbId")),
            imdb_id=str(movie.get("imdbId") or ""),
            collections=(str(collection_name),) if collection_name else (),
        )

    def delete(
        self,
        item_ref: ItemRef,
        delete_files: bool,
        add_exclusion: bool,
        unmonitor: bool,
    ) -> None:
        """Delete the movie from Radarr (and its files when ``delete_files``).

        ``unmonitor`` has no effect: the movie's entry is removed altogether.
        """
        if item_ref.media_type != MediaType.MOVIE:
            raise ValueError(f"Radarr cannot delete a {item_ref.media_type}")
        self.delete_resource(
            "movie",
            item_ref.external_id,
            {
                "deleteFiles": flag(delete_files),
                "addImportExclusion": flag(add_exclusion),
            },
        )

    def exists(self, item_ref: ItemRef) -> bool:
        """Return whether Radarr still has the movie."""
        return self.resource_exists("movie", item_ref.external_id)


def movie_rating(ratings: Any) -> float | None:
    """Return the IMDb rating, else the TMDb one, on a 0-10 scale."""
    if not isinstance(ratings, dict):
        return None
    for source in ("imdb", "tmdb"):
        entry = ratings.get(source)
        if isinstance(entry, dict):
            value = to_float(entry.get("value"))
            if value:
                return value
    return None
