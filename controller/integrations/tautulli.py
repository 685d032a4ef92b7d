"""Tautulli: every user's Plex plays, keyed by Plex ratingKeys.

Tautulli knows plays by Plex ratingKey, so it needs a Plex integration's index
(ratingKey → title or season). Per item it asks ``get_history`` for a movie's
``rating_key``, a show's ``grandparent_rating_key`` or a season's
``parent_rating_key``, with a bounded number of requests in flight. When that
would take more requests than reading the whole history page by page, it reads
the history instead, a few pages at a time, keeping of each row only its keys,
date and user; both give the same records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

from controller.integrations.base import ServiceClient
from controller.integrations.capabilities import (
    ConnectionResult,
    ItemLink,
    Kind,
    WatchRecord,
)
from controller.integrations.connection import run_test
from controller.integrations.errors import AuthenticationFailed
from controller.integrations.parsing import parse_datetime, to_int

Row = dict[str, Any]


class _HistoryRow(TypedDict, total=False):
    """The columns of a play that this client reads (a row has some fifty)."""

    rating_key: Any
    parent_rating_key: Any
    grandparent_rating_key: Any
    date: Any
    started: Any
    friendly_name: Any
    user: Any


class _HistoryData(TypedDict, total=False):
    data: list[_HistoryRow] | None
    recordsFiltered: Any
    recordsTotal: Any


class _HistoryResponse(TypedDict, total=False):
    result: Any
    message: Any
    data: _HistoryData | None


class _HistoryReply(TypedDict, total=False):
    """A ``get_history`` reply, reduced to what :func:`_history_page` reads."""

    response: _HistoryResponse | None


class TautulliClient(ServiceClient):
    """Client for Tautulli's API v2 (``/api/v2?apikey=…&cmd=…``)."""

    type_name = "tautulli"
    product = "Tautulli"
    bridge = "plex"

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Tautulli takes the key only as the ``apikey`` query parameter."""
        return {}, {"apikey": api_key}

    def command(self, cmd: str, shape: Any = None, **params: Any) -> Any:
        """Run one API command and return its ``data``, checking the envelope.

        ``shape`` is the shape of the whole reply (see :meth:`HttpClient.get`).
        """
        query = {"cmd": cmd, **params}
        payload = self.http.get("api/v2", query, shape)
        response = payload.get("response") if isinstance(payload, dict) else None
        if not isinstance(response, dict):
            raise self.http.unexpected("api/v2", "no response envelope", query)
        if response.get("result") != "success":
            message = str(response.get("message") or "command failed")
            if "apikey" in message.lower() or "api key" in message.lower():
                raise AuthenticationFailed(
                    self.http.service,
                    "GET",
                    self.http.base_url + "/api/v2",
                    401,
                    message,
                )
            raise self.http.unexpected("api/v2", message, query)
        return response.get("data")

    def test(self) -> ConnectionResult:
        """Check the key with ``get_tautulli_info``."""
        return run_test(self.product, self._probe)

    def _probe(self) -> tuple[str, str]:
        info = self.command("get_tautulli_info")
        if not isinstance(info, dict):
            raise self.http.unexpected("api/v2", "get_tautulli_info returned no info")
        return "Tautulli", str(info.get("tautulli_version", ""))

    # -- watch data -----------------------------------------------------------

    def watch_data_for(self, index: dict[str, ItemLink]) -> list[WatchRecord]:
        """Return plays for each Plex ratingKey in ``index``.

        Args:
            index: Plex ratingKey → the title or season it stands for, limited
                by the caller to titles the *arr apps hold.
        """
        if not index:
            return []
        page = self.option_int("history_page_size", 1000)
        first = self.command("get_history", _HistoryReply, start=0, length=1)
        total = to_int((first or {}).get("recordsTotal")) or 0
        if total // page + 1 < len(index):
            return self._from_full_history(index, page)
        return self._per_item(index)

    def _per_item(self, index: dict[str, ItemLink]) -> list[WatchRecord]:
        workers = max(1, self.option_int("concurrency", 4))
        with ThreadPoolExecutor(workers, thread_name_prefix="tautulli") as pool:
            results = list(pool.map(self._item_history, index.items()))
        return [record for record in results if record is not None]

    def _item_history(self, entry: tuple[str, ItemLink]) -> WatchRecord | None:
        key, link = entry
        if link.ids.kind == Kind.MOVIE:
            field = "rating_key"
        elif link.season is None:
            field = "grandparent_rating_key"
        else:
            field = "parent_rating_key"
        limit = self.option_int("history_per_item", 1000)
        data = self.command(
            "get_history", _HistoryReply, **{field: key, "length": limit}
        )
        rows = _rows(data)
        if not rows:
            return None
        plays = max(len(rows), to_int((data or {}).get("recordsFiltered")) or 0)
        last, users = _summary(rows)
        return WatchRecord(link.ids, plays, last, users, link.season)

    def _from_full_history(
        self, index: dict[str, ItemLink], page: int
    ) -> list[WatchRecord]:
        plays = self.http.get_pages(
            "api/v2",
            params={"cmd": "get_history"},
            offset_param="start",
            limit_param="length",
            page_size=page,
            extract=_play_page,
            workers=max(1, self.option_int("concurrency", 4)),
            shape=_HistoryReply,
        )
        grouped: dict[str, list[_Play]] = defaultdict(list)
        for play in plays:
            for key in play.keys:
                if key in index:
                    grouped[key].append(play)
        records = []
        for key, matched in grouped.items():
            link = index[key]
            last, users = _summary(
                {"date": p.when, "friendly_name": p.user} for p in matched
            )
            records.append(
                WatchRecord(link.ids, len(matched), last, users, link.season)
            )
        return records


class _Play(NamedTuple):
    """What the full-history walk keeps of one history row."""

    keys: tuple[str, ...]
    when: Any
    user: Any


_KEY_FIELDS = ("rating_key", "parent_rating_key", "grandparent_rating_key")


def _play_page(payload: Any) -> tuple[list[Any], int | None]:
    """Read one history page as compact plays (a page of rows is dropped at once)."""
    rows, total = _history_page(payload)
    plays = [
        _Play(
            tuple(str(row.get(f) or "") for f in _KEY_FIELDS),
            row.get("date") or row.get("started"),
            row.get("friendly_name") or row.get("user"),
        )
        for row in rows
    ]
    return plays, total


def _rows(data: Any) -> list[Row]:
    if not isinstance(data, dict):
        return []
    return [r for r in data.get("data") or () if isinstance(r, dict)]


def _summary(rows: Iterable[Row]) -> tuple[datetime | None, tuple[str, ...]]:
    last: datetime | None = None
    users: dict[str, None] = {}
    for row in rows:
        when = parse_datetime(row.get("date") or row.get("started"))
        if when and (last is None or when > last):
            last = when
        name = row.get("friendly_name") or row.get("user")
        if name:
            users.setdefault(str(name), None)
    return last, tuple(users)


def _history_page(payload: Any) -> tuple[list[Any], int | None]:
    response = payload["response"]
    if response.get("result") != "success":
        raise ValueError(str(response.get("message")))
    data = response["data"]
    return _rows(data), to_int(data.get("recordsFiltered"))
