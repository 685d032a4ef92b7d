"""Rule matching per field and operator, effects, scoping and compile errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.engine import FIELDS, Rule, compile_rules, match_rules, operators_for
from controller.engine.factors import item_ages
from controller.engine.rules import describe_matches
from controller.media import MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3
SEASON = {"media_type": MediaType.SEASON}
SHOW = {"media_type": MediaType.SHOW}


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def rule(field, operator, value, effect="prefer_remove", integration_id=None, **kw):
    return Rule(
        id=kw.pop("id", 7),
        name=kw.pop("name", f"{field} {operator} {value}"),
        field=field,
        operator=operator,
        value=value,
        effect=effect,
        integration_id=integration_id,
        **kw,
    )


MATCH_CASES = [
    # (field, operator, value, item fields, expected match)
    ("title", "==", "firefly", {"title": "Firefly"}, True),
    ("title", "!=", "firefly", {"title": "Firefly"}, False),
    ("title", "contains", "FIRE", {"title": "Firefly"}, True),
    ("title", "!contains", "fire", {"title": "Serenity"}, True),
    ("title", ">", "a", {"title": "Firefly"}, False),
    ("quality", "==", "hd-1080p", {"quality_profile": "HD-1080p"}, True),
    ("quality", "contains", "1080", {"quality_profile": "HD-1080p"}, True),
    ("language", "==", "english", {"language": "English"}, True),
    ("language", "!=", "english", {"language": "French"}, True),
    ("type", "==", "movie", {}, True),
    ("type", "!=", "movie", {}, False),
    ("type", "==", "SEASON", SEASON, True),
    ("seriesstatus", "==", "ended", {**SHOW, "series_status": "ended"}, True),
    ("seriesstatus", "!=", "ended", {**SEASON, "series_status": "continuing"}, True),
    ("seriesstatus", "!=", "ended", {"series_status": ""}, False),  # movies: never
    ("tag", "contains", "keep", {"tags": ("keep-4k", "x")}, True),
    ("tag", "==", "keep", {"tags": ("keep-4k",)}, False),
    ("tag", "==", "KEEP-4K", {"tags": ("keep-4k",)}, True),
    ("tag", "!contains", "keep", {"tags": ()}, True),
    ("tag", "!contains", "keep", {"tags": ("keep-4k",)}, False),
    ("tag", "!=", "keep", {"tags": ("other",)}, True),
    ("tag", ">", "keep", {"tags": ("other",)}, False),  # unknown op: nothing
    ("tag", ">", "keep", {"tags": ()}, False),
    ("genre", "==", "drama", {"genres": ("Drama", "Sci-Fi")}, True),
    ("genre", "contains", "sci", {"genres": ("Drama", "Sci-Fi")}, True),
    ("genre", "!=", "horror", {"genres": ("Drama", "Sci-Fi")}, True),
    ("genre", "!contains", "dra", {"genres": ("Drama",)}, False),
    ("collection", "==", "marvel", {"collections": ("Marvel",)}, True),
    ("collection", "!contains", "marvel", {"collections": ()}, True),
    ("label", "contains", "fav", {"labels": ("Favourite",)}, True),
    ("label", "!=", "fav", {"labels": ()}, True),
    ("rating", ">", "7", {"rating": 8.9}, True),
    ("rating", "<=", "5", {"rating": 5.0}, True),
    ("rating", "<", "5", {"rating": None}, False),  # unknown never compares
    ("rating", "<", "5", {"rating": 0.0}, False),
    ("rating", "!=", "5", {"rating": 0.0}, False),
    ("rating", ">", "abc", {"rating": 9.0}, False),  # non-numeric: nothing
    ("rating", "contains", "5", {"rating": 5.0}, False),
    ("sizebytes", ">", str(10 * GIB), {"size_bytes": 20 * GIB}, True),
    ("sizebytes", "<", str(10 * GIB), {"size_bytes": 20 * GIB}, False),
    ("sizebytes", "==", "1024", {"size_bytes": 1024}, True),
    ("year", "<", "2000", {"year": 1999}, True),
    ("year", ">=", "2000", {"year": 1999}, False),
    ("year", "<", "2000", {"year": None}, False),
    ("year", "!=", "1999", {"year": 2001}, True),
    ("timeinlibrary", "in_last", "30", {"added_at": days_ago(10)}, True),
    ("timeinlibrary", "in_last", "30", {"added_at": days_ago(40)}, False),
    ("timeinlibrary", "over_ago", "30", {"added_at": days_ago(40)}, True),
    ("timeinlibrary", ">", "30", {"added_at": days_ago(40)}, True),
    ("timeinlibrary", "<=", "30", {"added_at": days_ago(40)}, False),
    ("timeinlibrary", "over_ago", "0", {"added_at": None}, False),
    ("timeinlibrary", "<", "9999", {"added_at": None}, False),
    ("timeinlibrary", "in_last", "1", {"added_at": NOW + timedelta(days=9)}, True),
    ("timeinlibrary", "never", "x", {"added_at": days_ago(1)}, False),
    ("lastplayed", "never", "x", {"last_played": None}, True),
    ("lastplayed", "never", "x", {"last_played": days_ago(3)}, False),
    ("lastplayed", "over_ago", "90", {"last_played": None}, True),
    ("lastplayed", "over_ago", "90", {"last_played": days_ago(100)}, True),
    ("lastplayed", "over_ago", "90", {"last_played": days_ago(10)}, False),
    ("lastplayed", "in_last", "90", {"last_played": None}, False),
    ("lastplayed", "in_last", "90", {"last_played": days_ago(10)}, True),
    ("lastplayed", ">", "90", {"last_played": days_ago(100)}, False),
    ("lastplayed", "in_last", "abc", {"last_played": days_ago(1)}, False),
    ("seasoncount", ">=", "3", {**SEASON, "season_number": 3}, True),
    ("seasoncount", ">=", "3", {**SEASON, "season_number": 2}, False),
    ("seasoncount", "==", "5", {**SHOW, "season_count": 5}, True),
    ("seasoncount", ">", "0", {**SHOW, "season_count": None}, False),
    ("seasoncount", "<", "99", {}, False),  # movies have no seasons
    ("episodecount", "<", "5", {**SEASON, "episode_count": 3}, True),
    ("episodecount", "<", "5", {"episode_count": 0}, False),
    ("playcount", "==", "0", {"play_count": 0}, True),
    ("playcount", ">", "2", {"play_count": 3}, True),
    ("requestcount", ">=", "2", {"request_count": 2}, True),
    ("requestedby", "==", "ALICE", {"requested_by": "alice"}, True),
    ("requestedby", "contains", "ali", {"requested_by": "alice"}, True),
    ("requestedby", "!=", "alice", {"requested_by": ""}, True),
    ("requestedby", "!contains", "alice", {"requested_by": ""}, True),
    ("monitored", "==", "true", {"monitored": True}, True),
    ("monitored", "==", "false", {"monitored": True}, False),
    ("monitored", "!=", "true", {"monitored": True}, False),  # != is honoured
    ("monitored", "!=", "true", {"monitored": False}, True),
    ("monitored", "==", "maybe", {"monitored": True}, False),
    ("monitored", "contains", "true", {"monitored": True}, False),
    ("requested", "==", "true", {"is_requested": True}, True),
    ("requested", "!=", "true", {"is_requested": True}, False),
    ("incollection", "==", "true", {"collections": ("A",)}, True),
    ("incollection", "==", "false", {"collections": ()}, True),
    ("haslabel", "!=", "true", {"labels": ()}, True),
    ("watchlist", "==", "true", {"on_watchlist": True}, True),
    ("watchlist", "==", "true", {"on_watchlist": False}, False),
    ("watchedbyreq", "==", "false", {"watched_by_requestor": False}, True),
    ("nosuchfield", "==", "x", {}, False),
]


@pytest.mark.parametrize(
    ("field", "operator", "value", "fields", "expected"), MATCH_CASES
)
def test_rule_matches(make_item, field, operator, value, fields, expected):
    """Check one field/operator/value against one item (a match boosts the score)."""
    compiled = compile_rules([rule(field, operator, value)])
    outcome = match_rules(compiled, make_item(**fields), NOW)
    assert bool(outcome.matched) is expected
    assert outcome.modifier == (3.0 if expected else 1.0)


@pytest.mark.parametrize(
    ("field", "operator", "value", "fields", "expected"), MATCH_CASES
)
def test_rule_case_does_not_matter(make_item, field, operator, value, fields, expected):
    """Check that field, operator and value match the same in upper case."""
    compiled = compile_rules([rule(field.upper(), operator.upper(), value.upper())])
    outcome = match_rules(compiled, make_item(**fields), NOW)
    assert bool(outcome.matched) is expected


def test_every_field_of_the_reference_is_known():
    """Check that the matcher knows every field name of the reference table."""
    reference = [
        "title",
        "quality",
        "tag",
        "genre",
        "rating",
        "sizebytes",
        "timeinlibrary",
        "monitored",
        "year",
        "language",
        "seriesstatus",
        "seasoncount",
        "episodecount",
        "playcount",
        "lastplayed",
        "requested",
        "requestcount",
        "requestedby",
        "incollection",
        "watchlist",
        "collection",
        "haslabel",
        "label",
        "watchedbyreq",
        "type",
    ]
    assert sorted(FIELDS) == sorted(reference)
    assert all(operators_for(field) for field in reference)
    assert operators_for("nosuchfield") == ()


MATCHED_VALUES = [
    ("tag", "contains", "keep", {"tags": ("x", "Keep-4k")}, "Keep-4k"),
    ("tag", "!contains", "keep", {"tags": ()}, "(no tags)"),
    ("tag", "!=", "keep", {"tags": ("a", "b")}, "a, b"),
    ("collection", "!=", "x", {"collections": ()}, "(no collections)"),
    ("label", "!=", "x", {"labels": ()}, "(no labels)"),
    ("rating", ">", "5", {"rating": 7.25}, "7.2"),
    ("sizebytes", ">", "0", {"size_bytes": 3 * GIB}, "3.00 GB"),
    ("timeinlibrary", ">", "10", {"added_at": days_ago(40.2)}, "40 days"),
    ("lastplayed", "never", "x", {}, "never played"),
    ("lastplayed", "over_ago", "5", {"last_played": days_ago(12)}, "12 days ago"),
    ("year", "<", "2000", {"year": 1999}, "1999"),
    ("monitored", "==", "true", {}, "true"),
    ("incollection", "==", "true", {"collections": ("A", "B")}, "2 collections"),
    ("haslabel", "==", "true", {"labels": ("A",)}, "1 labels"),
    ("watchlist", "==", "true", {"on_watchlist": True}, "on watchlist: true"),
    ("watchedbyreq", "==", "false", {}, "watched by requestor: false"),
    ("title", "contains", "fire", {"title": "Firefly"}, "Firefly"),
    ("type", "==", "movie", {}, "movie"),
]


@pytest.mark.parametrize(
    ("field", "operator", "value", "fields", "shown"), MATCHED_VALUES
)
def test_matched_value(make_item, field, operator, value, fields, shown):
    """Check the item value the breakdown shows for a matching rule."""
    item = make_item(**fields)
    outcome = match_rules(compile_rules([rule(field, operator, value)]), item, NOW)
    (match,) = describe_matches(outcome.matched, item, item_ages(item, NOW))
    assert match.matched_value == shown


def effects_outcome(make_item, *effects):
    rules = [
        rule("title", "contains", "x", effect=e, id=i) for i, e in enumerate(effects)
    ]
    return match_rules(compile_rules(rules), make_item(title="x"), NOW)


@pytest.mark.parametrize(
    ("effects", "modifier"),
    [
        (("prefer_keep",), 0.2),
        (("lean_keep",), 0.5),
        (("lean_remove",), 1.5),
        (("prefer_remove",), 3.0),
        (("always_remove",), 100.0),
        (("prefer_keep", "lean_keep"), 0.1),
        (("lean_keep", "lean_remove"), 0.75),
        (("prefer_keep", "prefer_remove"), 0.6),
        (("prefer_remove", "prefer_remove"), 9.0),
        (("Prefer_Remove",), 3.0),
    ],
)
def test_effects_multiply(make_item, effects, modifier):
    """Check that non-absolute effects multiply, as in the reference's examples."""
    outcome = effects_outcome(make_item, *effects)
    assert not outcome.protected
    assert outcome.modifier == pytest.approx(modifier)


@pytest.mark.parametrize(
    "effects",
    [
        ("always_keep", "always_remove"),
        ("always_remove", "always_keep"),
        ("prefer_remove", "always_keep", "prefer_remove"),
    ],
)
def test_always_keep_wins_in_any_order(make_item, effects):
    """Check that always_keep protects whatever else matches, before or after."""
    outcome = effects_outcome(make_item, *effects)
    assert outcome.protected and outcome.modifier == 0.0
    assert [r.effect for r in outcome.matched] == ["always_keep"]


def test_first_always_keep_is_the_one_reported(make_item):
    """Check that evaluation stops at the first always_keep rule that matches."""
    rules = [
        rule("title", "contains", "x", "always_keep", id=1),
        rule("title", "contains", "x", "always_keep", id=2),
    ]
    outcome = match_rules(compile_rules(rules), make_item(title="x"), NOW)
    assert [r.rule.id for r in outcome.matched] == [1]


def test_scoping_and_enabled(make_item):
    """Check that rules for another integration, or disabled, are ignored."""
    rules = [
        rule("title", "contains", "x", "always_keep", integration_id=2),
        rule("title", "contains", "x", "always_keep", enabled=False),
        rule("title", "contains", "x", "lean_remove", integration_id=1),
        rule("title", "contains", "x", "lean_remove", integration_id=None),
    ]
    outcome = match_rules(compile_rules(rules), make_item(title="x"), NOW)
    assert not outcome.protected
    assert outcome.modifier == pytest.approx(2.25)


def test_ignored_rules_are_reported_with_why():
    """Check that rules that can never match are listed with the reason."""
    rules = [
        rule("nosuchfield", "==", "x"),
        rule("rating", ">", "lots"),
        rule("title", "==", "x", effect="delete_now"),
        rule("monitored", "==", "perhaps"),
        rule("tag", ">", "x"),
        rule("title", "==", "x", enabled=False),
        rule("title", "==", "x"),
    ]
    compiled = compile_rules(rules)
    assert len(compiled.rules) == 1
    whys = [ignored.why for ignored in compiled.ignored]
    assert whys == [
        "unknown field 'nosuchfield'",
        "value 'lots' is not a number",
        "unknown effect 'delete_now'",
        "value 'perhaps' is not true or false",
        "operator '>' is not valid for 'tag'",
    ]


def test_rule_labels_and_reasons():
    """Check the breakdown name and reason phrase, with field/op/value as stored."""
    (compiled,) = compile_rules([rule("Tag", "contains", "Anime", "prefer_keep")]).rules
    assert compiled.label == "Prefer keep: Tag contains Anime"
    assert compiled.reason == "Prefer to keep (Tag Anime)"
