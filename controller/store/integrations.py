"""Integrations (Sonarr, Plex, Seerr, ...) as desired state plus their sync status.

Configuration fields change only through :func:`create`, :func:`update` and
:func:`delete`, each taking the ``origin`` recorded in the change log. Sync
status (last sync, last error, media counts) is observed state and is written by
:func:`record_sync` without a change-log entry. The API key is kept in plaintext
because the controller must present it to the service; it is never logged, never
put in the change log and hidden from ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.changes import SECRET_MARK, apply_field_changes, record_change
from controller.store.errors import DuplicateKey, RecordNotFound
from controller.store.records import from_row, json_text, to_json
from controller.store.timestamps import to_text

SECTION = "integrations"
CONFIG_COLUMNS = frozenset(
    {"name", "type", "url", "api_key", "api_key_ref", "enabled", "options"}
)


@dataclass(frozen=True, slots=True)
class Integration:
    """One configured service. ``options`` holds pathMappings, showLevelOnly,
    collectionDeletion, timeoutSeconds and fullSyncHours."""

    id: int
    name: str
    type: str
    url: str
    api_key: str = field(repr=False)
    api_key_ref: str | None
    enabled: bool
    options: dict[str, Any]
    last_sync: datetime | None
    last_error: str
    media_count: int
    media_size_bytes: int
    created_at: datetime
    updated_at: datetime

    @property
    def masked_api_key(self) -> str:
        """The key as the API shows it: bullets, then the last four characters."""
        if len(self.api_key) <= 4:
            return "•" * 4
        return "•" * (len(self.api_key) - 4) + self.api_key[-4:]

    def to_json(self) -> dict[str, Any]:
        """Return the API shape (§2.2) with the key masked and options flattened."""
        out = to_json(
            self,
            omit=("api_key", "api_key_ref", "options"),
            omit_empty=("last_sync", "last_error"),
        )
        out["apiKey"] = self.masked_api_key
        out.update(self.options)
        return out


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {k: SECRET_MARK if k == "api_key" else v for k, v in values.items()}


def get(db: Database, integration_id: int) -> Integration:
    """Return the integration with this id or raise :class:`RecordNotFound`."""
    row = next(
        db.query("SELECT * FROM integrations WHERE id = ?", [integration_id]), None
    )
    if row is None:
        raise RecordNotFound("integrations", integration_id)
    return from_row(Integration, row)


def find_by_name(db: Database, name: str) -> Integration | None:
    """Return the integration with this unique name, if any."""
    row = next(db.query("SELECT * FROM integrations WHERE name = ?", [name]), None)
    return None if row is None else from_row(Integration, row)


def list_all(db: Database, *, enabled_only: bool = False) -> list[Integration]:
    """Return integrations ordered by id."""
    sql = "SELECT * FROM integrations"
    if enabled_only:
        sql += " WHERE enabled = 1"
    return [from_row(Integration, r) for r in db.query(sql + " ORDER BY id")]


def create(
    db: Database,
    origin: str,
    *,
    name: str,
    type: str,
    url: str,
    api_key: str = "",
    api_key_ref: str | None = None,
    enabled: bool = True,
    options: dict[str, Any] | None = None,
    at: datetime,
) -> Integration:
    """Insert an integration and log its creation.

    Raises:
        DuplicateKey: an integration with this name exists.
    """
    if find_by_name(db, name) is not None:
        raise DuplicateKey("integrations", name)
    stamp = to_text(at)
    values = {
        "name": name,
        "type": type,
        "url": url,
        "api_key": api_key,
        "api_key_ref": api_key_ref,
        "enabled": enabled,
        "options": options or {},
    }
    cursor = db.execute(
        "INSERT INTO integrations (name, type, url, api_key, api_key_ref, enabled,"
        " options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            name,
            type,
            url,
            api_key,
            api_key_ref,
            enabled,
            json_text(options or {}),
            stamp,
            stamp,
        ],
    )
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=name,
        field=None,
        old=None,
        new=_public(values),
        at=at,
    )
    assert cursor.lastrowid is not None
    return get(db, cursor.lastrowid)


def update(
    db: Database,
    origin: str,
    integration_id: int,
    changes: dict[str, Any],
    *,
    at: datetime,
) -> Integration:
    """Merge ``changes`` (column -> value) into the integration's configuration.

    Fields not named keep their values. ``options`` is merged key by key. Each
    changed field is logged under the integration's name before the change.

    Raises:
        RecordNotFound: no such integration.
        DuplicateKey: renaming onto an existing name.
        KeyError: a column that is not configuration.
    """
    unknown = set(changes) - CONFIG_COLUMNS
    if unknown:
        raise KeyError(f"not integration configuration: {sorted(unknown)}")
    current = get(db, integration_id)
    new_name = changes.get("name", current.name)
    if new_name != current.name and find_by_name(db, new_name) is not None:
        raise DuplicateKey("integrations", new_name)
    merged = dict(changes)
    if "options" in merged:
        merged["options"] = {**current.options, **merged["options"]}
    stored = {c: getattr(current, c) for c in CONFIG_COLUMNS}
    apply_field_changes(
        db,
        table="integrations",
        row_id=integration_id,
        current=stored,
        changes=merged,
        origin=origin,
        section=SECTION,
        key=current.name,
        at=at,
        secret=frozenset({"api_key"}),
        json_columns=frozenset({"options"}),
    )
    return get(db, integration_id)


def delete(db: Database, origin: str, integration_id: int, *, at: datetime) -> None:
    """Remove an integration (its rules go with it) and log the removal."""
    current = get(db, integration_id)
    old = {c: getattr(current, c) for c in CONFIG_COLUMNS}
    db.execute("DELETE FROM integrations WHERE id = ?", [integration_id])
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=current.name,
        field=None,
        old=_public(old),
        new=None,
        at=at,
    )


def record_sync(
    db: Database,
    integration_id: int,
    *,
    at: datetime,
    error: str = "",
    media_count: int | None = None,
    media_size_bytes: int | None = None,
) -> None:
    """Store the outcome of talking to the service (observed state, not logged)."""
    sets = ["last_sync = ?", "last_error = ?"]
    params: list[object] = [to_text(at), error]
    if media_count is not None:
        sets.append("media_count = ?")
        params.append(media_count)
    if media_size_bytes is not None:
        sets.append("media_size_bytes = ?")
        params.append(media_size_bytes)
    db.execute(
        f"UPDATE integrations SET {', '.join(sets)} WHERE id = ?",
        [*params, integration_id],
    )


def clear_sync_state(db: Database, integration_id: int) -> None:
    """Forget the last sync outcome after a configuration change (URL or key).

    The old error described the old configuration; the next cycle or connection
    test reports on the new one.
    """
    db.execute(
        "UPDATE integrations SET last_error = '', last_sync = NULL WHERE id = ?",
        [integration_id],
    )
