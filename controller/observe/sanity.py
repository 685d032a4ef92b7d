"""Decide how far one cycle's observations can be trusted.

:func:`assess` is pure: it takes what the cycle saw and the baseline of the
last good cycles, and returns a :class:`SanityReport` (a verdict per disk
group, findings per integration, individually distrusted items) and the next
baseline. A distrusted group must not be acted on: the planner shows its
reasons instead of deleting anything there.

Checks: an integration that failed (its items are missing, so every group it
has root folders on is distrusted; enrichment sources that failed distrust
every group holding watchable media), a library that shrank by more than a
fraction since the last good cycle, a disk total that changed by more than a
fraction or a reading that vanished, placeholder and future dates, duplicate
item ids. A changed count or disk total becomes the new baseline only after it
has been seen for ``confirm_cycles`` cycles in a row (an empty library never
is), so a real change clears itself while a glitch does not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from controller.media import WATCHABLE_TYPES, MediaItem
from controller.observe.model import DiskGroupObservation, IntegrationHealth

ARR_TYPES = frozenset({"sonarr", "radarr", "lidarr", "readarr"})


@dataclass(frozen=True, slots=True)
class SanitySettings:
    """Thresholds of the trust checks.

    Attributes:
        max_shrink: a library smaller than the baseline by more than this
            fraction is distrusted.
        max_disk_change: a disk total differing from the baseline by more than
            this fraction is distrusted.
        confirm_cycles: cycles a changed value must persist to become baseline.
        future_tolerance: how far in the future a date may lie (clock skew).
    """

    max_shrink: float = 0.20
    max_disk_change: float = 0.10
    confirm_cycles: int = 3
    future_tolerance: timedelta = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ObservationBaseline:
    """What the last good cycles saw; persist it between cycles.

    Attributes:
        at: when it was last updated.
        item_counts: integration id → item count of its last good listing.
        disk_totals: mount path → total bytes of the last good reading.
        integration_mounts: integration id → mounts its root folders sit on.
        pending: ``"items:<id>"`` / ``"disk:<mount>"`` → (value, cycles seen)
            for changes waiting for confirmation.
    """

    at: datetime | None = None
    item_counts: Mapping[int, int] = field(default_factory=dict)
    disk_totals: Mapping[str, int] = field(default_factory=dict)
    integration_mounts: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    pending: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def after_deletions(self, integration_id: int, removed: int) -> ObservationBaseline:
        """Lower an item count by items the controller itself deleted."""
        counts = dict(self.item_counts)
        if integration_id in counts:
            counts[integration_id] = max(0, counts[integration_id] - removed)
        return replace(self, item_counts=counts)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready form for the store."""
        return {
            "at": self.at.isoformat() if self.at else None,
            "item_counts": {str(k): v for k, v in self.item_counts.items()},
            "disk_totals": dict(self.disk_totals),
            "integration_mounts": {
                str(k): list(v) for k, v in self.integration_mounts.items()
            },
            "pending": {k: list(v) for k, v in self.pending.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ObservationBaseline:
        """Rebuild a baseline stored with :meth:`to_dict`."""
        at = data.get("at")
        return cls(
            at=datetime.fromisoformat(at) if at else None,
            item_counts={
                int(k): int(v) for k, v in data.get("item_counts", {}).items()
            },
            disk_totals={
                str(k): int(v) for k, v in data.get("disk_totals", {}).items()
            },
            integration_mounts={
                int(k): tuple(v) for k, v in data.get("integration_mounts", {}).items()
            },
            pending={
                k: (int(v[0]), int(v[1])) for k, v in data.get("pending", {}).items()
            },
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the checks noticed; ``integration_id`` None for disk findings."""

    kind: str
    message: str
    integration_id: int | None = None
    mount_path: str | None = None
    count: int = 0


@dataclass(slots=True)
class GroupVerdict:
    """Whether a disk group may be acted on, and why not."""

    mount_path: str
    reasons: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        """``"trusted"`` or ``"distrusted: <reasons>"``."""
        return "trusted" if self.trusted else "distrusted: " + "; ".join(self.reasons)


@dataclass(slots=True)
class SanityReport:
    """The trust verdicts of one cycle.

    Attributes:
        groups: mount path → verdict, including mounts that vanished.
        findings: everything noticed, per integration or per disk.
        distrusted_items: item keys not to act on (future dates, duplicates).
        placeholder_dates / future_dates: counts over the whole cycle.
    """

    groups: dict[str, GroupVerdict] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    distrusted_items: dict[tuple[int, str], str] = field(default_factory=dict)
    placeholder_dates: int = 0
    future_dates: int = 0

    def trusted(self, mount_path: str) -> bool:
        """Return whether the group at ``mount_path`` may be acted on."""
        verdict = self.groups.get(mount_path)
        return verdict is not None and verdict.trusted

    def for_integration(self, integration_id: int) -> list[Finding]:
        """Return the findings about one integration."""
        return [f for f in self.findings if f.integration_id == integration_id]


@dataclass(frozen=True, slots=True)
class CycleFacts:
    """What :func:`assess` needs from one cycle."""

    items: list[MediaItem]
    groups: Mapping[str, DiskGroupObservation]
    health: Mapping[int, IntegrationHealth]
    integration_mounts: Mapping[int, tuple[str, ...]]
    item_mounts: Mapping[tuple[int, str], str]


def assess(
    facts: CycleFacts,
    previous: ObservationBaseline | None,
    now: datetime,
    settings: SanitySettings | None = None,
) -> tuple[SanityReport, ObservationBaseline]:
    """Judge one cycle and return the report and the next baseline.

    Args:
        facts: the cycle's items, groups, health and mount links.
        previous: the baseline returned by the previous cycle (None at first).
        now: the cycle's time, used for future-date checks.
        settings: thresholds; defaults to :class:`SanitySettings`.
    """
    settings = settings or SanitySettings()
    base = previous or ObservationBaseline()
    report = SanityReport(groups={m: GroupVerdict(m) for m in facts.groups})
    pending: dict[str, tuple[int, int]] = {}
    mounts_of = {**base.integration_mounts, **facts.integration_mounts}

    def distrust(mounts: Any, reason: str) -> None:
        for mount in mounts:
            verdict = report.groups.setdefault(mount, GroupVerdict(mount))
            if reason not in verdict.reasons:
                verdict.reasons.append(reason)

    counts = _check_integrations(
        facts, base, settings, report, distrust, pending, mounts_of
    )
    totals = _check_disks(facts, base, settings, report, distrust, pending)
    _check_items(facts, now, settings, report, distrust)
    baseline = ObservationBaseline(
        at=now,
        item_counts=counts,
        disk_totals=totals,
        integration_mounts=mounts_of,
        pending=pending,
    )
    return report, baseline


def _check_integrations(
    facts: CycleFacts,
    base: ObservationBaseline,
    settings: SanitySettings,
    report: SanityReport,
    distrust: Any,
    pending: dict[str, tuple[int, int]],
    mounts_of: Mapping[int, tuple[str, ...]],
) -> dict[int, int]:
    counts = dict(base.item_counts)
    watchable_mounts = {
        facts.item_mounts[i.key]
        for i in facts.items
        if i.media_type in WATCHABLE_TYPES and i.key in facts.item_mounts
    }
    for iid, health in sorted(facts.health.items()):
        label = f"{health.type} #{iid}" + (f" ({health.name})" if health.name else "")
        if not health.ok:
            message = f"{label} failed this cycle: {health.error}"
            report.findings.append(Finding("integration_failed", message, iid))
            if health.type in ARR_TYPES:
                known = mounts_of.get(iid)
                # Unknown disks: the missing items could be anywhere.
                distrust(known if known else list(report.groups), message)
            else:
                distrust(sorted(watchable_mounts), message)
            continue
        count, before = health.item_count, base.item_counts.get(iid)
        shrunk = (
            before is not None
            and before > 0
            and count < before * (1 - settings.max_shrink)
        )
        if not shrunk:
            counts[iid] = count
            continue
        seen = _confirm(base.pending, pending, f"items:{iid}", count, settings)
        if seen and count > 0:
            counts[iid] = count
            report.findings.append(
                Finding(
                    "library_shrink_accepted", f"{label} now holds {count} items", iid
                )
            )
            continue
        message = (
            f"{label} library shrank from {before} to {count} items "
            f"(more than {settings.max_shrink:.0%}) since the last good cycle"
        )
        report.findings.append(Finding("library_shrank", message, iid, count=count))
        if health.type in ARR_TYPES:
            distrust(mounts_of.get(iid) or list(report.groups), message)
        else:
            # Watch and request data that vanished would make watched or
            # requested media look worthless: distrust where such media lives.
            distrust(sorted(watchable_mounts), message)
    return counts


def _check_disks(
    facts: CycleFacts,
    base: ObservationBaseline,
    settings: SanitySettings,
    report: SanityReport,
    distrust: Any,
    pending: dict[str, tuple[int, int]],
) -> dict[str, int]:
    totals = dict(base.disk_totals)
    for mount in base.disk_totals:
        group = facts.groups.get(mount)
        if group is None or group.reading is None:
            message = f"no disk reading for {mount} this cycle (it had one before)"
            report.findings.append(
                Finding("disk_reading_missing", message, mount_path=mount)
            )
            distrust([mount], message)
    for mount, group in facts.groups.items():
        if group.reading is None:
            continue
        total, known = group.reading.total_bytes, base.disk_totals.get(mount)
        if total <= 0:
            message = f"disk {mount} reports a total of {total} bytes"
            report.findings.append(
                Finding("disk_reading_invalid", message, mount_path=mount)
            )
            distrust([mount], message)
            continue
        if known is None or abs(total - known) <= known * settings.max_disk_change:
            totals[mount] = total
            continue
        if _confirm(base.pending, pending, f"disk:{mount}", total, settings):
            totals[mount] = total
            continue
        message = (
            f"disk {mount} total changed from {known} to {total} bytes "
            f"(more than {settings.max_disk_change:.0%})"
        )
        report.findings.append(Finding("disk_total_changed", message, mount_path=mount))
        distrust([mount], message)
    return totals


def _check_items(
    facts: CycleFacts,
    now: datetime,
    settings: SanitySettings,
    report: SanityReport,
    distrust: Any,
) -> None:
    limit = now + settings.future_tolerance
    future: Counter[int] = Counter()
    for item in facts.items:
        for when in (item.added_at, item.last_played):
            if when is not None and when > limit:
                report.distrusted_items[item.key] = (
                    f"date in the future ({when:%Y-%m-%d})"
                )
                future[item.integration_id] += 1
                break
    for iid, n in sorted(future.items()):
        report.findings.append(
            Finding(
                "future_dates", f"{n} items carry dates in the future", iid, count=n
            )
        )
    report.future_dates = sum(future.values())
    for iid, health in sorted(facts.health.items()):
        n = health.notes.get("placeholder_dates", 0)
        if n:
            report.placeholder_dates += n
            report.findings.append(
                Finding(
                    "placeholder_dates",
                    f"{n} placeholder dates treated as unknown",
                    iid,
                    count=n,
                )
            )
    keys = Counter(item.key for item in facts.items)
    for key, n in keys.items():
        if n > 1:
            report.distrusted_items[key] = f"id {key[1]} appears {n} times"
            message = f"duplicate item id {key[1]} ({n} times)"
            report.findings.append(Finding("duplicate_ids", message, key[0], count=n))
            if key in facts.item_mounts:
                distrust([facts.item_mounts[key]], message)


def _confirm(
    old: Mapping[str, tuple[int, int]],
    new: dict[str, tuple[int, int]],
    key: str,
    value: int,
    settings: SanitySettings,
) -> bool:
    """Count a changed value; return True once it has persisted long enough."""
    previous_value, seen = old.get(key, (None, 0))
    close = previous_value is not None and abs(value - previous_value) <= max(
        1, abs(previous_value) // 100
    )
    seen = seen + 1 if close else 1
    if seen >= settings.confirm_cycles:
        return True
    new[key] = (value, seen)
    return False
