"""Conditions: what the status says about each disk group and integration.

Each condition has a type, a reason a program can test and a message a person can
act on, in the style of Kubernetes conditions. ``merge_conditions`` keeps the time of
the last transition when a condition's type and reason did not change, so the
status shows since when a group has been breached or an integration down.
Pure functions; the reconciler supplies the facts of the last cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

READY = "Ready"
RECONCILING = "Reconciling"
DEGRADED = "Degraded"
STALLED = "Stalled"
THRESHOLD_BREACHED = "ThresholdBreached"


@dataclass(frozen=True, slots=True)
class Condition:
    """The state of one object: its condition type, reason, message and since when."""

    type: str
    reason: str
    message: str
    since: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "reason": self.reason,
            "message": self.message,
            "lastTransitionTime": self.since.isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True, slots=True)
class DiskGroupFacts:
    """What the last cycle learned about one disk group."""

    mount_path: str
    mode: str
    usage_pct: float | None
    threshold_pct: float
    target_pct: float
    breached: bool
    distrusted: str | None
    planned: int
    planned_bytes: int
    bytes_to_free: int
    in_flight: int
    pending_approval: int
    deletions_enabled: bool


@dataclass(frozen=True, slots=True)
class IntegrationFacts:
    """What the last cycle learned about one integration."""

    name: str
    enabled: bool
    ok: bool
    error: str | None
    failed_capabilities: tuple[str, ...] = ()
    consecutive_failures: int = 0


# An integration failing this many cycles in a row is Stalled, not just Degraded.
STALLED_AFTER_FAILURES = 3


def disk_group_condition(facts: DiskGroupFacts, now: datetime) -> Condition:
    """Decide the condition of a disk group from the last cycle's facts."""
    if facts.usage_pct is None:
        return Condition(
            DEGRADED,
            "NoDiskReading",
            f"no disk reading for {facts.mount_path} this cycle; nothing is deleted "
            "until the *arr reporting it answers again",
            now,
        )
    usage = f"{facts.usage_pct:.1f}% used (threshold {facts.threshold_pct:g}%)"
    if facts.distrusted:
        return Condition(
            DEGRADED,
            "ObservationDistrusted",
            f"{usage}; deletions blocked: {facts.distrusted}",
            now,
        )
    if not facts.breached:
        if facts.in_flight:
            return Condition(
                RECONCILING,
                "DeletionsInFlight",
                f"{usage}; {facts.in_flight} deletion(s) still queued",
                now,
            )
        return Condition(READY, "BelowThreshold", usage, now)
    if facts.planned == 0:
        return Condition(
            STALLED,
            "NothingDeletable",
            f"{usage}; {facts.bytes_to_free} bytes to free but no candidate is "
            "deletable (protected, snoozed or already queued)",
            now,
        )
    action = {
        "dry-run": "would delete (dry-run)",
        "approval": "awaiting approval",
        "auto": "deleting",
    }.get(facts.mode, "planned")
    message = f"{usage}; {facts.planned} item(s), {facts.planned_bytes} bytes {action}"
    if facts.mode == "auto" and not facts.deletions_enabled:
        message += "; deletionsEnabled is false, so nothing is deleted"
    if facts.mode == "auto" and facts.in_flight:
        return Condition(RECONCILING, "Deleting", message, now)
    return Condition(THRESHOLD_BREACHED, "AboveThreshold", message, now)


def integration_condition(facts: IntegrationFacts, now: datetime) -> Condition:
    """Decide the condition of an integration from the last cycle's facts."""
    if not facts.enabled:
        return Condition(READY, "Disabled", f"{facts.name} is disabled", now)
    if not facts.ok:
        kind = (
            STALLED
            if facts.consecutive_failures >= STALLED_AFTER_FAILURES
            else (DEGRADED)
        )
        return Condition(
            kind,
            "FetchFailed",
            f"{facts.name}: {facts.error or 'failed'} "
            f"({facts.consecutive_failures} cycle(s) in a row)",
            now,
        )
    if facts.failed_capabilities:
        return Condition(
            DEGRADED,
            "PartialData",
            f"{facts.name}: no data for {', '.join(facts.failed_capabilities)}",
            now,
        )
    return Condition(READY, "Healthy", f"{facts.name} answered", now)


def merge_conditions(
    previous: dict[str, Condition], current: dict[str, Condition]
) -> dict[str, Condition]:
    """Keep the earlier ``since`` for objects whose type and reason are unchanged."""
    merged = {}
    for name, condition in current.items():
        before = previous.get(name)
        if (
            before is not None
            and before.type == condition.type
            and before.reason == condition.reason
        ):
            condition = replace(condition, since=before.since)
        merged[name] = condition
    return merged
