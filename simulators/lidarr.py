"""Lidarr v2 (API v1) over the world's artists and albums.

Serves artists and albums with statistics, editing monitored flags, and
deleting artists and albums with their effect on the disks. Called by the
harness, which builds one per world.
"""

from __future__ import annotations

from simulators.arr_common import ArrApp, flag, iso
from simulators.caching import ItemCache, ListCache
from simulators.entities import Album, Artist
from simulators.server import HttpError, Request, Response, json_response

MUSIC_QUALITIES = ((6, "FLAC"), (4, "MP3-320"), (3, "MP3-256"), (2, "MP3-192"))


class LidarrApp(ArrApp):
    """Simulated Lidarr."""

    name = "lidarr"
    service = "lidarr"
    app_name = "Lidarr"
    version = "2.14.5.4824"
    prefix = "/api/v1"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        p = self.prefix
        self.artist_cache = ItemCache(self.artist_resource)
        self.album_cache = ItemCache(self.album_resource)
        self.lists = ListCache()
        self.route("GET", f"{p}/artist", self.get_artists, listing="array")
        self.route("GET", f"{p}/artist/{{id}}", self.get_artist)
        self.route("PUT", f"{p}/artist/{{id}}", self.put_artist)
        self.route("DELETE", f"{p}/artist/{{id}}", self.delete_artist)
        self.route("GET", f"{p}/album", self.get_albums, listing="array")
        self.route("GET", f"{p}/album/{{id}}", self.get_album)
        self.route("PUT", f"{p}/album/{{id}}", self.put_album)
        self.route("DELETE", f"{p}/album/{{id}}", self.delete_album)
        self.route("GET", f"{p}/importlistexclusion", self.get_exclusions)

    def profile_resource(self, index: int, name: str) -> dict:
        """Render a Lidarr quality profile."""
        return self.simple_profile(index, name, MUSIC_QUALITIES)

    def root_resource(self, index: int, path: str) -> dict:
        """Render a Lidarr root folder, which carries defaults and totals."""
        total, free = self.world.disk_usage(path)
        return {
            "id": index,
            "name": path.rstrip("/").rsplit("/", 1)[-1].title(),
            "path": path.rstrip("/") + "/",
            "defaultMetadataProfileId": 1,
            "defaultQualityProfileId": 1,
            "defaultMonitorOption": "all",
            "defaultNewItemMonitorOption": "all",
            "defaultTags": [],
            "accessible": True,
            "freeSpace": free,
            "totalSpace": total,
        }

    # Rendering --------------------------------------------------------------

    def _albums_of(self, artist: Artist) -> list[Album]:
        return [self.world.albums[a] for a in artist.albums if a in self.world.albums]

    def artist_resource(self, artist: Artist) -> dict:
        """Render an ``ArtistResource`` with statistics."""
        albums = self._albums_of(artist)
        tracks = sum(a.track_count for a in albums)
        clean = "".join(ch for ch in artist.name.lower() if ch.isalnum())
        return {
            "status": artist.status,
            "ended": artist.status == "ended",
            "artistName": artist.name,
            "foreignArtistId": artist.mb_id,
            "tadbId": 0,
            "discogsId": 0,
            "overview": f"{artist.name} make records people keep.",
            "artistType": "Group" if artist.name.startswith("The ") else "Person",
            "disambiguation": "",
            "links": [
                {
                    "url": f"https://musicbrainz.org/artist/{artist.mb_id}",
                    "name": "musicbrainz",
                }
            ],
            "images": self.poster("artist", artist.id),
            "path": artist.path,
            "qualityProfileId": artist.quality_profile_id,
            "metadataProfileId": 1,
            "monitored": artist.monitored,
            "monitorNewItems": "all",
            "rootFolderPath": artist.root,
            "folder": artist.name,
            "genres": artist.genres,
            "cleanName": clean,
            "sortName": artist.name.lower(),
            "tags": artist.tags,
            "added": iso(artist.added),
            "ratings": self.ratings(artist.rating, artist.votes),
            "statistics": {
                "albumCount": len(albums),
                "trackFileCount": tracks,
                "trackCount": tracks,
                "totalTrackCount": tracks,
                "sizeOnDisk": sum(a.size for a in albums),
                "percentOfTracks": 100.0 if tracks else 0.0,
            },
            "id": artist.id,
        }

    def album_resource(self, album: Album) -> dict:
        """Render an ``AlbumResource`` with its artist, as Lidarr's list does."""
        artist = self.world.artists.get(album.artist_id)
        resource = {
            "title": album.title,
            "disambiguation": "",
            "overview": "",
            "artistId": album.artist_id,
            "foreignAlbumId": album.foreign_id,
            "monitored": album.monitored,
            "anyReleaseOk": True,
            "profileId": artist.quality_profile_id if artist else 1,
            "duration": album.track_count * 215_000,
            "albumType": "Album",
            "secondaryTypes": [],
            "mediumCount": 1,
            "ratings": {"votes": 0, "value": 0.0},
            "releaseDate": iso(album.release),
            "releases": [],
            "genres": artist.genres if artist else [],
            "media": [
                {"mediumNumber": 1, "mediumName": "", "mediumFormat": "Digital Media"}
            ],
            "images": [],
            "links": [],
            "statistics": {
                "trackFileCount": album.track_count,
                "trackCount": album.track_count,
                "totalTrackCount": album.track_count,
                "sizeOnDisk": album.size,
                "percentOfTracks": 100.0,
            },
            "id": album.id,
        }
        if artist is not None:
            resource["artist"] = self.artist_resource(artist)
        return resource

    # Artists ----------------------------------------------------------------

    def _artist(self, request: Request, raw: str) -> Artist:
        artist_id = self.int_id(request, raw)
        artist = self.world.artists.get(artist_id)
        if artist is None:
            raise self.missing(request, "Artist", artist_id)
        return artist

    def get_artists(self, request: Request) -> Response:
        mb_id = request.arg("mbId")

        def build(items) -> bytes:
            return self.artist_cache.array((a.id, a.rev, a) for a in items)

        if mb_id is not None:
            items = [a for a in list(self.world.artists.values()) if a.mb_id == mb_id]
            return Response(200, build(items))
        return Response(
            200,
            self.lists.get(
                "artists",
                self.world.version,
                lambda: build(list(self.world.artists.values())),
            ),
        )

    def get_artist(self, request: Request, id: str) -> Response:
        artist = self._artist(request, id)
        return Response(200, self.artist_cache.item(artist.id, artist.rev, artist))

    def put_artist(self, request: Request, id: str) -> Response:
        artist = self._artist(request, id)
        body = request.json(self.bad_request)
        if not isinstance(body, dict):
            raise HttpError(self.bad_request("Request body must be an artist"))
        with self.world.lock:
            if isinstance(body.get("monitored"), bool):
                artist.monitored = body["monitored"]
            if isinstance(body.get("tags"), list):
                artist.tags = [t for t in body["tags"] if isinstance(t, int)]
            self.world.touch(artist)
        return json_response(self.artist_resource(artist), 202)

    def delete_artist(self, request: Request, id: str) -> Response:
        artist = self._artist(request, id)
        self.world.delete_artist(
            artist.id,
            flag(request, "deleteFiles"),
            flag(request, "addImportListExclusion"),
        )
        return Response(200, b"", None)

    # Albums -----------------------------------------------------------------

    def _album(self, request: Request, raw: str) -> Album:
        album_id = self.int_id(request, raw)
        album = self.world.albums.get(album_id)
        if album is None:
            raise self.missing(request, "Album", album_id)
        return album

    def _album_entry(self, album: Album):
        artist = self.world.artists.get(album.artist_id)
        return album.id, (album.monitored, artist.rev if artist else -1), album

    def get_albums(self, request: Request) -> Response:
        artist_id = request.arg("artistId")
        ids = {x for raw in request.args("albumIds") for x in raw.split(",")}
        if artist_id is None and not ids:
            body = self.lists.get(
                "albums",
                self.world.version,
                lambda: self.album_cache.array(
                    self._album_entry(a) for a in list(self.world.albums.values())
                ),
            )
            return Response(200, body)
        albums = [
            a
            for a in list(self.world.albums.values())
            if (artist_id is not None and str(a.artist_id) == artist_id)
            or str(a.id) in ids
        ]
        return Response(
            200, self.album_cache.array(self._album_entry(a) for a in albums)
        )

    def get_album(self, request: Request, id: str) -> Response:
        album = self._album(request, id)
        return Response(200, self.album_cache.item(*self._album_entry(album)))

    def put_album(self, request: Request, id: str) -> Response:
        album = self._album(request, id)
        body = request.json(self.bad_request)
        if isinstance(body, dict) and isinstance(body.get("monitored"), bool):
            with self.world.lock:
                album.monitored = body["monitored"]
                self.world.touch(self.world.artists[album.artist_id])
        return json_response(self.album_resource(album), 202)

    def delete_album(self, request: Request, id: str) -> Response:
        album = self._album(request, id)
        self.world.delete_album(
            album.id,
            flag(request, "deleteFiles"),
            flag(request, "addImportListExclusion"),
        )
        return Response(200, b"", None)

    def get_exclusions(self, request: Request):
        return [
            {"foreignId": e.foreign_id, "artistName": e.title, "id": e.id}
            for e in list(self.world.exclusions["lidarr"])
        ]
