"""The one deterministic order of scored items: most deletable first.

The planner walks each disk group's items in this order and the preview lists
them in it; :func:`sort_scored` is the only place it is defined. Scores are
compared rounded to 4 decimals (:func:`score_steps`), then the user's
tiebreaker decides, then the
item's identity (integration id, external id), so equal inputs always give the
same order.

The keys are numpy columns read in input order and sorted with one
``lexsort``; only rows equal on every numeric key are put in external-id order
afterwards, in Python, so text compares exactly as Python compares it.
:func:`order_scored` also hands back the columns in planning order, for the
plan digest: a pass over 100,000 items in sorted order costs cache misses on
every item, a gather of a numpy column does not.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from controller.engine.factors import known_date
from controller.engine.scoring import ScoredItem
from controller.media import MediaItem

TIEBREAKERS = ("size_desc", "size_asc", "name_asc", "oldest_first", "newest_first")
DEFAULT_TIEBREAKER = "size_desc"

Key = npt.NDArray[Any]
_ITEM = operator.attrgetter("item")
_SCORE = operator.attrgetter("score")
_SIZE = operator.attrgetter("size_bytes")
_INTEGRATION = operator.attrgetter("integration_id")
_EXTERNAL_ID = operator.attrgetter("external_id")
_PROTECTED = operator.attrgetter("protected")


def score_steps(entries: Sequence[ScoredItem]) -> Key:
    """Scores rounded to 4 decimals, as whole ten-thousandths (0.12345 -> 1234).

    Rounding half to even, on the binary value; the ordering and the plan
    digest compare scores this way, so float noise below the fourth decimal
    decides nothing.
    """
    scores = np.fromiter(map(_SCORE, entries), np.float64, len(entries))
    return np.rint(scores * 10_000.0).astype(np.int64)


def _dense_ranks(texts: list[str]) -> Key:
    """Rank strings in Python's order; equal strings share a rank."""
    rank = {text: number for number, text in enumerate(sorted(set(texts)))}
    return np.fromiter(map(rank.__getitem__, texts), np.int64, len(texts))


def _stamp(moment: datetime | None) -> float:
    added = known_date(moment)
    return float("nan") if added is None else added.timestamp()


def _added_keys(items: list[MediaItem], newest: bool) -> list[Key]:
    """Items without an added date last, the others by date."""
    stamps = np.array([_stamp(item.added_at) for item in items], dtype=np.float64)
    unknown = np.isnan(stamps)
    known = np.where(unknown, 0.0, -stamps if newest else stamps)
    return [unknown, known]


_TIEBREAK_KEYS: dict[str, Callable[[list[MediaItem]], list[Key]]] = {
    "size_desc": lambda items: [-np.fromiter(map(_SIZE, items), np.int64, len(items))],
    "size_asc": lambda items: [np.fromiter(map(_SIZE, items), np.int64, len(items))],
    "name_asc": lambda items: [_dense_ranks([item.title.casefold() for item in items])],
    "oldest_first": lambda items: _added_keys(items, newest=False),
    "newest_first": lambda items: _added_keys(items, newest=True),
}


@dataclass(frozen=True, slots=True)
class Ordered:
    """Scored items in planning order, with the columns the order came from.

    The columns are in the same order as ``entries``; the plan digest reads
    them instead of visiting every item again.
    """

    entries: list[ScoredItem]
    rows: Key  # each entry's position in the list that was ordered
    external_ids: list[str]
    integration_ids: Key
    sizes: Key
    steps: Key
    protected: Key

    def take(self, positions: Key) -> Ordered:
        """The entries at ``positions`` (ascending), still in planning order.

        Planning order is a total order on the entries alone, so a subset of
        an ordered list is exactly that subset ordered on its own.
        """
        picked = positions.tolist()
        return Ordered(
            entries=list(map(self.entries.__getitem__, picked)),
            rows=self.rows[positions],
            external_ids=list(map(self.external_ids.__getitem__, picked)),
            integration_ids=self.integration_ids[positions],
            sizes=self.sizes[positions],
            steps=self.steps[positions],
            protected=self.protected[positions],
        )

    def split(self, labels: Sequence[str | None]) -> dict[str, Ordered]:
        """Split by a label per row of the list that was ordered (its mount).

        ``labels`` follows that list's order, not planning order. Rows labelled
        None are left out; each part keeps planning order.
        """
        names = sorted({label for label in labels if label is not None})
        codes = {name: code for code, name in enumerate(names)}
        per_row = np.fromiter(
            (codes.get(label, -1) if label is not None else -1 for label in labels),
            np.int64,
            len(labels),
        )
        in_order = per_row[self.rows] if len(self.rows) else per_row[:0]
        return {
            name: self.take(np.flatnonzero(in_order == code))
            for name, code in codes.items()
        }


def order_scored(
    scored: Iterable[ScoredItem], tiebreaker: str = DEFAULT_TIEBREAKER
) -> Ordered:
    """Order scored items most deletable first, deterministically.

    Scores are compared rounded to 4 decimals; ties go to the tiebreaker
    (``size_desc`` also for an unknown name; items without an added date come
    last for both date orders), then to (integration id, external id).
    """
    entries = scored if isinstance(scored, list) else list(scored)
    count = len(entries)
    tiebreak = _TIEBREAK_KEYS.get(tiebreaker, _TIEBREAK_KEYS[DEFAULT_TIEBREAKER])
    columns = _sheet_columns(entries)
    if columns is not None:
        steps, sizes, integration_ids, external_ids, protected = columns
        if tiebreaker == "size_asc":
            ties = [sizes]
        elif tiebreak is _TIEBREAK_KEYS["size_desc"]:
            ties = [-sizes]
        else:
            ties = tiebreak(entries[0].sheet.table.items)
    else:
        items = list(map(_ITEM, entries))
        steps = score_steps(entries)
        sizes = np.fromiter(map(_SIZE, items), np.int64, count)
        integration_ids = np.fromiter(map(_INTEGRATION, items), np.int64, count)
        external_ids = list(map(_EXTERNAL_ID, items))
        protected = np.fromiter(map(_PROTECTED, entries), np.bool_, count)
        ties = tiebreak(items)
    keys = [-steps, *ties, integration_ids]
    # lexsort sorts by its last key first.
    order: list[int] = np.lexsort(keys[::-1]).tolist()
    _order_ties_by_external_id(order, keys, external_ids)
    permutation = np.array(order, dtype=np.int64)
    return Ordered(
        entries=list(map(entries.__getitem__, order)),
        rows=permutation,
        external_ids=list(map(external_ids.__getitem__, order)),
        integration_ids=integration_ids[permutation],
        sizes=sizes[permutation],
        steps=steps[permutation],
        protected=protected[permutation],
    )


_SHEET = operator.attrgetter("sheet")
_ROW = operator.attrgetter("row")


def _sheet_columns(
    entries: list[ScoredItem],
) -> tuple[Key, Key, Key, list[str], Key] | None:
    """The keys straight from the score sheet, when ``entries`` are one whole
    :func:`~controller.engine.scoring.score_items` result in its own order
    (the usual case); None otherwise."""
    if not entries:
        return None
    sheet = entries[0].sheet
    table = sheet.table
    count = len(entries)
    if table.size != count or any(s is not sheet for s in map(_SHEET, entries)):
        return None
    if not np.array_equal(
        np.fromiter(map(_ROW, entries), np.int64, count), np.arange(count)
    ):
        return None
    return (
        np.rint(sheet.scores * 10_000.0).astype(np.int64),
        table.integers("size_bytes", _SIZE),
        np.asarray(table.values("integration_id", _INTEGRATION), dtype=np.int64),
        table.values("external_id", _EXTERNAL_ID),
        sheet.protected,
    )


def sort_scored(
    scored: Iterable[ScoredItem], tiebreaker: str = DEFAULT_TIEBREAKER
) -> list[ScoredItem]:
    """The entries of :func:`order_scored`: most deletable first."""
    return order_scored(scored, tiebreaker).entries


def _order_ties_by_external_id(
    order: list[int], keys: list[Key], external_ids: list[str]
) -> None:
    """Put each run of rows equal on every key in external-id order, in place."""
    if len(order) < 2:
        return
    same = np.ones(len(order) - 1, dtype=np.bool_)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    if not same.any():
        return
    # A run of equal neighbours i..j in ``same`` ties rows i..j+1 of ``order``.
    edges = np.diff(np.concatenate(([0], same.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1).tolist()
    ends = np.flatnonzero(edges == -1).tolist()
    for start, end in zip(starts, ends, strict=True):
        run = order[start : end + 1]
        run.sort(key=external_ids.__getitem__)
        order[start : end + 1] = run
