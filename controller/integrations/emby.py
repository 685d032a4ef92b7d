"""Emby: watch data, favourites, box sets, tags.

Every Emby path sits under ``/emby`` (the client adds it to the configured
URL), the key travels in ``X-Emby-Token``, users are listed at
``/Users/Query`` and items at ``/Users/{id}/Items`` with PascalCase parameters.
"""

from __future__ import annotations

from typing import Any

from controller.integrations.mediabrowser import MediaBrowserClient


class EmbyClient(MediaBrowserClient):
    """Client for Emby Server 4.8."""

    type_name = "emby"
    product = "Emby"
    path_prefix = "/emby"
    camel_case = False

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Send the key in ``X-Emby-Token``."""
        return {"X-Emby-Token": api_key}, {}

    def users_payload(self) -> Any:
        """GET /Users/Query returns ``{Items, TotalRecordCount}``."""
        return self.http.get("Users/Query")

    def items_path(self, user_id: str) -> str:
        """Emby lists a user's items below the user."""
        return f"Users/{user_id}/Items"
