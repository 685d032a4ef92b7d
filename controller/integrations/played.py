"""What one Jellyfin or Emby user has played, kept so later reads can be short.

A user's played episodes are the bulk of a media server's watch data: tens of
thousands per user in a large household. :class:`EpisodePlays` sums them per
series and season (how many episodes, how many plays, the latest play), and
:class:`MoviePlays` keeps each played movie. Both remember how many played
items the server counted and the newest play date, so that the next cycle can
ask only for what was played since (newest first), re-read in full the few
series those episodes belong to, and accept the result only if the server's
count of played items equals what it then holds. Anything else (an item
marked unplayed elsewhere, a first play dated before the window) makes the
caller read that user in full. Pure: the client does the reading.

One change escapes the count: a further play of an episode or movie already
played, recorded with a date older than the window (a device syncing plays
long after the fact). Its play count is then one short until the next full
read (``full_sync_hours``, a day by default); the item still counts as played,
with its latest date, and a play made now is always seen.

Dates are compared as UTC ISO text (see
:func:`controller.integrations.parsing.comparable_date`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from controller.integrations.capabilities import ExternalIds

# Servers write a play's date as it happens; a day covers clocks and late writes.
OVERLAP = timedelta(days=1)


@dataclass(slots=True)
class SeasonTally:
    """The played episodes of one season (or of a series' unnumbered ones)."""

    episodes: int = 0
    plays: int = 0
    last: str | None = None

    def add(self, plays: int, when: str | None) -> None:
        self.episodes += 1
        self.plays += plays
        if when is not None and (self.last is None or when > self.last):
            self.last = when


Seasons = dict[int | None, SeasonTally]
# A played episode as read: series id, season number, plays, date text.
EpisodeRow = tuple[str, int | None, int, str | None]
# A played movie as read: item id, provider ids, plays, date text.
MovieRow = tuple[str, ExternalIds | None, int, str | None]


def tally_series(episodes: Iterable[EpisodeRow]) -> dict[str, Seasons]:
    """Sum played episodes per series and season."""
    by_series: dict[str, Seasons] = {}
    for series, season, plays, when in episodes:
        seasons = by_series.get(series)
        if seasons is None:
            seasons = by_series[series] = {}
        tally = seasons.get(season)
        if tally is None:
            tally = seasons[season] = SeasonTally()
        tally.add(plays, when)
    return by_series


def _newest(dates: Iterable[str | None], start: str | None) -> str | None:
    newest = start
    for when in dates:
        if when is not None and (newest is None or when > newest):
            newest = when
    return newest


def cutoff(newest: str | None) -> str | None:
    """The date text before which a short read may stop (None: read it all)."""
    if newest is None:
        return None
    try:
        moment = datetime.fromisoformat(newest.replace("Z", "+00:00"))
    except ValueError:
        return None
    return f"{moment - OVERLAP:%Y-%m-%dT%H:%M:%S.%f}Z"


@dataclass
class EpisodePlays:
    """One user's played episodes, summed per series and season.

    Attributes:
        by_series: series id -> season number (None: no number) -> tally.
        counted: played episodes the server counted at the last read.
        newest: the newest play date read (UTC ISO text).
        full_at: when this user's episodes were last read in full.
    """

    by_series: dict[str, Seasons]
    counted: int
    newest: str | None
    full_at: datetime

    @classmethod
    def from_episodes(cls, episodes: list[EpisodeRow], at: datetime) -> EpisodePlays:
        """Build from a full read of the user's played episodes."""
        return cls(
            tally_series(episodes),
            len(episodes),
            _newest((e[3] for e in episodes), None),
            at,
        )

    def holds(self, series: str, when: str) -> bool:
        """Whether a play of ``series`` dated ``when`` was read already: the
        series is known and nothing of it is dated later than what was read."""
        seasons = self.by_series.get(series)
        if not seasons:
            return False
        latest = max((t.last for t in seasons.values() if t.last), default=None)
        return latest is not None and when <= latest

    def held(self) -> int:
        """Played episodes this state holds."""
        return sum(t.episodes for s in self.by_series.values() for t in s.values())

    def with_series(
        self,
        reread: dict[str, list[EpisodeRow]],
        server_count: int,
    ) -> EpisodePlays | None:
        """This state with ``reread`` series replaced by what was read now.

        Returns None when the server's count of played episodes does not equal
        what the state then holds: something changed outside the series read.
        """
        by_series = dict(self.by_series)
        newest = self.newest
        for series, episodes in reread.items():
            fresh = tally_series(episodes)
            if fresh:
                by_series[series] = fresh[series]
            else:
                by_series.pop(series, None)
            newest = _newest((e[3] for e in episodes), newest)
        updated = EpisodePlays(by_series, server_count, newest, self.full_at)
        return updated if updated.held() == server_count else None


@dataclass
class MoviePlays:
    """One user's played movies: id -> (provider ids, plays, latest date)."""

    by_movie: dict[str, tuple[ExternalIds | None, int, str | None]]
    newest: str | None
    full_at: datetime

    @classmethod
    def from_movies(
        cls,
        movies: Iterable[MovieRow],
        at: datetime,
    ) -> MoviePlays:
        by_movie = {movie: (ids, plays, when) for movie, ids, plays, when in movies}
        return cls(by_movie, _newest((v[2] for v in by_movie.values()), None), at)

    def with_movies(
        self,
        recent: Iterable[MovieRow],
        server_count: int,
    ) -> MoviePlays | None:
        """This state with the movies played lately updated; None when the
        server's count of played movies does not then match."""
        by_movie = dict(self.by_movie)
        newest = self.newest
        for movie, ids, plays, when in recent:
            by_movie[movie] = (ids, plays, when)
            if when is not None and (newest is None or when > newest):
                newest = when
        if len(by_movie) != server_count:
            return None
        return MoviePlays(by_movie, newest, self.full_at)


@dataclass
class PlayedState:
    """Every user's kept plays on one server, by user id."""

    episodes: dict[str, EpisodePlays] = field(default_factory=dict)
    movies: dict[str, MoviePlays] = field(default_factory=dict)
