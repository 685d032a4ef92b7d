"""Tautulli's history is read in full once, then only its last days, safely.

Every short read must give exactly what a full read would; whenever the rows
do not add up (a row deleted, a late row dated before the window) the client
reads the whole history again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller.integrations.history import Play, PlayHistory
from controller.integrations.sync import SyncState, SyncStore, fingerprint
from tests.integrations.conftest import client

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def history_sims(make_sims, needs):
    needs("plex", "tautulli")
    return make_sims(services=["plex", "tautulli"])


def _index(sims):
    with client(sims, "plex") as plex:
        return plex.item_index()


def _read(sims, index, state=None, **options):
    """One cycle's Tautulli read; returns the records by (ids, season) and the
    history queries sent."""
    before = len(sims["tautulli"].requests)
    with client(sims, "tautulli", **options) as tautulli:
        if state is not None:
            tautulli.use_sync(state)
        records = tautulli.watch_data_for(index)
    sent = [
        r.query
        for r in sims["tautulli"].requests[before:]
        if r.query.get("cmd") == ["get_history"]
    ]
    return {(r.ids, r.season): r for r in records}, sent


def _full(sims, index):
    return _read(sims, index)[0]


def _summary(records):
    return {
        key: (r.play_count, r.last_played, sorted(r.users))
        for key, r in records.items()
    }


def test_the_second_read_asks_only_for_the_last_days(history_sims):
    """Check that a kept history turns the next read into one short query."""
    index = _index(history_sims)
    state = SyncState("x", NOW)
    first, first_sent = _read(history_sims, index, state)
    second, second_sent = _read(history_sims, index, state)
    assert len(first_sent) > 2
    assert len(second_sent) == 1
    assert "after" in second_sent[0] and second_sent[0]["grouping"] == ["0"]
    assert _summary(second) == _summary(first) == _summary(_full(history_sims, index))


def _played_movie(sims, index):
    world = sims.world
    keys = set(index)
    for movie in world.movies.values():
        if str(movie.rating_key) in keys and movie.plays:
            return movie
    raise AssertionError("no played movie in the index")


def test_a_new_play_is_counted_by_the_short_read(history_sims):
    """Check that a play made since the last read is added, once."""
    index = _index(history_sims)
    state = SyncState("x", NOW)
    _read(history_sims, index, state)
    movie = _played_movie(history_sims, index)
    history_sims.world.add_play("radarr", movie.id, user=2)
    short, sent = _read(history_sims, index, state)
    assert len(sent) == 1
    link = index[str(movie.rating_key)]
    assert short[(link.ids, None)].play_count == len(movie.plays)
    assert _summary(short) == _summary(_full(history_sims, index))
    again, _ = _read(history_sims, index, state)
    assert _summary(again) == _summary(short)


@pytest.mark.parametrize("change", ["deleted row", "late row"])
def test_rows_that_do_not_add_up_are_read_in_full(history_sims, change):
    """Check that a deleted row or one dated before the window forces a full read."""
    index = _index(history_sims)
    state = SyncState("x", NOW)
    _read(history_sims, index, state)
    movie = _played_movie(history_sims, index)
    world = history_sims.world
    if change == "deleted row":
        assert world.remove_play("radarr", movie.id)
    else:
        world.add_play("radarr", movie.id, user=3, at=world.now - 20 * 86_400)
    records, sent = _read(history_sims, index, state)
    assert len(sent) > 2  # the short query, then the whole history
    assert _summary(records) == _summary(_full(history_sims, index))
    _, after = _read(history_sims, index, state)
    assert len(after) == 1


def test_a_full_read_is_due_after_full_sync_hours(history_sims):
    """Check that the kept history is read again in full once it is too old."""
    index = _index(history_sims)
    state = SyncState("x", NOW)
    _read(history_sims, index, state, full_sync_hours=6)
    state.now = NOW + timedelta(hours=5)
    _, short = _read(history_sims, index, state, full_sync_hours=6)
    state.now = NOW + timedelta(hours=7)
    _, full = _read(history_sims, index, state, full_sync_hours=6)
    assert len(short) == 1 and len(full) > 2


def test_a_failed_short_read_keeps_the_last_good_history(history_sims):
    """Check that an error mid-read changes nothing kept, and raises."""
    index = _index(history_sims)
    state = SyncState("x", NOW)
    first, _ = _read(history_sims, index, state)
    kept = state.entries["tautulli.history"]
    total = kept.total
    history_sims["tautulli"].faults.set("http_500", count=10)
    with pytest.raises(Exception, match="500"):
        _read(history_sims, index, state)
    history_sims["tautulli"].faults.clear()
    assert state.entries["tautulli.history"] is kept and kept.total == total
    again, sent = _read(history_sims, index, state)
    assert len(sent) == 1 and _summary(again) == _summary(first)


def _play(row_id, key, when, user="ann"):
    return Play(row_id, (key,), when, user)


def test_play_history_counts_a_row_read_twice_once():
    """Check that rows repeated by shifting pages are summed once."""
    day = NOW.timestamp()
    history = PlayHistory.from_plays(
        [_play(2, "a", day), _play(1, "a", day - 10), _play(2, "a", day)]
    )
    assert history.total == 2 and history.tallies["a"].count == 2


def test_play_history_refuses_rows_without_ids():
    """Check that a history without row ids is never extended."""
    day = NOW.timestamp()
    history = PlayHistory.from_plays([_play(None, "a", day)])
    assert not history.incremental
    assert not history.extend([_play(None, "a", day + 5)], 2)


def test_play_history_extends_only_when_the_count_adds_up():
    """Check that new rows are taken only if the server count grew by them."""
    day = NOW.timestamp()
    history = PlayHistory.from_plays([_play(1, "a", day - 100), _play(2, "b", day)])
    rows = [_play(2, "b", day), _play(3, "b", day + 60)]
    assert not history.extend(rows, 4)  # one more row than was read: refused
    assert history.tallies["b"].count == 1
    assert history.extend(rows, 3)
    assert history.tallies["b"].count == 2 and history.total == 3
    assert history.tallies["b"].latest == day + 60


def test_sync_store_forgets_a_changed_or_removed_integration():
    """Check that new settings start a fresh state and removal forgets it."""
    store = SyncStore()
    old = fingerprint("tautulli", "http://t", "k1", {})
    state = store.state_for(4, old, NOW)
    state.keep("x", 1, full=True)
    assert store.state_for(4, old, NOW) is state
    new = fingerprint("tautulli", "http://t", "k2", {})
    assert new != old
    fresh = store.state_for(4, new, NOW)
    assert fresh is not state and fresh.get("x", 24) is None
    store.retain([])
    assert store.state_for(4, new, NOW) is not fresh


@pytest.fixture
def jellystat_sims(make_sims, needs):
    needs("jellyfin", "jellystat")
    return make_sims(services=["jellyfin", "jellystat"])


def _jellystat(sims, index, state=None):
    before = len(sims["jellystat"].requests)
    with client(sims, "jellystat", page_size=40) as jellystat:
        if state is not None:
            jellystat.use_sync(state)
        records = jellystat.watch_data_for(index)
    pages = [r for r in sims["jellystat"].requests[before:] if "page" in r.query]
    return {(r.ids, r.season): r for r in records}, pages


def test_jellystat_reads_its_newest_pages_and_counts_new_plays(jellystat_sims):
    """Check short reads against full ones, before and after a new play."""
    sims = jellystat_sims
    with client(sims, "jellyfin") as jellyfin:
        index = jellyfin.item_index()
    state = SyncState("x", NOW)
    first, full_pages = _jellystat(sims, index, state)
    second, short_pages = _jellystat(sims, index, state)
    assert len(short_pages) <= 2 < len(full_pages)
    assert _summary(second) == _summary(first) == _summary(_jellystat(sims, index)[0])
    movie = next(m for m in sims.world.movies.values() if m.plays and m.file_id)
    sims.world.add_play("radarr", movie.id, user=4)
    after, pages = _jellystat(sims, index, state)
    assert len(pages) <= 2
    assert _summary(after) == _summary(_jellystat(sims, index)[0]) != _summary(first)
    assert sims.world.remove_play("radarr", movie.id)
    removed, pages = _jellystat(sims, index, state)
    assert len(pages) > 2  # the count fell: read in full
    assert _summary(removed) == _summary(first)


def test_full_sync_hours_flows_from_the_manifest_to_the_clients():
    """Check fullSyncHours: validated in manifests, handed to clients as hours."""
    from pydantic import ValidationError

    from controller.integrations.registry import client_options
    from controller.manifest.models import Integration

    base = {"name": "T", "type": "tautulli", "url": "http://t:8181"}
    assert Integration.model_validate({**base, "fullSyncHours": 6}).fullSyncHours == 6
    with pytest.raises(ValidationError):
        Integration.model_validate({**base, "fullSyncHours": -1})
    assert client_options({"fullSyncHours": 0})["full_sync_hours"] == 0.0
    assert "full_sync_hours" not in client_options({"timeoutSeconds": 5})
