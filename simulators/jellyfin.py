"""Jellyfin over the world's movies, series and collections.

Adds Jellyfin's authentication and error bodies to the shared Media Browser
behaviour. Jellyfin 10.x accepts the token in ``Authorization: MediaBrowser
Token="…"`` and in the older ``X-Emby-Token`` header; 12.0 dropped the old
headers, which :attr:`JellyfinApp.legacy_headers` can mimic. The
``/Users/{id}/Items`` route is the one 10.x still serves for older clients.
"""

from __future__ import annotations

import re

from simulators.mediabrowser import MediaBrowserApp
from simulators.server import Request, Response, json_response

_TOKEN = re.compile(r'Token="([^"]*)"', re.IGNORECASE)


def _problem(status: int, title: str) -> Response:
    response = json_response(
        {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.5",
            "title": title,
            "status": status,
            "traceId": "00-5eed5eed5eed5eed5eed5eed5eed5eed-5eed5eed5eed5eed-00",
        },
        status,
    )
    response.content_type = "application/problem+json; charset=utf-8"
    return response


class JellyfinApp(MediaBrowserApp):
    """Simulated Jellyfin."""

    name = "jellyfin"
    product = "Jellyfin Server"
    version = "10.11.11"
    # Set to False to behave like Jellyfin 12, which ignores X-Emby-Token.
    legacy_headers = True

    def authenticate(self, request: Request) -> bool:
        """Accept ``Authorization: MediaBrowser``, legacy headers or ``ApiKey``."""
        for header in ("Authorization", "X-Emby-Authorization"):
            found = _TOKEN.search(request.headers.get(header, ""))
            if found and found.group(1) == self.api_key:
                return True
        if self.legacy_headers and self.api_key in (
            request.headers.get("X-Emby-Token"),
            request.headers.get("X-MediaBrowser-Token"),
        ):
            return True
        return self.api_key in (request.arg("ApiKey"), request.arg("api_key"))

    def unauthorized(self, request: Request) -> Response:
        """Jellyfin answers a missing or bad token with an empty 401."""
        return Response(401, b"", None)

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Jellyfin answers with a ``ProblemDetails`` body."""
        return _problem(404, "Not Found")

    def server_error(self, request: Request) -> Response:
        """Jellyfin answers an internal failure with a ``ProblemDetails`` body."""
        return _problem(500, "An error occurred while processing your request.")
