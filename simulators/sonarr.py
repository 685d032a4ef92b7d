"""Sonarr v4 (API v3) over the world's series.

Serves the series list and detail, editing a series (to unmonitor a season),
episode files by series, and deleting series and episode files with their
effects on the disks. Called by the harness, which builds one per world.
"""

from __future__ import annotations

from simulators.arr_common import QUALITIES, ArrApp, flag, iso
from simulators.caching import ItemCache, ListCache
from simulators.entities import Season, Series
from simulators.server import HttpError, Request, Response, json_response

ENGLISH = {"id": 1, "name": "English"}
# The quality a series' files have, by quality profile id.
PROFILE_QUALITY = {1: 1, 2: 2, 3: 4, 4: 3, 5: 19, 6: 7}


def quality_model(quality_id: int) -> dict:
    """Render a ``QualityModel`` for one of the known qualities."""
    qid, name, source, resolution = next(q for q in QUALITIES if q[0] == quality_id)
    return {
        "quality": {
            "id": qid,
            "name": name,
            "source": source,
            "resolution": resolution,
        },
        "revision": {"version": 1, "real": 0, "isRepack": False},
    }


def media_info(resolution: int, runtime_minutes: int) -> dict:
    """Render a plausible ``MediaInfoResource``."""
    width = {480: 720, 720: 1280, 1080: 1920, 2160: 3840}[resolution]
    return {
        "audioBitrate": 640000,
        "audioChannels": 5.1,
        "audioCodec": "EAC3",
        "audioLanguages": "eng",
        "audioStreamCount": 1,
        "videoBitDepth": 10 if resolution == 2160 else 8,
        "videoBitrate": 0,
        "videoCodec": "x265" if resolution == 2160 else "x264",
        "videoFps": 23.976,
        "videoDynamicRange": "HDR" if resolution == 2160 else "",
        "videoDynamicRangeType": "HDR10" if resolution == 2160 else "",
        "resolution": f"{width}x{resolution}",
        "runTime": f"{runtime_minutes}:{(runtime_minutes * 7) % 60:02d}",
        "scanType": "Progressive",
        "subtitles": "eng",
    }


def episode_relative_path(series: Series, season: Season, index: int) -> str:
    """Return the path of episode file ``index`` relative to the series folder."""
    quality = next(
        q
        for q in QUALITIES
        if q[0] == PROFILE_QUALITY.get(series.quality_profile_id, 3)
    )
    return (
        f"Season {season.number:02d}/{series.title} - "
        f"S{season.number:02d}E{index + 1:02d} - {quality[1]}.mkv"
    )


class SonarrApp(ArrApp):
    """Simulated Sonarr."""

    name = "sonarr"
    service = "sonarr"
    app_name = "Sonarr"
    version = "4.0.19.2979"
    prefix = "/api/v3"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        p = self.prefix
        self.series_cache = ItemCache(self.series_resource)
        self.lists = ListCache()
        self.route("GET", f"{p}/series", self.get_series_list, listing="array")
        self.route("GET", f"{p}/series/{{id}}", self.get_series)
        self.route("PUT", f"{p}/series/{{id}}", self.put_series)
        self.route("DELETE", f"{p}/series/{{id}}", self.delete_series)
        self.route("GET", f"{p}/episodefile", self.get_episode_files, listing="array")
        self.route("DELETE", f"{p}/episodefile/bulk", self.delete_episode_files)
        self.route("GET", f"{p}/episodefile/{{id}}", self.get_episode_file)
        self.route("DELETE", f"{p}/episodefile/{{id}}", self.delete_episode_file)
        self.route("GET", f"{p}/importlistexclusion", self.get_exclusions)
        self.route("GET", f"{p}/languageprofile", self.get_language_profiles)

    # Rendering --------------------------------------------------------------

    @staticmethod
    def _season_stats(season: Season) -> dict:
        files = season.file_count - len(season.deleted_files)
        wanted = season.episode_count if season.monitored else files
        return {
            "episodeFileCount": files,
            "episodeCount": wanted,
            "totalEpisodeCount": season.episode_count,
            "sizeOnDisk": season.size_on_disk(),
            "releaseGroups": ["NTb"] if files else [],
            "percentOfEpisodes": files * 100.0 / wanted if wanted else 0.0,
        }

    def series_resource(self, series: Series) -> dict:
        """Render a ``SeriesResource`` with seasons and statistics."""
        seasons = [
            {
                "seasonNumber": s.number,
                "monitored": s.monitored,
                "statistics": self._season_stats(s),
            }
            for s in series.seasons
        ]
        stats = [x["statistics"] for x in seasons]
        files = sum(x["episodeFileCount"] for x in stats)
        wanted = sum(x["episodeCount"] for x in stats)
        slug = series.title.lower().replace(" ", "-")
        first = f"{series.year}-01-15T00:00:00Z"
        resource = {
            "title": series.title,
            "alternateTitles": [],
            "sortTitle": series.title.lower().removeprefix("the "),
            "status": series.status,
            "ended": series.status == "ended",
            "overview": f"{series.title} follows a story told over many seasons.",
            "network": series.network,
            "airTime": "21:00",
            "images": self.poster("series", series.id),
            "originalLanguage": ENGLISH,
            "seasons": seasons,
            "year": series.year,
            "path": series.path,
            "qualityProfileId": series.quality_profile_id,
            "seasonFolder": True,
            "monitored": series.monitored,
            "monitorNewItems": "all",
            "useSceneNumbering": False,
            "runtime": series.runtime,
            "tvdbId": series.tvdb_id,
            "tvRageId": 0,
            "tvMazeId": series.tvdb_id // 3,
            "tmdbId": series.tmdb_id,
            "seriesType": "standard",
            "cleanTitle": slug.replace("-", ""),
            "imdbId": series.imdb_id,
            "titleSlug": f"{slug}-{series.id}",
            "rootFolderPath": series.root,
            "certification": "TV-14",
            "genres": series.genres,
            "tags": series.tags,
            "added": iso(series.added),
            "ratings": self.ratings(series.rating, series.votes),
            "statistics": {
                "seasonCount": sum(1 for s in series.seasons if s.number),
                "episodeFileCount": files,
                "episodeCount": wanted,
                "totalEpisodeCount": sum(s.episode_count for s in series.seasons),
                "sizeOnDisk": sum(x["sizeOnDisk"] for x in stats),
                "releaseGroups": ["NTb"] if files else [],
                "percentOfEpisodes": files * 100.0 / wanted if wanted else 0.0,
            },
            "languageProfileId": 1,
            "id": series.id,
        }
        if series.status != "upcoming":
            resource["firstAired"] = first
            resource["previousAiring"] = iso(series.added - 86_400)
            resource["lastAired"] = iso(series.added - 86_400)
        if series.status == "continuing":
            resource["nextAiring"] = iso(self.world.now + 6 * 86_400)
        return resource

    def episode_file_resource(self, series: Series, season: Season, index: int) -> dict:
        """Render one ``EpisodeFileResource``."""
        quality_id = PROFILE_QUALITY.get(series.quality_profile_id, 3)
        quality = quality_model(quality_id)
        episode = index + 1
        relative = episode_relative_path(series, season, index)
        return {
            "seriesId": series.id,
            "seasonNumber": season.number,
            "relativePath": relative,
            "path": f"{series.path}/{relative}",
            "size": season.file_size(index),
            "dateAdded": iso(series.added + episode * 3600),
            "releaseGroup": "NTb",
            "languages": [ENGLISH],
            "quality": quality,
            "customFormats": [],
            "customFormatScore": 0,
            "indexerFlags": 0,
            "releaseType": "singleEpisode",
            "mediaInfo": media_info(quality["quality"]["resolution"], series.runtime),
            "qualityCutoffNotMet": False,
            "id": season.first_file_id + index,
        }

    # Series -----------------------------------------------------------------

    def _series(self, request: Request, raw: str) -> Series:
        series_id = self.int_id(request, raw)
        series = self.world.series.get(series_id)
        if series is None:
            raise self.missing(request, "Series", series_id)
        return series

    def get_series_list(self, request: Request) -> Response:
        tvdb = request.arg("tvdbId")
        if tvdb is not None:
            items = [
                s for s in list(self.world.series.values()) if str(s.tvdb_id) == tvdb
            ]
            return Response(
                200, self.series_cache.array((s.id, s.rev, s) for s in items)
            )

        def build() -> bytes:
            with self.world.lock:
                items = list(self.world.series.values())
            return self.series_cache.array((s.id, s.rev, s) for s in items)

        return Response(200, self.lists.get("series", self.world.version, build))

    def get_series(self, request: Request, id: str) -> Response:
        series = self._series(request, id)
        return Response(200, self.series_cache.item(series.id, series.rev, series))

    def put_series(self, request: Request, id: str) -> Response:
        series = self._series(request, id)
        body = request.json(self.bad_request)
        if not isinstance(body, dict):
            raise HttpError(self.bad_request("Request body must be a series"))
        with self.world.lock:
            if isinstance(body.get("monitored"), bool):
                series.monitored = body["monitored"]
            if isinstance(body.get("qualityProfileId"), int):
                series.quality_profile_id = body["qualityProfileId"]
            if isinstance(body.get("tags"), list):
                series.tags = [t for t in body["tags"] if isinstance(t, int)]
            by_number = {s.number: s for s in series.seasons}
            for season in body.get("seasons") or []:
                target = by_number.get(season.get("seasonNumber"))
                if target is not None and isinstance(season.get("monitored"), bool):
                    target.monitored = season["monitored"]
            self.world.touch(series)
        # Sonarr answers an update with 202 Accepted and the stored resource.
        response = json_response(self.series_resource(series), 202)
        response.headers.append(("Location", f"{self.prefix}/series/{series.id}"))
        return response

    def delete_series(self, request: Request, id: str) -> Response:
        series = self._series(request, id)
        self.world.delete_series(
            series.id,
            flag(request, "deleteFiles"),
            flag(request, "addImportListExclusion"),
        )
        return Response(200, b"", None)

    # Episode files ----------------------------------------------------------

    def get_episode_files(self, request: Request):
        # Sonarr's endpoint takes seriesId or episodeFileIds only: it ignores a
        # seasonNumber parameter and returns the files of every season.
        series_id = request.arg("seriesId")
        wanted = request.args("episodeFileIds")
        if series_id is None and not wanted:
            return self.bad_request("seriesId or episodeFileIds must be provided")
        if series_id is not None:
            series = self._series(request, series_id)
            return [
                self.episode_file_resource(series, season, i)
                for season in series.seasons
                for i in season.live_files()
            ]
        ids = []
        for raw in wanted:
            ids.extend(int(x) for x in raw.split(",") if x.strip().isdigit())
        found = []
        with self.world.lock:
            for fid in ids:
                hit = self.world.find_episode_file(fid)
                if hit is not None:
                    found.append(self.episode_file_resource(*hit))
        return found

    def _episode_file(self, request: Request, raw: str):
        file_id = self.int_id(request, raw)
        hit = self.world.find_episode_file(file_id)
        if hit is None:
            raise self.missing(request, "EpisodeFile", file_id)
        return file_id, hit

    def get_episode_file(self, request: Request, id: str):
        _, hit = self._episode_file(request, id)
        return self.episode_file_resource(*hit)

    def delete_episode_file(self, request: Request, id: str) -> Response:
        file_id, _ = self._episode_file(request, id)
        self.world.delete_episode_files([file_id])
        return Response(200, b"", None)

    def delete_episode_files(self, request: Request):
        body = request.json(self.bad_request)
        ids = body.get("episodeFileIds") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return self.bad_request("episodeFileIds must be a list of ids")
        self.world.delete_episode_files(ids)
        return {}

    # Other ------------------------------------------------------------------

    def get_exclusions(self, request: Request):
        return [
            {"tvdbId": int(e.foreign_id), "title": e.title, "id": e.id}
            for e in list(self.world.exclusions["sonarr"])
        ]

    def get_language_profiles(self, request: Request):
        # Sonarr v4 keeps one stub profile for old clients.
        return [
            {
                "name": "Deprecated",
                "upgradeAllowed": True,
                "cutoff": ENGLISH,
                "languages": [{"language": ENGLISH, "allowed": True}],
                "id": 1,
            }
        ]
