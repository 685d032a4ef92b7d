"""Sonarr, Radarr, Lidarr and Readarr clients against their simulators."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from controller.integrations.capabilities import QueuedItem
from controller.integrations.registry import capabilities_of
from controller.media import MediaType

ARRS = ["sonarr", "radarr", "lidarr", "readarr"]


@pytest.fixture
def arr_sims(make_sims):
    return make_sims(services=ARRS)


def test_every_arr_passes_its_connection_test(arr_sims, client_of):
    for service in ARRS:
        result = client_of(arr_sims, service).test()
        assert result.ok, result.message
        assert result.product.lower() == service and result.version


def test_arr_clients_have_source_disk_deleter_and_rule_capabilities(
    arr_sims, client_of
):
    for service in ARRS:
        caps = capabilities_of(client_of(arr_sims, service))
        assert {"media_source", "disk_reporter", "deleter", "rule_values"} <= caps
        assert "watch_data" not in caps


def test_sonarr_emits_show_and_season_items_with_files(arr_sims, client_of):
    world = arr_sims.world
    items = client_of(arr_sims, "sonarr").fetch_media()
    shows = {i.external_id: i for i in items if i.media_type == MediaType.SHOW}
    seasons = [i for i in items if i.media_type == MediaType.SEASON]
    expected = {str(s.id) for s in world.series.values() if s.size_on_disk() > 0}
    assert set(shows) == expected
    for season in seasons:
        series_id, _, number = season.external_id.partition("-s")
        assert series_id in shows and int(number) == season.season_number != 0
        assert season.title == f"{season.show_title} - Season {season.season_number}"
        assert season.path == shows[series_id].path
    some = next(iter(world.series.values()))
    show = shows.get(str(some.id))
    if show is not None:
        assert show.tvdb_id == some.tvdb_id and show.tmdb_id == some.tmdb_id
        assert show.added_at is not None and show.added_at.tzinfo == UTC
        assert all(isinstance(t, str) for t in show.tags)
        assert show.quality_profile and "\\" not in show.path


def test_radarr_ratings_are_on_a_ten_point_scale_with_names_not_ids(
    arr_sims, client_of
):
    items = client_of(arr_sims, "radarr").fetch_media()
    world = arr_sims.world
    assert items and all(i.media_type == MediaType.MOVIE for i in items)
    for item in items[:50]:
        movie = world.movies[int(item.external_id)]
        assert item.tmdb_id == movie.tmdb_id and item.imdb_id == movie.imdb_id
        assert item.rating == (movie.imdb_rating or movie.tmdb_rating)
        assert 0 <= item.rating <= 10
        assert not any(t.isdigit() for t in item.tags)


def test_readarr_rating_is_doubled_and_path_comes_from_author(arr_sims, client_of):
    items = client_of(arr_sims, "readarr").fetch_media()
    assert items and all(i.media_type == MediaType.BOOK for i in items)
    assert all(i.path.startswith("/") for i in items)
    assert all(i.rating is None or 0 <= i.rating <= 10 for i in items)


def test_lidarr_artist_carries_musicbrainz_id(arr_sims, client_of):
    items = client_of(arr_sims, "lidarr").fetch_media()
    assert items and all(i.media_type == MediaType.ARTIST for i in items)
    assert all(i.musicbrainz_id for i in items)


def test_disks_and_root_folders_are_normalized(arr_sims, client_of):
    sonarr = client_of(arr_sims, "sonarr")
    disks = sonarr.disks()
    assert disks and all(d.total_bytes >= d.free_bytes >= 0 for d in disks)
    assert all(not r.endswith("/") for r in sonarr.root_folders())


def test_sonarr_season_delete_removes_only_that_seasons_files_and_unmonitors(
    arr_sims, client_of
):
    sonarr = client_of(arr_sims, "sonarr")
    season = next(i for i in sonarr.fetch_media() if i.media_type == MediaType.SEASON)
    series_id, number = season.external_id.split("-s")
    arr_sims["sonarr"].clear_requests()
    assert sonarr.exists(season)
    sonarr.delete(season, delete_files=True, add_exclusion=False, unmonitor=True)
    sent = arr_sims["sonarr"].requests
    listing = next(r for r in sent if r.path.endswith("/episodefile"))
    assert listing.query["seriesId"] == [series_id]
    bulk = next(r for r in sent if r.method == "DELETE")
    assert bulk.path.endswith("/episodefile/bulk")
    ids = json.loads(bulk.body)["episodeFileIds"]
    series = arr_sims.world.series[int(series_id)]
    target = next(s for s in series.seasons if s.number == int(number))
    assert sorted(ids) == [target.first_file_id + i for i in range(target.file_count)]
    put = next(r for r in sent if r.method == "PUT")
    body = json.loads(put.body)
    monitored = {s["seasonNumber"]: s["monitored"] for s in body["seasons"]}
    assert monitored[int(number)] is False
    assert target.monitored is False
    assert not sonarr.exists(season)
    others = [s for s in series.seasons if s.number != int(number)]
    assert all(s.size_on_disk() == s.size for s in others if not s.deleted_files)


def test_sonarr_show_delete_sends_flags_and_exists_turns_false(arr_sims, client_of):
    sonarr = client_of(arr_sims, "sonarr")
    show = next(i for i in sonarr.fetch_media() if i.media_type == MediaType.SHOW)
    arr_sims["sonarr"].clear_requests()
    sonarr.delete(show, delete_files=True, add_exclusion=True, unmonitor=False)
    delete = next(r for r in arr_sims["sonarr"].requests if r.method == "DELETE")
    assert delete.path.endswith(f"/series/{show.external_id}")
    assert delete.query == {"deleteFiles": ["true"], "addImportListExclusion": ["true"]}
    assert not sonarr.exists(show)


@pytest.mark.parametrize(
    ("service", "resource", "exclusion", "media_type"),
    [
        ("radarr", "movie", "addImportExclusion", MediaType.MOVIE),
        ("lidarr", "artist", "addImportListExclusion", MediaType.ARTIST),
        ("readarr", "book", "addImportListExclusion", MediaType.BOOK),
    ],
)
def test_single_title_delete_uses_the_products_parameter_names(
    arr_sims, client_of, service, resource, exclusion, media_type
):
    arr = client_of(arr_sims, service)
    item = arr.fetch_media()[0]
    job = QueuedItem(item.external_id, media_type)  # as the worker rebuilds it
    assert arr.exists(job)
    arr_sims[service].clear_requests()
    arr.delete(job, delete_files=True, add_exclusion=False, unmonitor=False)
    delete = next(r for r in arr_sims[service].requests if r.method == "DELETE")
    assert delete.path.endswith(f"/{resource}/{item.external_id}")
    assert delete.query == {"deleteFiles": ["true"], exclusion: ["false"]}
    assert not arr.exists(job)


def test_exists_is_false_for_an_unknown_id(arr_sims, client_of):
    radarr = client_of(arr_sims, "radarr")
    assert not radarr.exists(QueuedItem("999999", MediaType.MOVIE))


def test_wrong_product_at_the_url_is_named(arr_sims, client_of):
    from controller.integrations.registry import build_client

    with build_client(
        "sonarr", arr_sims["radarr"].url, arr_sims["radarr"].api_key, {"retries": 0}
    ) as sonarr:
        result = sonarr.test()
    assert not result.ok
    assert "Radarr" in result.message and "not Sonarr" in result.message


def test_a_v1_product_at_a_v3_url_is_reported_clearly(arr_sims):
    from controller.integrations.registry import build_client

    with build_client(
        "sonarr", arr_sims["lidarr"].url, arr_sims["lidarr"].api_key, {"retries": 0}
    ) as sonarr:
        result = sonarr.test()
    assert not result.ok
    assert "Sonarr" in result.message


def test_bad_api_key_message(arr_sims):
    from controller.integrations.registry import build_client

    with build_client("sonarr", arr_sims["sonarr"].url, "wrong-key-123456") as sonarr:
        result = sonarr.test()
    assert not result.ok and result.error_class == "AuthenticationFailed"
    assert "rejected the API key" in result.message


def test_placeholder_dates_become_unknown_and_are_counted(arr_sims, client_of):
    arr_sims["radarr"].faults.set("placeholder_dates")
    radarr = client_of(arr_sims, "radarr")
    items = radarr.fetch_media()
    assert radarr.fetch_notes["placeholder_dates"] > 0
    assert all(i.added_at is None or i.added_at.year > 1900 for i in items)


def test_rule_values_are_names(arr_sims, client_of):
    values = client_of(arr_sims, "sonarr").rule_values()
    assert values.quality_profiles and values.tags and values.languages
    assert client_of(arr_sims, "lidarr").rule_values().languages == ()
