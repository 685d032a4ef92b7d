"""Check the *arr simulators: keys, error codes, deletions and their disk effects."""

from __future__ import annotations

import httpx
import pytest

ARR = {
    "sonarr": "/api/v3",
    "radarr": "/api/v3",
    "lidarr": "/api/v1",
    "readarr": "/api/v1",
}


def client(sim) -> httpx.Client:
    return httpx.Client(base_url=sim.url, headers={"X-Api-Key": sim.api_key})


@pytest.mark.parametrize("service", list(ARR))
def test_arr_key_in_header_or_query_and_401_without(sims, service):
    """Check that the key works as header or ?apikey= and a bad key gets 401."""
    sim = sims[service]
    url = f"{sim.url}{ARR[service]}/system/status"
    assert httpx.get(url, headers={"X-Api-Key": sim.api_key}).status_code == 200
    assert httpx.get(url, params={"apikey": sim.api_key}).status_code == 200
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"X-Api-Key": "wrong"}).status_code == 401


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("sonarr", "series/999999"),
        ("radarr", "movie/999999"),
        ("lidarr", "artist/999999"),
        ("readarr", "book/999999"),
    ],
)
def test_arr_unknown_id_is_404_with_message(sims, service, path):
    """Check that an unknown id gets 404 with the *arr error object."""
    with client(sims[service]) as c:
        reply = c.get(f"{ARR[service]}/{path}")
    assert reply.status_code == 404
    assert "does not exist" in reply.json()["message"]


def test_sonarr_episodefile_without_series_is_400(sims):
    """Check that episodefile without seriesId or episodeFileIds is a 400."""
    with client(sims["sonarr"]) as c:
        reply = c.get("/api/v3/episodefile")
    assert reply.status_code == 400
    assert "seriesId" in reply.json()["message"]


def test_sonarr_episodefile_ignores_season_number(sims):
    """Check that, as in Sonarr, seasonNumber does not filter episode files."""
    series = next(
        s
        for s in sims.world.series.values()
        if sum(1 for x in s.seasons if x.live_files()) > 1
    )
    with client(sims["sonarr"]) as c:
        files = c.get(
            "/api/v3/episodefile", params={"seriesId": series.id, "seasonNumber": 1}
        ).json()
    assert len({f["seasonNumber"] for f in files}) > 1


def test_deleting_season_files_frees_bytes_except_pinned(sims):
    """Check that bulk-deleting a season's files frees exactly its unpinned bytes."""
    world = sims.world
    series = next(
        s
        for s in world.series.values()
        if any(x.live_files() and x.number and not x.pinned for x in s.seasons)
    )
    season = next(
        x for x in series.seasons if x.live_files() and x.number and not x.pinned
    )
    _, free_before = world.disk_usage("/data/media")
    with client(sims["sonarr"]) as c:
        files = c.get("/api/v3/episodefile", params={"seriesId": series.id}).json()
        ids = [f["id"] for f in files if f["seasonNumber"] == season.number]
        size = sum(f["size"] for f in files if f["seasonNumber"] == season.number)
        assert (
            c.request(
                "DELETE", "/api/v3/episodefile/bulk", json={"episodeFileIds": ids}
            ).status_code
            == 200
        )
        after = c.get(f"/api/v3/series/{series.id}").json()
    _, free_after = world.disk_usage("/data/media")
    assert free_after - free_before == size
    stats = next(s for s in after["seasons"] if s["seasonNumber"] == season.number)
    assert stats["statistics"]["sizeOnDisk"] == 0


def test_unmonitor_season_through_put(sims):
    """Check that PUT series with a season unmonitored is stored and answered 202."""
    with client(sims["sonarr"]) as c:
        series = c.get("/api/v3/series/1").json()
        series["seasons"][-1]["monitored"] = False
        reply = c.put("/api/v3/series/1", json=series)
        assert reply.status_code == 202
        again = c.get("/api/v3/series/1").json()
    assert again["seasons"][-1]["monitored"] is False


def test_delete_movie_removes_it_everywhere_and_frees_space(sims):
    """Check a deleted movie leaves Radarr, Plex and Jellyfin and frees its bytes."""
    world = sims.world
    movie = next(m for m in world.movies.values() if m.file_id and not m.pinned)
    _, free_before = world.disk_usage("/data/media/movies")
    with client(sims["radarr"]) as c:
        reply = c.delete(
            f"/api/v3/movie/{movie.id}",
            params={"deleteFiles": "true", "addImportExclusion": "true"},
        )
        assert reply.status_code == 200 and reply.content == b""
        assert c.get(f"/api/v3/movie/{movie.id}").status_code == 404
        exclusions = c.get("/api/v3/exclusions").json()
    assert [e["tmdbId"] for e in exclusions] == [movie.tmdb_id]
    _, free_after = world.disk_usage("/data/media/movies")
    assert free_after - free_before == movie.size
    plex = sims["plex"]
    listing = httpx.get(
        f"{plex.url}/library/sections/1/all",
        headers={"X-Plex-Token": plex.api_key, "Accept": "application/json"},
    ).json()
    keys = {m["ratingKey"] for m in listing["MediaContainer"]["Metadata"]}
    assert str(movie.rating_key) not in keys
    jf = sims["jellyfin"]
    items = httpx.get(
        f"{jf.url}/Items",
        params={"IncludeItemTypes": "Movie", "Recursive": "true"},
        headers={"X-Emby-Token": jf.api_key},
    ).json()["Items"]
    assert movie.jellyfin_id not in {i["Id"] for i in items}


def test_delete_pinned_movie_keeps_its_bytes_used(sims):
    """Check that a hardlinked or seeding file leaves the library but not the disk."""
    world = sims.world
    movie = next(m for m in world.movies.values() if m.file_id and m.pinned)
    _, free_before = world.disk_usage("/data/media")
    with client(sims["radarr"]) as c:
        c.delete(f"/api/v3/movie/{movie.id}", params={"deleteFiles": "true"})
        assert c.get(f"/api/v3/movie/{movie.id}").status_code == 404
    assert world.disk_usage("/data/media")[1] == free_before


def test_delete_without_delete_files_frees_nothing(sims):
    """Check that deleteFiles=false removes the series but keeps its files."""
    world = sims.world
    series = next(s for s in world.series.values() if s.size_on_disk())
    _, free_before = world.disk_usage("/data/media")
    with client(sims["sonarr"]) as c:
        assert c.delete(f"/api/v3/series/{series.id}").status_code == 200
        assert c.get(f"/api/v3/series/{series.id}").status_code == 404
    assert world.disk_usage("/data/media")[1] == free_before


@pytest.mark.parametrize(
    ("service", "kind", "flag"),
    [
        ("sonarr", "series", "addImportListExclusion"),
        ("lidarr", "artist", "addImportListExclusion"),
        ("readarr", "author", "addImportListExclusion"),
        ("readarr", "book", "addImportListExclusion"),
    ],
)
def test_deletes_free_space_and_record_exclusions(sims, service, kind, flag):
    """Check series, artist, author and book deletes free bytes and add exclusions."""
    world = sims.world
    table = {
        "series": world.series,
        "artist": world.artists,
        "author": world.authors,
        "book": world.books,
    }[kind]
    item = next(iter(table.values()))
    mount = "/data/media" if service == "sonarr" else "/data/music"
    _, free_before = world.disk_usage(mount)
    with client(sims[service]) as c:
        listed = c.get(f"{ARR[service]}/{kind}/{item.id}").json()
        size = listed["statistics"]["sizeOnDisk"]
        reply = c.delete(
            f"{ARR[service]}/{kind}/{item.id}",
            params={"deleteFiles": "true", flag: "true"},
        )
        assert reply.status_code == 200
        assert c.get(f"{ARR[service]}/{kind}/{item.id}").status_code == 404
        exclusions = c.get(f"{ARR[service]}/importlistexclusion").json()
    assert len(exclusions) == 1
    freed = world.disk_usage(mount)[1] - free_before
    assert 0 <= freed <= size
    assert world.mounts[mount].pinned_bytes == size - freed


def test_diskspace_matches_world_and_root_folders_sit_on_mounts(sims):
    """Check diskspace totals/free equal the world's and lists unrelated disks too."""
    with client(sims["sonarr"]) as c:
        disks = {d["path"]: d for d in c.get("/api/v3/diskspace").json()}
        roots = [r["path"] for r in c.get("/api/v3/rootfolder").json()]
    assert {"/", "/config", "/data/media", "/data/music"} <= disks.keys()
    total, free = sims.world.disk_usage("/data/media")
    assert (disks["/data/media"]["totalSpace"], disks["/data/media"]["freeSpace"]) == (
        total,
        free,
    )
    assert abs(free / total - 0.1) < 0.01
    assert roots == ["/data/media/tv/"]
