"""Custom rules (desired state), each change logged with its origin.

Rules are keyed in the change log by their id. ``integration_id`` None makes a
rule global. Ordering is ``sort_order`` then ``id``, the order rules are
evaluated and exported in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.changes import apply_field_changes, record_change
from controller.store.errors import RecordNotFound
from controller.store.records import from_row, insert_row, to_json
from controller.store.timestamps import to_text

SECTION = "rules"
COLUMNS = (
    "name",
    "field",
    "operator",
    "value",
    "effect",
    "integration_id",
    "enabled",
    "sort_order",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One custom rule: when ``field operator value`` matches, apply ``effect``."""

    id: int
    name: str
    field: str
    operator: str
    value: str
    effect: str
    integration_id: int | None
    enabled: bool
    sort_order: int
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the API shape (§2.5)."""
        return to_json(self)


def get(db: Database, rule_id: int) -> Rule:
    """Return the rule with this id or raise :class:`RecordNotFound`."""
    row = next(db.query("SELECT * FROM rules WHERE id = ?", [rule_id]), None)
    if row is None:
        raise RecordNotFound("rules", rule_id)
    return from_row(Rule, row)


def list_all(db: Database, *, enabled_only: bool = False) -> list[Rule]:
    """Return rules in evaluation order."""
    sql = "SELECT * FROM rules" + (" WHERE enabled = 1" if enabled_only else "")
    return [from_row(Rule, r) for r in db.query(sql + " ORDER BY sort_order, id")]


def create(db: Database, origin: str, values: dict[str, Any], *, at: datetime) -> Rule:
    """Insert a rule from ``values`` (columns of :data:`COLUMNS`) and log it.

    A missing ``sort_order`` places the rule last.
    """
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not rule columns: {sorted(unknown)}")
    row = {"name": "", "value": "", "integration_id": None, "enabled": True, **values}
    if "sort_order" not in row:
        top = db.execute("SELECT COALESCE(MAX(sort_order) + 1, 0) FROM rules")
        row["sort_order"] = top.fetchone()[0]
    stamp = to_text(at)
    row.update(created_at=stamp, updated_at=stamp)
    rule = get(db, insert_row(db, "rules", row))
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=str(rule.id),
        field=None,
        old=None,
        new=_config(rule),
        at=at,
    )
    return rule


def _config(rule: Rule) -> dict[str, Any]:
    return {c: getattr(rule, c) for c in COLUMNS}


def update(
    db: Database, origin: str, rule_id: int, changes: dict[str, Any], *, at: datetime
) -> Rule:
    """Merge ``changes`` into the rule, logging each changed field."""
    unknown = set(changes) - set(COLUMNS)
    if unknown:
        raise KeyError(f"not rule columns: {sorted(unknown)}")
    rule = get(db, rule_id)
    apply_field_changes(
        db,
        table="rules",
        row_id=rule_id,
        current=_config(rule),
        changes=changes,
        origin=origin,
        section=SECTION,
        key=str(rule_id),
        at=at,
    )
    return get(db, rule_id)


def reorder(db: Database, origin: str, rule_ids: list[int], *, at: datetime) -> None:
    """Give the listed rules ``sort_order`` 0, 1, 2, ... in list order."""
    for position, rule_id in enumerate(rule_ids):
        update(db, origin, rule_id, {"sort_order": position}, at=at)


def delete(db: Database, origin: str, rule_id: int, *, at: datetime) -> None:
    """Remove a rule and log the removal."""
    rule = get(db, rule_id)
    db.execute("DELETE FROM rules WHERE id = ?", [rule_id])
    record_change(
        db,
        origin=origin,
        section=SECTION,
        key=str(rule_id),
        field=None,
        old=_config(rule),
        new=None,
        at=at,
    )
