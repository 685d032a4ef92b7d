"""Instant alerts: which bus events become notifications, and their wording.

:func:`alert_for` maps an event (type and payload fields, as in the API
reference §S5.2) to a :class:`Message`, or None for events that do not alert.
:class:`Latch` remembers conditions that are "up" (a disk group above its
threshold, an integration down) so the notifier alerts once when a condition
starts and again only after it has cleared; the original alerted every cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from typing import Any

from controller.notify.channels import Trigger, scrub
from controller.notify.messages import (
    AMBER,
    BLUE,
    GREEN,
    ORANGE,
    RED,
    Message,
    clip,
    human_bytes,
    usage_bar,
)

LABELS: dict[Trigger, str] = {
    Trigger.ERROR: "Engine Error",
    Trigger.DELETION_FAILED: "Deletion Failed",
    Trigger.MODE_CHANGED: "Mode Change",
    Trigger.SERVER_STARTED: "Server Started",
    Trigger.THRESHOLD_BREACHED: "Threshold Breached",
    Trigger.UPDATE_AVAILABLE: "Update Available",
    Trigger.APPROVAL_ACTIVITY: "Approval Activity",
    Trigger.INTEGRATION_STATUS: "Integration Status",
    Trigger.TEST: "Test",
}

MODE_MEANING: dict[str, str] = {
    "auto": "Items are deleted automatically when a disk group is above its threshold.",
    "approval": "Items are queued for your approval; nothing is deleted until "
    "you approve it.",
    "dry-run": "Nothing is deleted; candidates are only recorded.",
}

# Longest slice of an error text an alert shows.
ERROR_LIMIT = 300


def _alert(
    trigger: Trigger, title: str, text: str, colour: int, kind: str = "info"
) -> Message:
    return Message(trigger, LABELS[trigger], title, text, colour, kind)


def _error_text(fields: Mapping[str, Any]) -> str:
    return clip(" ".join(scrub(str(fields.get("error", ""))).split()), ERROR_LIMIT)


def channel_test_message() -> Message:
    """Return the message the test button sends."""
    return _alert(
        Trigger.TEST,
        "🔔 Test — channel is working!",
        "If you can read this, Capacitarr can reach this channel.",
        BLUE,
    )


def threshold_message(
    mount_path: str,
    current_pct: float,
    threshold_pct: float,
    target_pct: float | None = None,
) -> Message:
    """Return the alert for a disk group that went above its threshold."""
    target = f", target {target_pct:.0f}%" if target_pct is not None else ""
    text = (
        f"**{mount_path}** is at **{current_pct:.1f}%** "
        f"(threshold {threshold_pct:.0f}%{target}).\n{usage_bar(current_pct)}"
    )
    return _alert(
        Trigger.THRESHOLD_BREACHED, "🔴 Threshold Breached", text, RED, "failure"
    )


def alert_for(event_type: str, fields: Mapping[str, Any]) -> Message | None:
    """Return the alert for a bus event, or None when the event does not alert.

    Threshold breaches are built by :func:`threshold_message` (the notifier
    de-duplicates them first) and are not handled here.
    """
    name = str(fields.get("name") or fields.get("mediaName") or "")
    if event_type == "engine_error":
        text = "The engine cycle failed"
        error = _error_text(fields)
        text += f": {error}" if error else "."
        return _alert(
            Trigger.ERROR,
            "🔴 Engine Error",
            text + "\nCheck the logs for details.",
            RED,
            "failure",
        )
    if event_type == "deletion_failed":
        kind = fields.get("mediaType", "")
        text = f"**{name}**" + (f" ({kind})" if kind else "") + " could not be deleted"
        error = _error_text(fields)
        text += f": {error}" if error else "."
        return _alert(
            Trigger.DELETION_FAILED,
            clip(f"🔴 Deletion Failed: {name}", 256),
            text,
            RED,
            "failure",
        )
    if event_type == "engine_mode_changed":
        old, new = fields.get("oldMode", "?"), fields.get("newMode", "?")
        where = fields.get("mountPath") or ""
        title = f"⚠️ Mode: **{old}** → **{new}**" + (f" on {where}" if where else "")
        text = MODE_MEANING.get(str(new), "")
        return _alert(Trigger.MODE_CHANGED, title, text, ORANGE, "warning")
    if event_type == "server_started":
        version = fields.get("version") or ""
        text = f"Version {version} started." if version else ""
        return _alert(
            Trigger.SERVER_STARTED, "🚀 Capacitarr is online", text, GREEN, "success"
        )
    if event_type == "update_available":
        latest = fields.get("latestVersion", "")
        url = fields.get("releaseUrl", "")
        text = f"Release notes: {url}" if url else ""
        return _alert(
            Trigger.UPDATE_AVAILABLE, f"📦 Update Available: **{latest}**", text, BLUE
        )
    if event_type == "approval_approved":
        size = fields.get("sizeBytes")
        what = f"**{name}**" + (f" ({human_bytes(size)})" if size else "")
        return _alert(
            Trigger.APPROVAL_ACTIVITY,
            "✅ Approved for Deletion",
            f"{what} was approved for deletion.",
            AMBER,
        )
    if event_type == "approval_rejected":
        duration = fields.get("snoozeDuration") or "a while"
        return _alert(
            Trigger.APPROVAL_ACTIVITY,
            "😴 Item Snoozed",
            f"**{name}** was snoozed for {duration}.",
            AMBER,
        )
    if event_type == "integration_test_failed":
        kind = fields.get("integrationType", "")
        text = f"**{name}**" + (f" ({kind})" if kind else "") + " is not responding"
        error = _error_text(fields)
        text += f": {error}" if error else "."
        return _alert(
            Trigger.INTEGRATION_STATUS,
            clip(f"🔴 Integration Down: {name}", 256),
            text,
            ORANGE,
            "warning",
        )
    if event_type == "integration_recovered":
        kind = fields.get("integrationType", "")
        text = f"**{name}**" + (f" ({kind})" if kind else "") + " is back online."
        return _alert(
            Trigger.INTEGRATION_STATUS,
            clip(f"🟢 Integration Recovered: {name}", 256),
            text,
            GREEN,
            "success",
        )
    return None


class Latch:
    """A thread-safe set of conditions that are currently up.

    ``raise_`` answers whether a condition has just started (alert now);
    ``clear`` whether one that was up has just ended.
    """

    def __init__(self) -> None:
        self._up: set[Hashable] = set()
        self._lock = threading.Lock()

    def raise_(self, key: Hashable) -> bool:
        """Mark ``key`` up; return True if it was not up before."""
        with self._lock:
            if key in self._up:
                return False
            self._up.add(key)
            return True

    def clear(self, key: Hashable) -> bool:
        """Mark ``key`` down; return True if it was up before."""
        with self._lock:
            if key not in self._up:
                return False
            self._up.discard(key)
            return True

    def is_up(self, key: Hashable) -> bool:
        """Return True while ``key`` is up."""
        with self._lock:
            return key in self._up
