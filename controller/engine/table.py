"""The items of one scoring call as columns, each read from the items once.

:func:`controller.engine.scoring.score_items` builds an :class:`ItemTable` over
its items; the factors, the rule masks and the score breakdown read its columns
(numpy arrays) instead of visiting every item for every question. Scoring
100,000 items then costs one pass in Python per attribute something needs,
and the arithmetic runs in C.

Unknown numbers and dates are NaN in the float columns; :meth:`ItemTable.ages`
turns a row back into the :class:`~controller.engine.factors.Ages` the rest of
the engine speaks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from controller.media import MediaItem

SECONDS_PER_DAY = 86_400.0
NAN = float("nan")
Floats = npt.NDArray[np.float64]
Integers = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
Getter = Callable[[MediaItem], Any]

_ADDED_AT = operator.attrgetter("added_at")
_LAST_PLAYED = operator.attrgetter("last_played")


def days_since(moments: Iterable[datetime | None], now: datetime) -> Floats:
    """Days from each moment to ``now``; NaN for None or the year-1 placeholder.

    A naive datetime is read as UTC. Moments after ``now`` give negative days.
    """
    return np.array(
        [
            NAN
            if moment is None or moment.year <= 1
            else (
                now
                - (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))
            ).total_seconds()
            / SECONDS_PER_DAY
            for moment in moments
        ],
        dtype=np.float64,
    )


class ItemTable:
    """Columns over a fixed list of items at one clock; built once per call.

    Attributes:
        items: the items, in row order.
        size: how many rows.
        added_days / played_days: ages in days, NaN when unknown; a date in the
            future counts as 0 days.
        added_future / played_future: the date lay in the future.
    """

    def __init__(self, items: Iterable[MediaItem], now: datetime) -> None:
        self.items: list[MediaItem] = items if isinstance(items, list) else list(items)
        self.size = len(self.items)
        added = days_since(map(_ADDED_AT, self.items), now)
        played = days_since(map(_LAST_PLAYED, self.items), now)
        self.added_future: Flags = added < 0.0
        self.played_future: Flags = played < 0.0
        self.added_days: Floats = np.where(self.added_future, 0.0, added)
        self.played_days: Floats = np.where(self.played_future, 0.0, played)
        self._columns: dict[str, Any] = {}

    def _column(self, name: str, build: Callable[[], Any]) -> Any:
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = build()
        return column

    def values(self, name: str, get: Getter) -> list[Any]:
        """The Python values ``get`` reads, one per row (kept under ``name``)."""
        return self._column(name, lambda: list(map(get, self.items)))

    def numbers(self, name: str, get: Getter) -> Floats:
        """A float column; a value of None reads as NaN."""
        return self._column(name, lambda: self._numbers(get))

    def _numbers(self, get: Getter) -> Floats:
        try:  # most columns hold no None: read them in C
            return np.fromiter(map(get, self.items), np.float64, self.size)
        except TypeError:
            values = [NAN if v is None else v for v in map(get, self.items)]
            return np.array(values, dtype=np.float64)

    def integers(self, name: str, get: Getter) -> Integers:
        """An integer column (``get`` never returns None)."""
        return self._column(
            name,
            lambda: np.fromiter(map(get, self.items), np.int64, count=self.size),
        )

    def flags(self, name: str, get: Getter) -> Flags:
        """A boolean column: the truth of what ``get`` reads."""
        return self._column(
            name,
            lambda: np.fromiter(map(bool, map(get, self.items)), np.bool_, self.size),
        )

    def texts(self, name: str, get: Getter) -> list[str]:
        """Lower-cased text, one per row, for case-insensitive comparisons."""
        return self._column(name, lambda: [v.lower() for v in map(get, self.items)])
