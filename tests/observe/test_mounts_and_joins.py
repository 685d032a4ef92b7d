"""Pure parts of observation: path boundaries, mappings, type-aware joins."""

from __future__ import annotations

from datetime import UTC, datetime

from controller.integrations.capabilities import (
    ExternalIds,
    Kind,
    NamedRecord,
    RequestRecord,
    WatchRecord,
)
from controller.media import DiskReading, MediaItem, MediaType
from controller.observe import enrich
from controller.observe.mounts import (
    holds,
    map_path,
    media_mounts,
    most_specific,
    parse_mappings,
)


def test_mount_holds_paths_only_on_boundaries():
    assert holds("/data", "/data/tv/x")
    assert holds("/data", "/data")
    assert not holds("/data", "/data2/tv")
    assert holds("/", "/anything")


def test_most_specific_mount_wins():
    mounts = ["/", "/data", "/data/media", "/data2"]
    assert most_specific("/data/media/tv/Show", mounts) == "/data/media"
    assert most_specific("/data2/x", mounts) == "/data2"
    assert most_specific("/data/other", mounts) == "/data"


def test_path_mapping_rewrites_container_paths_to_host_paths():
    mappings = parse_mappings({"/tv": "/data/media/tv", "/tv/kids": "/kids"})
    assert map_path("/tv/Show (2001)", mappings) == "/data/media/tv/Show (2001)"
    assert map_path("/tv/kids/Bluey", mappings) == "/kids/Bluey"
    assert map_path("/tvshows/x", mappings) == "/tvshows/x"
    assert map_path("C:\\tv\\Show", parse_mappings([("C:/tv", "/mnt/tv")])) == (
        "/mnt/tv/Show"
    )


def test_media_mounts_keep_only_disks_holding_root_folders():
    readings = {
        1: [
            DiskReading("/", 100, 50),
            DiskReading("/data", 1000, 100),
            DiskReading("/data2", 500, 400),
            DiskReading("/config", 10, 5),
        ],
        2: [DiskReading("/data", 2000, 300)],
    }
    groups = media_mounts(readings, {1: ["/data2/tv"], 2: ["/data/movies"]})
    assert set(groups) == {"/data", "/data2"}
    assert groups["/data"].total_bytes == 2000  # the larger total wins
    assert groups["/data"].integration_ids == (1, 2)
    assert groups["/data2"].root_folders == ("/data2/tv",)


def _movie(tmdb: int, **kw) -> MediaItem:
    return MediaItem(1, str(tmdb), MediaType.MOVIE, f"m{tmdb}", tmdb_id=tmdb, **kw)


def _show(tmdb: int, **kw) -> list[MediaItem]:
    show = MediaItem(2, str(tmdb), MediaType.SHOW, f"s{tmdb}", tmdb_id=tmdb, **kw)
    seasons = [
        MediaItem(
            2,
            f"{tmdb}-s{n}",
            MediaType.SEASON,
            f"s{tmdb} - Season {n}",
            tmdb_id=tmdb,
            season_number=n,
            **kw,
        )
        for n in (1, 2)
    ]
    return [show, *seasons]


def test_movie_and_show_with_the_same_tmdb_number_never_match():
    movie = _movie(100)
    show, s1, s2 = _show(100)
    items = [movie, show, s1, s2]
    index = enrich.ItemIndex(items)
    when = datetime(2024, 5, 1, tzinfo=UTC)
    enrich.fill_watch(
        index, items, [WatchRecord(ExternalIds(Kind.MOVIE, 100), 3, when)]
    )
    enrich.apply_requests(index, [RequestRecord(ExternalIds(Kind.TV, 100), "ann")])
    assert movie.play_count == 3 and show.play_count == 0
    assert show.is_requested and s1.is_requested and not movie.is_requested


def test_imdb_and_tvdb_are_fallbacks_when_tmdb_is_missing():
    movie = _movie(5, imdb_id="tt0005")
    show = _show(6, tvdb_id=66)[0]
    items = [movie, show]
    index = enrich.ItemIndex(items)
    enrich.apply_watchlist(
        index, [ExternalIds(Kind.MOVIE, imdb="tt0005"), ExternalIds(Kind.TV, tvdb=66)]
    )
    assert movie.on_watchlist and show.on_watchlist


def test_history_overwrites_and_bulk_only_fills_zero_play_counts():
    a, b = _movie(1, play_count=9), _movie(2)
    items = [a, b]
    index = enrich.ItemIndex(items)
    enrich.apply_history(index, items, [WatchRecord(ExternalIds(Kind.MOVIE, 1), 2)])
    enrich.fill_watch(
        index,
        items,
        [
            WatchRecord(ExternalIds(Kind.MOVIE, 1), 50),
            WatchRecord(ExternalIds(Kind.MOVIE, 2), 4),
        ],
    )
    assert a.play_count == 2  # history overwrote, bulk did not touch it
    assert b.play_count == 4  # bulk filled a zero


def test_season_records_reach_only_their_season():
    show, s1, s2 = _show(7)
    items = [show, s1, s2]
    index = enrich.ItemIndex(items)
    ids = ExternalIds(Kind.TV, 7)
    enrich.fill_watch(
        index, items, [WatchRecord(ids, 5), WatchRecord(ids, 5, season=1)]
    )
    assert (show.play_count, s1.play_count, s2.play_count) == (5, 5, 0)


def test_title_level_record_falls_back_to_seasons_without_season_data():
    show, s1, s2 = _show(8)
    items = [show, s1, s2]
    enrich.fill_watch(
        enrich.ItemIndex(items), items, [WatchRecord(ExternalIds(Kind.TV, 8), 2)]
    )
    assert (show.play_count, s1.play_count, s2.play_count) == (2, 2, 2)


def test_collections_labels_and_watched_by_requestor():
    movie = _movie(3, collections=("Saga",))
    items = [movie]
    index = enrich.ItemIndex(items)
    ids = ExternalIds(Kind.MOVIE, 3)
    enrich.apply_names(index, [NamedRecord(ids, ("Saga", "Trilogy"))], "collections")
    enrich.apply_names(index, [NamedRecord(ids, ("keep",))], "labels")
    enrich.apply_requests(index, [RequestRecord(ids, "Ann")])
    enrich.apply_history(index, items, [WatchRecord(ids, 1, users=("ann",))])
    enrich.cross_reference(items)
    assert movie.collections == ("Saga", "Trilogy") and movie.labels == ("keep",)
    assert movie.watched_by_requestor
