"""The shape of a plan as the act layer reads it.

The planner (``controller.engine.plan``) produces one plan per disk group whose
items are ``PlannedDeletion`` values. This module states the attributes the
approval queue and the deletion queue rely on, as protocols, and turns a planned
item into the columns both queues store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from controller.media import MediaItem


class FactorLike(Protocol):
    """One line of a score breakdown."""

    def to_json(self) -> dict[str, Any]: ...


class PlannedDeletionLike(Protocol):
    """An item the plan would remove, with why and how."""

    @property
    def item(self) -> MediaItem: ...
    @property
    def score(self) -> float: ...
    @property
    def expected_bytes(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def factors(self) -> Sequence[FactorLike]: ...
    @property
    def unmonitor(self) -> bool: ...
    @property
    def collection_group(self) -> str: ...


def planned_items(group_plan: object) -> list[PlannedDeletionLike]:
    """Return the planned deletions of a disk-group plan.

    Accepts an object with a ``deletions`` (or ``items``) sequence, or the
    sequence itself.
    """
    for name in ("deletions", "items"):
        found = getattr(group_plan, name, None)
        if found is not None and not callable(found):
            return list(found)
    if isinstance(group_plan, Iterable):
        return list(group_plan)
    raise TypeError(f"not a plan: {type(group_plan).__name__}")


def item_columns(planned: PlannedDeletionLike) -> dict[str, Any]:
    """Return the queue columns describing a planned item."""
    item = planned.item
    return {
        "integration_id": item.integration_id,
        "external_id": item.external_id,
        "media_type": str(item.media_type),
        "title": item.title,
        "size_bytes": item.size_bytes,
        "expected_bytes": planned.expected_bytes,
        "score": planned.score,
        "score_details": [f.to_json() for f in planned.factors],
        "poster_url": item.poster_url,
        "collection_group": planned.collection_group or "",
        "unmonitor": planned.unmonitor,
    }
