"""Join watch data, requests, watchlists, collections and labels to *arr items.

Records from media servers and companions are matched to items by external id
inside one namespace (movie or TV): TMDb first, then IMDb, then TVDb. Stages
run in a fixed order with fixed semantics (docs/enrichment.md):

1. history sources (Tautulli, Jellystat) overwrite play data;
2. media-server bulk watch data (Plex, Jellyfin, Emby) fills items still at 0;
3. Seerr requests; 4. watchlists/favourites; 5. collections; 6. labels;
7. the watched-by-requestor cross-reference.

Season-level records apply to season items. A title-level TV record applies to
the show item, and to its seasons only when that source gave no season-level
record for the show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from controller.integrations.capabilities import (
    KIND_OF_TYPE,
    ExternalIds,
    Kind,
    NamedRecord,
    RequestRecord,
    WatchRecord,
)
from controller.media import MediaItem, MediaType

IdKey = tuple[Kind, str, int | str]


def id_keys(ids: ExternalIds) -> list[IdKey]:
    """Return the lookup keys of ``ids`` in fallback order: TMDb, IMDb, TVDb."""
    return _keys(ids.kind, ids.tmdb, ids.imdb, ids.tvdb)


def _keys(kind: Kind, tmdb: int | None, imdb: str, tvdb: int | None) -> list[IdKey]:
    keys: list[IdKey] = []
    if tmdb is not None:
        keys.append((kind, "tmdb", tmdb))
    if imdb:
        keys.append((kind, "imdb", imdb))
    if tvdb is not None:
        keys.append((kind, "tvdb", tvdb))
    return keys


def item_keys(item: MediaItem) -> list[IdKey]:
    """Return an item's lookup keys in its namespace (none for unknown kinds)."""
    kind = KIND_OF_TYPE.get(item.media_type)
    if kind is None:
        return []
    return _keys(kind, item.tmdb_id, item.imdb_id, item.tvdb_id)


def item_ids(item: MediaItem) -> ExternalIds | None:
    """Return an item's external ids in its namespace, or None."""
    kind = KIND_OF_TYPE.get(item.media_type)
    if kind is None:
        return None
    ids = ExternalIds(kind, item.tmdb_id, item.imdb_id, item.tvdb_id)
    return ids if ids else None


def known_keys(items: Iterable[MediaItem]) -> set[IdKey]:
    """Return every lookup key any item carries (what ``ItemIndex.knows`` asks)."""
    keys: set[IdKey] = set()
    for item in items:
        keys.update(item_keys(item))
    return keys


class ItemIndex:
    """Items by type-aware external id, titles and seasons kept apart."""

    def __init__(self, items: Iterable[MediaItem]) -> None:
        self.titles: dict[IdKey, list[MediaItem]] = defaultdict(list)
        self.seasons: dict[tuple[IdKey, int], list[MediaItem]] = defaultdict(list)
        # Records of one title share its ids: their lookup keys, worked out once.
        self._keys: dict[ExternalIds, list[IdKey]] = {}
        titles, seasons = self.titles, self.seasons
        for item in items:
            keys = item_keys(item)
            if not keys:
                continue
            if item.media_type == MediaType.SEASON:
                number = item.season_number or 0
                for key in keys:
                    seasons[(key, number)].append(item)
                    seasons[(key, -1)].append(item)  # every season of the show
            else:
                for key in keys:
                    titles[key].append(item)

    def keys_of(self, ids: ExternalIds) -> list[IdKey]:
        """:func:`id_keys` of ``ids``, remembered for the index's life."""
        keys = self._keys.get(ids)
        if keys is None:
            keys = self._keys[ids] = id_keys(ids)
        return keys

    def titles_for(self, ids: ExternalIds) -> list[MediaItem]:
        """Return title items (movie, show...) matching ``ids``."""
        titles = self.titles
        for key in self.keys_of(ids):
            found = titles.get(key)
            if found is not None:
                return found
        return []

    def seasons_for(self, ids: ExternalIds, season: int | None) -> list[MediaItem]:
        """Return one season's items, or every season's when ``season`` is None."""
        number = -1 if season is None else season
        seasons = self.seasons
        for key in self.keys_of(ids):
            found = seasons.get((key, number))
            if found is not None:
                return found
        return []

    def knows(self, ids: ExternalIds) -> bool:
        """Return whether any item carries one of ``ids``."""
        return bool(self.titles_for(ids) or self.seasons_for(ids, None))

    def with_seasons(self, ids: ExternalIds) -> list[MediaItem]:
        """Return the title items and, for TV, all their season items."""
        found = list(self.titles_for(ids))
        if ids.kind == Kind.TV:
            found.extend(self.seasons_for(ids, None))
        return found


@dataclass(slots=True)
class Plays:
    """Play data to write onto an item."""

    count: int
    last: datetime | None
    users: tuple[str, ...]


def _watch_targets(index: ItemIndex, records: list[WatchRecord]) -> dict[int, Plays]:
    """Return ``id(item)`` → plays for one source's records."""
    by_item: dict[int, Plays] = {}
    items: dict[int, MediaItem] = {}
    season_level = {
        key for r in records if r.season is not None for key in index.keys_of(r.ids)[:1]
    }

    def add(item: MediaItem, record: WatchRecord) -> None:
        current = by_item.get(id(item))
        if current is None:
            by_item[id(item)] = Plays(
                record.play_count, record.last_played, record.users
            )
            items[id(item)] = item
            return
        current.count += record.play_count
        if record.last_played and (
            current.last is None or record.last_played > current.last
        ):
            current.last = record.last_played
        current.users = tuple(dict.fromkeys(current.users + record.users))

    for record in records:
        if record.season is not None:
            for item in index.seasons_for(record.ids, record.season):
                add(item, record)
            continue
        for item in index.titles_for(record.ids):
            add(item, record)
        first = index.keys_of(record.ids)[:1]
        if record.ids.kind == Kind.TV and first and first[0] not in season_level:
            for item in index.seasons_for(record.ids, None):
                add(item, record)
    return by_item


def apply_history(
    index: ItemIndex, items: list[MediaItem], records: list[WatchRecord]
) -> int:
    """Overwrite play data from history sources; return items touched."""
    targets = _watch_targets(index, records)
    for item in items:
        plays = targets.get(id(item))
        if plays is not None:
            item.play_count = plays.count
            item.last_played = plays.last
            if plays.users:
                item.watched_by = plays.users
    return len(targets)


def fill_watch(
    index: ItemIndex, items: list[MediaItem], records: list[WatchRecord]
) -> int:
    """Fill play data from a media server into items still at 0 plays."""
    targets = _watch_targets(index, records)
    touched = 0
    for item in items:
        plays = targets.get(id(item))
        if plays is not None and item.play_count == 0 and plays.count > 0:
            item.play_count = plays.count
            item.last_played = plays.last
            item.watched_by = plays.users
            touched += 1
    return touched


def apply_requests(index: ItemIndex, records: list[RequestRecord]) -> int:
    """Mark requested items, count requests and keep the first requester."""
    touched: set[int] = set()
    for record in records:
        targets = list(index.titles_for(record.ids))
        if record.ids.kind == Kind.TV:
            if record.seasons:
                for number in record.seasons:
                    targets.extend(index.seasons_for(record.ids, number))
            else:
                targets.extend(index.seasons_for(record.ids, None))
        for item in targets:
            item.is_requested = True
            item.request_count += 1
            if not item.requested_by and record.requested_by:
                item.requested_by = record.requested_by
            touched.add(id(item))
    return len(touched)


def apply_watchlist(index: ItemIndex, records: list[ExternalIds]) -> int:
    """Set ``on_watchlist`` (never unset) on titles and their seasons."""
    touched = 0
    for ids in records:
        for item in index.with_seasons(ids):
            item.on_watchlist = True
            touched += 1
    return touched


def apply_names(index: ItemIndex, records: list[NamedRecord], field: str) -> int:
    """Append collection or label names (de-duplicated) to titles and seasons."""
    touched = 0
    for record in records:
        for item in index.with_seasons(record.ids):
            current: tuple[str, ...] = getattr(item, field)
            merged = tuple(dict.fromkeys(current + record.names))
            if merged != current:
                setattr(item, field, merged)
                touched += 1
    return touched


def cross_reference(items: list[MediaItem]) -> int:
    """Set ``watched_by_requestor`` when the requester is among the watchers."""
    touched = 0
    for item in items:
        if item.is_requested and item.requested_by and item.watched_by:
            who = item.requested_by.casefold()
            if any(user.casefold() == who for user in item.watched_by):
                item.watched_by_requestor = True
                touched += 1
    return touched
