"""Builders shared by the engine tests."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from controller.media import MediaItem, MediaType


@pytest.fixture
def make_item() -> Callable[..., MediaItem]:
    """Return a builder of movies with unique ids; any field can be overridden."""
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
