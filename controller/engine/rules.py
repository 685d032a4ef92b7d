"""Custom rules: the rule record, compiling rules once, and applying them to items.

A rule says "items whose <field> <operator> <value> should be kept / removed, more
or less". :func:`compile_rules` lower-cases and parses every rule once;
:func:`apply_rules_to_table` applies compiled rules to every row of an
:class:`~controller.engine.table.ItemTable` in order and says, per row, whether
it is protected and by how much its score is multiplied;
:mod:`controller.engine.scoring` calls it once per cycle. :func:`match_rules`
does the same for one item.

Semantics (see :mod:`controller.engine.rule_matchers` for each field):

* Disabled rules are dropped when compiling. A rule with ``integration_id`` None is
  global; otherwise it only touches items of that integration.
* ``always_keep`` protects the item and ends evaluation (keep always wins); every
  other effect multiplies the score (0.2, 0.5, 1.5, 3.0, 100) and the product is
  not capped.
* A rule on watch or request data (``playcount``, ``lastplayed``, ``requested``...)
  does not match when the matching factor would be skipped: no source configured,
  all broken, enrichment failed, or a media type no source covers. A rule on
  media-server data (``label``, ``collection``, ``watchlist``...) does not match
  while every configured media server is broken (with none configured, Radarr's
  own collections stand). The scorer drops such rules for the cycle, so missing
  data never triggers a removal rule; a keep rule in that state is reported as
  unsafe.
* A rule whose field, operator, value or effect is not understood never matches;
  it is listed in ``CompiledRules.ignored`` with the reason, so the caller can say
  so (and should refuse to plan when it was a keep rule, see
  :func:`controller.engine.scoring.unsafe_keep_rules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from controller.engine.factors import Ages
from controller.engine.rule_matchers import (
    Describe,
    Mask,
    RuleCompileError,
    build_matcher,
)
from controller.engine.table import Flags, ItemTable
from controller.media import MediaItem

# effect -> (score modifier, breakdown label, reason phrase)
EFFECTS: dict[str, tuple[float, str, str]] = {
    "always_keep": (0.0, "Always keep", "Always keep"),
    "prefer_keep": (0.2, "Prefer keep", "Prefer to keep"),
    "lean_keep": (0.5, "Lean keep", "Lean toward keeping"),
    "lean_remove": (1.5, "Lean remove", "Lean toward removing"),
    "prefer_remove": (3.0, "Prefer remove", "Prefer to remove"),
    "always_remove": (100.0, "Always remove", "Always remove"),
}
KEEP_EFFECTS = frozenset({"always_keep", "prefer_keep", "lean_keep"})


@dataclass(frozen=True, slots=True)
class Rule:
    """A custom rule as the user declared it.

    Attributes:
        id: store id, None for a rule not stored yet (e.g. from a manifest).
        name: the rule's name (its natural key in manifests).
        field: item field, e.g. ``"tag"``; matched case-insensitively.
        operator: e.g. ``"=="``, ``"contains"``, ``"in_last"``.
        value: the value to compare with, as text.
        effect: ``always_keep``, ``prefer_keep``, ``lean_keep``, ``lean_remove``,
            ``prefer_remove`` or ``always_remove``.
        integration_id: only items of this integration; None for every item.
        enabled: disabled rules are ignored.
    """

    id: int | None
    name: str
    field: str
    operator: str
    value: str
    effect: str
    integration_id: int | None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to match: lower-cased, parsed, with its effect resolved.

    Attributes:
        rule: the rule as declared.
        effect: lower-case effect.
        modifier: score multiplier (0.0 for ``always_keep``).
        mask: ``(table) -> flags``, whether each row matches.
        describe: ``(item, ages) -> str``, the item value that matched.
        media_types: the media types the field can match, None for all.
        needs: data the field relies on (factor keys or ``"media_server"``); the
            scorer drops the rule for a cycle in which that data is unavailable.
        label: breakdown name, e.g. ``"Prefer keep: tag contains anime"``.
        reason: reason phrase, e.g. ``"Prefer to keep (tag anime)"``.
        protects: the effect is ``always_keep``.
    """

    rule: Rule
    effect: str
    modifier: float
    mask: Mask
    describe: Describe
    media_types: frozenset[str] | None
    needs: frozenset[str]
    label: str
    reason: str
    protects: bool

    def applies_to(self, media_type: str, integration_id: int) -> bool:
        """Tell whether the rule can touch items of this type and integration."""
        scope = self.rule.integration_id
        if scope is not None and scope != integration_id:
            return False
        return self.media_types is None or media_type in self.media_types


class IgnoredRule(NamedTuple):
    """An enabled rule that can never match, and why."""

    rule: Rule
    why: str


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """Enabled, understood rules in evaluation order, plus the ones ignored."""

    rules: tuple[CompiledRule, ...] = ()
    ignored: tuple[IgnoredRule, ...] = ()


class RuleMatch(NamedTuple):
    """One rule that matched an item, with the item value that matched."""

    rule: CompiledRule
    matched_value: str


class RulesOutcome(NamedTuple):
    """What the rules did to one item."""

    protected: bool
    modifier: float
    matched: tuple[CompiledRule, ...]


def compile_rules(rules: Iterable[Rule]) -> CompiledRules:
    """Compile rules once for matching many items.

    Args:
        rules: rules in evaluation order (the user's sort order).

    Returns:
        The enabled rules that can match, in order, and the enabled rules that
        cannot (unknown field, operator, effect, or a value of the wrong type).
    """
    compiled: list[CompiledRule] = []
    ignored: list[IgnoredRule] = []
    for rule in rules:
        if not rule.enabled:
            continue
        field = rule.field.strip().lower()
        operator = rule.operator.strip().lower()
        effect = rule.effect.strip().lower()
        if effect not in EFFECTS:
            ignored.append(IgnoredRule(rule, f"unknown effect {rule.effect!r}"))
            continue
        try:
            mask, describe, media_types, needs = build_matcher(
                field, operator, rule.value.strip().lower()
            )
        except RuleCompileError as error:
            ignored.append(IgnoredRule(rule, str(error)))
            continue
        modifier, label, phrase = EFFECTS[effect]
        compiled.append(
            CompiledRule(
                rule=rule,
                effect=effect,
                modifier=modifier,
                mask=mask,
                describe=describe,
                media_types=media_types,
                needs=needs,
                label=f"{label}: {rule.field} {rule.operator} {rule.value}",
                reason=f"{phrase} ({rule.field} {rule.value})",
                protects=effect == "always_keep",
            )
        )
    return CompiledRules(tuple(compiled), tuple(ignored))


class TableOutcome(NamedTuple):
    """What the rules did to every row of a table.

    Attributes:
        protected_by: per row, the position (in the rules given) of the first
            ``always_keep`` rule that matched, or -1.
        modifiers: per row, the product of the other matching rules' modifiers.
        matched: per row, those other rules in order (empty when none).
    """

    protected_by: npt.NDArray[np.int64]
    modifiers: npt.NDArray[np.float64]
    matched: list[tuple[CompiledRule, ...]]


def apply_rules_to_table(
    rules: Sequence[CompiledRule],
    table: ItemTable,
    allowed: Sequence[Flags | None] | None = None,
) -> TableOutcome:
    """Apply rules to every row of a table, rule by rule, in order.

    Args:
        rules: compiled rules in evaluation order.
        table: the items.
        allowed: per rule, the rows it may touch (None: every row); the
            scorer passes the rows whose type, integration and data the rule
            applies to this cycle.

    Returns:
        Per row: protected by the first ``always_keep`` rule that matched (only
        that rule then counts, keep always wins), else the product of the
        modifiers of every matching rule with those rules in order.
    """
    count = table.size
    protected_by = np.full(count, -1, dtype=np.int64)
    modifiers = np.ones(count, dtype=np.float64)
    hits: list[tuple[CompiledRule, Flags]] = []
    for position, rule in enumerate(rules):
        hit = rule.mask(table)
        rows = allowed[position] if allowed is not None else None
        if rows is not None:
            hit = hit & rows
        if not hit.any():
            continue
        if rule.protects:
            protected_by[(protected_by < 0) & hit] = position
        else:
            modifiers[hit] *= rule.modifier
            hits.append((rule, hit))
    return TableOutcome(protected_by, modifiers, _matched_rules(hits, count))


_BITS = 62  # rules per int64 word of the combination code


def _matched_rules(
    hits: list[tuple[CompiledRule, Flags]], count: int
) -> list[tuple[CompiledRule, ...]]:
    """Per row, the rules that hit it, in order: one tuple per combination.

    Each row gets a code with one bit per rule; rows with the same code share
    one tuple, so 100,000 rows cost a few distinct combinations, not 100,000
    tuples.
    """
    if not hits:
        return [()] * count
    words = (len(hits) + _BITS - 1) // _BITS
    codes = np.zeros((count, words), dtype=np.int64)
    for bit, (_, hit) in enumerate(hits):
        codes[:, bit // _BITS] |= hit.astype(np.int64) << (bit % _BITS)
    if words == 1:  # the usual case: a plain sort of one column
        unique, inverse = np.unique(codes[:, 0], return_inverse=True)
        unique = unique.reshape(-1, 1)
    else:
        unique, inverse = np.unique(codes, axis=0, return_inverse=True)
    combinations = [
        tuple(
            rule
            for bit, (rule, _) in enumerate(hits)
            if (int(code[bit // _BITS]) >> (bit % _BITS)) & 1
        )
        for code in unique
    ]
    return list(map(combinations.__getitem__, inverse.reshape(-1).tolist()))


def match_rules(
    compiled: CompiledRules, item: MediaItem, now: datetime
) -> RulesOutcome:
    """Apply every compiled rule that applies to the item's type and integration.

    This ignores which data is available in a cycle; the scorer additionally drops
    rules whose data source is unavailable.
    """
    media_type, integration_id = item.media_type, item.integration_id
    relevant = [r for r in compiled.rules if r.applies_to(media_type, integration_id)]
    outcome = apply_rules_to_table(relevant, ItemTable([item], now))
    keep = int(outcome.protected_by[0])
    if keep >= 0:
        return RulesOutcome(True, 0.0, (relevant[keep],))
    return RulesOutcome(False, float(outcome.modifiers[0]), outcome.matched[0])


def describe_matches(
    rules: Sequence[CompiledRule], item: MediaItem, ages: Ages
) -> tuple[RuleMatch, ...]:
    """Pair matched rules with the item value each matched, for the breakdown."""
    return tuple(RuleMatch(rule, rule.describe(item, ages)) for rule in rules)
