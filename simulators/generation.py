"""Deterministic creation of movies, series, artists, books and their history.

:class:`MediaFactory` draws every value from one seeded ``random.Random`` so the
same seed, size and reference time always give the same library. The
:class:`~simulators.world.World` owns a factory and asks it for new items both
when the world is generated and when it grows through ``add_media``.
"""

from __future__ import annotations

import math
import random

from simulators import catalog
from simulators.entities import (
    Album,
    Artist,
    Author,
    Book,
    MediaRequest,
    Movie,
    Play,
    Season,
    Series,
)

GIB = 1024**3
MIB = 1024**2
DAY = 86_400
YEAR = 365 * DAY


def _lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float):
    """Draw from a lognormal around ``median`` and clamp it to ``[lo, hi]``."""
    return int(min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma)))))


class MediaFactory:
    """Make media records with unique ids, paths and external identities.

    Args:
        rng: The world's random source; all draws go through it.
        now: Reference time; every date lies before it.
        roots: Root folders per service, as laid out on the mounts.
        pinned_fraction: Share of files that stay on disk after deletion
            because a hardlink or a seeding torrent holds them.
    """

    def __init__(self, rng, now: int, roots: dict[str, list[str]], pinned_fraction):
        self.rng = rng
        self.now = now
        self.roots = roots
        self.pinned_fraction = pinned_fraction
        self.next_id = dict.fromkeys(
            ("movie", "series", "artist", "album", "author", "book", "request"), 1
        )
        self.next_rating_key = 1000
        self.next_emby_id = 100_000
        self.next_episode_file = 1
        self.next_movie_file = 1
        self.next_tmdb = 10_000
        self.next_tvdb = 70_000
        self.collections: list[tuple[str, int]] = []

    def _int(self, lo: int, hi: int) -> int:
        # random.randint is several times slower and dominates big worlds.
        return lo + int(self.rng.random() * (hi - lo + 1))

    def _pick(self, options):
        return options[int(self.rng.random() * len(options))]

    def _some(self, options, lo: int, hi: int) -> list:
        count = self._int(lo, hi)
        picked: list = []
        while len(picked) < count:
            value = self._pick(options)
            if value not in picked:
                picked.append(value)
        return picked

    def _take(self, kind: str) -> int:
        value = self.next_id[kind]
        self.next_id[kind] = value + 1
        return value

    def _rating_key(self) -> int:
        self.next_rating_key += 1
        return self.next_rating_key

    def _emby_id(self) -> str:
        self.next_emby_id += 1
        return str(self.next_emby_id)

    def _jellyfin_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def _title(self) -> str:
        rng = self.rng
        adj = self._pick(catalog.TITLE_ADJECTIVES)
        noun = self._pick(catalog.TITLE_NOUNS)
        form = rng.random()
        if form < 0.4:
            return f"The {adj} {noun}"
        if form < 0.7:
            return f"{adj} {noun}"
        return f"{noun} of the {self._pick(catalog.TITLE_NOUNS)}"

    def _person(self) -> str:
        return f"{self._pick(catalog.FIRST_NAMES)} {self._pick(catalog.LAST_NAMES)}"

    def _added(self) -> int:
        # Most of the library arrived over six years; a few items are brand new.
        if self.rng.random() < 0.04:
            return self.now - self._int(DAY // 2, 21 * DAY)
        return self.now - self._int(21 * DAY, 6 * YEAR)

    def _release_year(self, added: int) -> int:
        added_year = 1970 + added // YEAR
        age = int(abs(self.rng.gauss(0, 12)))
        return max(1950, added_year - age)

    def _tags(self, service: str) -> list[int]:
        count = len(catalog.TAGS[service])
        if self.rng.random() < 0.75:
            return []
        return sorted(self._some(range(1, count + 1), 1, 2))

    def _profile(self, service: str) -> int:
        count = len(catalog.QUALITY_PROFILES[service])
        # Skewed towards the HD profiles most people use.
        return min(count, 1 + int(self.rng.random() * self.rng.random() * count * 1.6))

    def _genres(self, pool) -> list[str]:
        return sorted(self._some(pool, 1, 3))

    def _labels(self) -> list[str]:
        if self.rng.random() < 0.9:
            return []
        return [self._pick(catalog.LABELS)]

    def _pinned(self) -> bool:
        return self.rng.random() < self.pinned_fraction

    def _favourites(self, users: int) -> list[int]:
        return [u for u in range(1, users + 1) if self.rng.random() < 0.04]

    def _collection(self) -> tuple[str, int] | None:
        if self.rng.random() > 0.12:
            return None
        if not self.collections or self.rng.random() < 0.3:
            name = f"The {self._pick(catalog.TITLE_NOUNS)} {catalog.COLLECTION_SUFFIX}"
            self.collections.append((name, 500_000 + len(self.collections)))
        return self._pick(self.collections)

    def movie(self, users: int) -> Movie:
        """Make one movie with a file (most of the time) and its plays."""
        rng = self.rng
        mid = self._take("movie")
        title = self._title()
        added = self._added()
        year = self._release_year(added)
        tmdb = self.next_tmdb = self.next_tmdb + self._int(1, 40)
        root = self._pick(self.roots["radarr"])
        has_file = rng.random() > 0.03
        runtime = self._int(78, 175)
        movie = Movie(
            id=mid,
            title=title,
            year=year,
            tmdb_id=tmdb,
            imdb_id=f"tt{1_000_000 + tmdb * 7:07d}",
            size=_lognormal(rng, 8 * GIB, 0.75, GIB, 60 * GIB) if has_file else 0,
            added=added,
            root=root,
            path=f"{root}/{title} ({year}) {{tmdb-{tmdb}}}",
            quality_profile_id=self._profile("radarr"),
            tags=self._tags("radarr"),
            genres=self._genres(catalog.MOVIE_GENRES),
            imdb_rating=round(min(9.8, max(1.0, rng.gauss(6.4, 1.2))), 1),
            imdb_votes=int(math.exp(rng.gauss(9, 1.5))),
            tmdb_rating=round(min(10.0, max(0.0, rng.gauss(6.6, 1.1))), 3),
            tmdb_votes=int(math.exp(rng.gauss(7, 1.5))),
            runtime=runtime,
            collection=self._collection(),
            labels=self._labels(),
            pinned=self._pinned(),
            rating_key=self._rating_key(),
            jellyfin_id=self._jellyfin_id(),
            emby_id=self._emby_id(),
            file_id=0,
            monitored=rng.random() > 0.1,
            favourite_of=self._favourites(users),
        )
        if has_file:
            movie.file_id = self.next_movie_file
            self.next_movie_file += 1
            movie.plays = self._movie_plays(added, runtime, users)
        return movie

    def _movie_plays(self, added: int, runtime: int, users: int) -> list[Play]:
        rng = self.rng
        if rng.random() > 0.45 or added >= self.now:
            return []
        plays = []
        for user in self._some(range(1, users + 1), 1, 3):
            for _ in range(self._pick((1, 1, 1, 2, 3))):
                plays.append(
                    Play(
                        user=user,
                        at=self._int(added, self.now),
                        duration=int(runtime * 60 * rng.uniform(0.4, 1.0)),
                    )
                )
        plays.sort(key=lambda p: p.at)
        return plays

    def series(self, users: int) -> Series:
        """Make one series with its seasons, episode files and plays."""
        rng = self.rng
        sid = self._take("series")
        title = self._title()
        added = self._added()
        year = self._release_year(added)
        tvdb = self.next_tvdb = self.next_tvdb + self._int(1, 40)
        tmdb = self.next_tmdb = self.next_tmdb + self._int(1, 40)
        status = rng.choices(("ended", "continuing", "upcoming"), (55, 40, 5))[0]
        root = self._pick(self.roots["sonarr"])
        seasons = self._seasons(status)
        series = Series(
            id=sid,
            title=title,
            year=year,
            tvdb_id=tvdb,
            tmdb_id=tmdb,
            imdb_id=f"tt{2_000_000 + tvdb * 3:07d}",
            status=status,
            network=self._pick(catalog.NETWORKS),
            added=added,
            root=root,
            path=f"{root}/{title} ({year}) [tvdbid-{tvdb}]",
            quality_profile_id=self._profile("sonarr"),
            tags=self._tags("sonarr"),
            genres=self._genres(catalog.TV_GENRES),
            rating=round(min(10.0, max(1.0, rng.gauss(7.2, 1.0))), 1),
            votes=int(math.exp(rng.gauss(7, 1.5))),
            runtime=self._pick((22, 25, 30, 42, 45, 50, 60)),
            seasons=seasons,
            labels=self._labels(),
            rating_key=self._rating_key(),
            jellyfin_id=self._jellyfin_id(),
            emby_id=self._emby_id(),
            monitored=rng.random() > 0.1,
            favourite_of=self._favourites(users),
        )
        # Season keys come after the show's so a show sorts before its seasons.
        for season in seasons:
            season.rating_key = self._rating_key()
        series.plays = self._series_plays(series, users)
        return series

    def _seasons(self, status: str) -> list[Season]:
        rng = self.rng
        count = min(10, max(1, int(math.exp(rng.gauss(1.0, 0.7)))))
        numbers = list(range(1, count + 1))
        if rng.random() < 0.15:
            numbers.insert(0, 0)
        seasons = []
        for number in numbers:
            episodes = self._int(1, 4) if number == 0 else self._int(6, 24)
            files = episodes
            if status == "upcoming" or rng.random() < 0.05:
                files = 0
            elif status == "continuing" and number == count:
                files = self._int(1, episodes)
            if number == 0:
                size = _lognormal(rng, 1.5 * GIB, 0.6, 0.3 * GIB, 4 * GIB)
            else:
                size = _lognormal(rng, 9 * GIB, 0.7, 2 * GIB, 40 * GIB)
            size = size * files // episodes
            seasons.append(
                Season(
                    number=number,
                    episode_count=episodes,
                    file_count=files,
                    size=size,
                    first_file_id=self.next_episode_file,
                    rating_key=0,
                    jellyfin_id=self._jellyfin_id(),
                    emby_id=self._emby_id(),
                    pinned=self._pinned(),
                    monitored=number != 0,
                )
            )
            self.next_episode_file += files
        return seasons

    def _series_plays(self, series: Series, users: int) -> list[Play]:
        rng = self.rng
        watchable = [s for s in series.seasons if s.file_count and s.number]
        if not watchable or rng.random() > 0.55:
            return []
        plays = []
        span = max(1, self.now - series.added)
        for user in self._some(range(1, users + 1), 1, 3):
            for season in watchable[: self._int(1, min(3, len(watchable)))]:
                episodes = self._int(1, season.file_count)
                plays.append(
                    Play(
                        user=user,
                        at=series.added + int(rng.random() * span),
                        duration=int(series.runtime * 60 * (0.5 + rng.random() / 2)),
                        season=season.number,
                        episodes=episodes,
                    )
                )
        plays.sort(key=lambda p: p.at)
        return plays

    def artist(self) -> tuple[Artist, list[Album]]:
        """Make one artist and its albums; album bytes add up to the artist's."""
        rng = self.rng
        aid = self._take("artist")
        if rng.random() < 0.3:
            noun = self._pick(catalog.TITLE_NOUNS)
            name = f"The {noun} {self._pick(catalog.BAND_SUFFIXES)}"
        else:
            name = self._person()
        root = self._pick(self.roots["lidarr"])
        size = _lognormal(rng, 2 * GIB, 1.0, 0.1 * GIB, 20 * GIB)
        album_count = self._int(1, 8)
        albums = []
        left = size
        for index in range(album_count):
            share = left if index == album_count - 1 else size // album_count
            left -= share
            albums.append(
                Album(
                    id=self._take("album"),
                    artist_id=aid,
                    title=self._title(),
                    foreign_id=self._uuid(),
                    release=self.now - self._int(YEAR, 40 * YEAR),
                    track_count=self._int(8, 15),
                    size=share,
                )
            )
        artist = Artist(
            id=aid,
            name=name,
            mb_id=self._uuid(),
            status=self._pick(("continuing", "ended")),
            added=self._added(),
            root=root,
            path=f"{root}/{name}",
            quality_profile_id=self._profile("lidarr"),
            tags=self._tags("lidarr"),
            genres=self._genres(catalog.MUSIC_GENRES),
            rating=round(rng.uniform(0, 10), 1),
            votes=self._int(0, 5000),
            albums=[a.id for a in albums],
            pinned=self._pinned(),
            rating_key=self._rating_key(),
            monitored=rng.random() > 0.1,
        )
        return artist, albums

    def author(self, book_count: int) -> tuple[Author, list[Book]]:
        """Make one author with ``book_count`` books, each with one file."""
        rng = self.rng
        aid = self._take("author")
        name = self._person()
        root = self._pick(self.roots["readarr"])
        added = self._added()
        books = []
        for _ in range(book_count):
            title = self._title()
            books.append(
                Book(
                    id=self._take("book"),
                    author_id=aid,
                    title=title,
                    foreign_id=str(self._int(1_000_000, 99_999_999)),
                    edition_id=str(self._int(1_000_000, 99_999_999)),
                    isbn=f"978{self._int(0, 10**10 - 1):010d}",
                    release=self.now - self._int(YEAR, 60 * YEAR),
                    added=min(self.now, added + self._int(0, 2 * YEAR)),
                    size=_lognormal(rng, 5 * MIB, 0.9, MIB, 50 * MIB),
                    pages=self._int(120, 900),
                    genres=self._genres(catalog.BOOK_GENRES),
                    rating=round(rng.uniform(2.5, 5.0), 2),
                    votes=self._int(0, 20000),
                    pinned=self._pinned(),
                )
            )
        author = Author(
            id=aid,
            name=name,
            foreign_id=str(self._int(10_000, 9_999_999)),
            status=self._pick(("continuing", "ended")),
            added=added,
            root=root,
            path=f"{root}/{name}",
            quality_profile_id=self._profile("readarr"),
            tags=self._tags("readarr"),
            genres=self._genres(catalog.BOOK_GENRES),
            rating=round(rng.uniform(2.5, 5.0), 2),
            votes=self._int(0, 50000),
            books=[b.id for b in books],
            monitored=rng.random() > 0.1,
        )
        return author, books

    def request(self, kind: str, item: Movie | Series, users: int):
        """Make a Seerr request for ``item``; a fifth of requesters then watch it."""
        rng = self.rng
        players = sorted({p.user for p in item.plays})
        if players and rng.random() < 0.6:
            user = self._pick(players)
        else:
            user = self._int(1, users)
        created = item.added - self._int(600, 3 * DAY)
        status = rng.choices((1, 2, 3, 4, 5), (8, 55, 5, 3, 29))[0]
        return MediaRequest(
            id=self._take("request"),
            kind=kind,
            media_id=item.id,
            user=user,
            status=status,
            created=created,
            updated=min(self.now, created + self._int(60, 5 * DAY)),
        )
