"""The seven scoring factors: raw scores, names, default weights and gating.

:mod:`controller.engine.scoring` computes them for all items of a cycle at once,
over an :class:`~controller.engine.table.ItemTable`. Each factor
turns one aspect of an item into a raw score in [0, 1] (1 = more deletable); the
user's weights decide how much each counts. Whether a factor applies at all depends
on the cycle's :class:`ScoringContext` (which integrations are configured, broken,
or failed to deliver data) and on the item's media type.

Where the reference implementation behaves oddly we decided as follows:

* A date in the future (``added_at`` or ``last_played`` set by a placeholder or a
  wrong clock) counts as 0 days old, never as a negative age, so it can only push
  an item toward keeping. The item is flagged (``Ages.warnings``) so the status
  can say so.
* A date in year 1 is the zero-time placeholder some sources send: it means
  unknown, exactly like ``None``. A naive datetime is read as UTC.
* A rating of 0 (or ``None``, negative, above 100, NaN) is unknown and scores 0.5.
* Watch sources: Tracearr reports play counts, so it counts as a source for
  ``watch_history``; it never reports when something was played, so on its own it
  does not make ``last_watched`` applicable (otherwise every item would look
  never played). The reference ignored Tracearr for both.
* Media types that no watch source can report on (artists, albums, authors and
  books carry no TMDb id, so no enrichment reaches them) do not get the watch
  factors at all. The reference scored them "never played" (1.0), which pushed
  all music and books toward deletion whenever a media server was configured.
  They are skipped with the reason :data:`NO_WATCH_COVERAGE`.
* ``request_popularity`` is skipped with "no enrichment data received" when the
  ``request_data`` capability failed, as the watch factors are for ``watch_data``:
  a requested item must not look unrequested because Seerr failed to answer.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from controller.engine.table import ItemTable
from controller.media import WATCHABLE_TYPES, MediaItem

GIB = 1024**3
FULL_SIZE_BYTES = 50 * GIB  # file_size reaches 1.0 at 50 GiB

# Integration types that report play counts, and those that also report dates.
PLAY_COUNT_SOURCES = frozenset(
    {"plex", "tautulli", "jellyfin", "jellystat", "emby", "tracearr"}
)
LAST_PLAYED_SOURCES = frozenset({"plex", "tautulli", "jellyfin", "jellystat", "emby"})
MEDIA_SERVER_TYPES = frozenset({"plex", "jellyfin", "emby"})
REQUEST_SOURCE = "seerr"

CONNECTION_ERROR = "integration connection error"
NO_DATA = "no enrichment data received"
NO_WATCH_COVERAGE = "no watch source covers this media type"
NO_DATE_SOURCE = "no configured watch source reports play dates"


@dataclass(frozen=True, slots=True)
class ScoringContext:
    """What the cycle knows about its integrations, for factor gating.

    Attributes:
        active_types: types of all enabled integrations (``"plex"``, ``"seerr"``...).
        broken_types: types with an instance that failed this cycle.
        failed_capabilities: enrichment capabilities (``"watch_data"``,
            ``"request_data"``...) for which every provider failed.
        watch_media_types: media types a watch source can report on.
    """

    active_types: frozenset[str] = frozenset()
    broken_types: frozenset[str] = frozenset()
    failed_capabilities: frozenset[str] = frozenset()
    watch_media_types: frozenset[str] = frozenset(str(t) for t in WATCHABLE_TYPES)


def known_date(moment: datetime | None) -> datetime | None:
    """Return ``moment`` as an aware datetime, or None when it means unknown."""
    if moment is None or moment.year <= 1:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class Ages(NamedTuple):
    """An item's dates as ages in days at the cycle's clock.

    Attributes:
        added_days: days since it was added, None when unknown.
        played_days: days since it was last played, None when never or unknown.
        warnings: dates that lay in the future; they count as 0 days.
    """

    added_days: float | None
    played_days: float | None
    warnings: tuple[str, ...] = ()


_ADDED_FUTURE = "addedAt is in the future; counted as 0 days in library"
_PLAYED_FUTURE = "lastPlayed is in the future; counted as played 0 days ago"


def ages_at(table: ItemTable, row: int) -> Ages:
    """The ages of one row of a table, with None for unknown dates."""
    added = float(table.added_days[row])
    played = float(table.played_days[row])
    warnings: tuple[str, ...] = ()
    if table.added_future[row]:
        warnings = (_ADDED_FUTURE,)
    if table.played_future[row]:
        warnings = (*warnings, _PLAYED_FUTURE)
    return Ages(
        None if added != added else added,  # NaN: unknown
        None if played != played else played,
        warnings,
    )


def item_ages(item: MediaItem, now: datetime) -> Ages:
    """Work out one item's ages, as scoring does for every item of a cycle."""
    return ages_at(ItemTable([item], now), 0)


_SERIES_STATUS_SCORES = {"ended": 1.0, "continuing": 0.2}
_get = operator.attrgetter


def raw_score_matrix(table: ItemTable) -> npt.NDArray[np.float64]:
    """Compute every factor's raw score for every row: shape (rows, factors).

    Columns are in :data:`FACTORS` order; each is computed over the whole
    table at once.
    """
    plays = table.integers("play_count", _get("play_count"))
    # 0.5 / plays where played; the maximum only keeps the division defined.
    watch_history = np.where(plays > 0, 0.5 / np.maximum(plays, 1), 1.0)

    # Never played (or unknown) is as deletable as a year or more ago.
    played = table.played_days
    last_watched = np.where(np.isnan(played), 1.0, np.minimum(1.0, played / 365.0))

    size = table.integers("size_bytes", _get("size_bytes"))
    file_size = np.where(size > 0, np.minimum(1.0, size / FULL_SIZE_BYTES), 0.0)

    # Unknown (None, NaN), 0, negative or above 100 are neutral; some sources
    # rate out of 100.
    value = table.numbers("rating", _get("rating"))
    with np.errstate(invalid="ignore"):
        out_of_ten = (value > 0.0) & (value <= 10.0)
        out_of_hundred = (value > 10.0) & (value <= 100.0)
    rating = np.select(
        [out_of_ten, out_of_hundred], [1.0 - value / 10.0, 1.0 - value / 100.0], 0.5
    )

    added = table.added_days
    time_in_library = np.where(np.isnan(added), 0.5, np.minimum(1.0, added / 365.0))

    statuses = table.texts("series_status", _get("series_status"))
    series_status = np.array(
        [_SERIES_STATUS_SCORES.get(status, 0.5) for status in statuses],
        dtype=np.float64,
    )

    requested = table.flags("is_requested", _get("is_requested"))
    by_requestor = table.flags("watched_by_requestor", _get("watched_by_requestor"))
    request_popularity = np.where(requested, np.where(by_requestor, 0.3, 0.1), 0.5)

    return np.column_stack(
        (
            watch_history,
            last_watched,
            file_size,
            rating,
            time_in_library,
            series_status,
            request_popularity,
        )
    )


@dataclass(frozen=True, slots=True)
class Factor:
    """One scoring factor: identity, how it is shown, and its default weight."""

    key: str
    name: str
    description: str
    default_weight: int

    def raw(self, item: MediaItem, now: datetime) -> float:
        """Compute this factor's raw score for one item (slow path, for tests)."""
        matrix = raw_score_matrix(ItemTable([item], now))
        return float(matrix[0, FACTOR_INDEX[self.key]])


# Also the order of every score breakdown.
FACTORS: tuple[Factor, ...] = (
    Factor(
        "watch_history",
        "Play History",
        "Items played often are kept; never-played items score highest.",
        10,
    ),
    Factor(
        "last_watched",
        "Last Played",
        "Items not played for a long time (a year or more, or never) score higher.",
        8,
    ),
    Factor(
        "file_size",
        "File Size",
        "Larger items score higher, up to 50 GiB; removing them frees more space.",
        6,
    ),
    Factor(
        "rating",
        "Rating",
        "Poorly rated items score higher; unknown ratings are neutral.",
        5,
    ),
    Factor(
        "time_in_library",
        "Time in Library",
        "Items added long ago (up to a year) score higher; unknown dates are neutral.",
        4,
    ),
    Factor(
        "series_status",
        "Show Status",
        "Ended shows score higher than continuing ones. Shows and seasons only.",
        3,
    ),
    Factor(
        "request_popularity",
        "Request Popularity",
        "Requested items are kept, more so if the requester has not watched yet.",
        2,
    ),
)
FACTORS_BY_KEY = {factor.key: factor for factor in FACTORS}
FACTOR_INDEX = {factor.key: index for index, factor in enumerate(FACTORS)}
DEFAULT_WEIGHTS = {factor.key: factor.default_weight for factor in FACTORS}


def _source_state(sources: frozenset[str], context: ScoringContext) -> tuple[bool, str]:
    """Tell whether any of ``sources`` is configured and usable, else why not."""
    configured = sources & context.active_types
    if not configured:
        return False, ""
    if configured <= context.broken_types:
        return False, CONNECTION_ERROR
    return True, ""


def applicability(
    key: str, media_type: str, context: ScoringContext
) -> tuple[bool, str]:
    """Tell whether a factor applies to items of one media type in this cycle.

    Args:
        key: the factor key.
        media_type: the item's media type.
        context: the cycle's integration health.

    Returns:
        ``(applies, reason)``. A factor that does not apply with an empty reason is
        left out of the breakdown silently (its source is simply not configured);
        with a reason it is shown as skipped.
    """
    if key in ("watch_history", "last_watched"):
        ok, reason = _source_state(PLAY_COUNT_SOURCES, context)
        if not ok:
            return ok, reason
        if media_type not in context.watch_media_types:
            return False, NO_WATCH_COVERAGE
        if key == "last_watched":
            ok, reason = _source_state(LAST_PLAYED_SOURCES, context)
            if not ok:
                return False, reason or NO_DATE_SOURCE
        if "watch_data" in context.failed_capabilities:
            return False, NO_DATA
        return True, ""
    if key == "request_popularity":
        ok, reason = _source_state(frozenset({REQUEST_SOURCE}), context)
        if ok and "request_data" in context.failed_capabilities:
            return False, NO_DATA
        return ok, reason
    if key == "series_status":
        return media_type in ("show", "season"), ""
    return True, ""


def media_server_state(context: ScoringContext) -> tuple[bool, str]:
    """Tell whether media-server data (labels, watchlists, collections) is usable.

    With no media server configured the data is whatever the *arrs report (Radarr's
    own collections), which is complete for what it is. With media servers
    configured but all broken, the data is missing and must not be relied on.
    """
    configured = MEDIA_SERVER_TYPES & context.active_types
    if configured and configured <= context.broken_types:
        return False, CONNECTION_ERROR
    return True, ""
