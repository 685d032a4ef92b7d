"""Make response values JSON-ready: RFC 3339 times, enums, records.

Falcon's JSON handler calls :func:`json_ready` on every ``resp.media``, so a
resource may return datetimes or records that know their API shape
(``to_json``). A record is always rendered through its own ``to_json``, never
field by field, so fields it hides (API keys, webhook URLs) stay hidden.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from pydantic import BaseModel


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_ready(value: Any) -> Any:
    """Convert ``value`` into data ``json.dumps`` accepts."""
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_ready(item) for item in value]
    if hasattr(value, "to_json"):
        return json_ready(value.to_json())
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def json_text(value: Any) -> str:
    """Serialise ``value`` as the API's JSON handler does."""
    return json.dumps(json_ready(value), ensure_ascii=False)


_PLAIN = msgspec.json.Encoder()


def plain_json(value: Any) -> bytes:
    """Serialise a value already made of JSON types only, in one C-level pass.

    For large answers built as plain data (the preview: dicts, lists, strings,
    numbers, booleans, None) walking them with :func:`json_ready` first costs
    more than the encoding itself. Times must already be strings here.
    """
    return _PLAIN.encode(value)
