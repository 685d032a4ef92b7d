"""Safety invariants 1 and 5 of PRODUCT.md at the level of the pure planner.

Invariant 1: an item protected by an ``always_keep`` rule is never deleted.
Invariant 5: a run never plans to free more than needed to reach the target, plus
at most the one item that crosses it, and never more than the per-run limits.
Each is shown on an example and as a property over random libraries, rules,
weights, disk readings and limits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.engine import (
    DEFAULT_WEIGHTS,
    DiskGroupSpec,
    DiskUsage,
    GroupInput,
    Plan,
    PlanLimits,
    Rule,
    ScoringContext,
    build_plan,
    compile_rules,
    match_rules,
)
from controller.engine.series import series_ids
from controller.media import MediaItem, MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3
CONTEXT = ScoringContext(active_types=frozenset({"plex", "seerr"}))
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


NO_LIMITS = PlanLimits()


def plan_for(items, rules, used, total=100 * GIB, limits=NO_LIMITS, **kw) -> Plan:
    groups = [GroupInput(DiskGroupSpec("/data", 85, 75), DiskUsage(total, used), items)]
    return build_plan(
        groups,
        weights=kw.pop("weights", DEFAULT_WEIGHTS),
        rules=rules,
        context=CONTEXT,
        now=NOW,
        limits=limits,
        **kw,
    )


def assert_invariant_1(plan: Plan, rules: list[Rule], items: list[MediaItem]) -> None:
    compiled = compile_rules(rules)
    protected = {i.key for i in items if match_rules(compiled, i, NOW).protected}
    held_series = {
        sid
        for i in items
        if i.key in protected and i.media_type == "show"
        for sid in series_ids(i)
    }
    for group in plan.groups:
        for deletion in group.deletions:
            item = deletion.item
            assert not deletion.scored.protected
            assert item.key not in protected, f"{item.title} is protected"
            if item.media_type == "season":
                assert not held_series & set(series_ids(item))


def assert_invariant_5(plan: Plan, limits: PlanLimits) -> None:
    total_items = total_bytes = 0
    for group in plan.groups:
        sizes = [d.expected_bytes for d in group.deletions]
        assert group.planned_bytes == sum(sizes)
        if sizes:
            # All but the last planned item stay below what is needed.
            assert sum(sizes[:-1]) < group.bytes_to_free
            assert group.breached and group.blocked_reason is None
        # Never a show together with one of its seasons.
        shows = {
            s
            for d in group.deletions
            if d.item.media_type == "show"
            for s in series_ids(d.item)
        }
        for deletion in group.deletions:
            if deletion.item.media_type == "season":
                assert not shows & set(series_ids(deletion.item))
        total_items += len(sizes)
        total_bytes += sum(sizes)
    if limits.max_items:
        assert total_items <= limits.max_items
    if limits.max_bytes:
        assert total_bytes <= limits.max_bytes


def test_invariant_1_always_keep_never_planned(make_item):
    """Check that the biggest, most deletable item is not planned when kept."""
    keep = make_item(title="Firefly", size_bytes=49 * GIB, tags=("keep",))
    others = [make_item(size_bytes=n * GIB) for n in (5, 6, 7)]
    rules = [
        Rule(1, "bye", "title", "contains", "fire", "always_remove", None),
        Rule(2, "keep", "tag", "==", "KEEP", "always_keep", 1),
    ]
    plan = plan_for([keep, *others], rules, used=99 * GIB)
    planned = [d.item.key for d in plan.groups[0].deletions]
    assert keep.key not in planned and planned
    assert_invariant_1(plan, rules, [keep, *others])


def test_invariant_5_never_frees_more_than_needed(make_item):
    """Check that planning stops at the crossing item and within the limits."""
    items = [make_item(size_bytes=n * GIB) for n in (9, 8, 7, 6, 5)]
    plan = plan_for(items, [], used=90 * GIB)  # need 15 GiB
    group = plan.groups[0]
    assert group.bytes_to_free == 15 * GIB
    assert [d.expected_bytes // GIB for d in group.deletions] == [9, 8]
    assert group.planned_bytes == 17 * GIB  # one crossing item past 15, no more
    limits = PlanLimits(max_items=1)
    limited = plan_for(items, [], used=90 * GIB, limits=limits)
    assert len(limited.groups[0].deletions) == 1
    assert limited.groups[0].stopped_by == "max_items"
    assert_invariant_5(plan, PlanLimits())
    assert_invariant_5(limited, limits)


# ---- random libraries -------------------------------------------------------

TITLES = st.sampled_from(["Firefly", "Alien", "Up", "Heat", "Keep Me", "x"])
TAGS = st.lists(st.sampled_from(["keep", "4k", "kids", "anime"]), max_size=2)


@st.composite
def libraries(draw) -> list[MediaItem]:
    items: list[MediaItem] = []
    for n in range(draw(st.integers(0, 25))):
        common = {
            "size_bytes": draw(st.integers(0, 60 * GIB)),
            "rating": draw(st.none() | st.floats(0, 10)),
            "play_count": draw(st.integers(0, 5)),
            "tags": tuple(draw(TAGS)),
            "is_requested": draw(st.booleans()),
            "monitored": draw(st.booleans()),
            "added_at": NOW - timedelta(days=draw(st.integers(-5, 900))),
        }
        integration_id = draw(st.integers(1, 2))
        if draw(st.integers(0, 3)) == 0:  # a show with some seasons
            title = draw(TITLES)
            items.append(
                MediaItem(
                    integration_id,
                    f"{n}",
                    MediaType.SHOW,
                    title,
                    series_status="ended",
                    **common,
                )
            )
            for season in range(1, draw(st.integers(0, 3)) + 1):
                items.append(
                    MediaItem(
                        integration_id,
                        f"{n}-s{season}",
                        MediaType.SEASON,
                        f"{title} - Season {season}",
                        show_title=title,
                        season_number=season,
                        **{**common, "size_bytes": draw(st.integers(0, 30 * GIB))},
                    )
                )
        else:
            items.append(
                MediaItem(
                    integration_id, f"{n}", MediaType.MOVIE, draw(TITLES), **common
                )
            )
    return items


RULE_SHAPES = st.sampled_from(
    [
        ("title", "contains", "e"),
        ("title", "==", "keep me"),
        ("tag", "contains", "keep"),
        ("tag", "!contains", "kids"),
        ("rating", ">", "6"),
        ("playcount", "==", "0"),
        ("monitored", "!=", "true"),
        ("requested", "==", "true"),
        ("type", "==", "show"),
        ("type", "==", "season"),
        ("sizebytes", ">", str(20 * GIB)),
        ("timeinlibrary", "in_last", "30"),
    ]
)
EFFECTS = st.sampled_from(
    [
        "always_keep",
        "prefer_keep",
        "lean_keep",
        "lean_remove",
        "prefer_remove",
        "always_remove",
    ]
)


@st.composite
def rule_lists(draw) -> list[Rule]:
    rules = []
    for n in range(draw(st.integers(0, 5))):
        field, operator, value = draw(RULE_SHAPES)
        scope = draw(st.sampled_from([None, 1, 2]))
        rules.append(Rule(n, f"rule {n}", field, operator, value, draw(EFFECTS), scope))
    return rules


WEIGHTS = st.fixed_dictionaries({key: st.integers(0, 10) for key in DEFAULT_WEIGHTS})
LIMITS = st.builds(
    PlanLimits,
    max_items=st.integers(0, 6),
    max_bytes=st.sampled_from([0, 1, 10 * GIB, 50 * GIB]),
)


@PROPERTY
@given(libraries(), rule_lists(), WEIGHTS, st.integers(0, 100), LIMITS)
def test_invariant_1_always_keep_never_planned_for_any_library(
    items, rules, weights, used_pct, limits
):
    """Check that no protected item (or season of a protected show) is planned."""
    used = used_pct * GIB
    plan = plan_for(items, rules, used=used, weights=weights, limits=limits)
    assert_invariant_1(plan, rules, items)


@PROPERTY
@given(libraries(), rule_lists(), WEIGHTS, st.integers(0, 100), LIMITS, st.data())
def test_invariant_5_never_frees_more_than_needed_for_any_library(
    items, rules, weights, used_pct, limits, data
):
    """Check need + one crossing item and the run limits, over random inputs."""
    skip = {
        item.key: "snoozed"
        for item in items
        if data.draw(st.integers(0, 4), label="skip?") == 0
    }
    spec = DiskGroupSpec("/data", 85, 75)
    groups = [
        GroupInput(spec, DiskUsage(100 * GIB, used_pct * GIB), items, skip),
        GroupInput(
            DiskGroupSpec("/more", 50, 10), DiskUsage(100 * GIB, 80 * GIB), items[::2]
        ),
    ]
    plan = build_plan(
        groups, weights=weights, rules=rules, context=CONTEXT, now=NOW, limits=limits
    )
    assert_invariant_5(plan, limits)
    skipped_keys = set(skip)
    for deletion in plan.groups[0].deletions:
        assert deletion.item.key not in skipped_keys
