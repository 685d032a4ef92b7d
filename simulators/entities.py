"""Plain records the simulated world is made of.

The world generator creates these, :class:`simulators.world.World` mutates them,
and every service module renders them into its own product's JSON. Times are
epoch seconds (UTC); sizes are bytes. ``rev`` grows on every change so services
can cache an item's rendered bytes until it changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class User:
    """A person who watches and requests media on every media server."""

    id: int
    name: str
    is_admin: bool


@dataclass(slots=True)
class Mount:
    """A filesystem the *arr apps report in ``diskspace``.

    ``roots`` maps a service name to the root folders that sit on this mount.
    Used bytes are ``other_bytes`` plus live media plus ``pinned_bytes``, the
    bytes of deleted files that another hardlink or a seeding torrent still
    holds.
    """

    path: str
    total_bytes: int = 0
    other_bytes: int = 0
    roots: dict[str, list[str]] = field(default_factory=dict)
    label: str = ""
    media_bytes: int = 0
    pinned_bytes: int = 0

    @property
    def used_bytes(self) -> int:
        """Bytes in use on the mount, whatever holds them."""
        return self.other_bytes + self.media_bytes + self.pinned_bytes


@dataclass(slots=True)
class Play:
    """A user's viewing of a movie, or of a run of episodes of one season.

    For a movie ``episodes`` is 0 and ``at`` is when the play started. For a
    series the user watched episodes ``1..episodes`` of ``season``, one a day,
    the last starting at ``at``; each lasted ``duration`` seconds. Keeping runs
    instead of single episodes keeps a 100,000-item world small and fast.
    """

    user: int
    at: int
    duration: int
    season: int = 0
    episodes: int = 0
    # Tautulli's row ids for this play, given once and never reused.
    serial: int = 0

    def episode_times(self) -> list[tuple[int, int]]:
        """Return ``(episode number, start time)`` for every episode watched."""
        return [
            (n, self.at - (self.episodes - n) * 86_400)
            for n in range(1, self.episodes + 1)
        ]


@dataclass(slots=True)
class Movie:
    """A Radarr movie, also listed by Plex, Jellyfin, Emby and Seerr."""

    id: int
    title: str
    year: int
    tmdb_id: int
    imdb_id: str
    size: int
    added: int
    root: str
    path: str
    quality_profile_id: int
    tags: list[int]
    genres: list[str]
    imdb_rating: float
    imdb_votes: int
    tmdb_rating: float
    tmdb_votes: int
    runtime: int
    collection: tuple[str, int] | None
    labels: list[str]
    pinned: bool
    rating_key: int
    jellyfin_id: str
    emby_id: str
    file_id: int
    monitored: bool = True
    plays: list[Play] = field(default_factory=list)
    favourite_of: list[int] = field(default_factory=list)
    rev: int = 0


@dataclass(slots=True)
class Season:
    """One season of a series with its episode files.

    Files are not stored one by one: file ``i`` (0-based) has id
    ``first_file_id + i`` and an equal share of ``size``. Deleting files only
    records their indexes in ``deleted_files``.
    """

    number: int
    episode_count: int
    file_count: int
    size: int
    first_file_id: int
    rating_key: int
    jellyfin_id: str
    emby_id: str
    pinned: bool
    monitored: bool = True
    deleted_files: set[int] = field(default_factory=set)

    def file_size(self, index: int) -> int:
        """Return the size of file ``index``; the last one takes the remainder."""
        share = self.size // self.file_count
        if index == self.file_count - 1:
            return self.size - share * (self.file_count - 1)
        return share

    def live_files(self) -> list[int]:
        """Return the indexes of files not yet deleted."""
        return [i for i in range(self.file_count) if i not in self.deleted_files]

    def size_on_disk(self) -> int:
        """Return the bytes of the files still present."""
        if not self.deleted_files:
            return self.size
        return sum(self.file_size(i) for i in self.live_files())


@dataclass(slots=True)
class Series:
    """A Sonarr series, also listed by Plex, Jellyfin, Emby and Seerr."""

    id: int
    title: str
    year: int
    tvdb_id: int
    tmdb_id: int
    imdb_id: str
    status: str
    network: str
    added: int
    root: str
    path: str
    quality_profile_id: int
    tags: list[int]
    genres: list[str]
    rating: float
    votes: int
    runtime: int
    seasons: list[Season]
    labels: list[str]
    rating_key: int
    jellyfin_id: str
    emby_id: str
    monitored: bool = True
    plays: list[Play] = field(default_factory=list)
    favourite_of: list[int] = field(default_factory=list)
    rev: int = 0

    def size_on_disk(self) -> int:
        """Return the bytes of all episode files still present."""
        return sum(s.size_on_disk() for s in self.seasons)


@dataclass(slots=True)
class Album:
    """One Lidarr album; its bytes are part of the artist's."""

    id: int
    artist_id: int
    title: str
    foreign_id: str
    release: int
    track_count: int
    size: int
    monitored: bool = True


@dataclass(slots=True)
class Artist:
    """A Lidarr artist with its albums."""

    id: int
    name: str
    mb_id: str
    status: str
    added: int
    root: str
    path: str
    quality_profile_id: int
    tags: list[int]
    genres: list[str]
    rating: float
    votes: int
    albums: list[int]
    pinned: bool
    rating_key: int
    monitored: bool = True
    rev: int = 0


@dataclass(slots=True)
class Book:
    """A Readarr book with one file; ratings run 0-5 as in Readarr."""

    id: int
    author_id: int
    title: str
    foreign_id: str
    edition_id: str
    isbn: str
    release: int
    added: int
    size: int
    pages: int
    genres: list[str]
    rating: float
    votes: int
    pinned: bool
    monitored: bool = True
    rev: int = 0


@dataclass(slots=True)
class Author:
    """A Readarr author; the books carry the files."""

    id: int
    name: str
    foreign_id: str
    status: str
    added: int
    root: str
    path: str
    quality_profile_id: int
    tags: list[int]
    genres: list[str]
    rating: float
    votes: int
    books: list[int]
    monitored: bool = True
    rev: int = 0


@dataclass(slots=True)
class MediaRequest:
    """A Seerr request for a movie or a series."""

    id: int
    kind: str
    media_id: int
    user: int
    status: int
    created: int
    updated: int


@dataclass(slots=True)
class Exclusion:
    """An import-list exclusion an *arr app recorded on delete."""

    id: int
    service: str
    foreign_id: str
    title: str
    year: int = 0
