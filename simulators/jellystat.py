"""Jellystat (v1.1) over the world's Jellyfin plays.

Authenticates with the ``x-api-token`` header. Serves the library list, the
per-library items with play statistics, history pages, and the
``/api/getItemsWithStats`` call the controller was written against. Item ids
are the Jellyfin simulator's, so the two can be joined.
"""

from __future__ import annotations

import threading

from simulators.mediabrowser_items import ItemCatalogue, ms_date
from simulators.server import Request, Response, ServiceApp, json_response


class JellystatApp(ServiceApp):
    """Simulated Jellystat."""

    name = "jellystat"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        # Ids must match the Jellyfin simulator's, which keys them the same way.
        from simulators.harness import api_key_for

        jellyfin_key = api_key_for("jellyfin", world.seed)
        self.catalogue = ItemCatalogue(
            world, jellyfin_key[:32].rjust(32, "0"), emby=False
        )
        self.route("GET", "/api/getLibraries", self.get_libraries)
        # Not in Jellystat 1.1.8's published paths; kept because the controller
        # this project ports calls it. Real servers answer it with 404.
        self.route(
            "GET", "/api/getItemsWithStats", self.get_items_with_stats, listing="array"
        )
        self.route(
            "POST",
            "/stats/getLibraryItemsWithStats",
            self.post_library_items,
            listing="array",
        )
        self.route("GET", "/api/getHistory", self.get_history)
        self._history: tuple[int, list[dict]] = (-1, [])
        self._history_lock = threading.Lock()

    def authenticate(self, request: Request) -> bool:
        """Accept the key in the ``x-api-token`` header."""
        return request.headers.get("x-api-token") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        """Jellystat answers a bad token with 401 and a JSON message."""
        return json_response({"message": "Invalid API Key"}, 401)

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Express answers unknown paths with an HTML 404."""
        path = request.path.encode()
        return Response(
            404,
            b"<pre>Cannot " + request.method.encode() + b" " + path + b"</pre>",
            "text/html; charset=utf-8",
        )

    def server_error(self, request: Request) -> Response:
        """Jellystat answers an internal failure with a JSON 503."""
        return json_response({"error": "Internal Server Error"}, 500)

    def get_libraries(self, request: Request):
        cat = self.catalogue
        movies = sum(1 for m in self.world.movies.values() if m.file_id)
        return [
            {
                "Id": cat.library_id("movies"),
                "Name": "Movies",
                "ServerId": cat.server_id,
                "IsFolder": True,
                "Type": "CollectionFolder",
                "CollectionType": "movies",
                "ImageTagsPrimary": None,
                "archived": False,
                "Library_Count": movies,
            },
            {
                "Id": cat.library_id("tvshows"),
                "Name": "Shows",
                "ServerId": cat.server_id,
                "IsFolder": True,
                "Type": "CollectionFolder",
                "CollectionType": "tvshows",
                "ImageTagsPrimary": None,
                "archived": False,
                "Library_Count": len(self.world.series),
            },
        ]

    def _stats_rows(self, kinds=("movie", "series")) -> list[dict]:
        rows = []
        world = self.world
        for kind in kinds:
            items = world.movies if kind == "movie" else world.series
            for item in list(items.values()):
                if not item.plays:
                    continue
                users = {}
                for play in item.plays:
                    name = world.user_name(play.user)
                    users[name] = users.get(name, 0) + max(1, play.episodes)
                last = max(p.at for p in item.plays)
                rows.append(
                    {
                        "Id": self.catalogue.item_id(item),
                        "Name": item.title,
                        "Type": "Movie" if kind == "movie" else "Series",
                        "ProductionYear": item.year,
                        "total_play_count": sum(users.values()),
                        "total_played": ms_date(last),
                        "times_played": sum(users.values()),
                        "total_play_time": sum(
                            p.duration * max(1, p.episodes) for p in item.plays
                        ),
                        "Users": [
                            {"UserName": n, "play_count": c}
                            for n, c in sorted(users.items())
                        ],
                    }
                )
        return rows

    def get_items_with_stats(self, request: Request):
        return self._stats_rows()

    def post_library_items(self, request: Request):
        body = request.json(lambda m: json_response({"error": m}, 400)) or {}
        library = body.get("libraryid") if isinstance(body, dict) else None
        cat = self.catalogue
        if library == cat.library_id("movies"):
            return self._stats_rows(("movie",))
        if library == cat.library_id("tvshows"):
            return self._stats_rows(("series",))
        return json_response({"error": "libraryid is required"}, 400)

    def get_history(self, request: Request):
        size = int(request.arg("size", "50") or 50)
        page = int(request.arg("page", "1") or 1)
        rows = self._history_rows()
        if str(request.arg("desc", "true")).lower() in ("false", "0"):
            rows = rows[::-1]
        pages = max(1, -(-len(rows) // size))
        return {
            "current_page": page,
            "pages": pages,
            "size": size,
            "results": rows[(page - 1) * size : page * size],
        }

    def _history_rows(self) -> list[dict]:
        """Every play row, newest first; built once per world version."""
        with self._history_lock:
            version, rows = self._history
            if version == self.world.version:
                return rows
            with self.world.lock:
                version = self.world.version
                rows = self._build_history()
            self._history = (version, rows)
            return rows

    def _build_history(self) -> list[dict]:
        rows = []
        for movie in list(self.world.movies.values()):
            for play in movie.plays:
                rows.append(
                    {
                        "Id": f"{movie.id}-{play.user}-{play.at}",
                        "UserName": self.world.user_name(play.user),
                        "NowPlayingItemName": movie.title,
                        "NowPlayingItemId": self.catalogue.item_id(movie),
                        "ActivityDateInserted": ms_date(play.at),
                        "PlaybackDuration": play.duration,
                        "PlayMethod": "DirectPlay",
                    }
                )
        rows.sort(key=lambda r: r["ActivityDateInserted"], reverse=True)
        return rows

    # Series episodes are left out of getHistory: the controller does not read
    # them, and listing every episode play would make the reply huge.
