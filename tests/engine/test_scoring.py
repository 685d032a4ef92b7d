"""Scoring: normalisation, rules, breakdown JSON, ordering and data gating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.engine import (
    DEFAULT_WEIGHTS,
    ZERO_WEIGHTS,
    Rule,
    ScoringContext,
    compile_rules,
    score_items,
    sort_scored,
    unsafe_keep_rules,
)
from controller.media import MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3
PLEX = ScoringContext(active_types=frozenset({"plex"}))
PLEX_SEERR = ScoringContext(active_types=frozenset({"plex", "seerr"}))
WORKED_WEIGHTS = {"watch_history": 10, "file_size": 6, "rating": 5}


def rule(field, operator, value, effect, rule_id=1, integration_id=None):
    return Rule(rule_id, f"r{rule_id}", field, operator, value, effect, integration_id)


def score_one(item, weights=DEFAULT_WEIGHTS, rules=(), context=PLEX_SEERR):
    (scored,) = score_items([item], weights, list(rules), context, NOW)
    return scored


def test_worked_example_scores_0_786(make_item):
    """Check the reference's worked example: (10 + 3 + 3.5) / 21 = 0.786."""
    item = make_item(size_bytes=25 * GIB, rating=3.0)
    scored = score_one(item, WORKED_WEIGHTS, context=PLEX)
    assert scored.score == pytest.approx(16.5 / 21)
    assert round(scored.score, 3) == 0.786
    assert scored.reason == (
        "watch_history:0.48, last_watched:0.00, file_size:0.14, rating:0.17, "
        "time_in_library:0.00"
    )


def test_inapplicable_factors_leave_the_denominator(make_item):
    """Check that without a watch source the score is normalised over the rest."""
    item = make_item(size_bytes=25 * GIB, rating=3.0)
    scored = score_one(item, WORKED_WEIGHTS, context=ScoringContext())
    assert scored.score == pytest.approx((3 + 3.5) / 11)
    assert [f.key for f in scored.factors] == ["file_size", "rating", "time_in_library"]


def test_all_weights_zero_scores_zero(make_item):
    """Check that zero weights give score 0 and the reference's reason."""
    item = make_item(size_bytes=80 * GIB)
    scored = score_one(item, dict.fromkeys(DEFAULT_WEIGHTS, 0))
    assert scored.score == 0.0
    assert scored.reason == ZERO_WEIGHTS == "All preference weights are zero"
    assert scored.factors == ()


def test_zero_weights_keep_skipped_factors_and_rules_in_breakdown(make_item):
    """Check that even always_remove cannot lift a zero base score."""
    context = ScoringContext(frozenset({"plex"}), frozenset({"plex"}))
    item = make_item(title="x")
    rules = [rule("title", "==", "x", "always_remove")]
    scored = score_one(item, {}, rules, context)
    assert scored.score == 0.0
    assert scored.reason == "All preference weights are zero. Always remove (title x)"
    assert [(f.key, f.skipped, f.kind) for f in scored.factors] == [
        ("watch_history", True, "weight"),
        ("last_watched", True, "weight"),
        ("", False, "rule"),
    ]


def test_rule_modifiers_are_applied_after_normalisation_and_not_capped(make_item):
    """Check that prefer_remove triples the normalised score, above 1.0 if need be."""
    item = make_item(size_bytes=25 * GIB, rating=3.0, title="x")
    base = score_one(item, WORKED_WEIGHTS, context=PLEX).score
    boosted = score_one(
        item, WORKED_WEIGHTS, [rule("title", "==", "x", "prefer_remove")], PLEX
    )
    assert boosted.score == pytest.approx(base * 3)
    assert boosted.score > 1.0
    assert boosted.reason.endswith(". Prefer to remove (title x)")


def test_protected_item_breakdown(make_item):
    """Check that always_keep gives score 0, protected, one rule line as reason."""
    item = make_item(title="Firefly", size_bytes=90 * GIB)
    rules = [
        rule("title", "contains", "fly", "prefer_remove", 1),
        rule("title", "contains", "Firefly", "always_keep", 2),
    ]
    scored = score_one(item, rules=rules)
    assert scored.protected and scored.score == 0.0
    assert scored.reason == "Always keep: title contains Firefly"
    assert [f.to_json() for f in scored.factors] == [
        {
            "name": "Always keep: title contains Firefly",
            "key": "",
            "rawScore": 0.0,
            "weight": 0,
            "contribution": 0.0,
            "type": "rule",
            "matchedValue": "Firefly",
            "ruleId": 2,
        }
    ]


def test_breakdown_json_uses_the_reference_keys(make_item):
    """Check the ScoreFactor JSON of weight, skipped and rule lines."""
    context = ScoringContext(frozenset({"plex", "seerr"}), frozenset({"seerr"}))
    item = make_item(title="x", play_count=1, size_bytes=50 * GIB)
    rules = [rule("title", "==", "x", "lean_keep", 9)]
    scored = score_one(item, {"watch_history": 10, "file_size": 10}, rules, context)
    lines = [f.to_json() for f in scored.factors]
    assert lines[0] == {
        "name": "Play History",
        "key": "watch_history",
        "rawScore": 0.5,
        "weight": 10,
        "contribution": 0.25,
        "type": "weight",
    }
    skipped = [line for line in lines if line.get("skipped")]
    assert skipped == [
        {
            "name": "Request Popularity",
            "key": "request_popularity",
            "rawScore": 0.0,
            "weight": 0,
            "contribution": 0.0,
            "type": "weight",
            "skipped": True,
            "skipReason": "integration connection error",
        }
    ]
    assert lines[-1]["type"] == "rule" and lines[-1]["ruleId"] == 9
    assert scored.score == pytest.approx(0.75 * 0.5)
    document = scored.to_json()
    assert document["isProtected"] is False and document["protected"] is False
    assert set(document) == {"score", "isProtected", "protected", "reason", "factors"}


def test_series_status_only_scores_series(make_item):
    """Check that series_status is in a season's breakdown and not a movie's."""
    season = score_one(make_item(media_type=MediaType.SEASON, series_status="ended"))
    movie = score_one(make_item(series_status="ended"))
    assert "series_status" in [f.key for f in season.factors]
    assert "series_status" not in [f.key for f in movie.factors]


def test_artists_skip_watch_factors_instead_of_never_played(make_item):
    """Check that a type no watch source covers is not scored as never played."""
    scored = score_one(make_item(media_type=MediaType.ARTIST), context=PLEX)
    skipped = {f.key: f.skip_reason for f in scored.factors if f.skipped}
    assert skipped == {
        "watch_history": "no watch source covers this media type",
        "last_watched": "no watch source covers this media type",
    }


def test_future_dates_are_flagged_and_push_toward_keeping(make_item):
    """Check that a future addedAt scores as brand new and is reported."""
    future = make_item(added_at=NOW + timedelta(days=90))
    fresh = make_item(added_at=NOW)
    weights = {"time_in_library": 1}
    scored_future = score_one(future, weights)
    assert scored_future.score == 0.0 == score_one(fresh, weights).score
    assert scored_future.warnings
    assert scored_future.to_json()["warnings"] == list(scored_future.warnings)


def test_watch_rules_do_not_match_when_watch_data_failed(make_item):
    """Check that a rule on play data is dropped when that data did not arrive."""
    rules = [rule("lastplayed", "never", "x", "always_remove")]
    item = make_item()
    healthy = score_one(item, rules=rules, context=PLEX)
    failed = ScoringContext(frozenset({"plex"}), failed_capabilities={"watch_data"})
    broken = score_one(item, rules=rules, context=failed)
    assert healthy.rules_matched and not broken.rules_matched
    artist = score_one(make_item(media_type=MediaType.ARTIST), rules=rules)
    assert not artist.rules_matched


def test_unsafe_keep_rules_names_keep_rules_that_cannot_protect():
    """Check that keep rules relying on failed data, or ignored, are named."""
    compiled = compile_rules(
        [
            rule("requested", "==", "true", "always_keep", 1),
            rule("playcount", ">", "0", "prefer_keep", 2),
            rule("label", "==", "keep", "always_keep", 3),
            rule("rating", ">", "high", "always_keep", 4),
            rule("playcount", "==", "0", "prefer_remove", 5),
            rule("title", "==", "x", "always_keep", 6),
        ]
    )
    context = ScoringContext(
        active_types=frozenset({"plex", "seerr"}),
        broken_types=frozenset({"seerr", "plex"}),
    )
    reasons = unsafe_keep_rules(compiled, context)
    assert len(reasons) == 4
    assert all(any(f"'r{i}'" in r for r in reasons) for i in (1, 2, 3, 4))
    (healthy,) = unsafe_keep_rules(compiled, PLEX_SEERR)
    assert "'r4'" in healthy and "ignored" in healthy


def test_keep_rules_on_unconfigured_sources_are_not_unsafe():
    """Check that a keep rule on a source never configured blocks nothing."""
    compiled = compile_rules([rule("requested", "==", "true", "always_keep")])
    assert unsafe_keep_rules(compiled, ScoringContext()) == ()


def scored_list(make_item, specs, weights=None):
    items = [make_item(**spec) for spec in specs]
    return score_items(items, weights or {"file_size": 1}, [], ScoringContext(), NOW)


def titles(scored):
    return [s.item.title for s in scored]


@pytest.mark.parametrize(
    ("tiebreaker", "expected"),
    [
        ("size_desc", ["b", "C", "a", "d"]),
        ("size_asc", ["d", "a", "C", "b"]),
        ("name_asc", ["a", "b", "C", "d"]),
        ("oldest_first", ["C", "a", "b", "d"]),
        ("newest_first", ["b", "a", "C", "d"]),
        ("no_such_order", ["b", "C", "a", "d"]),
    ],
)
def test_tiebreakers(make_item, tiebreaker, expected):
    """Check each tiebreaker among equal scores; missing dates sort last."""
    specs = [
        {"title": "a", "size_bytes": 2, "added_at": NOW - timedelta(days=5)},
        {"title": "b", "size_bytes": 4, "added_at": NOW - timedelta(days=1)},
        {"title": "C", "size_bytes": 3, "added_at": NOW - timedelta(days=9)},
        {"title": "d", "size_bytes": 1},
    ]
    # A few bytes apart: equal file_size scores to 4 decimals, so a tie.
    scored = scored_list(make_item, specs)
    assert titles(sort_scored(scored, tiebreaker)) == expected


def test_higher_score_first_and_ties_within_rounding(make_item):
    """Check that scores differing below 4 decimals tie and fall to the tiebreaker."""
    specs = [
        {"title": "small", "size_bytes": 10 * GIB},
        {"title": "big", "size_bytes": 40 * GIB},
        {"title": "almost", "size_bytes": 10 * GIB + 1000},
    ]
    ordered = sort_scored(scored_list(make_item, specs), "size_asc")
    assert titles(ordered) == ["big", "small", "almost"]


def test_order_is_deterministic_whatever_the_input_order(make_item):
    """Check that full ties end on (integration id, external id)."""
    items = [make_item(integration_id=i % 3, size_bytes=5) for i in range(9)]
    forward = score_items(items, {"file_size": 1}, [], ScoringContext(), NOW)
    backward = score_items(items[::-1], {"file_size": 1}, [], ScoringContext(), NOW)
    assert [s.key for s in sort_scored(forward)] == [
        s.key for s in sort_scored(backward)
    ]


def test_label_rules_are_dropped_while_every_media_server_is_broken(make_item):
    """Check that a removal rule on labels cannot fire on missing label data."""
    rules = [rule("haslabel", "==", "false", "always_remove")]
    broken = ScoringContext(frozenset({"plex"}), frozenset({"plex"}))
    assert not score_one(make_item(), rules=rules, context=broken).rules_matched
    assert score_one(make_item(), rules=rules, context=PLEX).rules_matched


def test_matches_pair_rules_with_the_values_they_matched(make_item):
    """Check the matched values shown for several matching rules, in order."""
    item = make_item(title="Alien", tags=("4k", "keep"), size_bytes=30 * GIB)
    rules = [
        rule("tag", "contains", "kee", "lean_keep", 1),
        rule("sizebytes", ">", str(GIB), "lean_remove", 2),
    ]
    scored = score_one(item, rules=rules)
    assert [(m.rule.rule.id, m.matched_value) for m in scored.matches] == [
        (1, "keep"),
        (2, "30.00 GB"),
    ]
    assert scored.reason.endswith(
        ". Lean toward keeping (tag kee), Lean toward removing (sizebytes 1073741824)"
    )
