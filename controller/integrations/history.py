"""A play history summed per title, and how to bring it up to date cheaply.

Tautulli keeps one row per play session: hundreds of thousands in a large
household, growing by a few a day. :class:`PlayHistory` sums every row per key
(a Plex ratingKey of a movie, season or show) and remembers what the next read
needs: how many rows the server held, the newest play, and the ids of recent
rows. :meth:`PlayHistory.extend` then takes only the rows dated from
:meth:`PlayHistory.since` on, and accepts them only if the server's row count
grew by exactly the rows that were new. Anything else (a row deleted, a late
row dated before the window, rows without ids) makes it refuse, and the caller
reads the whole history again. Pure: the client does the reading.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from controller.integrations.capabilities import ItemLink, WatchRecord

# A session is written when it stops but dated when it started: rows may appear
# up to this long after their date and still be read by the next short read.
OVERLAP = timedelta(days=2)
# The server reads "after" as a day in its own time zone (at most 14 hours
# from UTC): recent rows are remembered a day further back than asked for.
_MARGIN = timedelta(days=1)


class Play(NamedTuple):
    """One row of a play history.

    Attributes:
        row_id: the server's id of the row (a number or a string), None when it
            sent none.
        keys: the keys the play counts for (a movie's, or a season's and its
            show's).
        when: when the play started, epoch seconds; None when unknown.
        user: who played it ("" when unknown).
    """

    row_id: Hashable | None
    keys: tuple[str, ...]
    when: float | None
    user: str


@dataclass(slots=True)
class Tally:
    """The plays of one key: how many, the latest, and by whom (in order)."""

    count: int = 0
    latest: float | None = None
    users: dict[str, None] = field(default_factory=dict)

    def add(self, play: Play) -> None:
        self.count += 1
        if play.when is not None and (self.latest is None or play.when > self.latest):
            self.latest = play.when
        if play.user:
            self.users.setdefault(play.user, None)


@dataclass
class PlayHistory:
    """Every play of one history, summed per key.

    Attributes:
        tallies: key -> its plays.
        total: rows the server held at the last read (or rows read in full).
        newest: the newest play date seen, epoch seconds (0 when none).
        recent: row id -> date, for every row a short read may return again.
        incremental: every row read had an id, so short reads are possible.
    """

    tallies: dict[str, Tally] = field(default_factory=dict)
    total: int = 0
    newest: float = 0.0
    recent: dict[Hashable, float] = field(default_factory=dict)
    incremental: bool = True

    @classmethod
    def from_plays(cls, plays: Iterable[Play]) -> PlayHistory:
        """Sum a full read; a row read twice (pages shifted) counts once."""
        history = cls()
        seen: set[Hashable] = set()
        rows: list[Play] = []
        for play in plays:
            if play.row_id is None:
                history.incremental = False
            elif play.row_id in seen:
                continue
            else:
                seen.add(play.row_id)
            rows.append(play)
        history._add(rows)
        history.total = len(rows)
        history._remember(rows)
        return history

    def since(self) -> str:
        """The first day (``YYYY-MM-DD``, UTC) a short read must ask from."""
        moment = datetime.fromtimestamp(self.newest, UTC) - OVERLAP
        return moment.date().isoformat()

    def window_start(self) -> float:
        """Epoch seconds from which a short read must return rows.

        A reader that pages newest first may stop at the first row older.
        """
        start = datetime.fromisoformat(self.since()).replace(tzinfo=UTC)
        return start.timestamp()

    def extend(self, plays: Iterable[Play], server_total: int) -> bool:
        """Add the new rows of a short read; False (nothing changed) if it does
        not add up, so the caller reads the whole history instead.

        Args:
            plays: every row dated from :meth:`since` on.
            server_total: the rows the server holds now.
        """
        if not self.incremental:
            return False
        fresh: dict[Hashable, Play] = {}
        for play in plays:
            if play.row_id is None:
                return False
            if play.row_id not in self.recent:
                fresh[play.row_id] = play
        if server_total != self.total + len(fresh):
            return False
        self._add(fresh.values())
        self.total = server_total
        self._remember(fresh.values())
        return True

    def records(self, index: Mapping[str, ItemLink]) -> list[WatchRecord]:
        """Watch records for the keys of ``index`` that have plays."""
        records = []
        for key, link in index.items():
            tally = self.tallies.get(key)
            if tally is None or not tally.count:
                continue
            last = (
                datetime.fromtimestamp(tally.latest, UTC)
                if tally.latest is not None
                else None
            )
            records.append(
                WatchRecord(
                    link.ids, tally.count, last, tuple(tally.users), link.season
                )
            )
        return records

    def _add(self, plays: Iterable[Play]) -> None:
        tallies = self.tallies
        for play in plays:
            for key in play.keys:
                tally = tallies.get(key)
                if tally is None:
                    tally = tallies[key] = Tally()
                tally.add(play)
            if play.when is not None and play.when > self.newest:
                self.newest = play.when

    def _remember(self, plays: Iterable[Play]) -> None:
        """Keep the ids of rows a next short read may return; drop older ones."""
        for play in plays:
            if play.row_id is not None and play.when is not None:
                self.recent[play.row_id] = play.when
        cutoff = self.window_start() - _MARGIN.total_seconds()
        self.recent = {row: when for row, when in self.recent.items() if when >= cutoff}
