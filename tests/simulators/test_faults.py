"""Check every fault kind, its path prefix and count, and the control endpoint."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from simulators.faults import FAULT_KINDS


def get(sim, path="/api/v3/movie", **kw):
    return httpx.get(f"{sim.url}{path}", headers={"X-Api-Key": sim.api_key}, **kw)


def test_http_500_and_401_faults_with_count(sims):
    """Check 500 and 401 faults answer with the product's codes, then run out."""
    sim = sims["radarr"]
    sim.faults.set("http_500", count=1)
    reply = get(sim)
    assert reply.status_code == 500 and "message" in reply.json()
    assert get(sim).status_code == 200
    sim.faults.set("http_401", path_prefix="/api/v3/movie")
    assert get(sim).status_code == 401
    assert get(sim, "/api/v3/tag").status_code == 200
    sim.faults.clear()
    assert get(sim).status_code == 200


def test_latency_fault_delays_the_reply(sims):
    """Check an added latency delays the reply by at least that long."""
    sim = sims["sonarr"]
    sim.faults.set("latency", seconds=0.3)
    started = time.perf_counter()
    assert get(sim, "/api/v3/tag").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_timeout_fault_hangs_past_the_client_and_does_not_block(sims):
    """Check a hung request times the client out and clearing frees the server."""
    sim = sims["plex"]
    sim.faults.set("timeout")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sim.url}/identity", timeout=0.3)
    sim.faults.clear()
    assert httpx.get(f"{sim.url}/identity", timeout=5).status_code == 200


def test_malformed_and_truncated_json(sims):
    """Check both corruptions make the body unparseable."""
    sim = sims["radarr"]
    for kind in ("malformed_json", "truncated_json"):
        sim.faults.set(kind, count=1)
        body = get(sim).content
        with pytest.raises(ValueError):
            json.loads(body)
    assert get(sim).json()


def test_list_faults_on_arr_list(sims):
    """Check empty, partial and vanishing lists on an *arr listing."""
    sim = sims["radarr"]
    full = len(get(sim).json())
    sim.faults.set("empty_library", count=1)
    assert get(sim).json() == []
    sim.faults.set("partial_page", count=1)
    assert 0 < len(get(sim).json()) < full
    sim.faults.set("vanishing_items", count=2)
    first, second = get(sim).json(), get(sim).json()
    assert len(first) < full and len(second) < full
    assert {m["id"] for m in first} != {m["id"] for m in second}
    # List faults do not touch non-list routes.
    sim.faults.set("empty_library")
    assert get(sim, "/api/v3/tag").json()


def test_partial_page_totals_lie_on_jellyfin(sims):
    """Check partial_page keeps TotalRecordCount while returning fewer items."""
    sim = sims["jellyfin"]
    headers = {"X-Emby-Token": sim.api_key}
    url = f"{sim.url}/Items?IncludeItemTypes=Movie&Recursive=true&Limit=100"
    full = httpx.get(url, headers=headers).json()
    sim.faults.set("partial_page")
    cut = httpx.get(url, headers=headers).json()
    assert cut["TotalRecordCount"] == full["TotalRecordCount"]
    assert len(cut["Items"]) < len(full["Items"])


def test_placeholder_dates(sims):
    """Check dates become year-0001 or far-future values, ISO and epoch alike."""
    sim = sims["radarr"]
    sim.faults.set("placeholder_dates")
    movies = get(sim).json()
    added = {m["added"] for m in movies}
    assert added <= {"0001-01-01T00:00:00Z", "2199-01-01T00:00:00Z"} and len(added) == 2
    plex = sims["plex"]
    plex.faults.set("placeholder_dates")
    listing = httpx.get(
        f"{plex.url}/library/sections/1/all",
        headers={"X-Plex-Token": plex.api_key, "Accept": "application/json"},
    ).json()
    values = {m["addedAt"] for m in listing["MediaContainer"]["Metadata"]}
    assert values <= {-62135596800, 7_258_118_400}


def test_every_fault_kind_is_switchable_over_http(sims):
    """Check /__sim/faults sets, lists and clears each kind, unrecorded."""
    sim = sims["seerr"]
    for kind in FAULT_KINDS:
        reply = httpx.post(
            f"{sim.url}/__sim/faults",
            json={
                "kind": kind,
                "path_prefix": "/api/v1/request",
                "count": 1,
                "seconds": 0.01,
            },
        )
        assert reply.status_code == 200
    assert len(httpx.get(f"{sim.url}/__sim/faults").json()) == len(FAULT_KINDS)
    assert (
        httpx.post(f"{sim.url}/__sim/faults", json={"kind": "nope"}).status_code == 400
    )
    httpx.delete(f"{sim.url}/__sim/faults")
    assert httpx.get(f"{sim.url}/__sim/faults").json() == []
    assert sim.requests == []


def test_empty_library_on_every_listing_shape(sims):
    """Check empty_library empties Plex, Tautulli and Seerr listings and totals."""
    plex, taut, seerr = sims["plex"], sims["tautulli"], sims["seerr"]
    for sim in (plex, taut, seerr):
        sim.faults.set("empty_library")
    box = httpx.get(
        f"{plex.url}/library/sections/1/all",
        headers={"X-Plex-Token": plex.api_key, "Accept": "application/json"},
    ).json()["MediaContainer"]
    assert box["Metadata"] == [] and box["totalSize"] == 0
    data = httpx.get(
        f"{taut.url}/api/v2", params={"apikey": taut.api_key, "cmd": "get_history"}
    ).json()
    assert data["response"]["data"]["data"] == []
    page = httpx.get(
        f"{seerr.url}/api/v1/request", headers={"X-Api-Key": seerr.api_key}
    ).json()
    assert page["results"] == [] and page["pageInfo"]["results"] == 0
