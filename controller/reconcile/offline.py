"""Plan without a server: manifests plus a recorded observation give a plan.

Used by ``capacitarr plan --manifests DIR --observation FILE``. The desired state
comes straight from the manifests (defaults where they are silent); integration
names in rules are matched to the ids recorded in the observation. Nothing is
written anywhere and no service is contacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from controller.engine import (
    DiskGroupSpec,
    DiskUsage,
    GroupInput,
    Plan,
    PlanLimits,
    Rule,
    ScoringContext,
    build_plan,
)
from controller.manifest.models import Manifest
from controller.observe.model import Observation

Key = tuple[int, str]


def group_inputs(
    observation: Observation,
    specs: Mapping[str, DiskGroupSpec],
    default: DiskGroupSpec,
    skip: Mapping[Key, str],
) -> list[GroupInput]:
    """One planner input per observed disk group, with the group's trust verdict."""
    inputs = []
    for mount, group in observation.disk_groups.items():
        spec = specs.get(mount) or DiskGroupSpec(
            mount_path=mount,
            threshold_pct=default.threshold_pct,
            target_pct=default.target_pct,
            mode=default.mode,
        )
        usage = (
            DiskUsage(group.reading.total_bytes, group.reading.used_bytes)
            if group.reading is not None
            else None
        )
        verdict = observation.sanity.groups.get(mount)
        distrusted = (
            None if verdict is None or verdict.trusted else "; ".join(verdict.reasons)
        )
        inputs.append(
            GroupInput(
                spec=spec,
                usage=usage,
                items=observation.items_in(mount),
                skip={**skip, **observation.sanity.distrusted_items},
                distrusted=distrusted,
            )
        )
    return inputs


def context_of(observation: Observation, active_types: set[str]) -> ScoringContext:
    """Factor gating from the observation's health and capability outcomes."""
    return ScoringContext(
        active_types=frozenset(active_types),
        broken_types=frozenset(h.type for h in observation.health.values() if not h.ok),
        failed_capabilities=frozenset(
            name
            for name, status in observation.capabilities.items()
            if str(status.outcome) == "failed"
        ),
    )


def plan_offline(manifest: Manifest, observation: Observation, now: datetime) -> Plan:
    """The plan a cycle would make for ``manifest`` against ``observation``."""
    prefs = manifest.effective_preferences()
    ids = {h.name: h.integration_id for h in observation.health.values()}
    rules = [
        Rule(
            id=None,
            name=rule.name or f"#{position}",
            field=rule.field,
            operator=rule.operator,
            value=rule.value,
            effect=rule.effect,
            integration_id=ids.get(rule.integration) if rule.integration else None,
            enabled=rule.enabled and (not rule.integration or rule.integration in ids),
        )
        for position, rule in enumerate(manifest.rules)
    ]
    specs = {
        group.mountPath: DiskGroupSpec(
            mount_path=group.mountPath,
            threshold_pct=group.thresholdPct,
            target_pct=group.targetPct,
            mode=group.mode or prefs.defaultDiskGroupMode,
            total_bytes_override=group.totalBytesOverride or 0,
        )
        for group in manifest.diskGroups
    }
    default = DiskGroupSpec("", mode=prefs.defaultDiskGroupMode)
    active: set[str] = {i.type for i in manifest.integrations if i.enabled}
    return build_plan(
        group_inputs(observation, specs, default, {}),
        weights=manifest.effective_weights().model_dump(),
        rules=rules,
        context=context_of(observation, active),
        now=now,
        tiebreaker=prefs.tiebreakerMethod,
        limits=PlanLimits(prefs.maxDeletionsPerRun, prefs.maxBytesPerRun),
        unmonitor_seasons=prefs.unmonitorDeletedSeasons,
    )
