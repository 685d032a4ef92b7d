"""One reconcile pass: read desired state, observe, plan, act per disk-group mode.

``CycleRunner.run`` is what the loop calls. It reads the effective desired state
from the store, observes every enabled integration, builds one plan for all disk
groups (pure engine code) and hands each group's plan to the acting layer in the
group's mode: dry-run audit rows, approval queue, or the deletion queue. Groups the
sanity report distrusts are planned as blocked: nothing is acted on for them. The
same scored list feeds the preview, so what a person reviews is what would happen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from controller.act.approval import ApprovalService
from controller.act.deletion_queue import DeletionQueue
from controller.collector import collector_paused
from controller.engine import (
    DiskGroupSpec,
    Plan,
    PlanLimits,
    Rule,
    ScoringContext,
    build_plan,
    score_items,
)
from controller.engine.ordering import order_scored
from controller.engine.rules import compile_rules
from controller.engine.scoring import ScoredItem, unsafe_keep_rules
from controller.events import EventBus
from controller.integrations.registry import client_options
from controller.integrations.sync import SyncStore
from controller.observe import observe
from controller.observe.model import IntegrationSpec, Observation
from controller.observe.sanity import ObservationBaseline, SanitySettings
from controller.reconcile.offline import group_inputs
from controller.store import Store, audit, changes, metrics, queues, runs, snapshots
from controller.store import desired as stored

log = logging.getLogger(__name__)

BASELINE = "observation_baseline"


@dataclass
class CycleResult:
    """What one cycle saw and decided; the status and the API read it."""

    run_id: int
    started_at: datetime
    reason: str
    observation: Observation
    plan: Plan
    scored: list[ScoredItem]
    group_ids: dict[str, int]
    evaluated: int = 0
    protected: int = 0
    acted: dict[str, int] = field(default_factory=dict)
    duration_ms: int = 0
    preferences: dict[str, Any] = field(default_factory=dict)
    # The newest desired-state change this cycle planned with.
    desired_version: int = 0

    def summary(self) -> dict[str, Any]:
        """The cycle in numbers, for status, history and the digest."""
        groups = []
        for group in self.plan.groups:
            verdict = self.observation.sanity.groups.get(group.mount_path)
            groups.append(
                {
                    "mountPath": group.mount_path,
                    "diskGroupId": self.group_ids.get(group.mount_path),
                    "mode": group.mode,
                    "usagePct": round(group.usage_pct, 2),
                    "thresholdPct": group.threshold_pct,
                    "targetPct": group.target_pct,
                    "breached": group.breached,
                    "bytesToFree": group.bytes_to_free,
                    "planned": len(group.deletions),
                    "plannedBytes": group.planned_bytes,
                    "stoppedBy": group.stopped_by,
                    "blockedReason": group.blocked_reason
                    or (verdict.reason if verdict and not verdict.trusted else None),
                }
            )
        return {
            "runId": self.run_id,
            "startedAt": _iso(self.started_at),
            "reason": self.reason,
            "evaluated": self.evaluated,
            "protected": self.protected,
            "candidates": sum(len(g.deletions) for g in self.plan.groups),
            "plannedBytes": sum(g.planned_bytes for g in self.plan.groups),
            "acted": self.acted,
            "durationMs": self.duration_ms,
            "planDigest": self.plan.digest,
            "groups": groups,
            "findings": [
                {
                    "kind": f.kind,
                    "message": f.message,
                    "integrationId": f.integration_id,
                    "mountPath": f.mount_path,
                }
                for f in self.observation.sanity.findings
            ][:100],
            "integrations": [
                {
                    "integrationId": h.integration_id,
                    "name": h.name,
                    "type": h.type,
                    "ok": h.ok,
                    "error": h.error or None,
                    "itemCount": h.item_count,
                    "failedCapabilities": list(h.failed_capabilities),
                }
                for h in self.observation.health.values()
            ],
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def run_mode(groups: Any, default_mode: str) -> str:
    """The mode a run reports: the groups' common mode, or ``mixed``."""
    modes = {g.mode or default_mode for g in groups} or {default_mode}
    return modes.pop() if len(modes) == 1 else "mixed"


def engine_rules(db: Any) -> list[Rule]:
    """The effective rules in evaluation order, as the engine takes them."""
    return [
        Rule(
            id=r.id,
            name=r.name,
            field=r.field,
            operator=r.operator,
            value=r.value,
            effect=r.effect,
            integration_id=r.integration_id,
            enabled=r.enabled,
        )
        for r in stored.rules.list_all(db)
    ]


# Media-server data (labels, collections, watchlists) decides nothing but the
# rules that read it: while one is enabled, it is read in full every cycle.
MEDIA_SERVER_CAPABILITIES = frozenset({"collections", "labels", "watchlist_data"})


def deciding_capabilities(rules: list[Rule]) -> frozenset[str]:
    """The enrichment capabilities an enabled rule rests on this cycle."""
    compiled = compile_rules(rules)
    if any("media_server" in rule.needs for rule in compiled.rules):
        return MEDIA_SERVER_CAPABILITIES
    return frozenset()


def scoring_context(observation: Observation, active_types: set[str]) -> ScoringContext:
    """Tell the engine which sources answered, for factor gating."""
    broken = {h.type for h in observation.health.values() if not h.ok}
    failed = {
        name
        for name, status in observation.capabilities.items()
        if str(status.outcome) == "failed"
    }
    return ScoringContext(
        active_types=frozenset(active_types),
        broken_types=frozenset(broken),
        failed_capabilities=frozenset(failed),
    )


class CycleRunner:
    """Runs reconcile passes against one store; keeps what the last one learned."""

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        approvals: ApprovalService,
        deletions: DeletionQueue,
        *,
        clock: Callable[[], datetime] | None = None,
        on_complete: Callable[[CycleResult], object] | None = None,
    ) -> None:
        self._store = store
        self._bus = bus
        self._approvals = approvals
        self._deletions = deletions
        self._clock = clock or store.now
        self._on_complete = on_complete
        self._baseline: ObservationBaseline | None = None
        # Incremental reads (history sources) across this process's cycles.
        self._sync = SyncStore()
        self._audit_mark = 0
        self.last: CycleResult | None = None
        self.phase = "idle"

    def read_desired(self) -> dict[str, Any]:
        """Snapshot the effective desired state for one cycle."""
        with self._store.read() as db:
            return {
                "version": changes.latest_change_id(db),
                "preferences": stored.get_preferences(db),
                "weights": stored.get_weights(db),
                "rules": engine_rules(db),
                "integrations": stored.integrations.list_all(db),
                "groups": {g.mount_path: g for g in stored.disk_groups.list_all(db)},
            }

    def observe(self, desired: dict[str, Any], now: datetime) -> Observation:
        """Observe every enabled integration once (the collector paused)."""
        with collector_paused():
            return self._observe(desired, now)

    def _observe(self, desired: dict[str, Any], now: datetime) -> Observation:
        specs = [
            IntegrationSpec(
                id=i.id,
                type=i.type,
                url=i.url,
                api_key=i.api_key,
                name=i.name,
                options=client_options(i.options),
            )
            for i in desired["integrations"]
            if i.enabled
        ]
        # Our own deletions shrink libraries on purpose: tell the baseline, so
        # a large cleanup is not mistaken for a library that vanished.
        self._load_baseline()
        if self._audit_mark == 0:
            with self._store.read() as db:
                saved = snapshots.load_state(db, BASELINE)
            self._audit_mark = int(saved.get("auditMark", 0)) if saved else 0
        with self._store.read() as db:
            deleted, self._audit_mark = audit.deletions_since(db, self._audit_mark)
        if self._baseline is not None:
            for integration_id, count in deleted.items():
                self._baseline = self._baseline.after_deletions(integration_id, count)
        shrink = float(desired["preferences"].get("libraryShrinkTolerancePct", 20))
        settings = SanitySettings(max_shrink=shrink / 100)
        observation = observe(
            specs,
            self._load_baseline(),
            now,
            settings=settings,
            sync=self._sync,
            fresh=deciding_capabilities(desired["rules"]),
        )
        self._baseline = observation.baseline
        with self._store.write() as db:
            snapshots.save_state(
                db,
                BASELINE,
                {"baseline": self._baseline.to_dict(), "auditMark": self._audit_mark},
                at=now,
            )
        return observation

    def _load_baseline(self) -> ObservationBaseline | None:
        """The trust baseline, kept across restarts so a restart hides nothing."""
        if self._baseline is None:
            with self._store.read() as db:
                saved = snapshots.load_state(db, BASELINE)
            if saved is not None:
                self._baseline = ObservationBaseline.from_dict(saved["baseline"])
        return self._baseline

    def run(self, reason: str) -> CycleResult:
        """Do one full pass; raises only on bugs (the loop logs them).

        The cyclic garbage collector is paused for the pass (see
        :mod:`controller.collector`): its objects form no cycles, and full
        collections over them cost a third of the pass.
        """
        with collector_paused():
            return self._run(reason)

    def _run(self, reason: str) -> CycleResult:
        started = time.monotonic()
        now = self._clock()
        desired = self.read_desired()
        prefs = desired["preferences"]
        default_mode = prefs.get("defaultDiskGroupMode", "dry-run")
        mode = run_mode(desired["groups"].values(), default_mode)
        with self._store.write() as db:
            run_id = runs.start(db, mode=mode, at=now)
        self._bus.publish(
            "engine_start",
            f"Engine run started in {mode} mode",
            executionMode=mode,
            modes={
                g.mount_path: g.mode or default_mode for g in desired["groups"].values()
            },
            reason=reason,
        )
        self._approvals.expire_snoozes(now)
        self._enter("observing", run_id, integrations=len(desired["integrations"]))
        observation = self._observe(desired, now)
        group_ids = self._record_observation(observation, now)
        desired = self.read_desired()  # disk groups discovered this cycle
        self._enter("planning", run_id, items=len(observation.items))
        plan, scored = self._plan(desired, observation, now)
        self._enter(
            "acting", run_id, planned=sum(len(g.deletions) for g in plan.groups)
        )
        result = CycleResult(
            run_id=run_id,
            started_at=now,
            reason=reason,
            observation=observation,
            plan=plan,
            scored=scored,
            group_ids=group_ids,
            evaluated=sum(
                len(observation_items(observation, g.mount_path)) for g in plan.groups
            ),
            protected=sum(1 for s in scored if s.protected),
            preferences=prefs,
            desired_version=desired["version"],
        )
        self._act(result, prefs, default_mode)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        with self._store.write() as db:
            runs.complete(
                db,
                run_id,
                at=self._clock(),
                plan_digest=plan.digest,
                summary=result.summary(),
                evaluated=result.evaluated,
                candidates=sum(len(g.deletions) for g in plan.groups),
                protected=result.protected,
                queued=result.acted.get("queued", 0),
                freed_bytes=sum(
                    g.planned_bytes for g in plan.groups if g.mode != "auto"
                ),
                duration_ms=result.duration_ms,
            )
        self.last = result
        self.phase = "idle"
        candidates = sum(len(g.deletions) for g in plan.groups)
        self._bus.publish(
            "engine_complete",
            f"Engine run completed: evaluated {result.evaluated}, flagged {candidates}",
            evaluated=result.evaluated,
            flagged=candidates,
            candidates=candidates,
            durationMs=result.duration_ms,
            executionMode=run_mode(desired["groups"].values(), default_mode),
            freedBytes=sum(g.planned_bytes for g in plan.groups),
            completedAtEpoch=int(self._clock().timestamp()),
        )
        log.info(
            "cycle %d (%s): %d items observed, %d evaluated, %d planned over %d "
            "disk group(s), digest %s, %d ms",
            run_id,
            reason,
            len(observation.items),
            result.evaluated,
            candidates,
            len(plan.groups),
            plan.digest[:12],
            result.duration_ms,
        )
        if self._on_complete is not None:
            self._on_complete(result)
        return result

    def _enter(self, phase: str, run_id: int, **counts: int) -> None:
        """Move to the next phase and say so on the live stream."""
        self.phase = phase
        detail = ", ".join(f"{k} {v}" for k, v in counts.items())
        self._bus.publish(
            "engine_progress",
            f"Engine run {run_id}: {phase} ({detail})",
            runId=run_id,
            phase=phase,
            **counts,
        )

    def _record_observation(
        self, observation: Observation, now: datetime
    ) -> dict[str, int]:
        group_ids: dict[str, int] = {}
        with self._store.write() as db:
            for health in observation.health.values():
                stored.integrations.record_sync(
                    db,
                    health.integration_id,
                    at=now,
                    error=health.error,
                    media_count=health.item_count if health.ok else None,
                )
            for mount, group in observation.disk_groups.items():
                if group.reading is None:
                    row = stored.disk_groups.find_by_mount(db, mount)
                    if row is not None:
                        group_ids[mount] = row.id
                    continue
                row = stored.disk_groups.observe(
                    db,
                    mount,
                    total_bytes=group.reading.total_bytes,
                    used_bytes=group.reading.used_bytes,
                    at=now,
                )
                group_ids[mount] = row.id
                metrics.insert(
                    db,
                    disk_group_id=row.id,
                    total_capacity=group.reading.total_bytes,
                    used_capacity=group.reading.used_bytes,
                    at=now,
                )
        return group_ids

    def plan(
        self, desired: dict[str, Any], observation: Observation, now: datetime
    ) -> tuple[Plan, list[ScoredItem]]:
        """Score, order and plan one observation; nothing is written or sent.

        Returns the plan and every scored item in planning order (the preview).
        """
        with collector_paused():
            return self._plan(desired, observation, now)

    def _plan(
        self, desired: dict[str, Any], observation: Observation, now: datetime
    ) -> tuple[Plan, list[ScoredItem]]:
        prefs = desired["preferences"]
        default_mode = prefs.get("defaultDiskGroupMode", "dry-run")
        with self._store.read() as db:
            in_flight = queues.live_keys(db)
        snoozed = self._approvals.snoozed_keys(now)
        skip: dict[tuple[int, str], str] = dict.fromkeys(in_flight, "already queued")
        skip.update(dict.fromkeys(snoozed, "snoozed"))
        skip.update(observation.sanity.distrusted_items)
        specs = {
            mount: DiskGroupSpec(
                mount_path=mount,
                threshold_pct=row.threshold_pct,
                target_pct=row.target_pct,
                mode=row.mode or default_mode,
                total_bytes_override=row.total_bytes_override or 0,
            )
            for mount, row in desired["groups"].items()
        }
        default = DiskGroupSpec("", mode=default_mode)
        inputs = group_inputs(observation, specs, default, skip)
        active = {i.type for i in desired["integrations"] if i.enabled}
        context = scoring_context(observation, active)
        compiled = compile_rules(desired["rules"])
        # A keep rule that cannot be evaluated this cycle protects nothing: plan
        # nothing anywhere rather than delete what the user meant to keep.
        unsafe = unsafe_keep_rules(compiled, context)
        if unsafe:
            reason = "protection rules cannot be evaluated: " + "; ".join(unsafe)
            inputs = [replace(i, distrusted=i.distrusted or reason) for i in inputs]
        weights = desired["weights"]
        tiebreaker = prefs.get("tiebreakerMethod", "size_desc")
        # Score and order every item once: the preview lists them all in this
        # order, and each group's plan walks its share of the same order.
        scored = score_items(observation.items, weights, compiled, context, now)
        ordered = order_scored(scored, tiebreaker)
        by_mount = ordered.split(observation.mounts())
        nothing = ordered.take(np.zeros(0, dtype=np.int64))
        inputs = [
            replace(i, ordered=by_mount.get(i.spec.mount_path, nothing)) for i in inputs
        ]
        plan = build_plan(
            inputs,
            weights=weights,
            rules=compiled,
            context=context,
            now=now,
            tiebreaker=tiebreaker,
            limits=PlanLimits(
                max_items=int(prefs.get("maxDeletionsPerRun", 0) or 0),
                max_bytes=int(prefs.get("maxBytesPerRun", 0) or 0),
            ),
            unmonitor_seasons=prefs.get("unmonitorDeletedSeasons", True) is not False,
        )
        return plan, ordered.entries

    def _act(self, result: CycleResult, prefs: dict[str, Any], default: str) -> None:
        acted = {"dryRun": 0, "pendingApproval": 0, "queued": 0}
        for group in result.plan.groups:
            group_id = result.group_ids.get(group.mount_path)
            if group_id is None:
                continue
            if group.blocked_reason:
                log.warning(
                    "diskGroups[%s]: no action, %s",
                    group.mount_path,
                    group.blocked_reason,
                )
                continue
            if not group.breached:
                self._approvals.clear_below_threshold(group_id)
                continue
            self._bus.publish(
                "threshold_breached",
                f"Disk threshold breached on {group.mount_path}: "
                f"{group.usage_pct:.1f}% (threshold: {group.threshold_pct:.0f}%)",
                mountPath=group.mount_path,
                currentPct=round(group.usage_pct, 2),
                thresholdPct=group.threshold_pct,
                targetPct=group.target_pct,
            )
            if group.mode == "approval":
                self._approvals.reconcile_with_plan(group, group_id)
                acted["pendingApproval"] += len(group.deletions)
            elif group.mode == "auto":
                jobs = self._deletions.enqueue_plan(
                    group,
                    "auto",
                    result.run_id,
                    group_id,
                    plan_digest=result.plan.digest,
                    add_exclusion=bool(prefs.get("addImportExclusion", False)),
                    delete_files=bool(prefs.get("deleteFiles", True)),
                )
                acted["queued"] += len(jobs)
            else:
                acted["dryRun"] += self._deletions.record_dry_run(
                    group,
                    group_id,
                    run_id=result.run_id,
                    plan_digest=result.plan.digest,
                )
        result.acted = acted


def observation_items(observation: Observation, mount: str) -> list[Any]:
    """Items the observation placed on ``mount``."""
    return list(observation.items_in(mount))
