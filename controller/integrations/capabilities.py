"""What an integration can do, as small protocols, and the records they return.

A client implements only the protocols its product supports; the registry and
the observer find capabilities with ``isinstance`` checks against these
runtime-checkable protocols. Records are plain data so enrichment can join them
to :class:`~controller.media.MediaItem` values without speaking HTTP.

Identity is type-aware: :class:`ExternalIds` carries a :class:`Kind`, so a movie
and a show that share a TMDb number never match each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol, runtime_checkable

from controller.media import DiskReading, MediaItem, MediaType


class Kind(StrEnum):
    """Namespace of an external id: TMDb numbers movies and TV separately."""

    MOVIE = "movie"
    TV = "tv"
    MUSIC = "music"
    BOOK = "book"


KIND_OF_TYPE = {
    MediaType.MOVIE: Kind.MOVIE,
    MediaType.SHOW: Kind.TV,
    MediaType.SEASON: Kind.TV,
    MediaType.ARTIST: Kind.MUSIC,
    MediaType.ALBUM: Kind.MUSIC,
    MediaType.AUTHOR: Kind.BOOK,
    MediaType.BOOK: Kind.BOOK,
}


class ExternalIds(NamedTuple):
    """The public ids a media server or request tool knows an item by.

    A tuple, so that hashing it (every watch record is keyed by its ids) runs
    in C. It is falsy when it carries no id at all.
    """

    kind: Kind
    tmdb: int | None = None
    imdb: str = ""
    tvdb: int | None = None

    def __bool__(self) -> bool:
        return self.tmdb is not None or bool(self.imdb) or self.tvdb is not None


@dataclass(frozen=True, slots=True)
class ItemLink:
    """Where a media server's own item id points: a title, or one of its seasons."""

    ids: ExternalIds
    season: int | None = None


@dataclass(slots=True)
class WatchRecord:
    """Plays of one title (or one season when ``season`` is set) on a server."""

    ids: ExternalIds
    play_count: int
    last_played: datetime | None = None
    users: tuple[str, ...] = ()
    season: int | None = None


@dataclass(slots=True)
class RequestRecord:
    """One request in Seerr; ``seasons`` empty means the whole show or a movie."""

    ids: ExternalIds
    requested_by: str
    status: int = 0
    seasons: tuple[int, ...] = ()


@dataclass(slots=True)
class NamedRecord:
    """Names attached to a title: its collections or its labels."""

    ids: ExternalIds
    names: tuple[str, ...]


@dataclass(slots=True)
class RuleValues:
    """Values a rule editor offers for one *arr: names, never ids."""

    quality_profiles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(slots=True)
class ConnectionResult:
    """Outcome of a connection test, worded for the person who configured it."""

    ok: bool
    message: str
    product: str = ""
    version: str = ""
    latency_ms: float = 0.0
    error_class: str = ""
    details: dict[str, str] = field(default_factory=dict)


class ItemRef(Protocol):
    """What the deleter needs to know about an item: a MediaItem satisfies it."""

    @property
    def external_id(self) -> str: ...

    @property
    def media_type(self) -> MediaType: ...


@dataclass(frozen=True, slots=True)
class QueuedItem:
    """An :class:`ItemRef` built from a stored deletion job."""

    external_id: str
    media_type: MediaType


@runtime_checkable
class ConnectionTester(Protocol):
    def test(self) -> ConnectionResult: ...


@runtime_checkable
class MediaSource(Protocol):
    def fetch_media(self) -> list[MediaItem]: ...


@runtime_checkable
class DiskReporter(Protocol):
    def disks(self) -> list[DiskReading]: ...

    def root_folders(self) -> list[str]: ...


@runtime_checkable
class Deleter(Protocol):
    def delete(
        self,
        item_ref: ItemRef,
        delete_files: bool,
        add_exclusion: bool,
        unmonitor: bool,
    ) -> None: ...

    def exists(self, item_ref: ItemRef) -> bool: ...


@runtime_checkable
class WatchDataSource(Protocol):
    def watch_data(self) -> list[WatchRecord]: ...


@runtime_checkable
class IndexedWatchSource(Protocol):
    """Watch history keyed by a media server's own ids (Tautulli, Jellystat)."""

    bridge: str

    def watch_data_for(self, index: dict[str, ItemLink]) -> list[WatchRecord]: ...


@runtime_checkable
class ItemIndexSource(Protocol):
    """A media server that maps its own item ids to public ids."""

    def item_index(self) -> dict[str, ItemLink]: ...


@runtime_checkable
class RequestSource(Protocol):
    def requests(self) -> list[RequestRecord]: ...


@runtime_checkable
class WatchlistSource(Protocol):
    def watchlist(self) -> list[ExternalIds]: ...


@runtime_checkable
class CollectionSource(Protocol):
    def collections(self) -> list[NamedRecord]: ...


@runtime_checkable
class LabelSource(Protocol):
    def labels(self) -> list[NamedRecord]: ...


@runtime_checkable
class RuleValueSource(Protocol):
    def rule_values(self) -> RuleValues: ...
