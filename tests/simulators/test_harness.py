"""Check start-up, recording, determinism, identities, growth and the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from simulators.harness import SERVICES, run_simulators
from simulators.world import World

ROOT = Path(__file__).resolve().parents[2]


def test_startup_time_of_all_ten_at_1000_items():
    """Measure and print generation plus start-up of all ten simulators."""
    started = time.perf_counter()
    world = World.generate(seed=7, size=1000, fill_pct=0.9)
    generated = time.perf_counter()
    with run_simulators(world) as sims:
        ready = time.perf_counter()
        assert set(sims) == set(SERVICES)
        assert all(s.url.startswith("http://127.0.0.1:") for s in sims.values())
    stopped = time.perf_counter()
    print(
        f"\nworld 1000: {generated - started:.3f}s, start 10: {ready - generated:.3f}s,"
        f" stop: {stopped - ready:.3f}s"
    )


def test_requests_are_recorded(sims):
    """Check method, path, query, headers and body of each request are recorded."""
    sim = sims["sonarr"]
    sim.clear_requests()
    httpx.request(
        "DELETE",
        f"{sim.url}/api/v3/episodefile/bulk",
        params={"x": ["1", "2"]},
        json={"episodeFileIds": []},
        headers={"X-Api-Key": sim.api_key},
    )
    httpx.get(f"{sim.url}/api/v3/tag", headers={"X-Api-Key": sim.api_key})
    first, second = sim.requests
    assert (first.method, first.path, first.query) == (
        "DELETE",
        "/api/v3/episodefile/bulk",
        {"x": ["1", "2"]},
    )
    assert first.headers["x-api-key"] == sim.api_key
    assert first.body == b'{"episodeFileIds":[]}'
    assert second.method == "GET" and second.body == b""
    assert not [r for r in sim.requests if r.method in ("PUT", "POST")]
    sim.clear_requests()
    assert sim.requests == []


def test_same_seed_same_world_other_seed_differs():
    """Check determinism: same seed and time give the same library."""
    a = World.generate(seed=3, size=500, now=1_700_000_000)
    b = World.generate(seed=3, size=500, now=1_700_000_000)
    c = World.generate(seed=4, size=500, now=1_700_000_000)

    def key(w):
        return [(m.title, m.size, m.tmdb_id, len(m.plays)) for m in w.movies.values()]

    assert key(a) == key(b) and key(a) != key(c)
    assert a.disk_usage("/data/media") == b.disk_usage("/data/media")
    assert len(a.movies) + len(a.series) + len(a.artists) + len(a.books) == 500


def test_identities_agree_across_services(sims):
    """Check a movie and a show carry the same ids in every service."""
    world = sims.world
    movie = next(m for m in world.movies.values() if m.file_id and m.plays)
    radarr = sims["radarr"]
    r = httpx.get(
        f"{radarr.url}/api/v3/movie/{movie.id}", headers={"X-Api-Key": radarr.api_key}
    ).json()
    plex = sims["plex"]
    meta = httpx.get(
        f"{plex.url}/library/metadata/{movie.rating_key}",
        headers={"X-Plex-Token": plex.api_key, "Accept": "application/json"},
    ).json()
    guids = {g["id"] for g in meta["MediaContainer"]["Metadata"][0]["Guid"]}
    assert {f"tmdb://{r['tmdbId']}", f"imdb://{r['imdbId']}"} <= guids
    assert (
        meta["MediaContainer"]["Metadata"][0]["Media"][0]["Part"][0]["file"]
        == (r["movieFile"]["path"])
    )
    for name, prefix in (("jellyfin", ""), ("emby", "/emby")):
        sim = sims[name]
        items = httpx.get(
            f"{sim.url}{prefix}/Items",
            params={
                "IncludeItemTypes": "Movie",
                "Recursive": "true",
                "Fields": "ProviderIds",
            },
            headers={"X-Emby-Token": sim.api_key},
        ).json()["Items"]
        ids = {i["ProviderIds"]["Tmdb"] for i in items}
        assert str(movie.tmdb_id) in ids
    taut = sims["tautulli"]
    rows = httpx.get(
        f"{taut.url}/api/v2",
        params={
            "apikey": taut.api_key,
            "cmd": "get_history",
            "rating_key": movie.rating_key,
            "length": 100,
        },
    ).json()
    assert len(rows["response"]["data"]["data"]) == len(movie.plays)
    series = next(s for s in world.series.values() if s.plays)
    sonarr = sims["sonarr"]
    s = httpx.get(
        f"{sonarr.url}/api/v3/series/{series.id}", headers={"X-Api-Key": sonarr.api_key}
    ).json()
    meta = httpx.get(
        f"{plex.url}/library/metadata/{series.rating_key}",
        headers={"X-Plex-Token": plex.api_key, "Accept": "application/json"},
    ).json()
    guids = {g["id"] for g in meta["MediaContainer"]["Metadata"][0]["Guid"]}
    assert {f"tvdb://{s['tvdbId']}", f"tmdb://{s['tmdbId']}"} <= guids
    seerr = sims["seerr"]
    reqs = httpx.get(
        f"{seerr.url}/api/v1/request",
        params={"take": 1000},
        headers={"X-Api-Key": seerr.api_key},
    ).json()["results"]
    for req in reqs:
        table = world.movies if req["type"] == "movie" else world.series
        item = table[req["media"]["externalServiceId"]]
        assert req["media"]["tmdbId"] == item.tmdb_id


def test_growth_adds_media_and_uses_disk(sims):
    """Check add_media (and /__sim/media) grows lists and disk usage."""
    world = sims.world
    _, free = world.disk_usage("/data/media")
    count = len(world.movies)
    world.add_media(5, service="radarr")
    assert len(world.movies) == count + 5
    reply = httpx.post(
        f"{sims['radarr'].url}/__sim/media", json={"count": 3, "service": "radarr"}
    )
    assert len(reply.json()["added"]) == 3
    radarr = sims["radarr"]
    movies = httpx.get(
        f"{radarr.url}/api/v3/movie", headers={"X-Api-Key": radarr.api_key}
    ).json()
    assert len(movies) == count + 8
    assert world.disk_usage("/data/media")[1] < free


def test_auth_on_media_servers_and_seerr(sims):
    """Check each media server's real key forms and its bad-key status code."""
    plex, jf, emby = sims["plex"], sims["jellyfin"], sims["emby"]
    assert (
        httpx.get(
            f"{plex.url}/library/sections", params={"X-Plex-Token": plex.api_key}
        ).status_code
        == 200
    )
    assert httpx.get(f"{plex.url}/library/sections").status_code == 401
    token = f'MediaBrowser Client="t", Token="{jf.api_key}"'
    assert (
        httpx.get(f"{jf.url}/Users", headers={"Authorization": token}).status_code
        == 200
    )
    assert httpx.get(f"{jf.url}/Users").status_code == 401
    assert (
        httpx.get(
            f"{emby.url}/emby/Users", params={"api_key": emby.api_key}
        ).status_code
        == 200
    )
    assert (
        httpx.get(
            f"{emby.url}/Users", headers={"X-Emby-Token": emby.api_key}
        ).status_code
        == 200
    )
    assert httpx.get(f"{emby.url}/emby/Users").status_code == 401
    seerr, taut, js = sims["seerr"], sims["tautulli"], sims["jellystat"]
    assert httpx.get(f"{seerr.url}/api/v1/auth/me").status_code == 403
    assert httpx.get(f"{seerr.url}/api/v1/status").status_code == 200
    assert (
        httpx.get(
            f"{taut.url}/api/v2", params={"apikey": "bad", "cmd": "get_history"}
        ).status_code
        == 401
    )
    assert httpx.get(f"{js.url}/api/getLibraries").status_code == 401


def test_plex_guids_only_with_include_guids_and_paging(sims):
    """Check Guid arrays appear only with includeGuids=1 and paging honours totals."""
    plex = sims["plex"]
    headers = {"X-Plex-Token": plex.api_key, "Accept": "application/json"}
    plain = httpx.get(f"{plex.url}/library/sections/1/all", headers=headers).json()
    assert all("Guid" not in m for m in plain["MediaContainer"]["Metadata"])
    paged = httpx.get(
        f"{plex.url}/library/sections/1/all",
        params={
            "includeGuids": "1",
            "X-Plex-Container-Start": "10",
            "X-Plex-Container-Size": "5",
        },
        headers=headers,
    ).json()
    box = paged["MediaContainer"]
    assert box["size"] == 5 and box["offset"] == 10
    assert box["totalSize"] == plain["MediaContainer"]["totalSize"]
    assert all(m["Guid"] for m in box["Metadata"])
    xml = httpx.get(
        f"{plex.url}/library/sections/1/all", headers={"X-Plex-Token": plex.api_key}
    )
    assert xml.text.startswith("<?xml") and "<Video " in xml.text


def test_jellyfin_paging_totals(sims):
    """Check StartIndex/Limit pages add up to TotalRecordCount."""
    jf = sims["jellyfin"]
    headers = {"X-Emby-Token": jf.api_key}
    seen, start, total = [], 0, None
    while total is None or start < total:
        page = httpx.get(
            f"{jf.url}/Items",
            params={
                "IncludeItemTypes": "Movie,Series",
                "Recursive": "true",
                "StartIndex": start,
                "Limit": 100,
            },
            headers=headers,
        ).json()
        total = page["TotalRecordCount"]
        seen.extend(i["Id"] for i in page["Items"])
        start += 100
    assert len(seen) == len(set(seen)) == total


def test_standalone_cli_starts_and_stops_on_signal():
    """Check python -m simulators prints URLs and keys and stops on SIGINT."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators", "--size", "200", "--seed", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if line.startswith("control:"):
            break
    sonarr = next(x for x in lines if x.startswith("sonarr"))
    url, key = sonarr.split()[1], sonarr.split("key=")[1].strip()
    assert (
        httpx.get(f"{url}/api/v3/system/status", headers={"X-Api-Key": key}).status_code
        == 200
    )
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "stopped" in out


@pytest.mark.slow
def test_large_world_generation_and_listing_speed():
    """Measure and print generation and list serving at 100,000 items."""
    started = time.perf_counter()
    world = World.generate(seed=11, size=100_000, fill_pct=0.85)
    generated = time.perf_counter() - started
    with run_simulators(world, services=["radarr", "sonarr"]) as sims:
        radarr = sims["radarr"]
        with httpx.Client(headers={"X-Api-Key": radarr.api_key}, timeout=120) as client:
            t0 = time.perf_counter()
            first = client.get(f"{radarr.url}/api/v3/movie")
            t1 = time.perf_counter()
            second = client.get(f"{radarr.url}/api/v3/movie")
            t2 = time.perf_counter()
    assert len(first.json()) == len(world.movies) == len(second.json())
    print(
        f"\nworld 100k: {generated:.2f}s; /movie ({len(first.content) >> 20} MiB) "
        f"first {t1 - t0:.2f}s, cached {t2 - t1:.3f}s"
    )
