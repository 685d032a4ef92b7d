"""The log of every change to desired state, from any origin.

Manifests, the API and settings import all write through the repositories in
this package, which call :func:`record_change` inside the same transaction as the
change itself. The reconciler reads :func:`latest_change` to decide which
statement of intent is newest; the status and ``plan`` show drift from it.
Secret values (API keys, webhook URLs) are never written here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.records import from_row, json_text
from controller.store.timestamps import to_text

log = logging.getLogger(__name__)

SECRET_MARK = "(secret)"


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change: who changed which field of what, from what to what."""

    id: int
    at: datetime
    origin: str
    section: str
    key: str
    field: str | None
    old: Any
    new: Any


def record_change(
    db: Database,
    *,
    origin: str,
    section: str,
    key: str,
    field: str | None,
    old: object,
    new: object,
    at: datetime,
) -> None:
    """Append one change row and log it as ``section[key].field: old -> new``.

    Args:
        db: the writer inside ``store.write()``.
        origin: e.g. ``manifest:<digest>``, ``api:apikey:<user>``, ``api:jwt:<user>``.
        section: ``integrations``, ``diskGroups``, ``rules``, ``preferences``,
            ``scoringWeights`` or ``notificationChannels``.
        key: the natural key (integration name, mount path, rule id, field name).
        field: the camelCase field, or None when the whole object was created or
            removed.
        old: previous value (None when created); must already be secret-free.
        new: new value (None when removed); must already be secret-free.
        at: when.
    """
    if not origin:
        raise ValueError("a desired-state change needs an origin")
    db.execute(
        "INSERT INTO desired_state_changes (at, origin, section, key, field, old, new)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            to_text(at),
            origin,
            section,
            key,
            field,
            None if old is None else json_text(old),
            None if new is None else json_text(new),
        ],
    )
    path = f"{section}[{key}]" + (f".{field}" if field else "")
    log.info("%s: %s -> %s (%s)", path, _short(old), _short(new), origin)


def _short(value: object) -> str:
    text = "-" if value is None else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def latest_change(
    db: Database, section: str, key: str, field: str | None = None
) -> Change | None:
    """Return the newest change to ``section[key].field`` (or any field)."""
    sql = "SELECT * FROM desired_state_changes WHERE section = ? AND key = ?"
    params: list[object] = [section, key]
    if field is not None:
        sql += " AND (field = ? OR field IS NULL)"
        params.append(field)
    row = next(db.query(sql + " ORDER BY id DESC LIMIT 1", params), None)
    return None if row is None else from_row(Change, row)


def latest_change_id(db: Database) -> int:
    """Return the id of the newest change (0 when nothing was ever changed).

    Ids only grow, so a reader that remembers this number can tell later whether
    desired state has changed since it read it.
    """
    row = next(db.query("SELECT MAX(id) AS id FROM desired_state_changes"), None)
    return int(row["id"] or 0) if row else 0


def list_changes(
    db: Database,
    *,
    section: str | None = None,
    key: str | None = None,
    origin_prefix: str | None = None,
    since_id: int = 0,
    limit: int = 200,
) -> list[Change]:
    """Return changes newest first, optionally filtered."""
    where = ["id > ?"]
    params: list[object] = [since_id]
    if section is not None:
        where.append("section = ?")
        params.append(section)
    if key is not None:
        where.append("key = ?")
        params.append(key)
    if origin_prefix is not None:
        where.append("origin LIKE ?")
        params.append(origin_prefix.replace("%", "") + "%")
    sql = (
        "SELECT * FROM desired_state_changes WHERE "
        + " AND ".join(where)
        + " ORDER BY id DESC LIMIT ?"
    )
    return [from_row(Change, row) for row in db.query(sql, [*params, limit])]


def apply_field_changes(
    db: Database,
    *,
    table: str,
    row_id: int,
    current: dict[str, Any],
    changes: dict[str, Any],
    origin: str,
    section: str,
    key: str,
    at: datetime,
    secret: frozenset[str] = frozenset(),
    json_columns: frozenset[str] = frozenset(),
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Update the changed columns of one row and log each changed field.

    Args:
        db: the writer inside ``store.write()``.
        table: table name.
        row_id: the row's ``id``.
        current: the row as stored (column -> decoded value).
        changes: column -> new value; columns whose value is unchanged are skipped.
        origin: who asks for the change.
        section: change-log section.
        key: natural key for the change log.
        at: when.
        secret: columns whose values are replaced by a marker in the log.
        json_columns: columns stored as JSON text.
        names: column -> logged field name (defaults to camelCase of the column).

    Returns:
        The columns that actually changed, with their new values.
    """
    from controller.store.records import camel

    changed: dict[str, Any] = {}
    for column, value in changes.items():
        if column not in current:
            raise KeyError(f"{table} has no column {column!r}")
        if current[column] == value:
            continue
        changed[column] = value
        field = (names or {}).get(column) or camel(column)
        if column in secret:
            old, new = SECRET_MARK, SECRET_MARK
        else:
            old, new = current[column], value
        record_change(
            db,
            origin=origin,
            section=section,
            key=key,
            field=field,
            old=old,
            new=new,
            at=at,
        )
    if changed:
        stored = {
            c: json_text(v) if c in json_columns else v for c, v in changed.items()
        }
        stored["updated_at"] = to_text(at)
        assignments = ", ".join(f"{c} = ?" for c in stored)
        db.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?",
            [*stored.values(), row_id],
        )
    return changed
