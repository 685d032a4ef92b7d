"""The decision engine: score media items, apply rules, plan deletions per disk group.

Pure functions over plain data: no I/O, no SQL, no HTTP, no threads; the clock is
always passed in. The reconciler calls :func:`build_plan` once per cycle; the
preview calls :func:`score_items` and :func:`sort_scored`.
"""

from controller.engine.factors import (
    DEFAULT_WEIGHTS,
    FACTORS,
    FACTORS_BY_KEY,
    Factor,
    ScoringContext,
    applicability,
)
from controller.engine.mounts import assign_to_mounts, media_mounts, normalize_path
from controller.engine.ordering import TIEBREAKERS, sort_scored
from controller.engine.plan import (
    DiskGroupPlan,
    DiskGroupSpec,
    DiskUsage,
    GroupInput,
    Plan,
    PlanLimits,
    PlannedDeletion,
    SkippedCandidate,
    build_plan,
    plan_group,
)
from controller.engine.rule_matchers import FIELDS, operators_for
from controller.engine.rules import (
    EFFECTS,
    CompiledRule,
    CompiledRules,
    IgnoredRule,
    Rule,
    RuleMatch,
    RulesOutcome,
    compile_rules,
    match_rules,
)
from controller.engine.scoring import (
    ZERO_WEIGHTS,
    FactorScore,
    ScoreBasis,
    ScoredItem,
    score_items,
    unsafe_keep_rules,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "EFFECTS",
    "FACTORS",
    "FACTORS_BY_KEY",
    "FIELDS",
    "TIEBREAKERS",
    "ZERO_WEIGHTS",
    "CompiledRule",
    "CompiledRules",
    "DiskGroupPlan",
    "DiskGroupSpec",
    "DiskUsage",
    "Factor",
    "FactorScore",
    "GroupInput",
    "IgnoredRule",
    "Plan",
    "PlanLimits",
    "PlannedDeletion",
    "Rule",
    "RuleMatch",
    "RulesOutcome",
    "ScoreBasis",
    "ScoredItem",
    "ScoringContext",
    "SkippedCandidate",
    "applicability",
    "assign_to_mounts",
    "build_plan",
    "compile_rules",
    "match_rules",
    "media_mounts",
    "normalize_path",
    "operators_for",
    "plan_group",
    "score_items",
    "sort_scored",
    "unsafe_keep_rules",
]
