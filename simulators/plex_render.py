"""Plex metadata rendering, key lookup and caches for :mod:`simulators.plex`.

Listing entries are rendered once to JSON bytes and kept until the world
changes. View counts are the token owner's, as a real Plex reports them.
"""

from __future__ import annotations

import json
import threading
from xml.etree import ElementTree

from simulators import watching
from simulators.caching import ItemCache
from simulators.radarr import movie_file_path
from simulators.server import dump_json
from simulators.sonarr import episode_relative_path

OWNER = 1
# Episodes have no stored key: it is derived from the season's key.
EPISODE_KEY_BASE = 1_000_000_000


def episode_key(season_key: int, episode: int) -> int:
    """Return the ratingKey of episode ``episode`` of the season ``season_key``."""
    return EPISODE_KEY_BASE + season_key * 1000 + episode


def loads(raw: bytes):
    """Decode one pre-rendered JSON entry."""
    return json.loads(raw)


def _xml_node(tag: str, value: dict) -> ElementTree.Element:
    node = ElementTree.Element(tag)
    for key, item in value.items():
        if isinstance(item, list):
            for child in item:
                child_tag = key
                if key == "Metadata":
                    child_tag = (
                        "Video"
                        if child.get("type") in ("movie", "episode")
                        else "Directory"
                    )
                node.append(_xml_node(child_tag, child))
        elif isinstance(item, bool):
            node.set(key, "1" if item else "0")
        else:
            node.set(key, str(item))
    return node


def to_xml(container: dict) -> bytes:
    """Render a MediaContainer as Plex's default XML."""
    body = ElementTree.tostring(
        _xml_node("MediaContainer", container), encoding="unicode"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def section_directory(key: str, title: str, kind: str, location: str) -> dict:
    """Render one library section as a ``Directory`` entry."""
    agent = {
        "movie": "tv.plex.agents.movie",
        "show": "tv.plex.agents.series",
        "artist": "tv.plex.agents.music",
    }[kind]
    return {
        "allowSync": True,
        "art": f"/:/resources/{kind}-fanart.jpg",
        "composite": f"/library/sections/{key}/composite/1734000000",
        "filters": True,
        "refreshing": False,
        "thumb": f"/:/resources/{kind}.png",
        "key": key,
        "type": kind,
        "title": title,
        "agent": agent,
        "scanner": {
            "movie": "Plex Movie",
            "show": "Plex TV Series",
            "artist": "Plex Music",
        }[kind],
        "language": "en-US",
        "uuid": f"0000{key}-5e1c-4d6b-9a8e-00000000000{key}",
        "updatedAt": 1734000000,
        "createdAt": 1600000000,
        "scannedAt": 1734000000,
        "content": True,
        "directory": True,
        "contentChangedAt": 123456,
        "hidden": False,
        "Location": [{"id": int(key), "path": location}],
    }


def _tags(values) -> list[dict]:
    return [{"tag": v} for v in values]


def _views(count: int, last: int | None, out: dict) -> None:
    # Plex leaves out view state that is empty.
    if count:
        out["viewCount"] = count
    if last:
        out["lastViewedAt"] = last


class PlexCaches:
    """Rendered Plex entries and the ratingKey index, kept per world version."""

    def __init__(self, app):
        self.app = app
        self.world = app.world
        self._lock = threading.Lock()
        self._lists: dict = {}
        self._index: tuple[int, dict] = (-1, {})
        self._items = {
            True: ItemCache(lambda x: self._render(x, True)),
            False: ItemCache(lambda x: self._render(x, False)),
        }

    # Rendering --------------------------------------------------------------

    def _render(self, item: tuple, guids: bool) -> dict:
        kind = item[0]
        if kind == "movie":
            return self._movie(item[1], guids)
        if kind == "show":
            return self._show(item[1], guids)
        if kind == "season":
            return self._season(item[1], item[2])
        return self._artist(item[1], guids)

    def _common(self, rating_key: int, kind: str, section: int, title: str) -> dict:
        return {
            "ratingKey": str(rating_key),
            "key": f"/library/metadata/{rating_key}",
            "guid": f"plex://{kind}/{rating_key:024x}",
            "type": kind,
            "title": title,
            "librarySectionID": section,
            "librarySectionKey": f"/library/sections/{section}",
            "librarySectionTitle": {1: "Movies", 2: "TV Shows", 3: "Music"}[section],
        }

    def _movie(self, movie, guids: bool) -> dict:
        out = self._common(movie.rating_key, "movie", 1, movie.title)
        out.update(
            contentRating="PG-13",
            summary=f"{movie.title} is a film released in {movie.year}.",
            rating=movie.imdb_rating,
            audienceRating=round(movie.tmdb_rating, 1),
            audienceRatingImage="themoviedb://image.rating",
            year=movie.year,
            thumb=f"/library/metadata/{movie.rating_key}/thumb/{movie.added}",
            duration=movie.runtime * 60_000,
            originallyAvailableAt=f"{movie.year}-03-01",
            addedAt=movie.added,
            updatedAt=movie.added,
        )
        count, last = watching.movie_stats(movie, OWNER)
        _views(count, last, out)
        out["Media"] = [
            {
                "id": movie.file_id,
                "duration": movie.runtime * 60_000,
                "bitrate": int(movie.size * 8 / max(1, movie.runtime * 60) / 1000),
                "container": "mkv",
                "videoCodec": "h264",
                "audioCodec": "eac3",
                "audioChannels": 6,
                "videoResolution": "1080",
                "Part": [
                    {
                        "id": movie.file_id,
                        "key": f"/library/parts/{movie.file_id}/{movie.added}/file.mkv",
                        "duration": movie.runtime * 60_000,
                        "file": movie_file_path(movie),
                        "size": movie.size,
                        "container": "mkv",
                    }
                ],
            }
        ]
        out["Genre"] = _tags(movie.genres)
        if movie.collection is not None:
            out["Collection"] = _tags([movie.collection[0]])
        if movie.labels:
            out["Label"] = _tags(movie.labels)
        if guids:
            out["Guid"] = [
                {"id": f"imdb://{movie.imdb_id}"},
                {"id": f"tmdb://{movie.tmdb_id}"},
            ]
        return out

    def _seasons_with_files(self, series) -> list:
        return [s for s in series.seasons if s.file_count > len(s.deleted_files)]

    def _show(self, series, guids: bool) -> dict:
        out = self._common(series.rating_key, "show", 2, series.title)
        out["key"] += "/children"
        seasons = self._seasons_with_files(series)
        views = watching.episode_views(series, OWNER)
        leaves = sum(len(s.live_files()) for s in seasons)
        out.update(
            contentRating="TV-14",
            summary=f"{series.title} follows a story told over many seasons.",
            audienceRating=series.rating,
            year=series.year,
            thumb=f"/library/metadata/{series.rating_key}/thumb/{series.added}",
            originallyAvailableAt=f"{series.year}-01-15",
            leafCount=leaves,
            viewedLeafCount=len(views),
            childCount=len(seasons),
            addedAt=series.added,
            updatedAt=series.added,
        )
        if views:
            _views(
                sum(v[0] for v in views.values()),
                max(v[1] for v in views.values()),
                out,
            )
        out["Genre"] = _tags(series.genres)
        if series.labels:
            out["Label"] = _tags(series.labels)
        if guids:
            out["Guid"] = [
                {"id": f"imdb://{series.imdb_id}"},
                {"id": f"tmdb://{series.tmdb_id}"},
                {"id": f"tvdb://{series.tvdb_id}"},
            ]
        return out

    def _season(self, series, season) -> dict:
        out = self._common(season.rating_key, "season", 2, f"Season {season.number}")
        if season.number == 0:
            out["title"] = "Specials"
        out["key"] += "/children"
        views = {
            k: v
            for k, v in watching.episode_views(series, OWNER).items()
            if k[0] == season.number
        }
        out.update(
            parentRatingKey=str(series.rating_key),
            parentTitle=series.title,
            parentYear=series.year,
            index=season.number,
            leafCount=len(season.live_files()),
            viewedLeafCount=len(views),
            addedAt=series.added,
            updatedAt=series.added,
        )
        if views:
            _views(
                sum(v[0] for v in views.values()),
                max(v[1] for v in views.values()),
                out,
            )
        return out

    def _episode(self, series, season, index: int) -> dict:
        number = index + 1
        key = episode_key(season.rating_key, number)
        out = self._common(key, "episode", 2, f"Episode {number}")
        count, last = watching.episode_views(series, OWNER).get(
            (season.number, number), (0, 0)
        )
        out.update(
            parentRatingKey=str(season.rating_key),
            grandparentRatingKey=str(series.rating_key),
            parentTitle=f"Season {season.number}",
            grandparentTitle=series.title,
            index=number,
            parentIndex=season.number,
            duration=series.runtime * 60_000,
            addedAt=series.added + number * 3600,
        )
        _views(count, last or None, out)
        out["Media"] = [
            {
                "id": season.first_file_id + index,
                "duration": series.runtime * 60_000,
                "container": "mkv",
                "Part": [
                    {
                        "id": season.first_file_id + index,
                        "file": f"{series.path}/"
                        + episode_relative_path(series, season, index),
                        "size": season.file_size(index),
                        "container": "mkv",
                    }
                ],
            }
        ]
        return out

    def _artist(self, artist, guids: bool) -> dict:
        out = self._common(artist.rating_key, "artist", 3, artist.name)
        out["key"] += "/children"
        out.update(
            addedAt=artist.added, updatedAt=artist.added, Genre=_tags(artist.genres)
        )
        if guids:
            out["Guid"] = [{"id": f"mbid://{artist.mb_id}"}]
        return out

    # Lookups ----------------------------------------------------------------

    def section_entries(self, kind: str, guids: bool) -> list[bytes]:
        """Return the rendered entries of one section, in library order."""
        version = self.world.version
        hit = self._lists.get((kind, guids))
        if hit is not None and hit[0] == version:
            return hit[1]
        cache = self._items[guids]
        with self.world.lock:
            if kind == "movie":
                rows = [("movie", m) for m in self.world.movies.values() if m.file_id]
            elif kind == "show":
                rows = [
                    ("show", s)
                    for s in self.world.series.values()
                    if self._seasons_with_files(s)
                ]
            else:
                rows = [("artist", a) for a in self.world.artists.values()]
        entries = [cache.item((r[0], r[1].id), r[1].rev, r) for r in rows]
        self._lists[(kind, guids)] = (version, entries)
        return entries

    def _build_index(self) -> dict:
        index = {}
        for movie in self.world.movies.values():
            if movie.file_id:
                index[movie.rating_key] = ("movie", movie)
        for series in self.world.series.values():
            index[series.rating_key] = ("show", series)
            for season in series.seasons:
                index[season.rating_key] = ("season", series, season)
        for artist in self.world.artists.values():
            index[artist.rating_key] = ("artist", artist)
        return index

    def find(self, key: str):
        """Return the item behind a ratingKey, or None."""
        if not key.isdigit():
            return None
        with self._lock:
            if self._index[0] != self.world.version:
                with self.world.lock:
                    self._index = (self.world.version, self._build_index())
            return self._index[1].get(int(key))

    def detail(self, item: tuple) -> bytes:
        """Render one item for ``/library/metadata/{key}``; GUIDs always included."""
        return dump_json(self._render(item, True))

    def children(self, item: tuple) -> list[bytes]:
        """Render the seasons of a show or the episodes of a season."""
        if item[0] == "show":
            return [
                dump_json(self._season(item[1], s))
                for s in self._seasons_with_files(item[1])
            ]
        if item[0] == "season":
            series, season = item[1], item[2]
            return [
                dump_json(self._episode(series, season, i)) for i in season.live_files()
            ]
        return []

    def on_deck(self) -> list[bytes]:
        """Render the owner's partly watched movies and next episodes."""
        picks = []
        with self.world.lock:
            for movie in self.world.movies.values():
                mine = watching.plays_of(movie, OWNER)
                if movie.file_id and mine and mine[-1].duration < movie.runtime * 54:
                    entry = self._movie(movie, False)
                    entry["viewOffset"] = mine[-1].duration * 1000
                    picks.append((mine[-1].at, entry))
            for series in self.world.series.values():
                mine = watching.plays_of(series, OWNER)
                if not mine:
                    continue
                last = mine[-1]
                season = next(
                    (s for s in series.seasons if s.number == last.season), None
                )
                if (
                    season
                    and last.episodes < season.file_count
                    and last.episodes not in season.deleted_files
                ):
                    picks.append(
                        (last.at, self._episode(series, season, last.episodes))
                    )
        picks.sort(key=lambda p: -p[0])
        return [dump_json(entry) for _, entry in picks[:50]]
