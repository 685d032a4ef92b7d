"""What Jellyfin and Emby share: users, item walks, watch data, favourites.

Both descend from the same server. The administrator's library is walked once
per client (movies, series and seasons): it gives the item-id index Jellystat
needs, item tags (labels) and the ids box-set members and episodes link to.
Other users are never walked in full: per user the client asks only for what
that user played (movies, then episodes) and marked as a favourite, so a
100,000-title library costs one walk, not one per user. Users are read a few
at a time, as are box-set members for collections. Subclasses name the auth
scheme, the paths and the casing of query parameters.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ClassVar, NamedTuple, TypeVar

import msgspec

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
from controller.integrations.errors import NotFound
from controller.integrations.paging import PageExtractor
from controller.integrations.parsing import (
    comparable_date,
    names,
    parse_datetime,
    to_int,
)
from controller.integrations.played import (
    EpisodePlays,
    EpisodeRow,
    MoviePlays,
    MovieRow,
    PlayedState,
    cutoff,
)
from controller.integrations.sync import KeepsReads

TITLE_TYPES = "Movie,Series,Season"
PLAYED = "mediabrowser.played"
BOXSETS = "mediabrowser.boxsets"
RECENT_PAGE = 200  # items per page of a read of what was played lately
PAGE_SIZE = 2000  # items per page; fewer round trips over a large library
CONCURRENCY = 4  # users (or box sets) read at the same time
Entry = dict[str, Any]
T = TypeVar("T")
logger = logging.getLogger(__name__)


class _UserData(msgspec.Struct):
    """The keys of an item's user data this client reads (values as sent)."""

    Played: Any = None
    PlayCount: Any = None
    LastPlayedDate: Any = None
    IsFavorite: Any = None


class _Item(msgspec.Struct):
    """The keys of an item this client reads (a full item has dozens more)."""

    Id: Any = None
    Type: Any = None
    Name: Any = None
    ProviderIds: Any = None
    Tags: Any = None
    SeriesId: Any = None
    IndexNumber: Any = None
    ParentIndexNumber: Any = None
    ChildCount: Any = None
    UserData: _UserData | None = None


class _ItemsPage(msgspec.Struct):
    """One page of ``/Items``, decoded straight to :class:`_Item` records."""

    Items: list[_Item] | None = None
    TotalRecordCount: Any = None


WatchKey = tuple[ExternalIds, int | None]


class MediaBrowserClient(KeepsReads, ServiceClient):
    """Shared behaviour of the Jellyfin and Emby clients."""

    camel_case: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._users: list[Entry] | None = None
        self._walks: dict[str, list[_Title]] = {}
        self._links: dict[str, ItemLink] = {}

    # -- product specifics (overridden) ---------------------------------------

    def users_payload(self) -> Any:
        """Return the raw reply listing users."""
        raise NotImplementedError

    def items_path(self, user_id: str) -> str:
        """Return the path listing items as ``user_id`` sees them."""
        raise NotImplementedError

    def _p(self, name: str) -> str:
        """Spell a query parameter the way the product's spec does."""
        return name[0].lower() + name[1:] if self.camel_case else name

    # -- ConnectionTester ---------------------------------------------------

    def test(self) -> ConnectionResult:
        """Check the public server info, then the key against System/Info."""
        return run_test(self.product, self._probe)

    def _probe(self) -> tuple[str, str]:
        try:
            public = self.http.get("System/Info/Public")
        except NotFound as exc:
            found = sniff_product(self)
            if found and found != self.product:
                raise wrong_product(
                    self.http.service, self.root_url, self.product, found
                ) from exc
            raise
        if not isinstance(public, dict) or not (
            public.get("ServerName") or public.get("Version")
        ):
            raise self.http.unexpected(
                "System/Info/Public", f"the reply does not look like {self.product}"
            )
        product = str(public.get("ProductName", ""))
        other = "Emby" if self.product == "Jellyfin" else "Jellyfin"
        if other.lower() in product.lower():
            raise wrong_product(self.http.service, self.root_url, self.product, other)
        info = self.http.get("System/Info")  # needs a valid key
        version = info.get("Version") if isinstance(info, dict) else None
        return self.product, str(version or public.get("Version", ""))

    # -- walks ----------------------------------------------------------------

    def users(self) -> list[Entry]:
        """Return the server's users (fetched once per client)."""
        if self._users is None:
            payload = self.users_payload()
            if isinstance(payload, dict):
                payload = payload.get("Items")
            if not isinstance(payload, list):
                raise self.http.unexpected("Users", "expected a list of users")
            self._users = [u for u in payload if isinstance(u, dict) and u.get("Id")]
        return self._users

    def admin_id(self) -> str:
        """Return the first administrator's id, else the first user's."""
        users = self.users()
        if not users:
            raise self.http.unexpected("Users", "the server has no users")
        for user in users:
            if (user.get("Policy") or {}).get("IsAdministrator"):
                return str(user["Id"])
        return str(users[0]["Id"])

    def _items(
        self,
        user_id: str,
        extract: PageExtractor | None = None,
        **query: Any,
    ) -> list[Any]:
        """Read every page of ``/Items`` for this query (``extract``: per page)."""
        params = {self._p(k): v for k, v in query.items()}
        params[self._p("Recursive")] = "true"
        if not self.camel_case:
            params.pop("UserId", None)
        return self.http.get_pages(
            self.items_path(user_id),
            params=params,
            offset_param=self._p("StartIndex"),
            limit_param=self._p("Limit"),
            page_size=self.option_int("page_size", PAGE_SIZE),
            extract=extract or _items_page,
            shape=_ItemsPage,
        )

    def walk(self, user_id: str) -> list[_Title]:
        """Return movies, series and seasons with this user's data.

        Each page becomes compact :class:`_Title` records as it arrives; the
        walk is kept for the client's life (one cycle) and read by several
        capabilities.
        """
        if user_id not in self._walks:
            titles = self._items(
                user_id,
                _titles_page,
                UserId=user_id,
                IncludeItemTypes=TITLE_TYPES,
                Fields="ProviderIds,Tags,Path",
                EnableUserData="true",
            )
            self._walks[user_id] = titles
            self._index(titles)
        return self._walks[user_id]

    def _index(self, titles: list[_Title]) -> None:
        series = {}
        for title in titles:
            if title.type in ("Movie", "Series") and title.ids:
                self._links[title.id] = ItemLink(title.ids)
                series[title.id] = title.ids
        for title in titles:
            if title.type == "Season":
                ids = series.get(title.series_id)
                if ids and title.number is not None:
                    self._links[title.id] = ItemLink(ids, title.number)

    def item_index(self) -> dict[str, ItemLink]:
        """Return server item id → title or season, from the admin's walk."""
        self.walk(self.admin_id())
        return dict(self._links)

    # -- capabilities ---------------------------------------------------------

    def _per_user(self, fetch: Callable[[str], T]) -> list[T]:
        """Run ``fetch`` for every user, a few at a time; results in user order."""
        return self._few_at_a_time(fetch, [str(user["Id"]) for user in self.users()])

    def _few_at_a_time(self, fetch: Callable[[Any], T], keys: Iterable[Any]) -> list[T]:
        """Run ``fetch`` over ``keys`` on a small pool; results in key order."""
        keys = list(keys)
        workers = max(1, min(self.option_int("concurrency", CONCURRENCY), len(keys)))
        if workers == 1:
            return [fetch(key) for key in keys]
        with ThreadPoolExecutor(workers, thread_name_prefix=self.type_name) as pool:
            return list(pool.map(fetch, keys))

    def watch_data(self) -> list[WatchRecord]:
        """Return plays per title and per season, summed over every user.

        With plays kept by an earlier cycle, each user's are brought up to date
        from what was played since (see :mod:`controller.integrations.played`);
        a user is read in full when that does not add up, and at least every
        ``full_sync_hours`` (24 by default).
        """
        counts: dict[WatchKey, int] = defaultdict(int)
        last: dict[WatchKey, str] = {}
        users: dict[WatchKey, list[str]] = defaultdict(list)
        admin = self.admin_id()
        self.walk(admin)  # links for the episodes' series
        state = self._played_state()
        played = self._per_user(
            lambda user_id: self._user_plays(
                user_id,
                self._user_movies(user_id, admin, state),
                self._user_episodes(user_id, state),
            )
        )
        for user, user_plays in zip(self.users(), played, strict=True):
            name = str(user.get("Name", ""))
            for key, (plays, when) in user_plays.items():
                counts[key] += plays
                if when is not None and (key not in last or when > last[key]):
                    last[key] = when
                if name and name not in users[key]:
                    users[key].append(name)
        return [
            WatchRecord(
                key[0],
                n,
                parse_datetime(last.get(key), self.fetch_notes),
                tuple(users[key]),
                key[1],
            )
            for key, n in counts.items()
            if n > 0
        ]

    # -- kept plays -------------------------------------------------------------

    def _played_state(self) -> PlayedState:
        """The plays kept for this server (a throwaway one without sync)."""
        if self._sync is None:
            return PlayedState()
        kept = self._sync.entries.get(PLAYED)
        if not isinstance(kept, PlayedState):
            kept = PlayedState()
            self._sync.keep(PLAYED, kept, full=True)
        return kept

    def _user_episodes(self, user_id: str, state: PlayedState) -> EpisodePlays:
        """A user's played episodes: brought up to date, or read in full."""
        known = state.episodes.get(user_id)
        if known is not None and not self.sync_due(known.full_at):
            updated = self._episodes_since(user_id, known)
            if updated is not None:
                state.episodes[user_id] = updated
                return updated
            logger.info("%s: plays of user %s do not add up", self.product, user_id)
        entries = self._items(
            user_id,
            _items_page,
            UserId=user_id,
            IncludeItemTypes="Episode",
            IsPlayed="true",
            EnableUserData="true",
        )
        fresh = EpisodePlays.from_episodes(self._episode_rows(entries), self.sync_now())
        if self._sync is not None:
            state.episodes[user_id] = fresh
        return fresh

    def _episodes_since(self, user_id: str, known: EpisodePlays) -> EpisodePlays | None:
        """Re-read the series of the episodes played since ``known`` was read.

        A series is re-read only when an episode of it is new to ``known`` or
        dated later than anything ``known`` holds of it: a play always moves
        an episode's date forward, so an episode dated no later was read then.
        """
        recent, counted = self._played_since(user_id, "Episode", cutoff(known.newest))
        touched = sorted(
            {
                series
                for series, _, _, when in self._episode_rows(recent)
                if when is None or not known.holds(series, when)
            }
        )
        reread = {
            series: self._episode_rows(
                self._items(
                    user_id,
                    _items_page,
                    UserId=user_id,
                    ParentId=series,
                    IncludeItemTypes="Episode",
                    IsPlayed="true",
                    EnableUserData="true",
                )
            )
            for series in touched
        }
        return known.with_series(reread, counted)

    def _user_movies(
        self, user_id: str, admin: str, state: PlayedState
    ) -> list[MovieRow]:
        """A user's played movies: the admin's from the walk, others kept."""
        if user_id == admin:
            return [
                (t.id, t.ids, t.plays, comparable_date(t.last_played, self.fetch_notes))
                for t in self.walk(admin)
                if t.type == "Movie" and t.plays
            ]
        known = state.movies.get(user_id)
        if known is not None and not self.sync_due(known.full_at):
            recent, counted = self._played_since(
                user_id, "Movie", cutoff(known.newest), Fields="ProviderIds"
            )
            updated = known.with_movies(self._movie_rows(recent), counted)
            if updated is not None:
                state.movies[user_id] = updated
                return list(self._movie_entries(updated))
        titles = self._items(
            user_id,
            _titles_page,
            UserId=user_id,
            IncludeItemTypes="Movie",
            IsPlayed="true",
            Fields="ProviderIds",
            EnableUserData="true",
        )
        rows = [
            (t.id, t.ids, t.plays, comparable_date(t.last_played, self.fetch_notes))
            for t in titles
            if t.type == "Movie"
        ]
        fresh = MoviePlays.from_movies(rows, self.sync_now())
        if self._sync is not None:
            state.movies[user_id] = fresh
        return rows

    @staticmethod
    def _movie_entries(plays: MoviePlays) -> Iterable[MovieRow]:
        for movie, (ids, count, when) in plays.by_movie.items():
            yield movie, ids, count, when

    def _played_since(
        self, user_id: str, kind: str, since: str | None, **query: Any
    ) -> tuple[list[_Item], int]:
        """Items of ``kind`` the user played, newest first, back to ``since``.

        Returns them and the server's count of every such item the user has
        played. Reads page after page until one reaches back past ``since``.
        """
        params = {
            self._p(k): v
            for k, v in {
                "UserId": user_id,
                "IncludeItemTypes": kind,
                "IsPlayed": "true",
                "EnableUserData": "true",
                "Recursive": "true",
                "SortBy": "DatePlayed",
                "SortOrder": "Descending",
                **query,
            }.items()
        }
        if not self.camel_case:
            params.pop("UserId", None)
        size = self.option_int("recent_page_size", RECENT_PAGE)
        found: list[_Item] = []
        counted: int | None = None
        while True:
            params[self._p("StartIndex")] = len(found)
            params[self._p("Limit")] = size
            path = self.items_path(user_id)
            page = self.http.get(path, params, _ItemsPage)
            try:
                entries, total = _items_page(page)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise self.http.unexpected(path, f"unexpected page ({exc})") from exc
            if counted is None:
                counted = total
            found.extend(entries)
            oldest = comparable_date(
                entries[-1].UserData.LastPlayedDate
                if entries and entries[-1].UserData
                else None
            )
            if len(entries) < size or since is None or oldest is None or oldest < since:
                break
        if counted is None:
            raise self.http.unexpected(self.items_path(user_id), "no item count")
        return found, counted

    def _episode_rows(self, entries: Iterable[_Item]) -> list[EpisodeRow]:
        """Played episodes as (series id, season, plays, date) rows."""
        notes = self.fetch_notes
        rows: list[EpisodeRow] = []
        for episode in entries:
            if episode.Type == "Movie":
                continue  # a server that ignored IncludeItemTypes
            data = episode.UserData
            series = episode.SeriesId
            if data is None or not series:
                continue
            count = data.PlayCount
            if type(count) is not int:
                count = to_int(count)
            if not count:
                count = 1 if data.Played else 0
                if not count:
                    continue
            season = episode.ParentIndexNumber
            if type(season) is not int:
                season = to_int(season)
            rows.append(
                (
                    series if type(series) is str else str(series),
                    season,
                    count,
                    comparable_date(data.LastPlayedDate, notes),
                )
            )
        return rows

    def _movie_rows(self, entries: Iterable[_Item]) -> list[MovieRow]:
        """Played movies as (item id, provider ids, plays, date) rows."""
        rows: list[MovieRow] = []
        for movie in entries:
            if movie.Type != "Movie":
                continue
            data = movie.UserData
            count = (to_int(data.PlayCount) or 0) if data is not None else 0
            rows.append(
                (
                    str(movie.Id),
                    provider_ids(movie.ProviderIds, Kind.MOVIE),
                    count,
                    comparable_date(
                        data.LastPlayedDate if data is not None else None,
                        self.fetch_notes,
                    ),
                )
            )
        return rows

    def _user_plays(
        self, user_id: str, movies: list[MovieRow], episodes: EpisodePlays
    ) -> dict[WatchKey, tuple[int, str | None]]:
        """Sum one user's plays per title and per season, with the latest date."""
        plays: dict[WatchKey, tuple[int, str | None]] = {}

        def add(key: WatchKey, count: int, when: str | None) -> None:
            known = plays.get(key)
            if known is None:
                plays[key] = (count, when)
            else:
                latest = known[1]
                if when is not None and (latest is None or when > latest):
                    latest = when
                plays[key] = (known[0] + count, latest)

        for movie, ids, count, when in movies:
            link = self._links.get(movie)
            if link is None and ids:
                link = ItemLink(ids)
            if link and count:
                add((link.ids, None), count, when)
        self._link_series(user_id, set(episodes.by_series))
        links = self._links
        for series, seasons in episodes.by_series.items():
            link = links.get(series)
            if link is None:
                continue
            for season, tally in seasons.items():
                add((link.ids, None), tally.plays, tally.last)
                if season is not None:
                    add((link.ids, season), tally.plays, tally.last)
        return plays

    def _link_of(self, title: _Title) -> ItemLink | None:
        """Return the link of a movie or series: walked, or from its own ids."""
        link = self._links.get(title.id)
        if link is None and title.ids:
            link = ItemLink(title.ids)
        return link

    def _link_series(self, user_id: str, series_ids: set[str]) -> None:
        """Read the ids of played episodes' series the admin's walk lacks.

        A user may see a library the administrator does not; one query by id
        covers every such series instead of walking that user's library.
        """
        missing = sorted(s for s in series_ids if s not in self._links)
        if missing:
            found = self._items(
                user_id,
                _titles_page,
                UserId=user_id,
                Ids=",".join(missing),
                Fields="ProviderIds",
            )
            self._index([t for t in found if t.type == "Series"])

    def watchlist(self) -> list[ExternalIds]:
        """Return every movie or series any user marked as a favourite."""
        found: dict[ExternalIds, None] = {}
        for titles in self._per_user(self._favourite_entries):
            for title in titles:
                link = self._link_of(title)
                if link and link.season is None and title.favourite:
                    found.setdefault(link.ids, None)
        return list(found)

    def _favourite_entries(self, user_id: str) -> list[_Title]:
        """Return the movies and series a user marked (from a walk if there is one)."""
        walked = self._walks.get(user_id)
        if walked is not None:
            return [t for t in walked if t.type in ("Movie", "Series")]
        return self._items(
            user_id,
            _titles_page,
            UserId=user_id,
            IncludeItemTypes="Movie,Series",
            IsFavorite="true",
            Fields="ProviderIds",
            EnableUserData="true",
        )

    def labels(self) -> list[NamedRecord]:
        """Return each movie's or series' Tags."""
        records = []
        for title in self.walk(self.admin_id()):
            link = self._links.get(title.id)
            if link and link.season is None and title.tags:
                records.append(NamedRecord(link.ids, title.tags))
        return records

    def collections(self) -> list[NamedRecord]:
        """Return, per movie or series, the names of the box sets holding it.

        Each box set's members take a request of their own. While no rule
        rests on collections (``SyncState.fresh``), the members read in an
        earlier cycle are kept for box sets whose item count is unchanged, and
        every box set is read again after ``full_sync_hours``; otherwise every
        box set is read every cycle.
        """
        admin = self.admin_id()
        self.walk(admin)
        boxsets = self._items(
            admin, UserId=admin, IncludeItemTypes="BoxSet", Fields="ChildCount"
        )
        named = [
            (str(b.Name or "").strip(), b.Id, to_int(b.ChildCount)) for b in boxsets
        ]
        named = [entry for entry in named if entry[0]]
        kept = self._kept_boxsets()

        def members_of(entry: tuple[str, Any, int | None]) -> tuple[ExternalIds, ...]:
            _, box_id, count = entry
            known = kept.get(str(box_id))
            if known is not None and count is not None and known[0] == count:
                return known[1]
            titles = self._items(
                admin,
                _titles_page,
                UserId=admin,
                ParentId=box_id,
                Fields="ProviderIds",
            )
            return tuple(t.ids for t in titles if t.ids)

        listed = self._few_at_a_time(members_of, named)
        if self._sync is not None:
            boxes = {
                str(box_id): (count, members)
                for (_, box_id, count), members in zip(named, listed, strict=True)
                if count is not None
            }
            self._sync.keep(BOXSETS, boxes, full=not kept)
        member_of: dict[ExternalIds, list[str]] = defaultdict(list)
        for (name, _, _), members in zip(named, listed, strict=True):
            for ids in members:
                if name not in member_of[ids]:
                    member_of[ids].append(name)
        return [NamedRecord(ids, tuple(n)) for ids, n in member_of.items()]

    def _kept_boxsets(self) -> dict[str, tuple[int, tuple[ExternalIds, ...]]]:
        """Box-set members kept from earlier cycles, when they may be used."""
        if self._sync is None or "collections" in self._sync.fresh:
            return {}
        kept: dict[str, tuple[int, tuple[ExternalIds, ...]]] | None = self.kept(BOXSETS)
        return kept or {}


def provider_ids(raw: Any, kind: Kind) -> ExternalIds | None:
    """Read an item's ``ProviderIds`` (``Tmdb``, ``Imdb``, ``Tvdb``, any casing)."""
    raw = raw or {}
    lowered = (
        {str(k).lower(): v for k, v in raw.items()} if isinstance(raw, dict) else {}
    )
    ids = ExternalIds(
        kind,
        to_int(lowered.get("tmdb")),
        str(lowered.get("imdb") or ""),
        to_int(lowered.get("tvdb")),
    )
    return ids if ids else None


class _Title(NamedTuple):
    """What a walk keeps of one movie, series or season (or box-set member)."""

    id: str
    type: str
    ids: ExternalIds | None  # a movie's or series' provider ids
    series_id: str  # a season's series
    number: int | None  # a season's number
    tags: tuple[str, ...]
    plays: int
    last_played: Any  # as sent; parsed only where it counts
    favourite: bool


# Builds a _Title from a 9-tuple in C, skipping the Python-level __new__.
_new_title = partial(tuple.__new__, _Title)


def _titles_page(payload: Any) -> tuple[list[Any], int | None]:
    """Read one page of items as compact :class:`_Title` records."""
    entries, total = _items_page(payload)
    titles = []
    for entry in entries:
        kind = entry.Type
        data = entry.UserData
        series = entry.SeriesId
        titles.append(
            _new_title(
                (
                    str(entry.Id),
                    str(kind or ""),
                    None
                    if kind == "Season"
                    else provider_ids(
                        entry.ProviderIds, Kind.MOVIE if kind == "Movie" else Kind.TV
                    ),
                    str(series) if series else "",
                    to_int(entry.IndexNumber),
                    names(entry.Tags),
                    (to_int(data.PlayCount) or 0) if data is not None else 0,
                    data.LastPlayedDate if data is not None else None,
                    bool(data.IsFavorite) if data is not None else False,
                )
            )
        )
    return titles, total


def _items_page(payload: Any) -> tuple[list[_Item], int | None]:
    """The records of one page: as decoded, or converted from a full decode.

    A page that did not fit :class:`_ItemsPage` (an odd value where an object
    belongs) arrives decoded in full; its object entries are converted with
    the same leniency the shapes have, other entries are skipped as before.
    """
    if isinstance(payload, _ItemsPage):
        return payload.Items or [], to_int(payload.TotalRecordCount)
    entries = [i for i in payload.get("Items") or () if isinstance(i, dict)]
    try:
        items = msgspec.convert(entries, list[_Item], strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"an entry of an unexpected shape: {exc}") from None
    return items, to_int(payload.get("TotalRecordCount"))
