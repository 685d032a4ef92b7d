"""Tautulli: every user's Plex plays, keyed by Plex ratingKeys.

Tautulli knows plays by Plex ratingKey, so it needs a Plex integration's index
(ratingKey → title or season). Per item it asks ``get_history`` for a movie's
``rating_key``, a show's ``grandparent_rating_key`` or a season's
``parent_rating_key``, with a bounded number of requests in flight. When that
would take more requests than reading the whole history page by page, it reads
the history instead, a few pages at a time, keeping of each row only its id,
keys, date and user; both give the same records.

The history read in full is kept, summed per ratingKey, in the integration's
sync state (:mod:`controller.integrations.sync`); the next cycles read only the
rows of the last days and add the new ones, as long as the history's row count
grew by exactly those (:class:`~controller.integrations.history.PlayHistory`).
History is read with ``grouping=0`` (one row per session, whatever the user's
display setting), so rows never change once written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

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
from controller.integrations.history import Play, PlayHistory
from controller.integrations.parsing import parse_datetime, to_int
from controller.integrations.sync import KeepsReads

Row = dict[str, Any]
HISTORY = "tautulli.history"
logger = logging.getLogger(__name__)


class _HistoryRow(msgspec.Struct):
    """The columns of a play that this client reads (a row has some fifty)."""

    id: Any = None
    row_id: Any = None
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


class TautulliClient(KeepsReads, ServiceClient):
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

        With the history summed by an earlier cycle, only the rows of the last
        days are read; the whole history is read again when those do not add
        up, and at least every ``full_sync_hours`` (24 by default).

        Args:
            index: Plex ratingKey → the title or season it stands for, limited
                by the caller to titles the *arr apps hold.
        """
        if not index:
            return []
        history: PlayHistory | None = self.kept(HISTORY)
        if history is not None and self._read_since(history):
            return history.records(index)
        page = self.option_int("history_page_size", 1000)
        first = self.command(
            "get_history", _HistoryReply, start=0, length=1, grouping=0
        )
        total = to_int((first or {}).get("recordsTotal")) or 0
        if total // page + 1 < len(index):
            history = self._read_all(page)
            if self._sync is not None and history.incremental:
                self._sync.keep(HISTORY, history, full=True)
            return history.records(index)
        return self._per_item(index)

    def _read_since(self, history: PlayHistory) -> bool:
        """Add the rows since :meth:`PlayHistory.since`; False if they do not fit."""
        totals: list[int] = []

        def page_of(payload: Any) -> tuple[list[Any], int | None]:
            plays, filtered, total = _play_page(payload)
            totals.append(total)
            return plays, filtered

        plays = self.http.get_pages(
            "api/v2",
            params={
                "cmd": "get_history",
                "grouping": 0,
                "after": history.since(),
                "order_column": "date",
                "order_dir": "desc",
            },
            offset_param="start",
            limit_param="length",
            page_size=self.option_int("history_page_size", 1000),
            extract=page_of,
            shape=_HistoryReply,
        )
        # The first page's count: rows added after it was read are newer than
        # every row read, so the next short read finds them.
        if not totals or not history.extend(plays, totals[0]):
            logger.info("tautulli history does not add up: reading it in full")
            return False
        return True

    def _read_all(self, page: int) -> PlayHistory:
        plays = self.http.get_pages(
            "api/v2",
            params={"cmd": "get_history", "grouping": 0},
            offset_param="start",
            limit_param="length",
            page_size=page,
            extract=lambda payload: _play_page(payload)[:2],
            workers=max(1, self.option_int("concurrency", 4)),
            shape=_HistoryReply,
        )
        return PlayHistory.from_plays(plays)

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


# Builds a Play from a 4-tuple in C, skipping the Python-level __new__.
_new_play = partial(tuple.__new__, Play)


def _epoch(value: Any) -> float | None:
    """A play's date as epoch seconds: Tautulli sends integers; else parsed."""
    if type(value) is int:
        return float(value) if value > 0 else None
    parsed = parse_datetime(value)
    return parsed.timestamp() if parsed is not None else None


def _key(value: Any) -> str:
    return value if type(value) is str else str(value or "")


def _play_page(payload: Any) -> tuple[list[Play], int | None, int]:
    """Read one history page as compact plays (a page of rows is dropped at once).

    Returns the plays, the rows matching the query and the rows in the history.
    A movie's play counts for its ratingKey, an episode's for its season's and
    its show's.
    """
    rows, filtered, total = _history_rows(payload)
    plays = []
    for row in rows:
        parent, grandparent = (
            _key(row.parent_rating_key),
            _key(row.grandparent_rating_key),
        )
        keys = (parent, grandparent) if grandparent else (_key(row.rating_key),)
        plays.append(
            _new_play(
                (
                    to_int(row.id if row.id is not None else row.row_id),
                    tuple(k for k in keys if k),
                    _epoch(row.date or row.started),
                    str(row.friendly_name or row.user or ""),
                )
            )
        )
    return plays, filtered, total


def _history_rows(payload: Any) -> tuple[list[_HistoryRow], int | None, int]:
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
    return data.data or [], to_int(data.recordsFiltered), to_int(data.recordsTotal) or 0


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
