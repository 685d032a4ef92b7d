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
from functools import partial
from typing import Any, NamedTuple

import msgspec

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


class _HistoryRow(msgspec.Struct):
    """The columns of a play that this client reads (a row has some fifty)."""

    rating_key: Any = None
    parent_rating_key: Any = None
    grandparent_rating_key: Any = None
    date: Any = None
    started: Any = None
    friendly_name: Any = None
    user: Any = None


class _HistoryData(msgspec.Struct):
    data: list[_HistoryRow] | None = None
    recordsFiltered: Any = None
    recordsTotal: Any = None


class _HistoryResponse(msgspec.Struct):
    result: Any = None
    message: Any = None
    data: _HistoryData | None = None


class _HistoryReply(msgspec.Struct):
    """A ``get_history`` reply, decoded straight to :class:`_HistoryRow` records."""

    response: _HistoryResponse | None = None


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
        if isinstance(payload, _HistoryReply):
            payload = _as_dict(payload)
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
        # Per ratingKey: plays, the latest date (as epoch seconds) and users.
        counts: dict[str, int] = defaultdict(int)
        latest: dict[str, float] = {}
        users: dict[str, dict[str, None]] = defaultdict(dict)
        for play in plays:
            for key in play.keys:
                if key not in index:
                    continue
                counts[key] += 1
                if play.when is not None and play.when > latest.get(key, -1.0):
                    latest[key] = play.when
                if play.user:
                    users[key].setdefault(play.user, None)
        records = []
        for key, count in counts.items():
            link = index[key]
            when = latest.get(key)
            last = parse_datetime(when) if when is not None else None
            records.append(
                WatchRecord(link.ids, count, last, tuple(users[key]), link.season)
            )
        return records


class _Play(NamedTuple):
    """What the full-history walk keeps of one history row."""

    keys: tuple[str, ...]
    when: float | None  # epoch seconds
    user: str


# Builds a _Play from a 3-tuple in C, skipping the Python-level __new__.
_new_play = partial(tuple.__new__, _Play)


def _epoch(value: Any) -> float | None:
    """A play's date as epoch seconds: Tautulli sends integers; else parsed."""
    if type(value) is int:
        return float(value) if value > 0 else None
    parsed = parse_datetime(value)
    return parsed.timestamp() if parsed is not None else None


def _key(value: Any) -> str:
    return value if type(value) is str else str(value or "")


def _play_page(payload: Any) -> tuple[list[Any], int | None]:
    """Read one history page as compact plays (a page of rows is dropped at once)."""
    rows, total = _history_rows(payload)
    plays = [
        _new_play(
            (
                (
                    _key(row.rating_key),
                    _key(row.parent_rating_key),
                    _key(row.grandparent_rating_key),
                ),
                _epoch(row.date or row.started),
                str(row.friendly_name or row.user or ""),
            )
        )
        for row in rows
    ]
    return plays, total


def _history_rows(payload: Any) -> tuple[list[_HistoryRow], int | None]:
    """The rows of one history page: as decoded, or converted from a full decode."""
    if not isinstance(payload, _HistoryReply):
        try:
            payload = msgspec.convert(
                _only_objects(payload), _HistoryReply, strict=False
            )
        except msgspec.ValidationError as exc:
            raise ValueError(f"a history page of an unexpected shape: {exc}") from None
    response = payload.response
    if response is None:
        raise ValueError("no response envelope")
    if response.result != "success":
        raise ValueError(str(response.message))
    data = response.data
    if data is None:
        raise ValueError("no history data")
    return data.data or [], to_int(data.recordsFiltered)


def _only_objects(payload: Any) -> Any:
    """A fully decoded page with the non-object rows left out, as before."""
    try:
        data = payload["response"]["data"]
        data["data"] = [row for row in data.get("data") or () if isinstance(row, dict)]
    except (KeyError, TypeError, AttributeError):
        pass
    return payload


def _as_dict(reply: _HistoryReply) -> dict[str, Any]:
    """A decoded reply as plain dicts, for the checks :meth:`command` makes."""
    return msgspec.to_builtins(reply)


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
