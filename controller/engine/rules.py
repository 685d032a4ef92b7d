"""Custom rules: the rule record, compiling rules once, and applying them to items.

A rule says "items whose <field> <operator> <value> should be kept / removed, more
or less". :func:`compile_rules` lower-cases and parses every rule once;
:func:`match_rules` applies the compiled rules to one item in order and returns
whether the item is protected and by how much its score is multiplied.
:mod:`controller.engine.scoring` does the same inside its hot loop.

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
from functools import partial
from typing import NamedTuple

from controller.engine.factors import Ages, item_ages
from controller.engine.rule_matchers import (
    Describe,
    RuleCompileError,
    Test,
    build_matcher,
)
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
        test: ``(item, ages) -> bool``.
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
    test: Test
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


_UNTOUCHED = RulesOutcome(False, 1.0, ())
# Builds a RulesOutcome from a 3-tuple in C, skipping its Python-level __new__.
_make_outcome = partial(tuple.__new__, RulesOutcome)


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
            test, describe, media_types, needs = build_matcher(
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
                test=test,
                describe=describe,
                media_types=media_types,
                needs=needs,
                label=f"{label}: {rule.field} {rule.operator} {rule.value}",
                reason=f"{phrase} ({rule.field} {rule.value})",
                protects=effect == "always_keep",
            )
        )
    return CompiledRules(tuple(compiled), tuple(ignored))


def apply_rules(
    rules: Sequence[CompiledRule], item: MediaItem, ages: Ages
) -> RulesOutcome:
    """Apply rules already known to apply to the item's type and integration.

    Args:
        rules: compiled rules in order, pre-filtered with ``applies_to``.
        item: the item.
        ages: the item's ages (see ``item_ages``).

    Returns:
        Protected (with the one ``always_keep`` rule that matched first), or the
        product of the modifiers of every matching rule with those rules in order.
    """
    modifier = 1.0
    matched: tuple[CompiledRule, ...] = ()
    for rule in rules:
        if rule.test(item, ages):
            if rule.protects:
                return RulesOutcome(True, 0.0, (rule,))
            modifier *= rule.modifier
            matched += (rule,)
    return _make_outcome((False, modifier, matched)) if matched else _UNTOUCHED


def match_rules(
    compiled: CompiledRules, item: MediaItem, now: datetime
) -> RulesOutcome:
    """Apply every compiled rule that applies to the item's type and integration.

    This ignores which data is available in a cycle; the scorer additionally drops
    rules whose data source is unavailable.
    """
    media_type, integration_id = item.media_type, item.integration_id
    relevant = [r for r in compiled.rules if r.applies_to(media_type, integration_id)]
    return apply_rules(relevant, item, item_ages(item, now))


def describe_matches(
    rules: Sequence[CompiledRule], item: MediaItem, ages: Ages
) -> tuple[RuleMatch, ...]:
    """Pair matched rules with the item value each matched, for the breakdown."""
    return tuple(RuleMatch(rule, rule.describe(item, ages)) for rule in rules)
