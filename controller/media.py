"""The normalized media item every part of the controller works with.

Integration clients turn what Sonarr, Radarr, Lidarr and Readarr report into
``MediaItem`` values; enrichment fills watch, request and collection data in place;
the decision engine scores them. Items are plain data with no behaviour beyond
identity, so they can be built, copied and compared cheaply at 100,000 items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MediaType(StrEnum):
    """What kind of thing an item is; each *arr emits its own kinds."""

    MOVIE = "movie"
    SHOW = "show"
    SEASON = "season"
    ARTIST = "artist"
    ALBUM = "album"
    AUTHOR = "author"
    BOOK = "book"


@dataclass(slots=True)
class MediaItem:
    """One deletable unit of media as the owning *arr sees it, plus enrichment.

    Attributes:
        integration_id: store id of the *arr integration that owns the item.
        external_id: the owner's id: ``"42"`` for a movie or series, ``"42-s3"`` for
            season 3 of series 42.
        media_type: movie, show, season, artist, album, author or book.
        title: display title; seasons read ``"<Show> - Season <n>"``.
        size_bytes: bytes on disk according to the owner.
        path: folder on disk as the owner reports it, with ``/`` separators.
        rating: 0-10 scale (None when unknown).
        season_count: for a show, how many seasons it has (None when unknown).
        added_at / last_played: timezone-aware UTC datetimes or None.
    """

    integration_id: int
    external_id: str
    media_type: MediaType
    title: str
    size_bytes: int = 0
    path: str = ""
    year: int | None = None
    added_at: datetime | None = None
    rating: float | None = None
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    quality_profile: str = ""
    monitored: bool = True
    series_status: str = ""
    language: str = ""
    show_title: str = ""
    season_number: int | None = None
    season_count: int | None = None
    episode_count: int = 0
    poster_url: str = ""
    tmdb_id: int | None = None
    imdb_id: str = ""
    tvdb_id: int | None = None
    musicbrainz_id: str = ""
    # Enrichment: watch data, requests, watchlists, collections, labels.
    play_count: int = 0
    last_played: datetime | None = None
    watched_by: tuple[str, ...] = ()
    is_requested: bool = False
    requested_by: str = ""
    request_count: int = 0
    watched_by_requestor: bool = False
    on_watchlist: bool = False
    collections: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[int, str]:
        """Identity of the item across cycles: owning integration and its id."""
        return (self.integration_id, self.external_id)

    @property
    def genre(self) -> str:
        """Genres joined the way rules and the preview show them."""
        return ", ".join(self.genres)


# Which kinds describe something that can be watched or listened to and so may
# carry watch data from a media server.
WATCHABLE_TYPES = frozenset({MediaType.MOVIE, MediaType.SHOW, MediaType.SEASON})
SERIES_TYPES = frozenset({MediaType.SHOW, MediaType.SEASON})


@dataclass(slots=True)
class DiskReading:
    """A disk as an *arr reports it: mount path, total and free bytes."""

    path: str
    total_bytes: int
    free_bytes: int

    @property
    def used_bytes(self) -> int:
        return self.total_bytes - self.free_bytes
