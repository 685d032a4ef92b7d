"""Notification channels (desired state), keyed by name in the change log.

The webhook URL is a secret: it is stored because the controller must call it,
but it is hidden from ``repr`` and replaced by a marker in the change log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.changes import SECRET_MARK, apply_field_changes, record_change
from controller.store.errors import DuplicateKey, RecordNotFound
from controller.store.records import from_row, insert_row, to_json
from controller.store.timestamps import to_text

SECTION = "notificationChannels"
FLAGS = (
    "on_cycle_digest",
    "on_dry_run_digest",
    "on_error",
    "on_mode_changed",
    "on_server_started",
    "on_threshold_breach",
    "on_update_available",
    "on_approval_activity",
    "on_integration_status",
)
COLUMNS = ("name", "type", "url", "url_ref", "apprise_tags", "enabled", *FLAGS)


@dataclass(frozen=True, slots=True)
class Channel:
    """A Discord or Apprise destination and the events it wants."""

    id: int
    name: str
    type: str
    url: str = field(repr=False)
    url_ref: str | None
    apprise_tags: str
    enabled: bool
    on_cycle_digest: bool
    on_dry_run_digest: bool
    on_error: bool
    on_mode_changed: bool
    on_server_started: bool
    on_threshold_breach: bool
    on_update_available: bool
    on_approval_activity: bool
    on_integration_status: bool
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the API shape (§2.9) with ``url`` as ``webhookUrl``."""
        out = to_json(self, omit=("url", "url_ref"), omit_empty=("apprise_tags",))
        if self.url:
            out["webhookUrl"] = self.url
        return out


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {k: SECRET_MARK if k == "url" and v else v for k, v in values.items()}


def get(db: Database, channel_id: int) -> Channel:
    """Return the channel with this id or raise :class:`RecordNotFound`."""
    row = next(
        db.query("SELECT * FROM notification_channels WHERE id = ?", [channel_id]), None
    )
    if row is None:
        raise RecordNotFound("notification_channels", channel_id)
    return from_row(Channel, row)


def find_by_name(db: Database, name: str) -> Channel | None:
    """Return the channel with this unique name, if any."""
    row = next(
        db.query("SELECT * FROM notification_channels WHERE name = ?", [name]), None
    )
    return None if row is None else from_row(Channel, row)


def list_all(db: Database) -> list[Channel]:
    """Return channels ordered by id."""
    return [
        from_row(Channel, r)
        for r in db.query("SELECT * FROM notification_channels ORDER BY id")
    ]


def create(
    db: Database, origin: str, values: dict[str, Any], *, at: datetime
) -> Channel:
    """Insert a channel (flags default to true) and log it."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not channel columns: {sorted(unknown)}")
    if find_by_name(db, values["name"]) is not None:
        raise DuplicateKey("notification_channels", values["name"])
    stamp = to_text(at)
    row = {**values, "created_at": stamp, "updated_at": stamp}
    channel = get(db, insert_row(db, "notification_channels", row))
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=channel.name,
        field=None,
        old=None,
        new=_public(_config(channel)),
        at=at,
    )
    return channel


def _config(channel: Channel) -> dict[str, Any]:
    return {c: getattr(channel, c) for c in COLUMNS}


def update(
    db: Database, origin: str, channel_id: int, changes: dict[str, Any], *, at: datetime
) -> Channel:
    """Merge ``changes`` into the channel, logging each changed field."""
    unknown = set(changes) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not channel columns: {sorted(unknown)}")
    channel = get(db, channel_id)
    new_name = changes.get("name", channel.name)
    if new_name != channel.name and find_by_name(db, new_name) is not None:
        raise DuplicateKey("notification_channels", new_name)
    apply_field_changes(
        db,
        table="notification_channels",
        row_id=channel_id,
        current=_config(channel),
        changes=changes,
        origin=origin,
        section=SECTION,
        key=channel.name,
        at=at,
        secret=frozenset({"url"}),
        names={"url": "webhookUrl"},
    )
    return get(db, channel_id)


def delete(db: Database, origin: str, channel_id: int, *, at: datetime) -> None:
    """Remove a channel and log the removal."""
    channel = get(db, channel_id)
    db.execute("DELETE FROM notification_channels WHERE id = ?", [channel_id])
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=channel.name,
        field=None,
        old=_public(_config(channel)),
        new=None,
        at=at,
    )
