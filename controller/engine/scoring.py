"""Score items: weighted factors, then rules, with a breakdown for every item.

:func:`score_items` is the engine's hot path: the reconciler, the preview and the
planner call it with the cycle's items, weights, rules, context and clock. A
higher score means more deletable; :mod:`controller.engine.ordering` puts scored
items in the one deterministic order the planner walks.

To stay fast at 100,000 items, the work is done a column at a time over an
:class:`~controller.engine.table.ItemTable`: the raw factor scores of all items
are one matrix, each rule is one mask, and the scores are one vector. What
depends only on an item's media type and integration (which factors apply,
their normalised weights, skipped factors, which rules can touch it) is worked
out once per call and shared by all items of that kind. Each ScoredItem keeps
its row of the shared :class:`ScoreSheet`; the breakdown (``factors``) and
``reason`` are built from it when asked for.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from controller.collector import collector_paused
from controller.engine.factors import (
    CONNECTION_ERROR,
    FACTORS,
    NO_DATA,
    Ages,
    ScoringContext,
    ages_at,
    applicability,
    media_server_state,
    raw_score_matrix,
)
from controller.engine.rules import (
    KEEP_EFFECTS,
    CompiledRule,
    CompiledRules,
    Rule,
    RuleMatch,
    apply_rules_to_table,
    compile_rules,
    describe_matches,
)
from controller.engine.table import ItemTable
from controller.media import MediaItem

ZERO_WEIGHTS = "All preference weights are zero"


@dataclass(frozen=True, slots=True)
class FactorScore:
    """One line of a score breakdown: a weighted factor or a matched rule."""

    key: str
    name: str
    raw: float
    weight: int
    contribution: float
    kind: str  # "weight" or "rule"
    skipped: bool = False
    skip_reason: str = ""
    matched_value: str = ""
    rule_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Render as the API's ScoreFactor object (empty optional keys left out)."""
        out: dict[str, Any] = {
            "name": self.name,
            "key": self.key,
            "rawScore": self.raw,
            "weight": self.weight,
            "contribution": self.contribution,
            "type": self.kind,
        }
        if self.matched_value:
            out["matchedValue"] = self.matched_value
        if self.rule_id is not None:
            out["ruleId"] = self.rule_id
        if self.skipped:
            out["skipped"] = True
        if self.skip_reason:
            out["skipReason"] = self.skip_reason
        return out


def rule_factor(match: RuleMatch) -> FactorScore:
    """Render a matched rule as a breakdown line."""
    rule = match.rule
    return FactorScore(
        key="",
        name=rule.label,
        raw=rule.modifier,
        weight=0,
        contribution=0.0,
        kind="rule",
        matched_value=match.matched_value,
        rule_id=rule.rule.id,
    )


@dataclass(frozen=True, slots=True)
class ScoreBasis:
    """What all items of one media type and integration share in one call.

    Attributes:
        applicable: indexes (into ``FACTORS``) of the factors that apply.
        weights: each factor's weight (0 for those that do not apply).
        shares: weight / total weight of applicable factors (0 for the others).
        total_weight: sum of the applicable factors' weights.
        layout: breakdown order: an int indexes ``FACTORS``; a FactorScore is a
            factor skipped with a reason.
        rules: compiled rules that can touch these items this cycle.
    """

    applicable: tuple[int, ...]
    weights: tuple[int, ...]
    shares: tuple[float, ...]
    total_weight: int
    layout: tuple[int | FactorScore, ...]
    rules: tuple[CompiledRule, ...]


class ScoreSheet:
    """What one :func:`score_items` call computed, as columns in row order.

    Attributes:
        table: the items' columns.
        raw: raw factor scores, one row per item.
        scores / protected: each item's final score and protection; the
            ordering reads them instead of visiting every scored item.
    """

    # Rows read one by one before all rows are converted at once: a cycle
    # shows the breakdown of its few planned items, the preview of every item.
    ONE_BY_ONE = 512

    def __init__(
        self,
        table: ItemTable,
        raw: npt.NDArray[np.float64],
        scores: npt.NDArray[np.float64],
        protected: npt.NDArray[np.bool_],
    ) -> None:
        self.table = table
        self.raw = raw
        self.scores = scores
        self.protected = protected
        self._rows: list[tuple[float, ...]] | None = None
        self._reads = 0

    def raws(self, row: int) -> tuple[float, ...]:
        """One row's raw scores in ``FACTORS`` order, as Python floats."""
        if self._rows is not None:
            return self._rows[row]
        self._reads += 1
        if self._reads <= self.ONE_BY_ONE:
            return tuple(self.raw[row].tolist())
        self._rows = list(map(tuple, self.raw.tolist()))
        return self._rows[row]


class ScoredItem(NamedTuple):
    """An item with its score, protection, breakdown and the rules that touched it.

    A tuple, so that scoring builds 100,000 of them in C. The engine never
    changes one after creating it. ``factors``, ``reason``, ``matches``,
    ``raws`` and ``ages`` are read from the shared sheet when asked for.

    Attributes:
        item: the media item.
        score: final score (base score times rule modifiers; may exceed 1.0).
        protected: an ``always_keep`` rule matched; the score is then 0.
        rules_matched: matched rules in evaluation order (only the keep rule when
            protected).
        basis: the shared per-kind scoring data.
        sheet: the scoring call's table and raw scores.
        row: this item's row in ``sheet``.
    """

    item: MediaItem
    score: float
    protected: bool
    rules_matched: tuple[CompiledRule, ...]
    basis: ScoreBasis
    sheet: ScoreSheet
    row: int

    @property
    def raws(self) -> tuple[float, ...]:
        """Raw scores of all factors in ``FACTORS`` order (empty if protected)."""
        return () if self.protected else self.sheet.raws(self.row)

    @property
    def ages(self) -> Ages:
        """The item's ages in days, and warnings about its dates."""
        return ages_at(self.sheet.table, self.row)

    @property
    def key(self) -> tuple[int, str]:
        """The item's identity: (integration id, external id)."""
        return self.item.key

    @property
    def warnings(self) -> tuple[str, ...]:
        """Observations about the item that looked wrong (dates in the future)."""
        return self.ages.warnings

    @property
    def matches(self) -> tuple[RuleMatch, ...]:
        """The matched rules with the item value each matched."""
        return describe_matches(self.rules_matched, self.item, self.ages)

    @property
    def factors(self) -> tuple[FactorScore, ...]:
        """The score breakdown: weight factors in factor order, then rules."""
        rule_lines = tuple(rule_factor(match) for match in self.matches)
        if self.protected:
            return rule_lines
        basis = self.basis
        lines: list[FactorScore] = []
        for slot in basis.layout:
            if isinstance(slot, FactorScore):
                lines.append(slot)
            elif basis.total_weight:
                factor, raw = FACTORS[slot], self.raws[slot]
                lines.append(
                    FactorScore(
                        key=factor.key,
                        name=factor.name,
                        raw=raw,
                        weight=basis.weights[slot],
                        contribution=raw * basis.shares[slot],
                        kind="weight",
                    )
                )
        return (*lines, *rule_lines)

    @property
    def reason(self) -> str:
        """One line explaining the score, e.g. ``"watch_history:0.48, ..."``."""
        if self.protected:
            return self.rules_matched[0].label
        basis = self.basis
        if basis.total_weight:
            weight_part = ", ".join(
                f"{FACTORS[i].key}:{self.raws[i] * basis.shares[i]:.2f}"
                for i in basis.applicable
            )
        else:
            weight_part = ZERO_WEIGHTS
        if not self.rules_matched:
            return weight_part
        rules_part = ", ".join(rule.reason for rule in self.rules_matched)
        return f"{weight_part}. {rules_part}"

    def to_json(self) -> dict[str, Any]:
        """Render the scoring part of the API's evaluated item (without ``item``)."""
        out: dict[str, Any] = {
            "score": self.score,
            "isProtected": self.protected,
            "protected": self.protected,
            "reason": self.reason,
            "factors": [line.to_json() for line in self.factors],
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def _available_data(media_type: str, context: ScoringContext) -> set[str]:
    """Name the data kinds (rule ``needs``) usable for one media type."""
    kinds = {
        key
        for key in ("watch_history", "last_watched", "request_popularity")
        if applicability(key, media_type, context)[0]
    }
    if media_server_state(context)[0]:
        kinds.add("media_server")
    return kinds


def _weight(weights: Mapping[str, float], key: str) -> int:
    return int(max(0, weights.get(key, 0)))


def _basis_for(
    media_type: str,
    integration_id: int,
    weights: Mapping[str, float],
    rules: CompiledRules,
    context: ScoringContext,
) -> ScoreBasis:
    applicable: list[int] = []
    layout: list[int | FactorScore] = []
    for index, factor in enumerate(FACTORS):
        applies, why = applicability(factor.key, media_type, context)
        if applies:
            applicable.append(index)
            layout.append(index)
        elif why:
            skipped = FactorScore(
                key=factor.key,
                name=factor.name,
                raw=0.0,
                weight=_weight(weights, factor.key),
                contribution=0.0,
                kind="weight",
                skipped=True,
                skip_reason=why,
            )
            layout.append(skipped)
    factor_weights = tuple(
        _weight(weights, f.key) if i in applicable else 0 for i, f in enumerate(FACTORS)
    )
    total = sum(factor_weights)
    shares = tuple(w / total if total else 0.0 for w in factor_weights)
    available = _available_data(media_type, context)
    usable = tuple(
        rule
        for rule in rules.rules
        if rule.applies_to(media_type, integration_id) and rule.needs <= available
    )
    return ScoreBasis(
        tuple(applicable), factor_weights, shares, total, tuple(layout), usable
    )


def gc_paused() -> AbstractContextManager[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Scoring 100,000 items creates a few hundred thousand small objects that
    never form reference cycles (see :mod:`controller.collector`).
    """
    return collector_paused()


def score_items(
    items: Iterable[MediaItem],
    weights: Mapping[str, float],
    rules: CompiledRules | Sequence[Rule],
    context: ScoringContext,
    now: datetime,
) -> list[ScoredItem]:
    """Score every item: weighted factors normalised per item, then rules.

    Args:
        items: the items to score.
        weights: factor key -> weight (0-10); a missing key counts as 0.
        rules: compiled rules, or rules to compile for this call.
        context: which integrations are configured, broken or failed this cycle.
        now: the cycle's clock (aware UTC).

    Returns:
        One ScoredItem per item, in input order.
    """
    compiled = rules if isinstance(rules, CompiledRules) else compile_rules(rules)
    with gc_paused():
        return _score_all(ItemTable(items, now), weights, compiled, context)


_MEDIA_TYPE = operator.attrgetter("media_type")
_INTEGRATION = operator.attrgetter("integration_id")
# Builds a ScoredItem from a 7-tuple in C, skipping its Python-level __new__.
_make_scored = partial(tuple.__new__, ScoredItem)


def _score_all(
    table: ItemTable,
    weights: Mapping[str, float],
    compiled: CompiledRules,
    context: ScoringContext,
) -> list[ScoredItem]:
    items = table.items
    if not items:
        return []
    # Number the kinds (media type, integration) and give each row its kind.
    integrations = table.values("integration_id", _INTEGRATION)
    kinds = list(zip(map(_MEDIA_TYPE, items), integrations, strict=True))
    numbers = {kind: number for number, kind in enumerate(dict.fromkeys(kinds))}
    kind_rows = list(map(numbers.__getitem__, kinds))
    bases = [_basis_for(*kind, weights, compiled, context) for kind in numbers]
    kind_of = np.array(kind_rows, dtype=np.int64)

    raw = raw_score_matrix(table)
    shares = np.array([basis.shares for basis in bases], dtype=np.float64)
    weighted = np.array([basis.total_weight > 0 for basis in bases])
    base = np.einsum("ij,ij->i", raw, shares[kind_of])
    scores = np.where(weighted[kind_of], np.minimum(1.0, base), 0.0)

    # Every rule some kind may use, in evaluation order, with the kinds it may
    # touch (None: all of them).
    usable = [
        rule for rule in compiled.rules if any(rule in basis.rules for basis in bases)
    ]
    allowed = [
        None
        if all(rule in basis.rules for basis in bases)
        else np.isin(kind_of, [k for k, b in enumerate(bases) if rule in b.rules])
        for rule in usable
    ]
    outcome = apply_rules_to_table(usable, table, allowed)
    protected = outcome.protected_by >= 0
    scores = np.where(protected, 0.0, scores * outcome.modifiers)

    sheet = ScoreSheet(table, raw, scores, protected)
    matched = outcome.matched
    for row in np.flatnonzero(protected).tolist():
        matched[row] = (usable[int(outcome.protected_by[row])],)
    return list(
        map(
            _make_scored,
            zip(
                items,
                scores.tolist(),
                protected.tolist(),
                matched,
                map(bases.__getitem__, kind_rows),
                repeat(sheet),
                range(len(items)),
                strict=False,
            ),
        )
    )


def unsafe_keep_rules(
    compiled: CompiledRules, context: ScoringContext
) -> tuple[str, ...]:
    """Name the keep rules that cannot protect anything this cycle, and why.

    A keep rule that was ignored (not understood), or that relies on data whose
    source is configured but broken or failed this cycle, protects nothing: items
    the user meant to keep would be scored as if unprotected. The caller should
    treat any returned reason as grounds to block planning (``distrusted``).
    """
    reasons = [
        f"keep rule {ignored.rule.name!r} is ignored: {ignored.why}"
        for ignored in compiled.ignored
        if ignored.rule.effect.strip().lower() in KEEP_EFFECTS
    ]
    for rule in compiled.rules:
        if rule.effect not in KEEP_EFFECTS:
            continue
        for need in sorted(rule.needs):
            if need == "media_server":
                _, why = media_server_state(context)
            else:
                _, why = applicability(need, "movie", context)
            if why in (CONNECTION_ERROR, NO_DATA):
                reasons.append(
                    f"keep rule {rule.rule.name!r} relies on {need} data: {why}"
                )
    return tuple(reasons)
