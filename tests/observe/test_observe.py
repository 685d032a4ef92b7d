"""observe() over real HTTP against the simulators: concurrency, faults, trust."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from controller.integrations.sync import SyncStore
from controller.observe import IntegrationSpec, Outcome, observe

ARRS = ["sonarr", "radarr", "lidarr", "readarr"]
NOW = datetime.now(UTC)


@pytest.fixture
def arr_sims(make_sims):
    return make_sims(services=ARRS)


def test_observe_builds_groups_and_assigns_every_item_once(arr_sims, specs_for):
    obs = observe(specs_for(arr_sims), None, NOW)
    assert all(h.ok for h in obs.health.values())
    assert obs.items and len(obs.item_mounts) == len(obs.items)
    assert sum(g.item_count for g in obs.disk_groups.values()) == len(obs.items)
    for group in obs.disk_groups.values():
        assert group.total_bytes > 0 and group.used_bytes <= group.total_bytes
        assert group.root_folders and group.integration_ids
    assert all(obs.sanity.trusted(m) for m in obs.disk_groups)
    assert "/config" not in obs.disk_groups and "/" not in obs.disk_groups
    caps = obs.capabilities
    assert caps["watch_data"].outcome == Outcome.NOT_CONFIGURED
    print(f"\nobserve at 1k items: {obs.duration_ms:.0f} ms ({len(obs.items)} items)")


def test_integrations_are_fetched_concurrently(arr_sims, specs_for):
    """Four services each 1 s slow: total ≈ the slowest, not the sum."""
    for service in ARRS:
        arr_sims[service].faults.set("latency", seconds=1.0, count=1)
    started = time.monotonic()
    obs = observe(specs_for(arr_sims), None, NOW)
    elapsed = time.monotonic() - started
    slowest = max(h.latency_ms for h in obs.health.values()) / 1000
    total = sum(h.latency_ms for h in obs.health.values()) / 1000
    print(
        f"\nconcurrency: wall {elapsed:.2f}s, slowest {slowest:.2f}s, sum {total:.2f}s"
    )
    assert all(h.ok for h in obs.health.values())


def test_failed_integration_distrusts_every_group_it_has_root_folders_on(
    arr_sims, specs_for
):
    specs = specs_for(arr_sims)
    first = observe(specs, None, NOW)
    arr_sims["radarr"].faults.set("http_500")
    obs = observe(specs, first.baseline, NOW)
    radarr = next(h for h in obs.health.values() if h.type == "radarr")
    assert not radarr.ok and radarr.error_class == "ServerError"
    assert not any(i.integration_id == radarr.integration_id for i in obs.items)
    movie_mount = "/data/media"
    verdict = obs.sanity.groups[movie_mount]
    assert not verdict.trusted and "radarr" in verdict.reason
    assert obs.sanity.trusted("/data/music")


def test_failed_integration_on_first_cycle_distrusts_all_groups(arr_sims, specs_for):
    arr_sims["lidarr"].faults.set("timeout", seconds=3)
    specs = specs_for(arr_sims, lidarr={"read_timeout": 0.3, "retries": 0})
    obs = observe(specs, None, NOW)
    arr_sims["lidarr"].faults.clear()
    lidarr = next(h for h in obs.health.values() if h.type == "lidarr")
    assert lidarr.error_class == "Timeout"
    assert obs.disk_groups and not any(obs.sanity.trusted(m) for m in obs.disk_groups)


@pytest.mark.parametrize("fault", ["http_401", "malformed_json", "truncated_json"])
def test_fault_classes_fail_the_integration_and_distrust_its_group(
    arr_sims, specs_for, fault
):
    specs = specs_for(arr_sims)
    first = observe(specs, None, NOW)
    arr_sims["sonarr"].faults.set(fault, path_prefix="/api/v3/series")
    obs = observe(specs, first.baseline, NOW)
    sonarr = next(h for h in obs.health.values() if h.type == "sonarr")
    expected = "AuthenticationFailed" if fault == "http_401" else "UnexpectedResponse"
    assert sonarr.error_class == expected
    assert not obs.sanity.trusted("/data/media")


@pytest.mark.parametrize("fault", ["empty_library", "partial_page"])
def test_shrunken_library_is_distrusted_until_confirmed(arr_sims, specs_for, fault):
    specs = specs_for(arr_sims)
    first = observe(specs, None, NOW)
    arr_sims["radarr"].faults.set(fault)
    second = observe(specs, first.baseline, NOW)
    verdict = second.sanity.groups["/data/media"]
    assert not verdict.trusted and "shrank" in verdict.reason
    kinds = {f.kind for f in second.sanity.findings}
    assert "library_shrank" in kinds
    # The last good count stays the baseline while the shrink is unconfirmed.
    radarr_id = next(s.id for s in specs if s.type == "radarr")
    assert (
        second.baseline.item_counts[radarr_id] == first.baseline.item_counts[radarr_id]
    )
    arr_sims["radarr"].faults.clear()
    third = observe(specs, second.baseline, NOW)
    assert third.sanity.trusted("/data/media")


def test_vanishing_items_stay_trusted_below_the_shrink_threshold(arr_sims, specs_for):
    specs = specs_for(arr_sims)
    first = observe(specs, None, NOW)
    arr_sims["radarr"].faults.set("vanishing_items")
    obs = observe(specs, first.baseline, NOW)
    assert len(obs.items) < len(first.items)
    assert obs.sanity.trusted("/data/media")


def test_placeholder_and_future_dates_are_counted_and_future_items_distrusted(
    arr_sims, specs_for
):
    arr_sims["radarr"].faults.set("placeholder_dates")
    obs = observe(specs_for(arr_sims), None, NOW)
    assert obs.sanity.placeholder_dates > 0
    assert obs.sanity.future_dates > 0
    radarr_id = next(
        h.integration_id for h in obs.health.values() if h.type == "radarr"
    )
    assert any(k[0] == radarr_id for k in obs.sanity.distrusted_items)
    kinds = {f.kind for f in obs.sanity.for_integration(radarr_id)}
    assert {"placeholder_dates", "future_dates"} <= kinds


def test_disk_total_jump_and_missing_reading_are_distrusted(arr_sims, specs_for):
    specs = specs_for(arr_sims)
    first = observe(specs, None, NOW)
    doubled = {m: t * 2 for m, t in first.baseline.disk_totals.items()}
    shifted = replace(first.baseline, disk_totals=doubled | {"/gone": 10**12})
    obs = observe(specs, shifted, NOW)
    assert not obs.sanity.trusted("/data/media")
    assert "total changed" in obs.sanity.groups["/data/media"].reason
    assert "no disk reading" in obs.sanity.groups["/gone"].reason


def test_path_mappings_apply_before_grouping(arr_sims, specs_for):
    """Container paths are mapped for items, root folders and disks alike."""
    mapping = {"path_mappings": {"/data/media": "/srv/media"}}
    specs = specs_for(arr_sims, ["sonarr"], sonarr=mapping)
    obs = observe(specs, None, NOW)
    assert all(i.path.startswith("/srv/media/tv/") for i in obs.items)
    assert "/srv/media" in obs.disk_groups
    assert obs.disk_groups["/srv/media"].root_folders == ("/srv/media/tv",)
    assert set(obs.item_mounts.values()) == {"/srv/media"}


def test_unknown_integration_type_fails_only_that_integration(arr_sims, specs_for):
    specs = [
        *specs_for(arr_sims, ["radarr"]),
        IntegrationSpec(9, "nosuch", "http://x", "k"),
    ]
    obs = observe(specs, None, NOW)
    assert obs.health[1].ok and not obs.health[9].ok
    assert "unknown integration type" in obs.health[9].error


@pytest.mark.slow
def test_observe_at_100k_items(make_sims, specs_for):
    sims = make_sims(size=100_000, services=ARRS)
    slow = {"read_timeout": 120.0}
    obs = observe(specs_for(sims, **dict.fromkeys(ARRS, slow)), None, NOW)
    assert all(h.ok for h in obs.health.values()), obs.health
    print(f"\nobserve at 100k: {obs.duration_ms:.0f} ms ({len(obs.items)} items)")


def test_full_enrichment_over_http_and_failed_source_distrusts_watchable_groups(
    make_sims, specs_for, needs
):
    needs("plex", "jellyfin", "emby", "tautulli", "jellystat", "seerr")
    sims = make_sims()
    specs = specs_for(sims)
    obs = observe(specs, None, NOW)
    assert all(c.outcome == Outcome.OK for c in obs.capabilities.values())
    assert any(i.play_count for i in obs.items) and any(
        i.is_requested for i in obs.items
    )
    movies = {i.tmdb_id for i in obs.items if i.media_type == "movie"}
    for item in obs.items:  # a TV request never marks a movie
        if item.media_type == "movie" and item.is_requested:
            assert item.tmdb_id in movies
    print(f"\nobserve, all ten services at 1k: {obs.duration_ms:.0f} ms")
    sims["plex"].faults.set("http_500")
    failed = observe(specs, obs.baseline, NOW)
    assert failed.capabilities["watch_data"].outcome == Outcome.FAILED
    assert not failed.sanity.trusted("/data/media")


def test_later_observations_read_tautulli_since_the_last_days(
    make_sims, specs_for, needs
):
    """Check that kept history makes the next cycles short and still exact."""
    needs("plex", "tautulli")
    sims = make_sims(services=[*ARRS, "plex", "tautulli"])
    specs = specs_for(sims)
    sync = SyncStore()
    first = observe(specs, None, NOW, sync=sync)
    movie = next(
        m
        for m in sims.world.movies.values()
        if m.plays and any(i.tmdb_id == m.tmdb_id for i in first.items)
    )
    sims.world.add_play("radarr", movie.id, user=2)
    before = len(sims["tautulli"].requests)
    second = observe(specs, first.baseline, NOW, sync=sync)
    history = [
        r
        for r in sims["tautulli"].requests[before:]
        if r.query.get("cmd") == ["get_history"]
    ]
    assert len(history) == 1 and "after" in history[0].query
    fresh = observe(specs, first.baseline, NOW)  # no kept history: read in full

    def plays(observation):
        return {i.key: (i.play_count, i.last_played) for i in observation.items}

    assert plays(second) == plays(fresh) != plays(first)
    (item,) = [
        i
        for i in second.items
        if i.media_type == "movie" and i.tmdb_id == movie.tmdb_id
    ]
    assert item.play_count == len(movie.plays)
