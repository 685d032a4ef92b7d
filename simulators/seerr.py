"""Seerr (the merged Overseerr/Jellyseerr, API v1) over the world's requests.

Serves ``/auth/me``, ``/status``, ``/settings/about``, paged ``/request`` with
its filters, ``/request/{id}`` and ``/user``. Media identities (TMDb, TVDB)
are those the *arr and media-server simulators use.
"""

from __future__ import annotations

from simulators.arr_common import iso
from simulators.server import HttpError, Request, Response, ServiceApp, json_response

# Which request statuses each ``filter`` value keeps (1 pending, 2 approved,
# 3 declined, 4 failed, 5 completed).
FILTERS = {
    "all": {1, 2, 3, 4, 5},
    "pending": {1},
    "approved": {2},
    "processing": {2},
    "available": {5},
    "unavailable": {1, 2},
    "failed": {4},
    "completed": {5},
    "deleted": set(),
}
ADMIN_PERMISSIONS = 2


class SeerrApp(ServiceApp):
    """Simulated Seerr."""

    name = "seerr"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        self._counts: tuple[int, dict[int, int]] = (-1, {})
        self._listings: dict[tuple, list] = {}
        p = "/api/v1"
        self.route("GET", f"{p}/status", self.get_status, public=True)
        self.route("GET", f"{p}/auth/me", self.get_me)
        self.route("GET", f"{p}/settings/about", self.get_about)
        self.route("GET", f"{p}/request", self.get_requests, listing="seerr")
        self.route("GET", f"{p}/request/{{id}}", self.get_request)
        self.route("GET", f"{p}/user", self.get_users, listing="seerr")

    def authenticate(self, request: Request) -> bool:
        """Accept the key in the ``X-Api-Key`` header."""
        return request.headers.get("X-Api-Key") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        """Seerr's auth middleware answers a missing or bad key with 403."""
        return json_response(
            {
                "status": 403,
                "error": "You do not have permission to access this endpoint",
            },
            403,
        )

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Seerr answers unknown paths and ids with a JSON 404."""
        return json_response({"status": 404, "message": message or "Not Found"}, 404)

    def server_error(self, request: Request) -> Response:
        """Seerr answers an internal failure with a JSON 500."""
        return json_response({"status": 500, "message": "Something went wrong."}, 500)

    # Rendering --------------------------------------------------------------

    def _request_counts(self) -> dict[int, int]:
        """Requests per user id, counted once per world version."""
        version = self.world.version
        if self._counts[0] != version:
            counts: dict[int, int] = {}
            for r in list(self.world.requests.values()):
                counts[r.user] = counts.get(r.user, 0) + 1
            self._counts = (version, counts)
        return self._counts[1]

    def user(self, user) -> dict:
        """Render a ``User``."""
        requests = self._request_counts().get(user.id, 0)
        return {
            "id": user.id,
            "email": f"{user.name}@example.invalid",
            "username": user.name,
            "plexUsername": user.name,
            "userType": 1,
            "permissions": ADMIN_PERMISSIONS if user.is_admin else 32,
            "avatar": f"/avatarproxy/{user.id}",
            "createdAt": "2021-01-01T00:00:00.000Z",
            "updatedAt": "2024-01-01T00:00:00.000Z",
            "requestCount": requests,
            "displayName": user.name.title(),
        }

    def media(self, kind: str, media_id: int) -> dict:
        """Render the ``MediaInfo`` of a requested movie or series."""
        world = self.world
        item = (world.movies if kind == "movie" else world.series).get(media_id)
        gone = item is None
        if gone:
            item = (world.removed_movies if kind == "movie" else world.removed_series)[
                media_id
            ]
        info = {
            "id": media_id if kind == "movie" else 1_000_000 + media_id,
            "mediaType": kind,
            "tmdbId": item.tmdb_id,
            "tvdbId": None if kind == "movie" else item.tvdb_id,
            "imdbId": item.imdb_id,
            "status": 7 if gone else 5,
            "status4k": 1,
            "createdAt": iso(item.added - 3600).replace("Z", ".000Z"),
            "updatedAt": iso(item.added).replace("Z", ".000Z"),
            "mediaAddedAt": iso(item.added).replace("Z", ".000Z"),
            "externalServiceId": item.id,
            "ratingKey": str(item.rating_key),
        }
        return info

    def request_resource(self, req) -> dict:
        """Render a ``MediaRequest``."""
        user = self.user(self.world.users[req.user - 1])
        return {
            "id": req.id,
            "status": req.status,
            "createdAt": iso(req.created).replace("Z", ".000Z"),
            "updatedAt": iso(req.updated).replace("Z", ".000Z"),
            "type": req.kind,
            "is4k": False,
            "serverId": 0,
            "profileId": 4,
            "rootFolder": "/data/media/movies"
            if req.kind == "movie"
            else "/data/media/tv",
            "isAutoRequest": False,
            "media": self.media(req.kind, req.media_id),
            "requestedBy": user,
            "modifiedBy": self.user(self.world.users[0]) if req.status > 1 else None,
            "seasons": [],
            "seasonCount": 0,
        }

    # Endpoints --------------------------------------------------------------

    def get_status(self, request: Request):
        return {
            "version": "3.1.0",
            "commitTag": "v3.1.0",
            "updateAvailable": False,
            "commitsBehind": 0,
            "restartRequired": False,
        }

    def get_me(self, request: Request):
        return self.user(self.world.users[0])

    def get_about(self, request: Request):
        return {
            "version": "3.1.0",
            "totalRequests": len(self.world.requests),
            "totalMediaItems": len(self.world.requests),
            "tz": "UTC",
            "appDataPath": "/app/config",
        }

    def _paging(self, request: Request) -> tuple[int, int]:
        take_raw = request.arg("take", "10") or "10"
        skip_raw = request.arg("skip", "0") or "0"
        if not take_raw.isdigit() or not skip_raw.isdigit():
            raise HttpError(
                json_response({"message": "take and skip must be numbers"}, 400)
            )
        return max(1, int(take_raw)), int(skip_raw)

    def get_requests(self, request: Request):
        take, skip = self._paging(request)
        name = request.arg("filter", "all") or "all"
        if name not in FILTERS:
            return json_response(
                {"message": f"filter must be one of {sorted(FILTERS)}"}, 400
            )
        media_type = request.arg("mediaType", "all") or "all"
        by = request.arg("requestedBy")
        rows = self._listing(
            name,
            media_type,
            by,
            request.arg("sort") != "modified",
            request.arg("sortDirection", "desc") != "asc",
        )
        page = rows[skip : skip + take]
        return {
            "pageInfo": {
                "pages": -(-len(rows) // take),
                "pageSize": take,
                "results": len(rows),
                "page": skip // take + 1,
            },
            "results": [self.request_resource(r) for r in page],
        }

    def _listing(self, name, media_type, by, by_created, newest_first) -> list:
        """Filter and sort the requests once per query shape and world version."""
        key = (name, media_type, by, by_created, newest_first, self.world.version)
        rows = self._listings.get(key)
        if rows is None:
            rows = [
                r
                for r in list(self.world.requests.values())
                if r.status in FILTERS[name]
                and media_type in ("all", r.kind)
                and (by is None or str(r.user) == by)
            ]
            rows.sort(
                key=lambda r: r.created if by_created else r.updated,
                reverse=newest_first,
            )
            if len(self._listings) > 32:
                self._listings.clear()
            self._listings[key] = rows
        return rows

    def get_request(self, request: Request, id: str):
        req = self.world.requests.get(int(id)) if id.isdigit() else None
        if req is None:
            raise HttpError(self.not_found(request, "Request not found."))
        return self.request_resource(req)

    def get_users(self, request: Request):
        take, skip = self._paging(request)
        users = self.world.users
        page = users[skip : skip + take]
        return {
            "pageInfo": {
                "pages": -(-len(users) // take),
                "pageSize": take,
                "results": len(users),
                "page": skip // take + 1,
            },
            "results": [self.user(u) for u in page],
        }
