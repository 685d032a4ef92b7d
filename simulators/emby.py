"""Emby over the world's movies, series and collections.

Emby serves its API under ``/emby`` (and also without the prefix), takes the
key in ``X-Emby-Token`` or the ``api_key`` query parameter, uses numeric item
ids and puts ``Size`` on the item itself. Everything else is the shared Media
Browser behaviour.
"""

from __future__ import annotations

import re

from simulators.mediabrowser import MediaBrowserApp
from simulators.server import Request, Response

_TOKEN = re.compile(r'Token="([^"]*)"', re.IGNORECASE)


class EmbyApp(MediaBrowserApp):
    """Simulated Emby Server."""

    name = "emby"
    emby = True
    product = "Emby Server"
    version = "4.8.11.0"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        self.route("GET", "/Users/Query", self.get_user_query)
        self.route("GET", "/Users/Public", self.get_public_users, public=True)
        # The more specific routes must win over /Users/{user_id}.
        self.routes.sort(
            key=lambda r: "{" in r.regex.pattern or "(?P" in r.regex.pattern
        )

    def normalise_path(self, path: str) -> str:
        """Serve the same API with and without the ``/emby`` prefix."""
        if path.lower() == "/emby":
            return "/"
        if path.lower().startswith("/emby/"):
            return path[5:]
        return path

    def authenticate(self, request: Request) -> bool:
        """Accept ``X-Emby-Token``, an ``Emby Token="…"`` header or ``api_key``."""
        if request.headers.get("X-Emby-Token") == self.api_key:
            return True
        for header in ("X-Emby-Authorization", "Authorization"):
            found = _TOKEN.search(request.headers.get(header, ""))
            if found and found.group(1) == self.api_key:
                return True
        return self.api_key in (request.arg("api_key"), request.arg("X-Emby-Token"))

    def unauthorized(self, request: Request) -> Response:
        """Emby answers a bad key with a plain-text 401."""
        return Response(401, b"Access token is invalid or expired.", "text/plain")

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Emby answers a missing item or path with a plain-text 404."""
        text = message or "Not Found"
        return Response(404, text.encode(), "text/plain")

    def server_error(self, request: Request) -> Response:
        """Emby answers an internal failure with a plain-text 500."""
        return Response(500, b"Error processing request.", "text/plain")

    def get_user_query(self, request: Request):
        users = [self.user_dto(u) for u in self.world.users]
        return {"Items": users, "TotalRecordCount": len(users)}

    def get_public_users(self, request: Request):
        return [
            {
                "Name": u.name,
                "ServerId": self.server_id,
                "Id": self.catalogue.user_id(u),
                "HasPassword": True,
            }
            for u in self.world.users
        ]
