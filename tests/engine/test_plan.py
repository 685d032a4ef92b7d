"""Planning per disk group: threshold, target, limits, skips, shows and seasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controller.engine import (
    DiskGroupSpec,
    DiskUsage,
    GroupInput,
    PlanLimits,
    Rule,
    ScoringContext,
    build_plan,
    plan_group,
    score_items,
)
from controller.media import MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3
SIZE_ONLY = {"file_size": 1}  # bigger items score higher, up to 50 GiB


def spec(threshold=85.0, target=75.0, **kw):
    return DiskGroupSpec("/data", threshold, target, **kw)


def plan(items, used, total=100 * GIB, rules=(), group=None, **kw):
    scored = score_items(items, SIZE_ONLY, list(rules), ScoringContext(), NOW)
    return plan_group(group or spec(), DiskUsage(total, used), scored, **kw)


def gib_items(make_item, *sizes, **fields):
    return [make_item(size_bytes=size * GIB, **fields) for size in sizes]


def planned_sizes(group_plan):
    return [d.expected_bytes // GIB for d in group_plan.deletions]


def test_threshold_equality_counts_as_breached(make_item):
    """Check that usage exactly at the threshold is breached."""
    result = plan(gib_items(make_item, 20), used=85 * GIB)
    assert result.breached and result.usage_pct == 85.0
    assert result.bytes_to_free == 10 * GIB
    assert planned_sizes(result) == [20]


def test_below_threshold_plans_nothing(make_item):
    """Check that a group below its threshold gets an empty plan."""
    result = plan(gib_items(make_item, 20, 10), used=84 * GIB)
    assert not result.breached
    assert result.deletions == () and result.stopped_by is None
    assert result.bytes_to_free == 9 * GIB  # shown, not acted on


def test_target_reached_stops_after_the_crossing_item(make_item):
    """Check that planning stops as soon as the planned bytes reach the need."""
    result = plan(gib_items(make_item, 4, 6, 3, 5, 1), used=90 * GIB)
    # need 15 GiB; order by size: 6, 5, 4 (=15) stop.
    assert planned_sizes(result) == [6, 5, 4]
    assert result.planned_bytes == 15 * GIB and result.stopped_by == "target"


def test_bytes_to_free_is_rounded_up(make_item):
    """Check that bytes_to_free is the ceiling of used - target x total."""
    result = plan([], used=851, total=1000, group=spec(85, 75.05))
    assert result.bytes_to_free == 101  # 851 - 750.5


def test_override_total_is_used_for_percentages(make_item):
    """Check that a total override replaces the reported total."""
    group = spec(total_bytes_override=200 * GIB)
    result = plan(gib_items(make_item, 5), used=90 * GIB, group=group)
    assert result.total_bytes == 200 * GIB
    assert result.usage_pct == 45.0 and not result.breached


def test_exhausted_when_not_enough_candidates(make_item):
    """Check that a plan that runs out of candidates says so."""
    result = plan(gib_items(make_item, 2, 3), used=95 * GIB)
    assert planned_sizes(result) == [3, 2] and result.stopped_by == "exhausted"


@pytest.mark.parametrize(
    ("limits", "expected", "stopped"),
    [
        (PlanLimits(max_items=2), [6, 5], "max_items"),
        (PlanLimits(max_bytes=12 * GIB), [6, 5], "max_bytes"),
        (PlanLimits(max_items=3, max_bytes=100 * GIB), [6, 5, 4], "target"),
        (PlanLimits(), [6, 5, 4], "target"),
    ],
)
def test_per_run_limits(make_item, limits, expected, stopped):
    """Check that per-run limits stop the plan and are recorded as the cause."""
    result = plan(gib_items(make_item, 4, 6, 3, 5, 1), used=90 * GIB, limits=limits)
    assert planned_sizes(result) == expected and result.stopped_by == stopped


def test_skipped_keys_are_passed_over_with_reason(make_item):
    """Check that snoozed or in-flight items are not planned, and say why."""
    items = gib_items(make_item, 6, 5, 4)
    skip = {items[0].key: "snoozed", items[1].key: "already queued"}
    more = gib_items(make_item, 3, 2)
    result = plan(items + more, used=82 * GIB, group=spec(80, 75), skip=skip)
    assert planned_sizes(result) == [4, 3]
    assert [(s.scored.item.key, s.reason) for s in result.skipped] == [
        (items[0].key, "snoozed"),
        (items[1].key, "already queued"),
    ]


def test_protected_and_zero_score_items_are_never_planned(make_item):
    """Check that always_keep items and items scoring 0 are never planned."""
    keep = make_item(size_bytes=40 * GIB, title="keep me")
    empty = make_item(size_bytes=0)
    rules = [Rule(1, "keep", "title", "==", "keep me", "always_keep", None)]
    result = plan([keep, empty, *gib_items(make_item, 1)], used=99 * GIB, rules=rules)
    assert keep.key not in {d.item.key for d in result.deletions}
    assert empty.key not in {d.item.key for d in result.deletions}
    assert result.stopped_by == "exhausted"


def test_blocked_when_distrusted(make_item):
    """Check that a distrusted group plans nothing and carries the reason."""
    result = plan(gib_items(make_item, 20), used=95 * GIB, distrusted="library shrank")
    assert result.breached and result.deletions == ()
    assert result.blocked_reason == "library shrank" and result.stopped_by is None


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        (None, "no disk reading"),
        (DiskUsage(0, 0), "disk reading looks wrong (total 0, used 0 bytes)"),
        (DiskUsage(100, -1), "disk reading looks wrong (total 100, used -1 bytes)"),
    ],
)
def test_missing_or_wrong_disk_reading_blocks(make_item, usage, reason):
    """Check that no plan is made without a believable disk reading."""
    scored = score_items(gib_items(make_item, 5), SIZE_ONLY, [], ScoringContext(), NOW)
    result = plan_group(spec(), usage, scored)
    assert result.deletions == () and result.blocked_reason == reason


def series(make_item, show_size, *season_sizes, show_id="12", integration_id=2):
    show = make_item(
        integration_id=integration_id,
        external_id=show_id,
        media_type=MediaType.SHOW,
        title="Firefly",
        size_bytes=show_size * GIB,
    )
    seasons = [
        make_item(
            integration_id=integration_id,
            external_id=f"{show_id}-s{n}",
            media_type=MediaType.SEASON,
            title=f"Firefly - Season {n}",
            show_title="Firefly",
            season_number=n,
            size_bytes=size * GIB,
        )
        for n, size in enumerate(season_sizes, start=1)
    ]
    return show, seasons


def test_seasons_are_preferred_to_their_show(make_item):
    """Check that a show with seasons is passed over and its seasons planned."""
    show, seasons = series(make_item, 30, 10, 20)
    result = plan([show, *seasons], used=90 * GIB)
    assert [d.item.media_type for d in result.deletions] == ["season"]
    assert result.skipped[0].scored.item.key == show.key
    assert result.skipped[0].reason == "its seasons are planned one by one instead"
    assert all(d.unmonitor for d in result.deletions)


def test_show_level_items_are_planned_when_no_season_is_present(make_item):
    """Check that a lone show (show-level only) can be planned, and keeps monitoring."""
    show, _ = series(make_item, 30)
    result = plan([show], used=90 * GIB)
    assert [d.item.key for d in result.deletions] == [show.key]
    assert not result.deletions[0].unmonitor


def test_seasons_of_a_protected_or_skipped_show_are_not_planned(make_item):
    """Check that protecting or snoozing a show also holds its seasons."""
    show, seasons = series(make_item, 30, 10, 20)
    rules = [Rule(1, "k", "type", "==", "show", "always_keep", None)]
    protected = plan([show, *seasons], used=90 * GIB, rules=rules)
    assert protected.deletions == ()
    assert {s.reason for s in protected.skipped} == {"its show is protected"}
    snoozed = plan([show, *seasons], used=90 * GIB, skip={show.key: "snoozed"})
    assert snoozed.deletions == ()
    assert "its show is skipped: snoozed" in {s.reason for s in snoozed.skipped}


def test_season_unmonitor_can_be_turned_off(make_item):
    """Check the unmonitor flag follows the parameter for seasons."""
    _, seasons = series(make_item, 30, 20)
    result = plan(seasons, used=90 * GIB, unmonitor_seasons=False)
    assert [d.unmonitor for d in result.deletions] == [False]


def test_unknown_mode_reads_as_dry_run(make_item):
    """Check that a mode the engine does not know is planned as dry-run."""
    assert plan([], used=90 * GIB, group=spec(mode="yolo")).mode == "dry-run"
    assert plan([], used=90 * GIB, group=spec(mode="auto")).mode == "auto"


def build(make_item_list, used=90 * GIB, **kw):
    group = GroupInput(spec(), DiskUsage(100 * GIB, used), make_item_list)
    return build_plan(
        [group], weights=SIZE_ONLY, rules=[], context=ScoringContext(), now=NOW, **kw
    )


def test_digest_is_stable_and_tracks_inputs(make_item):
    """Check that equal inputs give equal digests and any change changes it."""
    items = gib_items(make_item, 5, 6, 7)
    first, again = build(items), build(list(reversed(items)))
    assert first.digest == again.digest and len(first.digest) == 64
    assert build(items, used=91 * GIB).digest != first.digest
    assert build(items, limits=PlanLimits(max_items=1)).digest != first.digest
    assert build(items[:2]).digest != first.digest
    assert first.created_at == NOW


def test_run_limits_are_shared_across_groups(make_item):
    """Check that the run's item limit counts deletions of every group together."""
    reading = DiskUsage(100 * GIB, 95 * GIB)
    groups = [
        GroupInput(DiskGroupSpec(mount), reading, gib_items(make_item, 9, 8, 7))
        for mount in ("/a", "/b")
    ]
    result = build_plan(
        groups,
        weights=SIZE_ONLY,
        rules=[],
        context=ScoringContext(),
        now=NOW,
        limits=PlanLimits(max_items=4),
    )
    assert [len(g.deletions) for g in result.groups] == [3, 1]
    assert result.groups[1].stopped_by == "max_items"
    assert result.to_json()["groups"][0]["mountPath"] == "/a"


def test_planned_deletion_json_carries_identity_bytes_and_breakdown(make_item):
    """Check what the act layer and the API read from a planned item."""
    result = plan(gib_items(make_item, 20), used=90 * GIB)
    (deletion,) = result.deletions
    document = deletion.to_json()
    assert document["expectedBytes"] == 20 * GIB
    assert document["externalId"] == deletion.item.external_id
    assert document["factors"][0]["key"] == "file_size"
    assert deletion.collection_group == "" and deletion.reason.startswith("file_size")
    group = result.to_json()
    assert group["stoppedBy"] == "target" and group["bytesToFree"] == 15 * GIB


def test_a_capped_run_serves_the_fullest_disk_first(make_item):
    """Check that the group furthest above its threshold gets the run's budget."""
    groups = [
        GroupInput(
            DiskGroupSpec("/a"), DiskUsage(100 * GIB, 86 * GIB), gib_items(make_item, 9)
        ),
        GroupInput(
            DiskGroupSpec("/b"), DiskUsage(100 * GIB, 99 * GIB), gib_items(make_item, 8)
        ),
    ]
    result = build_plan(
        groups,
        weights=SIZE_ONLY,
        rules=[],
        context=ScoringContext(),
        now=NOW,
        limits=PlanLimits(max_items=1),
    )
    assert [g.mount_path for g in result.groups] == ["/a", "/b"]
    assert [len(g.deletions) for g in result.groups] == [0, 1]
    assert result.groups[0].stopped_by == "max_items"
