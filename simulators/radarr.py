"""Radarr v6 (API v3) over the world's movies.

Serves the movie list and detail, editing a movie, movie files, deleting
movies and files with their effect on the disks, and import exclusions.
Called by the harness, which builds one per world.
"""

from __future__ import annotations

from simulators.arr_common import QUALITIES, ArrApp, flag, iso
from simulators.caching import ItemCache, ListCache
from simulators.entities import Movie
from simulators.server import HttpError, Request, Response, json_response
from simulators.sonarr import ENGLISH, PROFILE_QUALITY, media_info

# Radarr names the sources of the shared quality table its own way.
RADARR_SOURCES = {"television": "tv", "web": "webdl", "dvd": "dvd", "bluray": "bluray"}


def movie_file_path(movie: Movie) -> str:
    """Return the full path of a movie's file, the same in every service."""
    quality = next(
        q for q in QUALITIES if q[0] == PROFILE_QUALITY.get(movie.quality_profile_id, 3)
    )
    return f"{movie.path}/{movie.title} ({movie.year}) {quality[1]}.mkv"


class RadarrApp(ArrApp):
    """Simulated Radarr."""

    name = "radarr"
    service = "radarr"
    app_name = "Radarr"
    version = "6.0.3.10276"
    prefix = "/api/v3"
    quality_source = RADARR_SOURCES

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        p = self.prefix
        self.movie_cache = ItemCache(self.movie_resource)
        self.lists = ListCache()
        self.route("GET", f"{p}/movie", self.get_movies, listing="array")
        self.route("GET", f"{p}/movie/{{id}}", self.get_movie)
        self.route("PUT", f"{p}/movie/{{id}}", self.put_movie)
        self.route("DELETE", f"{p}/movie/{{id}}", self.delete_movie)
        self.route("GET", f"{p}/moviefile", self.get_movie_files, listing="array")
        self.route("GET", f"{p}/moviefile/{{id}}", self.get_movie_file)
        self.route("DELETE", f"{p}/moviefile/{{id}}", self.delete_movie_file)
        self.route("GET", f"{p}/exclusions", self.get_exclusions)

    def profile_resource(self, index: int, name: str) -> dict:
        """Add the language Radarr keeps on each quality profile."""
        resource = super().profile_resource(index, name)
        resource["language"] = ENGLISH
        for item in resource["items"]:
            item["quality"]["modifier"] = "none"
        return resource

    # Rendering --------------------------------------------------------------

    def quality(self, movie: Movie) -> dict:
        """Render the ``QualityModel`` of a movie's file."""
        base = super().profile_resource(1, "")["items"]
        qid = PROFILE_QUALITY.get(movie.quality_profile_id, 3)
        quality = next(i["quality"] for i in base if i["quality"]["id"] == qid)
        return {
            "quality": quality,
            "revision": {"version": 1, "real": 0, "isRepack": False},
        }

    def movie_file_resource(self, movie: Movie) -> dict:
        """Render the ``MovieFileResource`` of a movie that has a file."""
        quality = self.quality(movie)
        path = movie_file_path(movie)
        relative = path.rsplit("/", 1)[1]
        return {
            "movieId": movie.id,
            "relativePath": relative,
            "path": path,
            "size": movie.size,
            "dateAdded": iso(movie.added),
            "releaseGroup": "FLUX",
            "edition": "",
            "languages": [ENGLISH],
            "quality": quality,
            "customFormats": [],
            "customFormatScore": 0,
            "indexerFlags": 0,
            "mediaInfo": media_info(quality["quality"]["resolution"], movie.runtime),
            "originalFilePath": f"/downloads/complete/{relative}",
            "qualityCutoffNotMet": False,
            "id": movie.file_id,
        }

    def movie_resource(self, movie: Movie) -> dict:
        """Render a ``MovieResource``, with its file when it has one."""
        slug = f"{movie.title.lower().replace(' ', '-')}-{movie.tmdb_id}"
        has_file = bool(movie.file_id)
        release = iso(movie.added - 200 * 86_400) if movie.year < 2100 else None
        resource = {
            "title": movie.title,
            "originalTitle": movie.title,
            "originalLanguage": ENGLISH,
            "alternateTitles": [],
            "secondaryYearSourceId": 0,
            "sortTitle": movie.title.lower().removeprefix("the "),
            "sizeOnDisk": movie.size,
            "status": "released",
            "overview": f"{movie.title} is a film released in {movie.year}.",
            "inCinemas": f"{movie.year}-03-01T00:00:00Z",
            "physicalRelease": release,
            "digitalRelease": release,
            "releaseDate": release,
            "images": self.poster("movie", movie.id),
            "website": "",
            "year": movie.year,
            "youTubeTrailerId": "",
            "studio": "Northlight Pictures",
            "path": movie.path,
            "qualityProfileId": movie.quality_profile_id,
            "hasFile": has_file,
            "movieFileId": movie.file_id,
            "monitored": movie.monitored,
            "minimumAvailability": "released",
            "isAvailable": True,
            "folderName": movie.path,
            "runtime": movie.runtime,
            "cleanTitle": slug.replace("-", ""),
            "imdbId": movie.imdb_id,
            "tmdbId": movie.tmdb_id,
            "titleSlug": slug,
            "rootFolderPath": movie.root,
            "certification": "PG-13",
            "genres": movie.genres,
            "keywords": [],
            "tags": movie.tags,
            "added": iso(movie.added),
            "ratings": {
                "imdb": {
                    "votes": movie.imdb_votes,
                    "value": movie.imdb_rating,
                    "type": "user",
                },
                "tmdb": {
                    "votes": movie.tmdb_votes,
                    "value": movie.tmdb_rating,
                    "type": "user",
                },
            },
            "popularity": round(movie.tmdb_votes / 100.0, 3),
            "statistics": {
                "movieFileCount": 1 if has_file else 0,
                "sizeOnDisk": movie.size,
                "releaseGroups": ["FLUX"] if has_file else [],
            },
            "id": movie.id,
        }
        if has_file:
            resource["movieFile"] = self.movie_file_resource(movie)
        if movie.collection is not None:
            name, tmdb = movie.collection
            resource["collection"] = {"title": name, "tmdbId": tmdb}
        return {k: v for k, v in resource.items() if v is not None}

    # Movies -----------------------------------------------------------------

    def _movie(self, request: Request, raw: str) -> Movie:
        movie_id = self.int_id(request, raw)
        movie = self.world.movies.get(movie_id)
        if movie is None:
            raise self.missing(request, "Movie", movie_id)
        return movie

    def get_movies(self, request: Request) -> Response:
        tmdb = request.arg("tmdbId")
        if tmdb is not None:
            items = [
                m for m in list(self.world.movies.values()) if str(m.tmdb_id) == tmdb
            ]
            return Response(
                200, self.movie_cache.array((m.id, m.rev, m) for m in items)
            )

        def build() -> bytes:
            with self.world.lock:
                items = list(self.world.movies.values())
            return self.movie_cache.array((m.id, m.rev, m) for m in items)

        return Response(200, self.lists.get("movies", self.world.version, build))

    def get_movie(self, request: Request, id: str) -> Response:
        movie = self._movie(request, id)
        return Response(200, self.movie_cache.item(movie.id, movie.rev, movie))

    def put_movie(self, request: Request, id: str) -> Response:
        movie = self._movie(request, id)
        body = request.json(self.bad_request)
        if not isinstance(body, dict):
            raise HttpError(self.bad_request("Request body must be a movie"))
        with self.world.lock:
            if isinstance(body.get("monitored"), bool):
                movie.monitored = body["monitored"]
            if isinstance(body.get("qualityProfileId"), int):
                movie.quality_profile_id = body["qualityProfileId"]
            if isinstance(body.get("tags"), list):
                movie.tags = [t for t in body["tags"] if isinstance(t, int)]
            self.world.touch(movie)
        # Radarr answers an update with 202 Accepted and the stored resource.
        return json_response(self.movie_resource(movie), 202)

    def delete_movie(self, request: Request, id: str) -> Response:
        movie = self._movie(request, id)
        # Radarr calls the flag addImportExclusion, unlike Sonarr.
        self.world.delete_movie(
            movie.id, flag(request, "deleteFiles"), flag(request, "addImportExclusion")
        )
        return Response(200, b"", None)

    # Movie files ------------------------------------------------------------

    def get_movie_files(self, request: Request):
        movie_ids = [x for raw in request.args("movieId") for x in raw.split(",")]
        file_ids = [x for raw in request.args("movieFileIds") for x in raw.split(",")]
        if not movie_ids and not file_ids:
            return self.bad_request("movieId or movieFileIds must be provided")
        movies = list(self.world.movies.values())
        picked = [
            m
            for m in movies
            if m.file_id and (str(m.id) in movie_ids or str(m.file_id) in file_ids)
        ]
        return [self.movie_file_resource(m) for m in picked]

    def _movie_by_file(self, request: Request, raw: str) -> Movie:
        file_id = self.int_id(request, raw)
        for movie in list(self.world.movies.values()):
            if movie.file_id == file_id:
                return movie
        raise self.missing(request, "MovieFile", file_id)

    def get_movie_file(self, request: Request, id: str):
        return self.movie_file_resource(self._movie_by_file(request, id))

    def delete_movie_file(self, request: Request, id: str) -> Response:
        movie = self._movie_by_file(request, id)
        self.world.delete_movie_file(movie.id)
        return Response(200, b"", None)

    def get_exclusions(self, request: Request):
        return [
            {
                "tmdbId": int(e.foreign_id),
                "movieTitle": e.title,
                "movieYear": e.year,
                "id": e.id,
            }
            for e in list(self.world.exclusions["radarr"])
        ]
