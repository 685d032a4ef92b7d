"""Turning rows into typed records and records into API-shaped JSON.

Repositories declare frozen dataclasses whose field names are the column names;
:func:`from_row` converts SQLite values (0/1, JSON text, timestamp text) by the
field's annotation, and :func:`to_json` renders a record with camelCase keys and
RFC 3339 times, the casing the API uses everywhere.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from controller.store.timestamps import from_text

R = TypeVar("R")


def camel(name: str) -> str:
    """Return ``snake_name`` as ``snakeName``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@cache
def _kinds(cls: type) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, hint in typing.get_type_hints(cls).items():
        text = str(hint)
        if hint is bool:
            kinds[name] = "bool"
        elif "datetime" in text:
            kinds[name] = "time"
        elif text.startswith(("dict", "list", "typing.Any")) or hint is Any:
            kinds[name] = "json"
    return kinds


def from_row(cls: type[R], row: dict[str, Any]) -> R:
    """Build the dataclass ``cls`` from a row dict, ignoring unknown columns."""
    kinds = _kinds(cls)  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name not in row:
            continue
        value = row[field.name]
        kind = kinds.get(field.name)
        if kind == "bool":
            value = bool(value)
        elif kind == "time":
            value = from_text(value)
        elif kind == "json" and isinstance(value, str):
            value = json.loads(value)
        values[field.name] = value
    return cls(**values)


def json_text(value: object) -> str:
    """Serialise ``value`` compactly for a JSON column."""
    return json.dumps(value, separators=(",", ":"), sort_keys=False, default=str)


def render_time(moment: datetime | None) -> str | None:
    """Render a time as RFC 3339 UTC with a ``Z`` suffix (None stays None)."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def to_json(
    record: object, *, omit: tuple[str, ...] = (), omit_empty: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Return ``record`` as a camelCase dict for the API.

    Args:
        record: a dataclass instance.
        omit: field names never rendered (secrets, internals).
        omit_empty: field names left out when None, "", 0, False or empty.
    """
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        if field.name in omit:
            continue
        value = getattr(record, field.name)
        if field.name in omit_empty and not value:
            continue
        if isinstance(value, datetime):
            value = render_time(value)
        out[camel(field.name)] = value
    return out


def insert_row(db: Any, table: str, row: dict[str, Any]) -> int:
    """Insert ``row`` (column -> already encoded value) and return its id."""
    cursor = db.execute(
        f"INSERT INTO {table} ({', '.join(row)}) "
        f"VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)
