"""Turn controller values into the API's JSON: camelCase keys, RFC 3339 times.

Dataclasses, pydantic models, enums, datetimes and nested containers are
converted; keys that are already camelCase are left alone.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel


def camel_key(name: str) -> str:
    """``size_bytes`` -> ``sizeBytes``; names without underscores are kept."""
    if "_" not in name:
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z`` suffix, or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def to_json(value: Any, *, camel: bool = True) -> Any:
    """Convert ``value`` into JSON-ready data."""
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, enum.Enum):
            return value.value
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return to_json(value.model_dump(mode="json", by_alias=True), camel=camel)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return to_json(fields, camel=camel)
    if isinstance(value, Mapping):
        return {
            (camel_key(str(k)) if camel else str(k)): to_json(v, camel=camel)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(item, camel=camel) for item in value]
    if hasattr(value, "to_json"):
        return to_json(value.to_json(), camel=camel)
    return str(value)
