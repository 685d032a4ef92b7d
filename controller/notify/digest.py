"""The per-cycle digest: what one reconcile cycle decided and did, in one message.

The reconciler fills a :class:`CycleSummary` from the cycle's plan and outcome
(the same plan the preview shows) and hands it to ``Notifier.send_digest``,
which renders it once per channel with :func:`render_digest`. A channel only
sees the disk groups whose mode it subscribes to (``onDryRunDigest``,
``onApprovalActivity``).

Unlike the original, every number is real: failures, bytes measured as
reclaimed next to the bytes expected, and the usage bar against threshold and
target whenever usage is known, in every mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from controller.notify.channels import Trigger
from controller.notify.messages import (
    AMBER,
    BLUE,
    GREEN,
    ORANGE,
    Message,
    human_bytes,
    seconds,
    usage_bar,
)

TITLES: dict[str, tuple[str, int]] = {
    "clear": ("✅ All Clear", GREEN),
    "auto": ("🧹 Cleanup Complete", GREEN),
    "dry-run": ("🔍 Dry-Run Complete", BLUE),
    "approval": ("📋 Items Queued for Approval", AMBER),
    "mixed": ("🧹 Cycle Complete", GREEN),
}

# How many planned titles a group's section lists before "and N more".
TOP_ITEMS = 3


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One item of a disk group's plan, as the digest lists it."""

    title: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """What a cycle did for one disk group.

    Attributes:
        mount_path: the disk group's mount.
        mode: ``auto``, ``approval`` or ``dry-run``.
        evaluated: items scored.
        planned: items in the plan (flagged, queued for approval or queued
            for deletion, by mode).
        deleted: deletions completed.
        failed: deletions that failed.
        expected_bytes: bytes the plan expects to free.
        reclaimed_bytes: bytes measured as freed after deleting; None when not
            measured (yet).
        usage_pct / threshold_pct / target_pct: disk usage and the group's
            limits, None when unknown.
        items: the plan's items, in plan order.
        note: why the group was skipped or held back, if it was (for example
            an integration that failed this cycle).
    """

    mount_path: str
    mode: str
    evaluated: int = 0
    planned: int = 0
    deleted: int = 0
    failed: int = 0
    expected_bytes: int = 0
    reclaimed_bytes: int | None = None
    usage_pct: float | None = None
    threshold_pct: float | None = None
    target_pct: float | None = None
    items: tuple[PlannedItem, ...] = ()
    note: str = ""

    @property
    def acted(self) -> bool:
        """True when the group planned, deleted or failed anything."""
        return bool(self.planned or self.deleted or self.failed)


@dataclass(frozen=True, slots=True)
class CycleSummary:
    """What one cycle did, across disk groups.

    Attributes:
        groups: one summary per disk group.
        duration_ms: how long the cycle took.
        collections_deleted: collection groups deleted as a whole.
        latest_version / release_url: a newer release, when one is known.
    """

    groups: tuple[GroupSummary, ...] = ()
    duration_ms: int = 0
    collections_deleted: int = 0
    latest_version: str = ""
    release_url: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CycleSummary:
        """Build a summary from camelCase keys (``durationMs``, ``groups`` …)."""
        groups = tuple(
            group if isinstance(group, GroupSummary) else _group(group)
            for group in data.get("groups", ())
        )
        return cls(
            groups=groups,
            duration_ms=int(data.get("durationMs", 0)),
            collections_deleted=int(data.get("collectionsDeleted", 0)),
            latest_version=str(data.get("latestVersion", "")),
            release_url=str(data.get("releaseUrl", "")),
        )


def _group(data: Mapping[str, Any]) -> GroupSummary:
    def number(key: str) -> float | None:
        value = data.get(key)
        return None if value is None else float(value)

    reclaimed = data.get("reclaimedBytes")
    return GroupSummary(
        mount_path=str(data.get("mountPath", "")),
        mode=str(data.get("mode", "dry-run")),
        evaluated=int(data.get("evaluated", 0)),
        planned=int(data.get("planned", data.get("candidates", 0))),
        deleted=int(data.get("deleted", 0)),
        failed=int(data.get("failed", 0)),
        expected_bytes=int(data.get("expectedBytes", 0)),
        reclaimed_bytes=None if reclaimed is None else int(reclaimed),
        usage_pct=number("usagePct"),
        threshold_pct=number("thresholdPct"),
        target_pct=number("targetPct"),
        items=tuple(
            PlannedItem(str(i.get("title", "")), int(i.get("sizeBytes", 0)))
            for i in data.get("items", ())
        ),
        note=str(data.get("note", "")),
    )


def render_digest(
    summary: CycleSummary, accepts_mode: Callable[[str], bool] = lambda _: True
) -> Message | None:
    """Render the digest of the disk groups whose mode passes ``accepts_mode``.

    Args:
        summary: the cycle's summary.
        accepts_mode: the channel's per-mode gate.

    Returns:
        The message, or None when no disk group passes the gate.
    """
    groups = [g for g in summary.groups if accepts_mode(g.mode)]
    if not groups:
        return None
    acting = [g for g in groups if g.acted]
    modes = sorted({g.mode for g in acting})
    if not acting:
        case = "clear"
    elif len(modes) == 1 and modes[0] in TITLES:
        case = modes[0]
    else:
        case = "mixed"
    title, colour = TITLES[case]
    if sum(g.failed for g in groups):
        colour = ORANGE
    label = ", ".join(sorted({g.mode for g in groups}))
    lines = _totals(summary, groups, case)
    if summary.latest_version:
        lines.append(f"📦 Update available: **{summary.latest_version}**")
        if summary.release_url:
            lines.append(summary.release_url)
    return Message(
        trigger=Trigger.CYCLE_DIGEST,
        label=label,
        title=title,
        description="\n".join(lines),
        colour=colour,
        apprise_type="info",
        fields=tuple((f"{g.mount_path} ({g.mode})", _section(g)) for g in groups),
    )


def _totals(
    summary: CycleSummary, groups: Sequence[GroupSummary], case: str
) -> list[str]:
    evaluated = sum(g.evaluated for g in groups)
    took = seconds(summary.duration_ms)
    where = f"{len(groups)} disk group{'s' if len(groups) != 1 else ''}"
    if case == "clear":
        return [
            f"Evaluated **{evaluated}** items on {where} in {took}: no action needed."
        ]
    lines = [f"Evaluated **{evaluated}** items on {where} in {took}."]
    for mode in ("auto", "approval", "dry-run"):
        mine = [g for g in groups if g.mode == mode and g.acted]
        if mine:
            lines.append(_mode_line(mode, mine))
    failed = sum(g.failed for g in groups)
    if failed:
        lines.append(f"❌ **{failed}** deletion{'s' if failed != 1 else ''} failed.")
    if summary.collections_deleted:
        lines.append(
            f"🗂️ {summary.collections_deleted} collection group(s) deleted as a whole."
        )
    return lines


def _mode_line(mode: str, groups: Sequence[GroupSummary]) -> str:
    planned = sum(g.planned for g in groups)
    expected = sum(g.expected_bytes for g in groups)
    if mode == "dry-run":
        return f"Flagged **{planned}** items; would free **{human_bytes(expected)}**."
    if mode == "approval":
        return (
            f"Queued **{planned}** items for approval; "
            f"potential **{human_bytes(expected)}**."
        )
    deleted = sum(g.deleted for g in groups)
    line = f"Deleted **{deleted}** of **{planned}** planned items"
    measured = [g.reclaimed_bytes for g in groups if g.reclaimed_bytes is not None]
    if measured and len(measured) == len(groups):
        line += (
            f"; reclaimed **{human_bytes(sum(measured))}** "
            f"of {human_bytes(expected)} expected."
        )
    else:
        line += f"; expected to free **{human_bytes(expected)}**."
    return line


def _section(group: GroupSummary) -> str:
    lines = [f"{group.evaluated} evaluated · {group.planned} planned"]
    if group.mode == "auto" and (group.deleted or group.failed or group.planned):
        lines.append(f"{group.deleted} deleted · {group.failed} failed")
    if group.expected_bytes or group.reclaimed_bytes is not None:
        freed = f"Expected {human_bytes(group.expected_bytes)}"
        if group.reclaimed_bytes is not None:
            freed += f" · reclaimed {human_bytes(group.reclaimed_bytes)}"
            if group.reclaimed_bytes < group.expected_bytes:
                freed += " (hardlinks or seeding files may still hold space)"
        lines.append(freed)
    if group.usage_pct is not None:
        lines.append(f"{usage_bar(group.usage_pct)} {group.usage_pct:.1f}%")
        limits = []
        if group.threshold_pct is not None:
            limits.append(f"threshold {group.threshold_pct:.0f}%")
        if group.target_pct is not None:
            limits.append(f"target {group.target_pct:.0f}%")
        if limits:
            lines.append(", ".join(limits))
    if group.items:
        shown = ", ".join(
            f"{i.title} ({human_bytes(i.size_bytes)})" for i in group.items[:TOP_ITEMS]
        )
        more = len(group.items) - TOP_ITEMS
        lines.append(f"Top: {shown}" + (f" and {more} more" if more > 0 else ""))
    if group.note:
        lines.append(f"⚠️ {group.note}")
    return "\n".join(lines)
