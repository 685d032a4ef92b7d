"""Builders shared by the engine tests: items, contexts and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest

from controller.engine import ScoringContext
from controller.media import MediaItem, MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3

# Plex and Seerr configured and healthy: every factor can apply.
FULL_CONTEXT = ScoringContext(active_types=frozenset({"plex", "seerr"}))


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_item() -> Callable[..., MediaItem]:
    """Return a builder of items with unique ids and overridable fields."""
    ids = count(1)

    def build(**fields: Any) -> MediaItem:
        number = next(ids)
        fields.setdefault("integration_id", 1)
        fields.setdefault("external_id", str(number))
        fields.setdefault("media_type", MediaType.MOVIE)
        fields.setdefault("title", f"Item {number}")
        fields.setdefault("path", f"/data/media/{number}")
        return MediaItem(**fields)

    return build
