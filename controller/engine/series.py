"""Shows and their seasons within one disk group, as the planner needs them.

Sonarr reports both a ``show`` item and a ``season`` item per season, and deleting
the show deletes every season. The planner uses :class:`SeriesIndex` to keep the
two apart: a show whose seasons are in the group is never planned (its seasons
are, one by one, so a person can approve or snooze each and no byte is counted
twice), and a season is never planned when its show is protected or skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from controller.engine.scoring import ScoredItem
from controller.media import MediaItem

SeriesId = tuple[int, str, str]


def series_ids(item: MediaItem) -> tuple[SeriesId, ...]:
    """Return the ids that tie a show and its seasons together.

    A season's external id is ``"<seriesId>-s<n>"``; its show's is ``"<seriesId>"``.
    The show title is a second tie, for seasons whose id does not follow that form.
    """
    iid = item.integration_id
    if item.media_type == "show":
        return ((iid, "id", item.external_id), (iid, "title", item.title.casefold()))
    if item.media_type != "season":
        return ()
    ids: list[SeriesId] = []
    series_id, separator, _ = item.external_id.rpartition("-s")
    if separator and series_id:
        ids.append((iid, "id", series_id))
    if item.show_title:
        ids.append((iid, "title", item.show_title.casefold()))
    return tuple(ids)


class SeriesIndex:
    """Which series of a group have seasons, and which shows hold their seasons."""

    def __init__(
        self, scored: Iterable[ScoredItem], skip: Mapping[tuple[int, str], str]
    ):
        self._with_seasons: set[SeriesId] = set()
        self._held: dict[SeriesId, str] = {}
        for candidate in scored:
            item = candidate.item
            if item.media_type == "season":
                self._with_seasons.update(series_ids(item))
            elif item.media_type == "show":
                why = None
                if candidate.protected:
                    why = "its show is protected"
                elif item.key in skip:
                    why = f"its show is skipped: {skip[item.key]}"
                if why is not None:
                    self._held.update(dict.fromkeys(series_ids(item), why))

    def why_not(self, item: MediaItem) -> str | None:
        """Say why a show or season may not be planned, or None when it may."""
        if item.media_type == "show":
            if any(sid in self._with_seasons for sid in series_ids(item)):
                return "its seasons are planned one by one instead"
        elif item.media_type == "season":
            for sid in series_ids(item):
                if sid in self._held:
                    return self._held[sid]
        return None
