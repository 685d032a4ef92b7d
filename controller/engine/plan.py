"""Plan deletions per disk group: what to remove to get from threshold to target.

The reconciler calls :func:`build_plan` once per cycle with each disk group's
settings, disk reading and items; the preview, the approval queue, dry-run audit
entries and the CLI all render the resulting :class:`Plan`. Pure: the clock is
passed in and nothing is read or written.

For a breached group (usage at or above the threshold) the planner walks the
scored items most deletable first and takes each one it may take until the
planned bytes reach ``bytes_to_free``. So a plan never frees more than needed
plus the one item that crosses the target, and never exceeds the run's limits.
It passes over, and records why: protected items, skipped keys (snoozed, already
queued...), items with no bytes on disk, a show whose seasons are in the group
(seasons are planned one by one, and a show's bytes are never counted with its
seasons'), and a season whose show is protected or skipped. It stops at the first
item scoring 0 or less. Collection expansion is not done: each item is one unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import Any

from controller.engine.digest import PlanDigest
from controller.engine.factors import ScoringContext
from controller.engine.ordering import (
    DEFAULT_TIEBREAKER,
    Ordered,
    order_scored,
    sort_scored,
)
from controller.engine.rules import CompiledRules, Rule, compile_rules
from controller.engine.scoring import (
    FactorScore,
    ScoredItem,
    gc_paused,
    score_items,
)
from controller.engine.series import SeriesIndex
from controller.media import SERIES_TYPES, MediaItem

MODES = ("dry-run", "approval", "auto")
Key = tuple[int, str]


@dataclass(frozen=True, slots=True)
class DiskGroupSpec:
    """The desired settings of one disk group.

    Attributes:
        mount_path: the mount the group stands for.
        threshold_pct: start freeing at or above this usage.
        target_pct: free down to this usage.
        mode: ``dry-run``, ``approval`` or ``auto`` (anything else reads as
            ``dry-run``).
        total_bytes_override: used instead of the reported total when > 0.
    """

    mount_path: str
    threshold_pct: float = 85.0
    target_pct: float = 75.0
    mode: str = "dry-run"
    total_bytes_override: int = 0


@dataclass(frozen=True, slots=True)
class DiskUsage:
    """A disk reading: total and used bytes."""

    total_bytes: int
    used_bytes: int


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """Per-run limits over all groups together; 0 means unlimited."""

    max_items: int = 0
    max_bytes: int = 0


@dataclass(frozen=True, slots=True)
class PlannedDeletion:
    """One item the plan would remove, with why.

    Attributes:
        scored: the scored item (score, reason, breakdown, rules).
        expected_bytes: bytes the removal should free.
        unmonitor: unmonitor it in the *arr too, so it is not fetched again.
        collection_group: the collection it is deleted with; always empty, since
            collection expansion is not done (each item is its own unit).
    """

    scored: ScoredItem
    expected_bytes: int
    unmonitor: bool
    collection_group: str = ""

    @property
    def item(self) -> MediaItem:
        return self.scored.item

    @property
    def score(self) -> float:
        return self.scored.score

    @property
    def reason(self) -> str:
        return self.scored.reason

    @property
    def factors(self) -> tuple[FactorScore, ...]:
        return self.scored.factors

    def to_json(self) -> dict[str, Any]:
        """Render for the API and audit: identity, bytes, score and breakdown."""
        item = self.item
        return {
            "integrationId": item.integration_id,
            "externalId": item.external_id,
            "title": item.title,
            "type": str(item.media_type),
            "expectedBytes": self.expected_bytes,
            "unmonitor": self.unmonitor,
            **self.scored.to_json(),
        }


@dataclass(frozen=True, slots=True)
class SkippedCandidate:
    """An item the walk passed over before it stopped, and why."""

    scored: ScoredItem
    reason: str

    def to_json(self) -> dict[str, Any]:
        item = self.scored.item
        return {
            "integrationId": item.integration_id,
            "externalId": item.external_id,
            "title": item.title,
            "score": self.scored.score,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class DiskGroupPlan:
    """The plan for one disk group and the numbers it came from.

    ``stopped_by`` is ``"target"`` (enough planned), ``"max_items"`` or
    ``"max_bytes"`` (a run limit stopped it), ``"exhausted"`` (nothing more may be
    taken), or None (not breached, or blocked).
    """

    mount_path: str
    mode: str
    total_bytes: int
    used_bytes: int
    threshold_pct: float
    target_pct: float
    usage_pct: float
    breached: bool
    bytes_to_free: int
    deletions: tuple[PlannedDeletion, ...] = ()
    skipped: tuple[SkippedCandidate, ...] = ()
    planned_bytes: int = 0
    stopped_by: str | None = None
    blocked_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Render with camelCase keys."""
        return {
            "mountPath": self.mount_path,
            "mode": self.mode,
            "totalBytes": self.total_bytes,
            "usedBytes": self.used_bytes,
            "thresholdPct": self.threshold_pct,
            "targetPct": self.target_pct,
            "usagePct": self.usage_pct,
            "breached": self.breached,
            "bytesToFree": self.bytes_to_free,
            "plannedBytes": self.planned_bytes,
            "stoppedBy": self.stopped_by,
            "blockedReason": self.blocked_reason,
            "deletions": [d.to_json() for d in self.deletions],
            "skipped": [s.to_json() for s in self.skipped],
        }


@dataclass(frozen=True, slots=True)
class GroupInput:
    """Everything one disk group's plan depends on besides weights and rules.

    Attributes:
        spec: the group's settings.
        usage: the disk reading, None when missing (the group is then blocked).
        items: the items on this group (see ``assign_to_mounts``).
        skip: keys not to plan, with why (snoozed, already queued, in flight).
        distrusted: why this cycle's observations for the group are not trusted;
            when set, nothing is planned and the reason is carried.
        scored: ``items`` already scored with the same weights, rules, context
            and clock (the cycle scores every item once for the preview too);
            None lets the planner score them.
        ordered: ``items`` already scored and put in planning order with the
            plan's tiebreaker (the cycle orders every item once and splits the
            order by disk group); when set, ``scored`` is not read.
    """

    spec: DiskGroupSpec
    usage: DiskUsage | None
    items: Sequence[MediaItem]
    skip: Mapping[Key, str] = field(default_factory=dict)
    distrusted: str | None = None
    scored: Sequence[ScoredItem] | None = None
    ordered: Ordered | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """One cycle's plan: a plan per disk group, and a digest of the inputs."""

    groups: tuple[DiskGroupPlan, ...]
    digest: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "createdAt": self.created_at.isoformat(),
            "groups": [group.to_json() for group in self.groups],
        }


def _pct(value: float) -> Fraction:
    """Read a percentage exactly as written (75.1 is 751/10, not a binary float)."""
    return Fraction(repr(float(value)))


def plan_group(
    spec: DiskGroupSpec,
    usage: DiskUsage | None,
    scored: Iterable[ScoredItem],
    *,
    skip: Mapping[Key, str] | None = None,
    limits: PlanLimits = PlanLimits(),
    distrusted: str | None = None,
    tiebreaker: str = DEFAULT_TIEBREAKER,
    unmonitor_seasons: bool = True,
) -> DiskGroupPlan:
    """Plan the deletions for one disk group.

    Args:
        spec: the group's settings.
        usage: its disk reading; None blocks the group.
        scored: the group's scored items, in any order.
        skip: keys not to plan, with the reason to record.
        limits: per-run limits (0 = unlimited).
        distrusted: when set, plan nothing and carry this reason.
        tiebreaker: order among equal scores (see ``sort_scored``).
        unmonitor_seasons: planned seasons carry ``unmonitor=True``.

    Returns:
        The group's plan.
    """
    return _plan_group(
        spec,
        usage,
        sort_scored(scored, tiebreaker),
        skip or {},
        limits.max_items or None,
        limits.max_bytes or None,
        distrusted,
        unmonitor_seasons,
    )


def _plan_group(
    spec: DiskGroupSpec,
    usage: DiskUsage | None,
    ordered: list[ScoredItem],
    skip: Mapping[Key, str],
    item_budget: int | None,
    byte_budget: int | None,
    distrusted: str | None,
    unmonitor_seasons: bool,
) -> DiskGroupPlan:
    mode = spec.mode if spec.mode in MODES else "dry-run"
    reported = usage.total_bytes if usage else 0
    total = spec.total_bytes_override if spec.total_bytes_override > 0 else reported
    used = usage.used_bytes if usage else 0
    base = DiskGroupPlan(
        mount_path=spec.mount_path,
        mode=mode,
        total_bytes=total,
        used_bytes=used,
        threshold_pct=spec.threshold_pct,
        target_pct=spec.target_pct,
        usage_pct=0.0,
        breached=False,
        bytes_to_free=0,
        blocked_reason=distrusted,
    )
    if usage is None:
        return replace(base, blocked_reason=distrusted or "no disk reading")
    if total <= 0 or used < 0:
        why = f"disk reading looks wrong (total {total}, used {used} bytes)"
        return replace(base, blocked_reason=distrusted or why)
    breached = used * 100 >= _pct(spec.threshold_pct) * total
    need = max(0, math.ceil(used - _pct(spec.target_pct) * total / 100))
    base = replace(
        base, usage_pct=used / total * 100, breached=breached, bytes_to_free=need
    )
    if not breached or distrusted:
        return base
    walk = _Walk(ordered, skip, unmonitor_seasons)
    stopped = walk.run(need, item_budget, byte_budget)
    return replace(
        base,
        deletions=tuple(walk.planned),
        skipped=tuple(walk.skipped),
        planned_bytes=walk.planned_bytes,
        stopped_by=stopped,
    )


class _Walk:
    """One walk down the ordered candidates of a group."""

    def __init__(
        self, ordered: list[ScoredItem], skip: Mapping[Key, str], unmonitor: bool
    ) -> None:
        self.ordered = ordered
        self.skip = skip
        self.unmonitor = unmonitor
        self._series: SeriesIndex | None = None
        self.planned: list[PlannedDeletion] = []
        self.skipped: list[SkippedCandidate] = []
        self.planned_bytes = 0

    def why_not(self, scored: ScoredItem) -> str | None:
        """Say why a candidate may not be planned, or None when it may."""
        item = scored.item
        if scored.protected:
            return "protected by an always_keep rule"
        reason = self.skip.get(item.key)
        if reason is not None:
            return reason
        if item.size_bytes <= 0:
            return "no bytes on disk to free"
        if item.media_type not in SERIES_TYPES:
            return None
        if self._series is None:  # built when the walk first meets a series
            self._series = SeriesIndex(self.ordered, self.skip)
        return self._series.why_not(item)

    def run(self, need: int, item_budget: int | None, byte_budget: int | None) -> str:
        """Plan until ``need`` bytes are planned; return what stopped the walk."""
        if need <= 0:
            return "target"
        for scored in self.ordered:
            if scored.score <= 0:
                return "exhausted"
            reason = self.why_not(scored)
            if reason is not None:
                self.skipped.append(SkippedCandidate(scored, reason))
                continue
            if item_budget is not None and len(self.planned) >= item_budget:
                return "max_items"
            size = scored.item.size_bytes
            if byte_budget is not None and self.planned_bytes + size > byte_budget:
                return "max_bytes"
            unmonitor = self.unmonitor and scored.item.media_type == "season"
            self.planned.append(PlannedDeletion(scored, size, unmonitor))
            self.planned_bytes += size
            if self.planned_bytes >= need:
                return "target"
        return "exhausted"


def _urgency(group: GroupInput) -> tuple[float, str]:
    """Sort key: most percentage points above threshold first, then mount path."""
    usage = group.usage
    total = group.spec.total_bytes_override or (usage.total_bytes if usage else 0)
    if usage is None or total <= 0:
        return (0.0, group.spec.mount_path)
    over = usage.used_bytes / total * 100 - group.spec.threshold_pct
    return (-over, group.spec.mount_path)


def build_plan(
    groups: Sequence[GroupInput],
    *,
    weights: Mapping[str, float],
    rules: Sequence[Rule] | CompiledRules,
    context: ScoringContext,
    now: datetime,
    tiebreaker: str = DEFAULT_TIEBREAKER,
    limits: PlanLimits = PlanLimits(),
    unmonitor_seasons: bool = True,
) -> Plan:
    """Score and plan every disk group of a cycle.

    Groups share the run's limits: the group furthest above its threshold is
    planned first (then mount-path order), so a capped run spends its budget where
    the disk is fullest; the plan lists groups in mount-path order.

    Args:
        groups: each disk group's settings, reading, items, skips and trust.
        weights: factor key -> weight.
        rules: rules in evaluation order (compiled or not).
        context: integration health for factor gating.
        now: the cycle's clock; also the plan's ``created_at``.
        tiebreaker: order among equal scores.
        limits: per-run limits over all groups (0 = unlimited).
        unmonitor_seasons: planned seasons carry ``unmonitor=True``.

    Returns:
        The plan, with a digest that is equal for equal inputs (the clock only
        counts through the scores it produced).
    """
    compiled = rules if isinstance(rules, CompiledRules) else compile_rules(rules)
    item_budget = limits.max_items or None
    byte_budget = limits.max_bytes or None
    digest = PlanDigest(
        weights, compiled, context, tiebreaker, limits, unmonitor_seasons
    )
    planned: list[DiskGroupPlan] = []
    with gc_paused():
        for group in sorted(groups, key=_urgency):
            ordered = group.ordered
            if ordered is None:
                scored = group.scored
                if scored is None:
                    scored = score_items(group.items, weights, compiled, context, now)
                ordered = order_scored(scored, tiebreaker)
            plan = _plan_group(
                group.spec,
                group.usage,
                ordered.entries,
                group.skip,
                item_budget,
                byte_budget,
                group.distrusted,
                unmonitor_seasons,
            )
            digest.add_group(
                group.spec, group.usage, group.skip, group.distrusted, ordered
            )
            planned.append(plan)
            if item_budget is not None:
                item_budget -= len(plan.deletions)
            if byte_budget is not None:
                byte_budget -= plan.planned_bytes
    planned.sort(key=lambda plan: plan.mount_path)
    return Plan(tuple(planned), digest.hexdigest(), now)
