"""Plex Media Server over the world's movies, shows and artists.

Serves identity, library sections, section listings with paging and the
``includeGuids`` switch, single metadata, children (seasons and episodes) and
On Deck. View state is the token owner's (the first user), as on a real
server. Replies are XML unless the client sends ``Accept: application/json``.
"""

from __future__ import annotations

from simulators import plex_render as render
from simulators.server import HttpError, Request, Response, ServiceApp, dump_json

SECTIONS = (
    ("1", "Movies", "movie", "/data/media/movies"),
    ("2", "TV Shows", "show", "/data/media/tv"),
    ("3", "Music", "artist", "/data/music/artists"),
)


def _page(title: str) -> bytes:
    html = f"<html><head><title>{title[4:]}</title></head>"
    return f"{html}<body><h1>{title}</h1></body></html>".encode()


class PlexApp(ServiceApp):
    """Simulated Plex Media Server."""

    name = "plex"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        self.machine_id = api_key[::-1] + "0" * 20
        self.caches = render.PlexCaches(self)
        self.route("GET", "/identity", self.get_identity, public=True)
        self.route("GET", "/library/sections", self.get_sections)
        self.route("GET", "/library/sections/all", self.get_sections)
        self.route(
            "GET", "/library/sections/{key}/all", self.get_section_all, listing="plex"
        )
        self.route("GET", "/library/metadata/{key}", self.get_metadata)
        self.route(
            "GET", "/library/metadata/{key}/children", self.get_children, listing="plex"
        )
        self.route("GET", "/library/onDeck", self.get_on_deck, listing="plex")

    # Auth, errors and format ---------------------------------------------------------

    def authenticate(self, request: Request) -> bool:
        """Accept ``X-Plex-Token`` as a header or a query parameter."""
        given = request.headers.get("X-Plex-Token") or request.arg("X-Plex-Token")
        return given == self.api_key

    def unauthorized(self, request: Request) -> Response:
        """Plex answers a bad token with a small HTML page."""
        return Response(401, _page("401 Unauthorized"), "text/html")

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Plex answers an unknown path or key with an HTML 404 page."""
        return Response(404, _page("404 Not Found"), "text/html")

    def server_error(self, request: Request) -> Response:
        """Plex answers an internal failure with an HTML 500 page."""
        return Response(500, _page("500 Internal Server Error"), "text/html")

    def reply(
        self, request: Request, container: dict, items: list[bytes] | None = None
    ):
        """Answer with a MediaContainer, JSON or XML as the client accepts.

        ``items`` are pre-rendered JSON ``Metadata`` entries, joined without
        decoding them so big listings cost nothing to serve.
        """
        accept = request.headers.get("Accept", "")
        if "json" in accept:
            if items is None:
                return Response(200, dump_json({"MediaContainer": container}))
            head = dump_json(container)[:-1]
            sep = b"," if len(head) > 1 else b""
            body = (
                b'{"MediaContainer":'
                + head
                + sep
                + b'"Metadata":['
                + b",".join(items)
                + b"]}}"
            )
            return Response(200, body)
        if items is not None:
            container = dict(container, Metadata=[render.loads(i) for i in items])
        return Response(200, render.to_xml(container), "text/xml;charset=utf-8")

    def _page(self, request: Request, entries: list) -> tuple[list, int]:
        start = request.arg("X-Plex-Container-Start") or request.headers.get(
            "X-Plex-Container-Start"
        )
        size = request.arg("X-Plex-Container-Size") or request.headers.get(
            "X-Plex-Container-Size"
        )
        offset = int(start) if start and start.isdigit() else 0
        if size and size.isdigit():
            return entries[offset : offset + int(size)], offset
        return entries[offset:], offset

    # Endpoints --------------------------------------------------------------

    def get_identity(self, request: Request):
        return self.reply(
            request,
            {
                "size": 0,
                "claimed": True,
                "machineIdentifier": self.machine_id,
                "version": "1.41.3.9314-a0bfb8370",
            },
        )

    def get_sections(self, request: Request):
        directories = [
            render.section_directory(key, title, kind, location)
            for key, title, kind, location in SECTIONS
        ]
        return self.reply(
            request,
            {
                "size": len(directories),
                "allowSync": False,
                "title1": "Plex Library",
                "Directory": directories,
            },
        )

    def get_section_all(self, request: Request, key: str):
        section = next((s for s in SECTIONS if s[0] == key), None)
        if section is None:
            raise HttpError(self.not_found(request))
        guids = request.arg("includeGuids") == "1"
        entries = self.caches.section_entries(section[2], guids)
        page, offset = self._page(request, entries)
        container = {
            "size": len(page),
            "totalSize": len(entries),
            "offset": offset,
            "allowSync": True,
            "art": f"/:/resources/{section[2]}-fanart.jpg",
            "identifier": "com.plexapp.plugins.library",
            "librarySectionID": int(key),
            "librarySectionTitle": section[1],
            "librarySectionUUID": f"{self.machine_id[:8]}-sect-{key}",
            "mediaTagPrefix": "/system/bundle/media/flags/",
            "mediaTagVersion": 1734362253,
            "title1": section[1],
            "title2": "All " + section[1],
            "viewGroup": section[2],
        }
        return self.reply(request, container, page)

    def get_metadata(self, request: Request, key: str):
        item = self.caches.find(key)
        if item is None:
            raise HttpError(self.not_found(request))
        container = {
            "size": 1,
            "allowSync": True,
            "identifier": "com.plexapp.plugins.library",
            "mediaTagPrefix": "/system/bundle/media/flags/",
        }
        return self.reply(request, container, [self.caches.detail(item)])

    def get_children(self, request: Request, key: str):
        item = self.caches.find(key)
        if item is None:
            raise HttpError(self.not_found(request))
        children = self.caches.children(item)
        page, offset = self._page(request, children)
        container = {
            "size": len(page),
            "totalSize": len(children),
            "offset": offset,
            "allowSync": True,
            "identifier": "com.plexapp.plugins.library",
            "key": key,
            "viewGroup": "season" if item[0] == "show" else "episode",
        }
        return self.reply(request, container, page)

    def get_on_deck(self, request: Request):
        items = self.caches.on_deck()
        container = {
            "size": len(items),
            "allowSync": False,
            "identifier": "com.plexapp.plugins.library",
            "mediaTagPrefix": "/system/bundle/media/flags/",
            "mixedParents": True,
            "title1": "On Deck",
        }
        return self.reply(request, container, items)
