"""Column scoring agrees with the rules and factors read one item at a time.

``score_items`` computes factors and rules over whole columns (numpy). These
tests hold it to a plain per-item reading of the documented semantics, written
here independently, over random libraries and random rules.
"""

from __future__ import annotations

import operator as op
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controller.engine import (
    DEFAULT_WEIGHTS,
    Rule,
    ScoringContext,
    compile_rules,
    score_items,
    sort_scored,
)
from controller.engine.ordering import order_scored
from controller.media import MediaItem, MediaType

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GIB = 1024**3
CONTEXT = ScoringContext(active_types=frozenset({"plex", "seerr"}))
WORDS = ("keep", "Kids", "anime", "Drama", "")
MODIFIERS = {
    "prefer_keep": 0.2,
    "lean_keep": 0.5,
    "lean_remove": 1.5,
    "prefer_remove": 3.0,
    "always_remove": 100.0,
}

dates = st.one_of(
    st.none(),
    st.just(datetime(1, 1, 1)),  # the zero-time placeholder: unknown
    st.integers(-30, 3000).map(lambda days: NOW - timedelta(days=days, hours=3)),
)
items = st.builds(
    MediaItem,
    integration_id=st.sampled_from((1, 2)),
    external_id=st.text("0123456789", min_size=1, max_size=4),
    media_type=st.sampled_from(list(MediaType)),
    title=st.sampled_from(("Firefly", "Kids Show", "Anime Night", "x")),
    size_bytes=st.integers(0, 90 * GIB),
    rating=st.one_of(st.none(), st.floats(-5, 120, allow_nan=False)),
    year=st.one_of(st.none(), st.integers(1950, 2026)),
    added_at=dates,
    last_played=dates,
    play_count=st.integers(0, 20),
    tags=st.lists(st.sampled_from(WORDS), max_size=3).map(tuple),
    genres=st.lists(st.sampled_from(WORDS), max_size=3).map(tuple),
    series_status=st.sampled_from(("", "ended", "Continuing", "upcoming")),
    monitored=st.booleans(),
    is_requested=st.booleans(),
    watched_by_requestor=st.booleans(),
)
RULE_SHAPES = [
    ("title", st.sampled_from(("==", "!=", "contains", "!contains")), WORDS),
    ("tag", st.sampled_from(("==", "!=", "contains", "!contains")), WORDS),
    ("genre", st.sampled_from(("==", "contains", "!contains")), WORDS),
    ("sizebytes", st.sampled_from((">", "<=", "==", "!=")), ("0", str(40 * GIB))),
    ("rating", st.sampled_from((">", "<", "!=")), ("5", "0", "50")),
    ("year", st.sampled_from((">=", "<", "!=")), ("2000",)),
    ("playcount", st.sampled_from((">", "==")), ("0", "3")),
    ("timeinlibrary", st.sampled_from(("in_last", "over_ago", ">")), ("30", "400")),
    ("lastplayed", st.sampled_from(("in_last", "over_ago", "never")), ("90", "365")),
    ("monitored", st.sampled_from(("==", "!=")), ("true", "false")),
    ("requested", st.sampled_from(("==", "!=")), ("true",)),
]


@st.composite
def rules(draw):
    count = draw(st.integers(0, 5))
    made = []
    for number in range(count):
        field, operators, values = draw(st.sampled_from(RULE_SHAPES))
        made.append(
            Rule(
                number + 1,
                f"r{number + 1}",
                field,
                draw(operators),
                draw(st.sampled_from(values)),
                draw(st.sampled_from(["always_keep", *MODIFIERS])),
                draw(st.sampled_from((None, None, 1, 2))),
            )
        )
    return made


def days(moment):
    if moment is None or moment.year <= 1:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(0.0, (NOW - moment).total_seconds() / 86400)


def expected_raws(item):
    played, added = days(item.last_played), days(item.added_at)
    rating = item.rating
    if rating is not None and 0 < rating <= 10:
        rating_score = 1 - rating / 10
    elif rating is not None and 10 < rating <= 100:
        rating_score = 1 - rating / 100
    else:
        rating_score = 0.5
    status = item.series_status.lower()
    return (
        0.5 / item.play_count if item.play_count > 0 else 1.0,
        1.0 if played is None else min(1.0, played / 365),
        min(1.0, item.size_bytes / (50 * GIB)) if item.size_bytes > 0 else 0.0,
        rating_score,
        0.5 if added is None else min(1.0, added / 365),
        {"ended": 1.0, "continuing": 0.2}.get(status, 0.5),
        (0.3 if item.watched_by_requestor else 0.1) if item.is_requested else 0.5,
    )


NUMBER = {
    "==": op.eq,
    "!=": op.ne,
    ">": op.gt,
    ">=": op.ge,
    "<": op.lt,
    "<=": op.le,
    "in_last": op.le,
    "over_ago": op.gt,
}


def matches(rule, item):
    """The documented meaning of one rule for one item, read directly."""
    value = rule.value.lower()
    if rule.field == "title":
        text = item.title.lower()
        return {
            "==": text == value,
            "!=": text != value,
            "contains": value in text,
            "!contains": value not in text,
        }[rule.operator]
    if rule.field in ("tag", "genre"):
        elements = [e.lower() for e in getattr(item, rule.field + "s")]
        if rule.operator in ("==", "!="):
            hit = value in elements
        else:
            hit = any(value in e for e in elements)
        return hit if rule.operator in ("==", "contains") else not hit
    if rule.field == "lastplayed":
        played = days(item.last_played)
        if rule.operator == "never":
            return played is None
        if played is None:
            return rule.operator == "over_ago"
        return NUMBER[rule.operator](played, float(value))
    if rule.field in ("monitored", "requested"):
        actual = item.monitored if rule.field == "monitored" else item.is_requested
        expected = value == "true"
        return actual is (expected if rule.operator == "==" else not expected)
    actual = {
        "sizebytes": item.size_bytes,
        "rating": item.rating if item.rating and item.rating > 0 else None,
        "year": item.year or None,
        "playcount": item.play_count,
        "timeinlibrary": days(item.added_at),
    }[rule.field]
    return actual is not None and NUMBER[rule.operator](actual, float(value))


@settings(max_examples=150, deadline=None)
@given(st.lists(items, max_size=40), rules())
def test_column_scores_equal_a_per_item_reading(library, drawn_rules):
    """Check raws, protection, matched rules and scores item by item."""
    scored = score_items(library, DEFAULT_WEIGHTS, drawn_rules, CONTEXT, NOW)
    assert [entry.item for entry in scored] == library
    for entry in scored:
        item, basis = entry.item, entry.basis
        usable = [compiled.rule for compiled in basis.rules]
        hits = [rule for rule in usable if matches(rule, item)]
        keep = [rule for rule in hits if rule.effect == "always_keep"]
        if keep:
            assert entry.protected and entry.score == 0.0
            assert [r.rule for r in entry.rules_matched] == keep[:1]
            continue
        raws = expected_raws(item)
        assert entry.raws == pytest.approx(raws)
        assert not entry.protected
        assert [r.rule for r in entry.rules_matched] == hits
        base = 0.0
        if basis.total_weight:
            base = min(1.0, sum(r * s for r, s in zip(raws, basis.shares, strict=True)))
        modifier = 1.0
        for rule in hits:
            modifier *= MODIFIERS[rule.effect]
        assert entry.score == pytest.approx(base * modifier)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(items, max_size=40),
    rules(),
    st.sampled_from(
        ["size_desc", "size_asc", "name_asc", "oldest_first", "newest_first", "?"]
    ),
)
def test_order_is_the_documented_sort(library, drawn_rules, tiebreaker):
    """Check the order against Python's sort on the documented key."""
    scored = score_items(library, DEFAULT_WEIGHTS, drawn_rules, CONTEXT, NOW)

    def added_key(item, newest):
        moment = item.added_at
        if moment is None or moment.year <= 1:
            return (1, 0.0)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return (0, -moment.timestamp() if newest else moment.timestamp())

    tiebreaks = {
        "size_desc": lambda item: -item.size_bytes,
        "size_asc": lambda item: item.size_bytes,
        "name_asc": lambda item: item.title.casefold(),
        "oldest_first": lambda item: added_key(item, newest=False),
        "newest_first": lambda item: added_key(item, newest=True),
    }
    tiebreak = tiebreaks.get(tiebreaker, tiebreaks["size_desc"])
    expected = sorted(
        scored,
        key=lambda e: (
            -round(e.score * 10_000),
            tiebreak(e.item),
            e.item.integration_id,
            e.item.external_id,
        ),
    )
    ordered = order_scored(scored, tiebreaker)
    assert [e.item.key for e in ordered.entries] == [e.item.key for e in expected]
    assert sort_scored(scored, tiebreaker) == ordered.entries
    assert ordered.external_ids == [e.item.external_id for e in expected]
    assert ordered.sizes.tolist() == [e.item.size_bytes for e in expected]
    assert ordered.protected.tolist() == [e.protected for e in expected]


def test_rules_on_many_combinations_share_their_tuples():
    """Check that rows hit by the same rules share one matched tuple."""
    library = [
        MediaItem(1, str(n), MediaType.MOVIE, "x", tags=("a",) if n % 2 else ())
        for n in range(1000)
    ]
    compiled = compile_rules(
        [
            Rule(1, "a", "tag", "==", "a", "lean_keep", None),
            Rule(2, "b", "title", "==", "x", "lean_remove", None),
        ]
    )
    scored = score_items(library, DEFAULT_WEIGHTS, compiled, CONTEXT, NOW)
    distinct = {id(entry.rules_matched) for entry in scored}
    assert len(distinct) == 2
    assert [r.rule.name for r in scored[1].rules_matched] == ["a", "b"]
    assert [r.rule.name for r in scored[0].rules_matched] == ["b"]


def test_more_rules_than_one_word_of_bits():
    """Check matched rules stay right with more than 62 rules hitting one item."""
    library = [MediaItem(1, "1", MediaType.MOVIE, "x", tags=("t",))]
    many = [Rule(n, f"r{n}", "tag", "==", "t", "lean_remove", None) for n in range(70)]
    (entry,) = score_items(library, DEFAULT_WEIGHTS, many, CONTEXT, NOW)
    assert [r.rule.id for r in entry.rules_matched] == list(range(70))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(items, st.sampled_from(("/a", "/b", None))), max_size=40),
    rules(),
)
def test_splitting_an_order_equals_ordering_each_part(labelled, drawn_rules):
    """Check that a disk group's share of the whole order is its own order."""
    library = [item for item, _ in labelled]
    mounts = [mount for _, mount in labelled]
    scored = score_items(library, DEFAULT_WEIGHTS, drawn_rules, CONTEXT, NOW)
    parts = order_scored(scored).split(mounts)
    assert set(parts) == {m for m in mounts if m is not None}
    for mount, part in parts.items():
        own = order_scored(
            [e for e, m in zip(scored, mounts, strict=True) if m == mount]
        )
        assert part.entries == own.entries
        assert part.external_ids == own.external_ids
        assert part.steps.tolist() == own.steps.tolist()
        assert [mounts[row] for row in part.rows.tolist()] == [mount] * len(part.rows)
