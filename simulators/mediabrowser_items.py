"""Item rendering and lookup shared by the Jellyfin and Emby simulators.

Both servers descend from Media Browser and describe items with the same
PascalCase ``BaseItemDto``. :class:`ItemCatalogue` turns world entities into
DTOs for one flavour (Jellyfin or Emby ids), answers id lookups and lists
the children of libraries, box sets, series and seasons.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from simulators import watching
from simulators.radarr import movie_file_path
from simulators.sonarr import episode_relative_path

TICKS_PER_SECOND = 10_000_000
LIBRARIES = (("movies", "Movies"), ("tvshows", "Shows"), ("boxsets", "Collections"))


def ms_date(epoch: int) -> str:
    """Format epoch seconds as .NET's round-trip UTC date, as both servers do."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


class ItemCatalogue:
    """DTOs and id lookups over the world for one server flavour.

    Args:
        world: The shared world.
        server_id: The server's id, written into every DTO.
        emby: Render Emby's variant (numeric ids, top-level ``Size``).
    """

    def __init__(self, world, server_id: str, emby: bool):
        self.world = world
        self.server_id = server_id
        self.emby = emby
        self._lock = threading.Lock()
        self._index: tuple[int, dict] = (-1, {})
        self._counts: tuple[int, dict] = (-1, {})

    # Ids --------------------------------------------------------------------

    def item_id(self, obj) -> str:
        """Return the id this flavour gives a movie, series or season."""
        return obj.emby_id if self.emby else obj.jellyfin_id

    def episode_id(self, season, number: int) -> str:
        """Return the derived id of an episode."""
        if self.emby:
            return str(int(season.emby_id) * 1000 + number)
        return season.jellyfin_id[:24] + f"{number:08x}"

    def library_id(self, kind: str) -> str:
        """Return the id of a library (collection folder)."""
        index = [k for k, _ in LIBRARIES].index(kind) + 1
        return str(index * 7) if self.emby else f"{index:032x}"

    def boxset_id(self, tmdb: int) -> str:
        """Return the id of the box set for a collection's TMDb id."""
        return str(50_000_000 + tmdb) if self.emby else f"b0{tmdb:030x}"

    def user_id(self, user) -> str:
        """Return the id of a user."""
        return f"{user.id:08x}" + "5eed" * 6

    # Lookup -----------------------------------------------------------------

    def _build(self) -> dict:
        index: dict[str, tuple] = {}
        for kind, _ in LIBRARIES:
            index[self.library_id(kind)] = ("library", kind)
        for movie in self.world.movies.values():
            if movie.file_id:
                index[self.item_id(movie)] = ("movie", movie)
                if movie.collection is not None:
                    index[self.boxset_id(movie.collection[1])] = (
                        "boxset",
                        movie.collection,
                    )
        for series in self.world.series.values():
            index[self.item_id(series)] = ("series", series)
            for season in series.seasons:
                index[self.item_id(season)] = ("season", series, season)
        return index

    def find(self, item_id: str):
        """Return the entry behind an id, or None."""
        with self._lock:
            if self._index[0] != self.world.version:
                with self.world.lock:
                    self._index = (self.world.version, self._build())
            return self._index[1].get(item_id)

    def boxsets(self) -> list[tuple[str, int]]:
        """Return the collections that still have a movie with a file."""
        return sorted(self._boxset_counts()[1], key=lambda c: c[0])

    def boxset_size(self, collection: tuple[str, int]) -> int:
        """How many movies with a file a collection holds."""
        return self._boxset_counts()[1].get(collection, 0)

    def _boxset_counts(self) -> tuple[int, dict]:
        with self._lock:
            if self._counts[0] == self.world.version:
                return self._counts
            counts: dict[tuple[str, int], int] = {}
            for movie in list(self.world.movies.values()):
                if movie.file_id and movie.collection is not None:
                    counts[movie.collection] = counts.get(movie.collection, 0) + 1
            self._counts = (self.world.version, counts)
            return self._counts

    # Rendering --------------------------------------------------------------

    def _base(self, name: str, item_id: str, kind: str, folder: bool) -> dict:
        return {
            "Name": name,
            "ServerId": self.server_id,
            "Id": item_id,
            "Type": kind,
            "IsFolder": folder,
        }

    def user_data(
        self,
        item_id: str,
        key: str,
        count: int,
        last,
        favourite: bool,
        played: bool,
        extra: dict | None = None,
    ) -> dict:
        """Render ``UserData`` for one user and item."""
        data = {
            "PlaybackPositionTicks": 0,
            "PlayCount": count,
            "IsFavorite": favourite,
            "Played": played,
            "Key": key,
            "ItemId": item_id,
        }
        if last:
            data["LastPlayedDate"] = ms_date(last)
        if extra:
            data.update(extra)
        return data

    def library(self, kind: str) -> dict:
        """Render a library as a ``CollectionFolder``."""
        name = dict(LIBRARIES)[kind]
        out = self._base(name, self.library_id(kind), "CollectionFolder", True)
        out["CollectionType"] = kind
        return out

    def movie(self, movie, fields: set[str], user) -> dict:
        """Render a movie."""
        item_id = self.item_id(movie)
        out = self._base(movie.title, item_id, "Movie", False)
        out.update(
            ProductionYear=movie.year,
            CommunityRating=movie.tmdb_rating,
            RunTimeTicks=movie.runtime * 60 * TICKS_PER_SECOND,
            PremiereDate=ms_date(movie.added - 200 * 86_400),
            MediaType="Video",
            LocationType="FileSystem",
        )
        self._fields(out, fields, movie.added, movie.genres, movie.labels)
        if "providerids" in fields:
            out["ProviderIds"] = {"Tmdb": str(movie.tmdb_id), "Imdb": movie.imdb_id}
        path = movie_file_path(movie)
        if "path" in fields:
            out["Path"] = path
        if "mediasources" in fields:
            out["MediaSources"] = [
                {
                    "Protocol": "File",
                    "Id": item_id,
                    "Path": path,
                    "Type": "Default",
                    "Container": "mkv",
                    "Size": movie.size,
                    "Name": movie.title,
                    "IsRemote": False,
                    "RunTimeTicks": out["RunTimeTicks"],
                }
            ]
        if self.emby and (
            "size" in fields or "mediasources" in fields or "path" in fields
        ):
            # Emby's BaseItemDto carries the file size and name at the top level.
            out["Size"] = movie.size
            out["FileName"] = path.rsplit("/", 1)[1]
        if user is not None:
            count, last = watching.movie_stats(movie, user.id)
            out["UserData"] = self.user_data(
                item_id,
                str(movie.tmdb_id),
                count,
                last,
                user.id in movie.favourite_of,
                count > 0,
            )
        return out

    def series(self, series, fields: set[str], user) -> dict:
        """Render a series; its own play count stays 0, as on the real servers."""
        item_id = self.item_id(series)
        out = self._base(series.title, item_id, "Series", True)
        out.update(
            ProductionYear=series.year,
            CommunityRating=series.rating,
            Status="Ended" if series.status == "ended" else "Continuing",
            LocationType="FileSystem",
        )
        self._fields(out, fields, series.added, series.genres, series.labels)
        if "providerids" in fields:
            out["ProviderIds"] = {
                "Tmdb": str(series.tmdb_id),
                "Imdb": series.imdb_id,
                "Tvdb": str(series.tvdb_id),
            }
        if "path" in fields:
            out["Path"] = series.path
        leaves = sum(len(s.live_files()) for s in series.seasons)
        if "childcount" in fields or "recursiveitemcount" in fields:
            out["ChildCount"] = len([s for s in series.seasons if s.live_files()])
            out["RecursiveItemCount"] = leaves
        if user is not None:
            _, seen, _ = watching.series_stats(series, user.id)
            unplayed = max(0, leaves - seen)
            extra = {"UnplayedItemCount": unplayed}
            if leaves:
                extra["PlayedPercentage"] = seen * 100.0 / leaves
            out["UserData"] = self.user_data(
                item_id,
                str(series.tvdb_id),
                0,
                None,
                user.id in series.favourite_of,
                leaves > 0 and unplayed == 0,
                extra,
            )
        return out

    def season(self, series, season, fields: set[str], user) -> dict:
        """Render a season."""
        item_id = self.item_id(season)
        name = "Specials" if season.number == 0 else f"Season {season.number}"
        out = self._base(name, item_id, "Season", True)
        out.update(
            IndexNumber=season.number,
            SeriesId=self.item_id(series),
            SeriesName=series.title,
            ParentId=self.item_id(series),
        )
        if user is not None:
            seen = sum(
                1
                for k in watching.episode_views(series, user.id)
                if k[0] == season.number
            )
            out["UserData"] = self.user_data(
                item_id,
                f"{series.tvdb_id}{season.number:03d}",
                0,
                None,
                False,
                seen >= len(season.live_files()) > 0,
                {"UnplayedItemCount": max(0, len(season.live_files()) - seen)},
            )
        return out

    def episode(self, series, season, index: int, fields: set[str], user) -> dict:
        """Render an episode."""
        number = index + 1
        item_id = self.episode_id(season, number)
        out = self._base(f"Episode {number}", item_id, "Episode", False)
        out.update(
            IndexNumber=number,
            ParentIndexNumber=season.number,
            SeriesId=self.item_id(series),
            SeriesName=series.title,
            SeasonId=self.item_id(season),
            ParentId=self.item_id(season),
            RunTimeTicks=series.runtime * 60 * TICKS_PER_SECOND,
            MediaType="Video",
            LocationType="FileSystem",
        )
        path = f"{series.path}/{episode_relative_path(series, season, index)}"
        if "path" in fields:
            out["Path"] = path
        if "mediasources" in fields:
            out["MediaSources"] = [
                {
                    "Protocol": "File",
                    "Id": item_id,
                    "Path": path,
                    "Type": "Default",
                    "Container": "mkv",
                    "Size": season.file_size(index),
                    "IsRemote": False,
                }
            ]
        if self.emby and ("size" in fields or "mediasources" in fields):
            out["Size"] = season.file_size(index)
        if user is not None:
            count, last = watching.episode_views(series, user.id).get(
                (season.number, number), (0, 0)
            )
            out["UserData"] = self.user_data(
                item_id,
                f"{series.tvdb_id}-{number}",
                count,
                last or None,
                False,
                count > 0,
            )
        return out

    def boxset(self, collection: tuple[str, int], fields: set[str], user) -> dict:
        """Render a box set for a movie collection."""
        item_id = self.boxset_id(collection[1])
        out = self._base(collection[0], item_id, "BoxSet", True)
        if "providerids" in fields:
            out["ProviderIds"] = {"Tmdb": str(collection[1])}
        if "childcount" in fields or "recursiveitemcount" in fields:
            out["ChildCount"] = self.boxset_size(collection)
        if user is not None:
            out["UserData"] = self.user_data(
                item_id, str(collection[1]), 0, None, False, False
            )
        return out

    @staticmethod
    def _fields(out: dict, fields: set[str], added: int, genres, labels) -> None:
        if "datecreated" in fields:
            out["DateCreated"] = ms_date(added)
        if "genres" in fields:
            out["Genres"] = list(genres)
        if "tags" in fields:
            out["Tags"] = list(labels)
