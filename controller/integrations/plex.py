"""Plex: watch data, on-deck, collections, labels and the ratingKey index.

Plex supplies no items of its own; it enriches *arr items. One listing of the
movie and show libraries (shows, and their seasons for season-level data) is
read per client and reused by every capability, since a client lives for one
observation cycle. ``includeGuids=1`` is always sent: without it a real server
omits the TMDb/IMDb/TVDb ids and nothing could be matched.
"""

from __future__ import annotations

from typing import Any, TypedDict

from controller.integrations.base import ServiceClient, sniff_product
from controller.integrations.capabilities import (
    ConnectionResult,
    ExternalIds,
    ItemLink,
    Kind,
    NamedRecord,
    WatchRecord,
)
from controller.integrations.connection import run_test, wrong_product
from controller.integrations.errors import NotFound, UnexpectedResponse
from controller.integrations.parsing import names, parse_datetime, to_int

PLEX_MOVIE, PLEX_SHOW, PLEX_SEASON = 1, 2, 3


class _Metadata(TypedDict, total=False):
    """The keys of a library entry this client reads (Media and more are skipped)."""

    ratingKey: Any
    parentRatingKey: Any
    type: Any
    index: Any
    Guid: Any
    viewCount: Any
    viewedLeafCount: Any
    lastViewedAt: Any
    Collection: Any
    Label: Any


class _Container(TypedDict, total=False):
    Metadata: list[_Metadata] | None
    totalSize: Any


class _Page(TypedDict, total=False):
    """One page of a library listing, reduced to what :func:`_metadata_page` reads."""

    MediaContainer: _Container | None


class PlexClient(ServiceClient):
    """Client for Plex Media Server (JSON replies, token in a header)."""

    type_name = "plex"
    product = "Plex"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing: list[dict[str, Any]] | None = None
        self._by_key: dict[str, dict[str, Any]] = {}

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Send the token as ``X-Plex-Token`` with the client identification."""
        return {
            "X-Plex-Token": api_key,
            "X-Plex-Client-Identifier": "capacitarr",
            "X-Plex-Product": "Capacitarr",
        }, {}

    # -- ConnectionTester ---------------------------------------------------

    def test(self) -> ConnectionResult:
        """Check the server identity, then that the token may read libraries."""
        return run_test(self.product, self._probe)

    def _probe(self) -> tuple[str, str]:
        try:
            identity = self.http.get("identity")
        except NotFound as exc:
            found = sniff_product(self)
            if found and found != "Plex":
                raise wrong_product(
                    self.http.service, self.root_url, "Plex", found
                ) from exc
            raise
        container = (
            identity.get("MediaContainer") if isinstance(identity, dict) else None
        )
        if not isinstance(container, dict) or "machineIdentifier" not in container:
            raise UnexpectedResponse(
                self.http.service,
                "GET",
                self.root_url + "/identity",
                200,
                "the reply does not look like a Plex server identity",
            )
        self._sections()  # /identity needs no token; this call does.
        return "Plex Media Server", str(container.get("version", ""))

    # -- the per-cycle listing ----------------------------------------------

    def _sections(self) -> list[dict[str, Any]]:
        container = self._container("library/sections")
        return [d for d in container.get("Directory") or () if isinstance(d, dict)]

    def listing(self) -> list[dict[str, Any]]:
        """Return every movie, show and season of the movie and show libraries."""
        if self._listing is not None:
            return self._listing
        page_size = self.option_int("page_size", 500)
        entries: list[dict[str, Any]] = []
        for section in self._sections():
            kinds = {"movie": (PLEX_MOVIE,), "show": (PLEX_SHOW, PLEX_SEASON)}
            for plex_type in kinds.get(str(section.get("type")), ()):
                entries.extend(
                    self.http.get_pages(
                        f"library/sections/{section.get('key')}/all",
                        params={"type": plex_type, "includeGuids": 1},
                        offset_param="X-Plex-Container-Start",
                        limit_param="X-Plex-Container-Size",
                        page_size=page_size,
                        extract=_metadata_page,
                        shape=_Page,
                    )
                )
        self._listing = entries
        self._by_key = {str(e.get("ratingKey")): e for e in entries}
        return entries

    def _link(self, entry: dict[str, Any]) -> ItemLink | None:
        kind = entry.get("type")
        if kind == "movie":
            ids = guid_ids(entry, Kind.MOVIE)
            return ItemLink(ids) if ids else None
        if kind == "show":
            ids = guid_ids(entry, Kind.TV)
            return ItemLink(ids) if ids else None
        if kind == "season":
            show = self._by_key.get(str(entry.get("parentRatingKey")))
            number = to_int(entry.get("index"))
            ids = guid_ids(show, Kind.TV) if show else None
            return ItemLink(ids, number) if ids and number is not None else None
        return None

    def _container(
        self, path: str, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        payload = self.http.get(path, params)
        try:
            return _container(payload)
        except ValueError as exc:
            raise self.http.unexpected(path, str(exc), params) from exc

    # -- capabilities -------------------------------------------------------

    def item_index(self) -> dict[str, ItemLink]:
        """Return ratingKey → title (or season) for every matchable entry."""
        index = {}
        for entry in self.listing():
            link = self._link(entry)
            if link is not None:
                index[str(entry.get("ratingKey"))] = link
        return index

    def watch_data(self) -> list[WatchRecord]:
        """Return the token owner's plays of movies, shows and seasons."""
        records = []
        for entry in self.listing():
            link = self._link(entry)
            if link is None:
                continue
            plays = to_int(entry.get("viewCount"))
            if plays is None and entry.get("type") != "movie":
                plays = to_int(entry.get("viewedLeafCount"))
            if not plays:
                continue
            records.append(
                WatchRecord(
                    ids=link.ids,
                    play_count=plays,
                    last_played=parse_datetime(entry.get("lastViewedAt")),
                    season=link.season,
                )
            )
        return records

    def watchlist(self) -> list[ExternalIds]:
        """Return what is on deck, episodes counted for their show."""
        self.listing()
        container = self._container("library/onDeck", {"includeGuids": 1})
        found = []
        for entry in container.get("Metadata") or ():
            key = entry.get("grandparentRatingKey") or entry.get("ratingKey")
            owner = self._by_key.get(str(key))
            link = self._link(owner) if owner else None
            if link is not None:
                found.append(link.ids)
        return found

    def collections(self) -> list[NamedRecord]:
        """Return the collections each movie or show belongs to."""
        return self._named("Collection")

    def labels(self) -> list[NamedRecord]:
        """Return the labels on each movie or show."""
        return self._named("Label")

    def _named(self, field: str) -> list[NamedRecord]:
        records = []
        for entry in self.listing():
            tags = names(entry.get(field))
            link = self._link(entry) if tags else None
            if link is not None and link.season is None:
                records.append(NamedRecord(link.ids, tags))
        return records


def guid_ids(entry: dict[str, Any], kind: Kind) -> ExternalIds | None:
    """Read ``Guid[].id`` (``tmdb://…``, ``imdb://…``, ``tvdb://…``)."""
    tmdb = tvdb = None
    imdb = ""
    for guid in entry.get("Guid") or ():
        value = str(guid.get("id", "")) if isinstance(guid, dict) else ""
        scheme, _, ident = value.partition("://")
        if scheme == "tmdb":
            tmdb = to_int(ident)
        elif scheme == "tvdb":
            tvdb = to_int(ident)
        elif scheme == "imdb":
            imdb = ident
    ids = ExternalIds(kind, tmdb, imdb, tvdb)
    return ids if ids else None


def _container(payload: Any) -> dict[str, Any]:
    if isinstance(payload, dict) and isinstance(payload.get("MediaContainer"), dict):
        container: dict[str, Any] = payload["MediaContainer"]
        return container
    raise ValueError("reply has no MediaContainer")


def _metadata_page(payload: Any) -> tuple[list[Any], int | None]:
    container = _container(payload)
    items = [m for m in container.get("Metadata") or () if isinstance(m, dict)]
    return items, to_int(container.get("totalSize"))
