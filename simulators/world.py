"""The one simulated media library every service simulator serves.

:meth:`World.generate` builds movies, series, artists, authors and books, the
household's users, their plays, favourites and Seerr requests, and the disks the
files sit on. Service simulators read it and call its mutators (delete, monitor,
grow), so an effect made through one service shows in all the others. All
mutators take the world lock and bump ``version`` so caches know to refresh.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable
from typing import Any

from simulators import catalog
from simulators.entities import (
    Album,
    Artist,
    Author,
    Book,
    Exclusion,
    MediaRequest,
    Mount,
    Movie,
    Play,
    Series,
    User,
)
from simulators.generation import DAY, GIB, MediaFactory

MEDIA_SHARES = (("radarr", 0.45), ("sonarr", 0.35), ("lidarr", 0.12))
REQUEST_SHARE = 0.15
DEFAULT_FILL = 0.8


def default_mounts() -> list[Mount]:
    """Return the standard layout: two media disks plus ``/`` and ``/config``."""
    return [
        Mount(path="/", total_bytes=64 * GIB, other_bytes=21 * GIB, label="overlay"),
        Mount(path="/config", total_bytes=50 * GIB, other_bytes=7 * GIB),
        Mount(
            path="/data/media",
            other_bytes=180 * GIB,
            roots={"sonarr": ["/data/media/tv"], "radarr": ["/data/media/movies"]},
        ),
        Mount(
            path="/data/music",
            other_bytes=12 * GIB,
            roots={"lidarr": ["/data/music/artists"], "readarr": ["/data/music/books"]},
        ),
    ]


def _as_mount(spec: Mount | dict) -> Mount:
    if isinstance(spec, Mount):
        return Mount(
            path=spec.path,
            total_bytes=spec.total_bytes,
            other_bytes=spec.other_bytes,
            roots={k: list(v) for k, v in spec.roots.items()},
            label=spec.label,
        )
    return Mount(
        path=spec["path"],
        total_bytes=int(spec.get("total_bytes", 0)),
        other_bytes=int(spec.get("other_bytes", 0)),
        roots={k: list(v) for k, v in spec.get("roots", {}).items()},
        label=spec.get("label", ""),
    )


class World:
    """A library, its watchers and its disks, shared by all simulators.

    Build one with :meth:`generate`. Attributes are plain dicts keyed by each
    app's own ids; read them freely in tests, but change them only through the
    methods so disk usage and caches stay right.
    """

    def __init__(self, seed: int, now: int, mounts: list[Mount], pinned_fraction):
        self.seed = seed
        self.now = now
        self.lock = threading.RLock()
        self.version = 0
        self.rng = random.Random(seed)
        self.mounts = {m.path: m for m in mounts}
        self._root_mounts: dict[str, Mount] = {}
        self.users = [
            User(id=i, name=name, is_admin=i == 1)
            for i, name in enumerate(catalog.USERS, start=1)
        ]
        self.movies: dict[int, Movie] = {}
        self.series: dict[int, Series] = {}
        self.artists: dict[int, Artist] = {}
        self.albums: dict[int, Album] = {}
        self.authors: dict[int, Author] = {}
        self.books: dict[int, Book] = {}
        self.requests: dict[int, MediaRequest] = {}
        # Deleted movies and series, kept because Tautulli keeps their history.
        self.removed_movies: dict[int, Movie] = {}
        self.removed_series: dict[int, Series] = {}
        self.exclusions: dict[str, list[Exclusion]] = {
            s: [] for s in ("sonarr", "radarr", "lidarr", "readarr")
        }
        self.factory = MediaFactory(
            self.rng, now, self.root_folders_by_service(), pinned_fraction
        )

    @classmethod
    def generate(
        cls,
        seed: int = 1,
        size: int = 1000,
        disks: Iterable[Mount | dict] | None = None,
        fill_pct: float | None = None,
        now: int | None = None,
        pinned_fraction: float = 0.05,
    ) -> World:
        """Build a library of ``size`` items, the same for the same arguments.

        Args:
            seed: Seed of every random draw.
            size: Movies + series + artists + books.
            disks: Mounts (``Mount`` or dicts with ``path``, ``total_bytes``,
                ``other_bytes``, ``roots``); ``None`` gives :func:`default_mounts`.
            fill_pct: If set, size every mount that hosts a root folder so it is
                this fraction full (0.9 = 90% used).
            now: Reference epoch seconds; defaults to today's midnight UTC, so a
                world is reproducible within a day and ages look current.
            pinned_fraction: Share of files a hardlink or seeding torrent keeps
                on disk after deletion.
        """
        if now is None:
            now = int(time.time()) // DAY * DAY
        mounts = [
            _as_mount(d) for d in (disks if disks is not None else default_mounts())
        ]
        world = cls(seed, now, mounts, pinned_fraction)
        roots = world.root_folders_by_service()
        for service in ("sonarr", "radarr", "lidarr", "readarr"):
            if not roots.get(service):
                raise ValueError(f"no root folder for {service} on any mount")
        counts = _split(size)
        world._create(counts)
        world._create_requests()
        for mount in world.mounts.values():
            if mount.roots and fill_pct is not None:
                mount.total_bytes = int(mount.used_bytes / fill_pct)
            elif not mount.total_bytes:
                mount.total_bytes = int(mount.used_bytes / DEFAULT_FILL)
        return world

    # Queries ----------------------------------------------------------------

    def root_folders_by_service(self) -> dict[str, list[str]]:
        """Return the root folder paths each *arr app has, in mount order."""
        roots: dict[str, list[str]] = {}
        for mount in self.mounts.values():
            for service, paths in mount.roots.items():
                roots.setdefault(service, []).extend(paths)
        return roots

    def mount_of(self, path: str) -> Mount:
        """Return the mount holding ``path`` (the longest matching mount path)."""
        best = None
        for mount in self.mounts.values():
            prefix = mount.path.rstrip("/") + "/"
            if (path == mount.path or path.startswith(prefix)) and (
                best is None or len(mount.path) > len(best.path)
            ):
                best = mount
        if best is None:
            raise KeyError(path)
        return best

    def disk_usage(self, path: str) -> tuple[int, int]:
        """Return ``(total_bytes, free_bytes)`` of the mount holding ``path``."""
        with self.lock:
            mount = self.mount_of(path)
            return mount.total_bytes, max(0, mount.total_bytes - mount.used_bytes)

    def user_name(self, user_id: int) -> str:
        """Return the name of user ``user_id``."""
        return self.users[user_id - 1].name

    # Mutations --------------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1

    def _mount_of_root(self, root: str) -> Mount:
        mount = self._root_mounts.get(root)
        if mount is None:
            mount = self._root_mounts[root] = self.mount_of(root)
        return mount

    def _account(self, root: str, size: int) -> None:
        self._mount_of_root(root).media_bytes += size

    def _release(self, root: str, size: int, pinned: bool) -> None:
        # A hardlinked or seeding file leaves the library but not the disk.
        mount = self._mount_of_root(root)
        mount.media_bytes -= size
        if pinned:
            mount.pinned_bytes += size

    def _exclude(self, service: str, foreign_id, title: str, year: int = 0) -> None:
        entries = self.exclusions[service]
        entries.append(
            Exclusion(len(entries) + 1, service, str(foreign_id), title, year)
        )

    def delete_movie(self, movie_id: int, delete_files: bool, exclude: bool) -> bool:
        """Remove a movie from the library; free its file if asked to."""
        with self.lock:
            movie = self.movies.pop(movie_id, None)
            if movie is None:
                return False
            self.removed_movies[movie_id] = movie
            if delete_files and movie.file_id:
                self._release(movie.root, movie.size, movie.pinned)
            if exclude:
                self._exclude("radarr", movie.tmdb_id, movie.title, movie.year)
            self._changed()
            return True

    def delete_movie_file(self, movie_id: int) -> bool:
        """Delete a movie's file but keep the movie (now without a file)."""
        with self.lock:
            movie = self.movies.get(movie_id)
            if movie is None or not movie.file_id:
                return False
            self._release(movie.root, movie.size, movie.pinned)
            movie.file_id = 0
            movie.size = 0
            movie.rev += 1
            self._changed()
            return True

    def delete_series(self, series_id: int, delete_files: bool, exclude: bool) -> bool:
        """Remove a series and, if asked, every one of its episode files."""
        with self.lock:
            series = self.series.pop(series_id, None)
            if series is None:
                return False
            self.removed_series[series_id] = series
            if delete_files:
                for season in series.seasons:
                    self._release(series.root, season.size_on_disk(), season.pinned)
            if exclude:
                self._exclude("sonarr", series.tvdb_id, series.title)
            self._changed()
            return True

    def find_episode_file(self, file_id: int):
        """Return ``(series, season, index)`` for an episode file id, or None."""
        for series in self.series.values():
            for season in series.seasons:
                index = file_id - season.first_file_id
                if 0 <= index < season.file_count:
                    if index in season.deleted_files:
                        return None
                    return series, season, index
        return None

    def delete_episode_files(self, file_ids: Iterable[int]) -> list[int]:
        """Delete episode files by id; return the ids that existed."""
        wanted = set(file_ids)
        done = []
        with self.lock:
            for series in self.series.values():
                hit = False
                for season in series.seasons:
                    last = season.first_file_id + season.file_count
                    for fid in [f for f in wanted if season.first_file_id <= f < last]:
                        index = fid - season.first_file_id
                        if index in season.deleted_files:
                            continue
                        self._release(
                            series.root, season.file_size(index), season.pinned
                        )
                        season.deleted_files.add(index)
                        done.append(fid)
                        hit = True
                if hit:
                    series.rev += 1
            if done:
                self._changed()
        return done

    def delete_artist(self, artist_id: int, delete_files: bool, exclude: bool) -> bool:
        """Remove an artist and its albums; free their files if asked to."""
        with self.lock:
            artist = self.artists.pop(artist_id, None)
            if artist is None:
                return False
            for album_id in artist.albums:
                album = self.albums.pop(album_id)
                if delete_files:
                    self._release(artist.root, album.size, artist.pinned)
            if exclude:
                self._exclude("lidarr", artist.mb_id, artist.name)
            self._changed()
            return True

    def delete_album(self, album_id: int, delete_files: bool, exclude: bool) -> bool:
        """Remove one album from its artist; free its files if asked to."""
        with self.lock:
            album = self.albums.pop(album_id, None)
            if album is None:
                return False
            artist = self.artists[album.artist_id]
            artist.albums.remove(album_id)
            artist.rev += 1
            if delete_files:
                self._release(artist.root, album.size, artist.pinned)
            if exclude:
                self._exclude("lidarr", album.foreign_id, album.title)
            self._changed()
            return True

    def delete_author(self, author_id: int, delete_files: bool, exclude: bool) -> bool:
        """Remove an author and all their books; free the files if asked to."""
        with self.lock:
            author = self.authors.pop(author_id, None)
            if author is None:
                return False
            for book_id in author.books:
                book = self.books.pop(book_id)
                if delete_files:
                    self._release(author.root, book.size, book.pinned)
            if exclude:
                self._exclude("readarr", author.foreign_id, author.name)
            self._changed()
            return True

    def delete_book(self, book_id: int, delete_files: bool, exclude: bool) -> bool:
        """Remove one book from its author; free its file if asked to."""
        with self.lock:
            book = self.books.pop(book_id, None)
            if book is None:
                return False
            author = self.authors[book.author_id]
            author.books.remove(book_id)
            author.rev += 1
            if delete_files:
                self._release(author.root, book.size, book.pinned)
            if exclude:
                self._exclude("readarr", book.foreign_id, book.title)
            self._changed()
            return True

    def touch(self, item) -> None:
        """Record that ``item`` changed in place (e.g. its monitored flag)."""
        with self.lock:
            item.rev += 1
            self._changed()

    def add_play(
        self,
        service: str,
        item_id: int,
        user: int,
        *,
        at: int | None = None,
        season: int = 0,
        episodes: int = 1,
    ) -> Play:
        """A user plays a movie, or ``episodes`` episodes of a season, ending ``at``.

        Every media server and companion then reports it, as after a real play.
        """
        with self.lock:
            item = self._playable(service, item_id)
            if isinstance(item, Series) and not season:
                season = next((s.number for s in item.seasons if s.number), 1)
            play = Play(
                user=user,
                at=self.now if at is None else at,
                duration=2_400,
                season=season if isinstance(item, Series) else 0,
                episodes=episodes if isinstance(item, Series) else 0,
            )
            item.plays.append(play)
            item.plays.sort(key=lambda p: p.at)
            self._changed()
            return play

    def remove_play(self, service: str, item_id: int) -> bool:
        """Forget the newest play of an item, as deleting a history row does."""
        with self.lock:
            item = self._playable(service, item_id)
            if not item.plays:
                return False
            item.plays.pop()
            self._changed()
            return True

    def _playable(self, service: str, item_id: int) -> Movie | Series:
        items: dict[int, Any] = {"radarr": self.movies, "sonarr": self.series}.get(
            service, {}
        )
        item = items.get(item_id)
        if item is None:
            raise ValueError(f"no {service} item {item_id} to play")
        return item

    def add_media(
        self, count: int, service: str | None = None
    ) -> list[tuple[str, int]]:
        """Add ``count`` new items, dated now, to one service or spread over all.

        Returns:
            ``(service, id)`` of each new movie, series, artist or author.
        """
        added = []
        with self.lock:
            for _ in range(count):
                target = service or self._pick_service()
                added.append((target, self._create_one(target, fresh=True)))
            self._changed()
        return added

    # Creation ---------------------------------------------------------------

    def _pick_service(self) -> str:
        roll = self.rng.random()
        for service, share in MEDIA_SHARES:
            if roll < share:
                return service
            roll -= share
        return "readarr"

    def _create(self, counts: dict[str, int]) -> None:
        for service, count in counts.items():
            if service == "readarr":
                left = count
                while left > 0:
                    take = min(left, self.rng.randint(1, 5))
                    self._create_one(service, fresh=False, books=take)
                    left -= take
            else:
                for _ in range(count):
                    self._create_one(service, fresh=False)

    def _create_one(self, service: str, fresh: bool, books: int = 1) -> int:
        users = len(self.users)
        factory = self.factory
        if service == "radarr":
            item = factory.movie(users)
            self.movies[item.id] = item
            sized = [(item.root, item.size)]
        elif service == "sonarr":
            item = factory.series(users)
            self.series[item.id] = item
            sized = [(item.root, item.size_on_disk())]
        elif service == "lidarr":
            item, albums = factory.artist()
            self.artists[item.id] = item
            self.albums.update((a.id, a) for a in albums)
            sized = [(item.root, sum(a.size for a in albums))]
        elif service == "readarr":
            item, new_books = factory.author(books)
            self.authors[item.id] = item
            self.books.update((b.id, b) for b in new_books)
            sized = [(item.root, sum(b.size for b in new_books))]
        else:
            raise ValueError(f"unknown media service {service!r}")
        if fresh:
            # Growth happens now: the new item has no history yet.
            item.added = self.now - self.rng.randint(0, DAY)
            if isinstance(item, Movie | Series):
                item.plays = []
        for root, size in sized:
            self._account(root, size)
        return item.id

    def _create_requests(self) -> None:
        users = len(self.users)
        for kind, items in (("movie", self.movies), ("tv", self.series)):
            for item in items.values():
                if self.rng.random() < REQUEST_SHARE:
                    request = self.factory.request(kind, item, users)
                    self.requests[request.id] = request


def _split(size: int) -> dict[str, int]:
    counts = {service: round(size * share) for service, share in MEDIA_SHARES}
    counts["readarr"] = max(0, size - sum(counts.values()))
    return counts
