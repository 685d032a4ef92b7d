"""What Sonarr, Radarr, Lidarr and Readarr have in common.

:class:`ArrApp` serves the shared endpoints (system status, health, disk
space, root folders, quality profiles, tags, languages, import-list
exclusions), checks the API key the *arr way, and answers errors in the
*arr shape. Each app module subclasses it and adds its media endpoints.
JSON follows the apps' serializer: camelCase names, enums as camelCase
strings, null properties left out, and a zero ``id`` left out.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from simulators import catalog
from simulators.server import HttpError, Request, Response, ServiceApp, json_response

QUALITIES = (
    (1, "SDTV", "television", 480),
    (2, "DVD", "dvd", 480),
    (4, "HDTV-720p", "television", 720),
    (5, "WEBDL-720p", "web", 720),
    (9, "HDTV-1080p", "television", 1080),
    (3, "WEBDL-1080p", "web", 1080),
    (7, "Bluray-1080p", "bluray", 1080),
    (19, "Bluray-2160p", "bluray", 2160),
)


def iso(epoch: int | float) -> str:
    """Format epoch seconds the way .NET writes a UTC ``DateTime``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flag(request: Request, name: str) -> bool:
    """Read a boolean query parameter; absent means false, as in the apps."""
    return (request.arg(name) or "false").lower() == "true"


class ArrApp(ServiceApp):
    """Shared behaviour of the four *arr simulators."""

    case_insensitive = True
    prefix = "/api/v3"
    app_name = "Sonarr"
    version = "4.0.19.2979"
    # Which media entity a root folder's free space is computed for.
    service = "sonarr"
    quality_source = {
        "television": "television",
        "web": "web",
        "dvd": "dvd",
        "bluray": "bluray",
    }

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        self.started = time.time()
        p = self.prefix
        self.route("GET", f"{p}/system/status", self.get_status)
        self.route("GET", f"{p}/health", self.get_health)
        self.route("GET", f"{p}/diskspace", self.get_diskspace)
        self.route("GET", f"{p}/rootfolder", self.get_rootfolders)
        self.route("GET", f"{p}/rootfolder/{{id}}", self.get_rootfolder)
        self.route("GET", f"{p}/qualityprofile", self.get_profiles)
        self.route("GET", f"{p}/qualityprofile/{{id}}", self.get_profile)
        self.route("GET", f"{p}/tag", self.get_tags)
        self.route("GET", f"{p}/tag/{{id}}", self.get_tag)
        self.route("GET", f"{p}/language", self.get_languages)

    # Auth and errors --------------------------------------------------------

    def authenticate(self, request: Request) -> bool:
        """Accept the key in ``X-Api-Key`` or in the ``apikey`` query parameter."""
        given = request.headers.get("X-Api-Key") or request.arg("apikey")
        return given == self.api_key

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Answer 404; a missing resource carries ``{"message"}``, a bad path none."""
        if message is None:
            return Response(404, b"", None)
        return json_response({"message": message}, 404)

    def server_error(self, request: Request) -> Response:
        """Answer 500 with the *arr error object."""
        return json_response(
            {
                "message": "Object reference not set to an instance of an object.",
                "description": "System.NullReferenceException: Object reference not set"
                " to an instance of an object.",
            },
            500,
        )

    def bad_request(self, message: str) -> Response:
        """Answer 400 with the message the app's BadRequestException carries."""
        return json_response({"message": message}, 400)

    def missing(self, request: Request, model: str, item_id: object) -> HttpError:
        """Build the 404 the apps answer for an id that does not exist."""
        return HttpError(
            self.not_found(request, f"{model} with ID {item_id} does not exist")
        )

    def int_id(self, request: Request, raw: str) -> int:
        """Parse an id path segment; the apps answer 404 for a non-number route."""
        try:
            return int(raw)
        except ValueError:
            raise HttpError(self.not_found(request)) from None

    # Shared endpoints -------------------------------------------------------

    def status_payload(self) -> dict:
        """Return the fields of ``system/status`` this app writes."""
        started = iso(self.started)
        return {
            "appName": self.app_name,
            "instanceName": self.app_name,
            "version": self.version,
            "buildTime": "2025-09-01T10:12:44Z",
            "isDebug": False,
            "isProduction": True,
            "isAdmin": False,
            "isUserInteractive": False,
            "startupPath": "/app/bin",
            "appData": "/config",
            "osName": "alpine",
            "osVersion": "3.20.3",
            "isNetCore": True,
            "isLinux": True,
            "isOsx": False,
            "isWindows": False,
            "isDocker": True,
            "mode": "console",
            "branch": "main",
            "authentication": "forms",
            "migrationVersion": 214,
            "urlBase": "",
            "runtimeVersion": "8.0.12",
            "runtimeName": ".NET",
            "startTime": started,
            "packageVersion": self.version,
            "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
            "packageUpdateMechanism": "docker",
            "databaseType": "sqLite",
            "databaseVersion": "3.46.1",
        }

    def get_status(self, request: Request):
        return self.status_payload()

    def get_health(self, request: Request):
        # Real health checks carry no id; the serializer drops the zero id.
        # wikiUrl is an HttpUri object in the Sonarr, Lidarr and Readarr specs,
        # but every app writes it as a plain URL string (spec≠wire).
        return [
            {
                "source": "IndexerSearchCheck",
                "type": "warning",
                "message": "No indexers available with Automatic Search enabled",
                "wikiUrl": f"https://wiki.servarr.com/{self.service}/system"
                "#no-indexers-available-with-automatic-search-enabled",
            }
        ]

    def get_diskspace(self, request: Request):
        rows = []
        with self.world.lock:
            for mount in self.world.mounts.values():
                free = max(0, mount.total_bytes - mount.used_bytes)
                rows.append(
                    {
                        "path": mount.path,
                        "label": mount.label or mount.path,
                        "freeSpace": free,
                        "totalSpace": mount.total_bytes,
                    }
                )
        return rows

    def root_paths(self) -> list[str]:
        """Return this app's root folders, as laid out on the world's mounts."""
        return self.world.root_folders_by_service().get(self.service, [])

    def root_resource(self, index: int, path: str) -> dict:
        """Render one root folder; Lidarr and Readarr override this."""
        _, free = self.world.disk_usage(path)
        # The apps store root folders with a trailing separator.
        return {
            "id": index,
            "path": path.rstrip("/") + "/",
            "accessible": True,
            "freeSpace": free,
            "unmappedFolders": [],
        }

    def get_rootfolders(self, request: Request):
        return [self.root_resource(i, p) for i, p in enumerate(self.root_paths(), 1)]

    def get_rootfolder(self, request: Request, id: str):
        index = self.int_id(request, id)
        paths = self.root_paths()
        if not 1 <= index <= len(paths):
            raise self.missing(request, "RootFolder", index)
        return self.root_resource(index, paths[index - 1])

    def profile_resource(self, index: int, name: str) -> dict:
        """Render one quality profile in Sonarr's and Radarr's shape."""
        items = [
            {
                "quality": {
                    "id": qid,
                    "name": qname,
                    "source": self.quality_source.get(source, source),
                    "resolution": res,
                },
                "items": [],
                "allowed": res >= 720 or index <= 2,
            }
            for qid, qname, source, res in QUALITIES
        ]
        return {
            "name": name,
            "upgradeAllowed": True,
            "cutoff": 3,
            "items": items,
            "minFormatScore": 0,
            "cutoffFormatScore": 0,
            "minUpgradeFormatScore": 1,
            "formatItems": [],
            "id": index,
        }

    def simple_profile(self, index: int, name: str, qualities) -> dict:
        """Render a Lidarr or Readarr profile, whose qualities are ``{id, name}``."""
        return {
            "name": name,
            "upgradeAllowed": True,
            "cutoff": qualities[0][0],
            "items": [
                {"quality": {"id": qid, "name": qname}, "items": [], "allowed": True}
                for qid, qname in qualities
            ],
            "minFormatScore": 0,
            "cutoffFormatScore": 0,
            "formatItems": [],
            "id": index,
        }

    def get_profiles(self, request: Request):
        names = catalog.QUALITY_PROFILES[self.service]
        return [self.profile_resource(i, n) for i, n in enumerate(names, 1)]

    def get_profile(self, request: Request, id: str):
        index = self.int_id(request, id)
        names = catalog.QUALITY_PROFILES[self.service]
        if not 1 <= index <= len(names):
            raise self.missing(request, "QualityProfile", index)
        return self.profile_resource(index, names[index - 1])

    def get_tags(self, request: Request):
        labels = catalog.TAGS[self.service]
        return [{"id": i, "label": label} for i, label in enumerate(labels, 1)]

    def get_tag(self, request: Request, id: str):
        index = self.int_id(request, id)
        labels = catalog.TAGS[self.service]
        if not 1 <= index <= len(labels):
            raise self.missing(request, "Tag", index)
        return {"id": index, "label": labels[index - 1]}

    def get_languages(self, request: Request):
        return [
            {"id": lid, "name": name, "nameLower": name.lower()}
            for lid, name in catalog.LANGUAGES
        ]

    # Shared media helpers ---------------------------------------------------

    @staticmethod
    def ratings(value: float, votes: int) -> dict:
        """Render the single-value ``Ratings`` of Sonarr, Lidarr and Readarr."""
        return {"votes": votes, "value": value}

    def poster(self, kind: str, item_id: int) -> list[dict]:
        """Render the poster and fanart entries of ``images``."""
        base = f"/MediaCover/{item_id}"
        remote = f"https://artworks.example.invalid/{kind}/{item_id}"
        return [
            {
                "coverType": "poster",
                "url": f"{base}/poster.jpg",
                "remoteUrl": f"{remote}/p.jpg",
            },
            {
                "coverType": "fanart",
                "url": f"{base}/fanart.jpg",
                "remoteUrl": f"{remote}/f.jpg",
            },
        ]
