"""Jellyfin and Emby plays are read per user in full once, then only what changed.

Every short read must give exactly what a full read would; when a user's plays
do not add up (an episode marked unplayed, a play dated before the window) that
user is read in full again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.integrations.sync import SyncState
from tests.integrations.conftest import client

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SERVERS = ["jellyfin", "emby"]


@pytest.fixture(params=SERVERS)
def server(request, make_sims, needs):
    needs(*SERVERS)
    return request.param, make_sims(services=SERVERS)


def _read(sims, name, state=None, **options):
    """One cycle's watch data; returns records by (ids, season) and queries sent."""
    before = len(sims[name].requests)
    with client(sims, name, **options) as media:
        if state is not None:
            media.use_sync(state)
        records = media.watch_data()
    queries = [
        {k.lower(): v for k, v in r.query.items()}
        for r in sims[name].requests[before:]
        if r.path.endswith("/Items")
    ]
    return {(r.ids, r.season): r for r in records}, queries


def _summary(records):
    return {
        key: (r.play_count, r.last_played, sorted(r.users))
        for key, r in records.items()
    }


def _full_episode_reads(queries):
    """Queries listing every played episode of a user (no sort, no parent)."""
    return [
        q
        for q in queries
        if q.get("includeitemtypes") == ["Episode"]
        and "sortby" not in q
        and "parentid" not in q
    ]


def _played_series(sims, user):
    for series in sims.world.series.values():
        if any(p.user == user for p in series.plays):
            return series
    raise AssertionError("no series this user played")


def test_the_second_read_asks_what_was_played_lately(server):
    """Check that kept plays turn the next read into short, sorted queries."""
    name, sims = server
    state = SyncState("x", NOW)
    first, first_queries = _read(sims, name, state)
    second, queries = _read(sims, name, state)
    assert _full_episode_reads(first_queries)
    assert not _full_episode_reads(queries)
    recent = [q for q in queries if q.get("sortby") == ["DatePlayed"]]
    assert recent and all(q["sortorder"] == ["Descending"] for q in recent)
    assert _summary(second) == _summary(first) == _summary(_read(sims, name)[0])


def test_a_new_episode_play_rereads_only_its_series(server):
    """Check that a new play is counted exactly, re-reading one series."""
    name, sims = server
    state = SyncState("x", NOW)
    _read(sims, name, state)
    series = _played_series(sims, user=2)
    sims.world.add_play("sonarr", series.id, user=2, episodes=3)
    records, queries = _read(sims, name, state)
    assert not _full_episode_reads(queries)
    assert [q for q in queries if "parentid" in q]
    assert _summary(records) == _summary(_read(sims, name)[0])


def test_a_new_movie_play_of_another_user_is_counted(server):
    """Check that a movie played by a user other than the admin is added."""
    name, sims = server
    state = SyncState("x", NOW)
    before, _ = _read(sims, name, state)
    movie = next(m for m in sims.world.movies.values() if m.file_id)
    sims.world.add_play("radarr", movie.id, user=3)
    records, queries = _read(sims, name, state)
    assert not [
        q
        for q in queries
        if q.get("includeitemtypes") == ["Movie"] and "sortby" not in q
    ]
    assert _summary(records) == _summary(_read(sims, name)[0]) != _summary(before)


def _unplayed_season(sims, user):
    """A season with files the user never played, and its series."""
    for series in sims.world.series.values():
        seen = {p.season for p in series.plays if p.user == user}
        for season in series.seasons:
            if season.number and season.live_files() and season.number not in seen:
                return series, season.number
    raise AssertionError("the user played every season")


@pytest.mark.parametrize("change", ["unplayed", "old play"])
def test_plays_that_do_not_add_up_make_that_user_read_in_full(server, change):
    """Check that an episode marked unplayed, or one first played with a date
    older than the window (a play synced late), makes that user read in full."""
    name, sims = server
    state = SyncState("x", NOW)
    _read(sims, name, state)
    world = sims.world
    if change == "unplayed":
        assert world.remove_play("sonarr", _played_series(sims, user=2).id)
    else:
        series, season = _unplayed_season(sims, user=2)
        plays = [p for s in world.series.values() for p in s.plays if p.user == 2]
        oldest = min(p.at for p in plays)  # well before the newest play
        world.add_play("sonarr", series.id, user=2, season=season, at=oldest)
    records, queries = _read(sims, name, state)
    assert len(_full_episode_reads(queries)) == 1
    assert _summary(records) == _summary(_read(sims, name)[0])


def test_a_full_read_is_due_after_full_sync_hours(server):
    """Check that kept plays are read again in full once they are too old."""
    name, sims = server
    state = SyncState("x", NOW)
    _read(sims, name, state, full_sync_hours=6)
    state.now = NOW + timedelta(hours=5)
    _, short = _read(sims, name, state, full_sync_hours=6)
    state.now = NOW + timedelta(hours=7)
    _, full = _read(sims, name, state, full_sync_hours=6)
    assert not _full_episode_reads(short)
    assert len(_full_episode_reads(full)) == len(sims.world.users)


def test_a_failed_read_keeps_the_last_good_plays(server):
    """Check that an error mid-read leaves the kept plays as they were."""
    name, sims = server
    state = SyncState("x", NOW)
    first, _ = _read(sims, name, state)
    kept = dict(state.entries["mediabrowser.played"].episodes)
    sims[name].faults.set("http_500", count=50)
    with pytest.raises(Exception, match="500"):
        _read(sims, name, state)
    sims[name].faults.clear()
    assert state.entries["mediabrowser.played"].episodes == kept
    again, queries = _read(sims, name, state)
    assert not _full_episode_reads(queries)
    assert _summary(again) == _summary(first)


def _collections(sims, name, state):
    before = len(sims[name].requests)
    with client(sims, name) as media:
        media.use_sync(state)
        records = media.collections()
    members = [
        r
        for r in sims[name].requests[before:]
        if r.path.endswith("/Items") and {k.lower() for k in r.query} >= {"parentid"}
    ]
    return {r.ids: sorted(r.names) for r in records}, members


def test_box_set_members_are_kept_only_while_no_rule_rests_on_them(server):
    """Check kept members for unchanged box sets, and full reads when fresh."""
    name, sims = server
    state = SyncState("x", NOW)
    first, first_members = _collections(sims, name, state)
    second, members = _collections(sims, name, state)
    assert first_members and not members
    assert second == first
    state.fresh = frozenset({"collections"})
    third, fresh_members = _collections(sims, name, state)
    assert len(fresh_members) == len(first_members) and third == first
    state.fresh = frozenset()
    state.now = NOW + timedelta(hours=25)
    _, expired = _collections(sims, name, state)
    assert len(expired) == len(first_members)
