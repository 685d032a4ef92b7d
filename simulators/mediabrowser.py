"""The HTTP face Jellyfin and Emby share: system info, users and item queries.

:class:`MediaBrowserApp` answers ``/System/Info``, ``/Users`` and the item
queries (``/Items`` and ``/Users/{id}/Items``) with the filters, fields and
paging clients use. :mod:`simulators.jellyfin` and :mod:`simulators.emby` set
the flavour: auth headers, ids, error bodies and Emby's ``/emby`` prefix.
"""

from __future__ import annotations

import itertools
import threading

from simulators import watching
from simulators.mediabrowser_items import LIBRARIES, ItemCatalogue
from simulators.server import HttpError, Request, Response, ServiceApp, json_response

MOVIE_LIKE = ("movie", "series", "boxset", "library")


def _truthy(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() == "true"


class MediaBrowserApp(ServiceApp):
    """Behaviour common to the Jellyfin and Emby simulators."""

    case_insensitive = True
    emby = False
    product = "Jellyfin Server"
    version = "10.11.11"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        self.server_id = api_key[:32].rjust(32, "0")
        self.catalogue = ItemCatalogue(world, self.server_id, self.emby)
        self._queries: dict = {}
        self._pages: dict = {}
        self._query_lock = threading.Lock()
        self.route("GET", "/System/Info/Public", self.get_public_info, public=True)
        self.route("GET", "/System/Info", self.get_info)
        self.route("GET", "/Users", self.get_users)
        self.route("GET", "/Users/{user_id}", self.get_user)
        self.route("GET", "/Items", self.get_items, listing="items")
        self.route(
            "GET", "/Users/{user_id}/Items", self.get_user_items, listing="items"
        )
        self.route("GET", "/Users/{user_id}/Items/{item_id}", self.get_user_item)

    # Errors -----------------------------------------------------------------

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Answer 404; subclasses give the body their product uses."""
        return Response(404, b"", None)

    def bad_request(self, message: str) -> Response:
        """Answer 400 with a plain message."""
        return Response(400, message.encode(), "text/plain; charset=utf-8")

    # System and users -------------------------------------------------------

    def public_info(self) -> dict:
        """Return the fields of ``/System/Info/Public``."""
        return {
            "LocalAddress": "http://127.0.0.1:8096",
            "ServerName": "media",
            "Version": self.version,
            "ProductName": self.product,
            "OperatingSystem": "Linux",
            "Id": self.server_id,
            "StartupWizardCompleted": True,
        }

    def get_public_info(self, request: Request):
        return self.public_info()

    def get_info(self, request: Request):
        info = self.public_info()
        info.update(
            OperatingSystemDisplayName="Linux",
            HasPendingRestart=False,
            IsShuttingDown=False,
            SupportsLibraryMonitor=True,
            WebSocketPortNumber=8096,
            CanSelfRestart=True,
            CanLaunchWebBrowser=False,
            HasUpdateAvailable=False,
            ProgramDataPath="/config/data",
            ItemsByNamePath="/config/metadata",
            CachePath="/cache",
            LogPath="/config/log",
            InternalMetadataPath="/config/metadata",
            TranscodingTempPath="/cache/transcodes",
        )
        return info

    def user_dto(self, user) -> dict:
        """Render one user."""
        return {
            "Name": user.name,
            "ServerId": self.server_id,
            "Id": self.catalogue.user_id(user),
            "HasPassword": True,
            "HasConfiguredPassword": True,
            "HasConfiguredEasyPassword": False,
            "EnableAutoLogin": False,
            "Policy": {
                "IsAdministrator": user.is_admin,
                "IsHidden": False,
                "IsDisabled": False,
                "EnableAllFolders": True,
                "AuthenticationProviderId": "Jellyfin.Server.Implementations.Users."
                "DefaultAuthenticationProvider",
                "PasswordResetProviderId": "Jellyfin.Server.Implementations.Users."
                "DefaultPasswordResetProvider",
            },
        }

    def get_users(self, request: Request):
        return [self.user_dto(u) for u in self.world.users]

    def _user(self, request: Request, raw: str | None):
        if raw is None:
            return None
        wanted = raw.replace("-", "").lower()
        for user in self.world.users:
            if self.catalogue.user_id(user) == wanted:
                return user
        raise HttpError(self.not_found(request, "User not found"))

    def get_user(self, request: Request, user_id: str):
        return self.user_dto(self._user(request, user_id))

    # Items ------------------------------------------------------------------

    def get_items(self, request: Request):
        return self.query(request, self._user(request, request.arg("userId")))

    def get_user_items(self, request: Request, user_id: str):
        return self.query(request, self._user(request, user_id))

    def get_user_item(self, request: Request, user_id: str, item_id: str):
        user = self._user(request, user_id)
        entry = self.catalogue.find(item_id)
        if entry is None:
            raise HttpError(self.not_found(request, "Item not found"))
        fields = {
            "providerids",
            "path",
            "genres",
            "tags",
            "datecreated",
            "mediasources",
        }
        return self.render(entry, fields, user)

    def render(self, entry: tuple, fields: set[str], user) -> dict:
        """Render one catalogue entry."""
        cat = self.catalogue
        kind = entry[0]
        if kind == "movie":
            return cat.movie(entry[1], fields, user)
        if kind == "series":
            return cat.series(entry[1], fields, user)
        if kind == "season":
            return cat.season(entry[1], entry[2], fields, user)
        if kind == "episode":
            return cat.episode(entry[1], entry[2], entry[3], fields, user)
        if kind == "boxset":
            return cat.boxset(entry[1], fields, user)
        return cat.library(entry[1])

    def _candidates(self, parent, types: set[str], recursive: bool, user, played):
        """Yield entries under ``parent`` (or the whole library) before filtering."""
        world = self.world
        if parent is None and not recursive:
            yield from (("library", k) for k, _ in LIBRARIES)
            return
        kind = parent[0] if parent else None
        want_all = parent is None
        if want_all or (kind == "library" and parent[1] == "movies"):
            yield from (("movie", m) for m in list(world.movies.values()) if m.file_id)
        if want_all or (kind == "library" and parent[1] == "boxsets"):
            yield from (("boxset", c) for c in self.catalogue.boxsets())
        if kind == "boxset":
            yield from (
                ("movie", m)
                for m in list(world.movies.values())
                if m.file_id and m.collection == parent[1]
            )
        series_scope = []
        if want_all or (kind == "library" and parent[1] == "tvshows"):
            series_scope = [
                s
                for s in list(world.series.values())
                if any(x.live_files() for x in s.seasons)
            ]
            yield from (("series", s) for s in series_scope)
        if kind == "series":
            series_scope = [parent[1]]
        seasons = []
        if kind == "season":
            seasons = [(parent[1], parent[2])]
        elif (kind == "series" or recursive) and (
            {"season", "episode"} & types or kind
        ):
            seasons = [
                (s, x) for s in series_scope for x in s.seasons if x.live_files()
            ]
        if kind == "series" or (recursive and "season" in types):
            yield from (("season", s, x) for s, x in seasons)
        if kind == "season" or (recursive and "episode" in types):
            for series, season in seasons:
                if played and user is not None:
                    views = watching.episode_views(series, user.id)
                    live = set(season.live_files())
                    yield from (
                        ("episode", series, season, n - 1)
                        for (sn, n) in sorted(views)
                        if sn == season.number and n - 1 in live
                    )
                else:
                    yield from (
                        ("episode", series, season, i) for i in season.live_files()
                    )

    def _played(self, entry, user) -> bool:
        kind = entry[0]
        if kind == "movie":
            return watching.movie_stats(entry[1], user.id)[0] > 0
        if kind == "episode":
            return (entry[2].number, entry[3] + 1) in watching.episode_views(
                entry[1], user.id
            )
        if kind == "series":
            leaves = sum(len(s.live_files()) for s in entry[1].seasons)
            return leaves > 0 and watching.series_stats(entry[1], user.id)[1] >= leaves
        return False

    def _favourite(self, entry, user) -> bool:
        return entry[0] in ("movie", "series") and user.id in entry[1].favourite_of

    def _matching(self, request: Request, user) -> list:
        types = {
            t.strip().lower()
            for raw in request.args("IncludeItemTypes")
            for t in raw.split(",")
            if t.strip()
        }
        recursive = _truthy(request.arg("Recursive")) or False
        filters = {
            f.strip().lower() for raw in request.args("Filters") for f in raw.split(",")
        }
        played = _truthy(request.arg("IsPlayed"))
        if "isplayed" in filters:
            played = True
        elif "isunplayed" in filters:
            played = False
        favourite = _truthy(request.arg("IsFavorite"))
        if "isfavorite" in filters:
            favourite = True
        parent_id = request.arg("ParentId")
        ids = {i for raw in request.args("Ids") for i in raw.split(",") if i}
        sort_by = tuple(
            f.strip().lower() for raw in request.args("SortBy") for f in raw.split(",")
        )
        descending = any(
            o.strip().lower() == "descending"
            for raw in request.args("SortOrder")
            for o in raw.split(",")
        )
        key = (
            user.id if user else None,
            frozenset(types),
            recursive,
            played,
            favourite,
            parent_id,
            frozenset(ids),
            sort_by,
            descending,
            self.world.version,
        )
        hit = self._queries.get(key)
        if hit is not None:
            return hit
        parent = None
        if parent_id:
            parent = self.catalogue.find(parent_id)
            if parent is None:
                raise HttpError(self.not_found(request, "Item not found"))
        if ids:
            found = [self.catalogue.find(i) for i in ids]
            entries = [e for e in found if e is not None]
        else:
            entries = self._candidates(parent, types, recursive, user, played)
        out = []
        for entry in entries:
            if (
                types
                and entry[0] not in types
                and not (entry[0] == "library" and "collectionfolder" in types)
            ):
                continue
            if (
                user is not None
                and played is not None
                and self._played(entry, user) != played
            ):
                continue
            if (
                user is not None
                and favourite is not None
                and (self._favourite(entry, user) != favourite)
            ):
                continue
            out.append(entry)
        if "dateplayed" in sort_by and user is not None:
            out = self._by_date_played(out, user, descending)
        with self._query_lock:
            # Large enough for every box set's member query of a big world.
            if len(self._queries) > 4096:
                self._queries.clear()
            self._queries[key] = out
        return out

    def _by_date_played(self, entries: list, user, descending: bool) -> list:
        """Order entries by when ``user`` last played them (never: as 0)."""
        views: dict[int, dict] = {}

        def last_played(entry) -> int:
            kind = entry[0]
            if kind == "movie":
                return watching.movie_stats(entry[1], user.id)[1] or 0
            if kind == "episode":
                series = entry[1]
                seen = views.get(id(series))
                if seen is None:
                    seen = views[id(series)] = watching.episode_views(series, user.id)
                return seen.get((entry[2].number, entry[3] + 1), (0, 0))[1]
            return 0

        return sorted(entries, key=last_played, reverse=descending)

    def query(self, request: Request, user):
        """Answer an item query: ``Items``, ``TotalRecordCount``, ``StartIndex``."""
        entries = self._matching(request, user)
        start_raw = request.arg("StartIndex") or "0"
        limit_raw = request.arg("Limit")
        if not start_raw.isdigit() or (
            limit_raw is not None and not limit_raw.isdigit()
        ):
            raise HttpError(self.bad_request("StartIndex and Limit must be numbers"))
        start = int(start_raw)
        stop = start + int(limit_raw) if limit_raw is not None else None
        fields = {
            f.strip().lower() for raw in request.args("Fields") for f in raw.split(",")
        }
        if _truthy(request.arg("EnableUserData")) is False:
            user = None
        # A page is rendered once per world version: benchmarks read the same
        # large library every cycle and must measure the client, not this.
        key = (id(entries), start, stop, frozenset(fields), user.id if user else None)
        hit = self._pages.get(key)
        if hit is not None and hit[0] is entries:
            return Response(200, hit[1])
        items = [
            self.render(e, fields, user) for e in itertools.islice(entries, start, stop)
        ]
        response = json_response(
            {"Items": items, "TotalRecordCount": len(entries), "StartIndex": start}
        )
        with self._query_lock:
            if len(self._pages) > 4096:
                self._pages.clear()
            self._pages[key] = (entries, response.body)
        return Response(200, response.body)
