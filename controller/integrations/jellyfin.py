"""Jellyfin: watch data, favourites, box sets, tags and the item-id index.

Jellyfin 10.11 and 12 accept only the ``Authorization: MediaBrowser Token=…``
header (12 dropped ``X-Emby-Token``), list users at ``/Users`` and items at
``/Items?userId=…`` with camelCase query parameters.
"""

from __future__ import annotations

from typing import Any

from controller.integrations.mediabrowser import MediaBrowserClient


class JellyfinClient(MediaBrowserClient):
    """Client for Jellyfin 10.11 and later."""

    type_name = "jellyfin"
    product = "Jellyfin"
    camel_case = True

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Send the key in the MediaBrowser ``Authorization`` header."""
        return {"Authorization": f'MediaBrowser Token="{api_key}"'}, {}

    def users_payload(self) -> Any:
        """GET /Users returns a bare list."""
        return self.http.get("Users")

    def items_path(self, user_id: str) -> str:
        """Jellyfin lists items at /Items with ``userId`` as a parameter."""
        return "Items"
