"""Check every simulated call against the product's published schema.

*arr replies are validated against closed schemas (extra fields fail) and must
hold no nulls. Known spec≠wire differences are patched in ``SPEC_VS_WIRE``
with the reason. Tautulli and Jellystat publish no response schemas, so their
replies are checked against the documented field lists.
"""

from __future__ import annotations

import httpx
import jsonschema
import pytest

from tests.simulators.openapi_contract import contract, find_nulls

ARR_SPECS = {
    "sonarr": "sonarr-v3-openapi.json",
    "radarr": "radarr-v3-openapi.json",
    "lidarr": "lidarr-v1-openapi.json",
    "readarr": "readarr-v1-openapi.json",
}
# (service, schema, property, replacement, reason)
SPEC_VS_WIRE = [
    (
        "sonarr",
        "HealthResource",
        "wikiUrl",
        {"type": "string"},
        "HttpUri is written as a plain URL string by the serializer",
    ),
    (
        "readarr",
        "HealthResource",
        "wikiUrl",
        {"type": "string"},
        "HttpUri is written as a plain URL string by the serializer",
    ),
    (
        "readarr",
        "SystemResource",
        "databaseVersion",
        {"type": "string"},
        "System.Version is written as a string such as 3.45.1",
    ),
    (
        "readarr",
        "SystemResource",
        "runtimeVersion",
        {"type": "string"},
        "System.Version is written as a string such as 6.0.29",
    ),
]
ARR_CALLS = {
    "sonarr": [
        "system/status",
        "health",
        "diskspace",
        "rootfolder",
        "rootfolder/1",
        "qualityprofile",
        "qualityprofile/1",
        "tag",
        "tag/1",
        "language",
        "series",
        "series/{series}",
        "episodefile?seriesId={series}",
        "episodefile/{episodefile}",
        "importlistexclusion",
        "languageprofile",
    ],
    "radarr": [
        "system/status",
        "health",
        "diskspace",
        "rootfolder",
        "qualityprofile",
        "tag",
        "language",
        "movie",
        "movie/1",
        "moviefile?movieId=1",
        "moviefile/1",
        "exclusions",
    ],
    "lidarr": [
        "system/status",
        "health",
        "diskspace",
        "rootfolder",
        "qualityprofile",
        "tag",
        "language",
        "artist",
        "artist/1",
        "album",
        "album?artistId=1",
        "album/1",
        "importlistexclusion",
    ],
    "readarr": [
        "system/status",
        "health",
        "diskspace",
        "rootfolder",
        "qualityprofile",
        "tag",
        "language",
        "author",
        "author/1",
        "book",
        "book/1",
        "bookfile?authorId=1",
        "importlistexclusion",
    ],
}
PREFIX = {
    "sonarr": "/api/v3",
    "radarr": "/api/v3",
    "lidarr": "/api/v1",
    "readarr": "/api/v1",
}


def _arr_contract(service: str):
    spec = contract(ARR_SPECS[service])
    for svc, schema, prop, replacement, _reason in SPEC_VS_WIRE:
        if svc == service:
            spec.patch(schema, prop, replacement)
    return spec


def _fill(sims, call: str) -> str:
    series = next(s for s in sims.world.series.values() if s.size_on_disk())
    season = next(x for x in series.seasons if x.live_files())
    return call.format(series=series.id, episodefile=season.first_file_id)


@pytest.mark.parametrize("service", list(ARR_CALLS))
def test_arr_replies_match_their_spec(sims, service):
    """Check each *arr reply against its closed schema and that it holds no null."""
    sim = sims[service]
    spec = _arr_contract(service)
    with httpx.Client(base_url=sim.url, headers={"X-Api-Key": sim.api_key}) as client:
        for call in ARR_CALLS[service]:
            path = f"{PREFIX[service]}/{_fill(sims, call)}"
            reply = client.get(path)
            assert reply.status_code == 200, path
            body = reply.json()
            spec.validate("GET", path.split("?")[0], body)
            assert not find_nulls(body), (path, find_nulls(body)[:5])


def test_closed_schema_rejects_an_invented_field(sims):
    """Check that the contract really fails a reply with a made-up property."""
    sim = sims["radarr"]
    movie = httpx.get(f"{sim.url}/api/v3/movie/1", headers={"X-Api-Key": sim.api_key})
    body = movie.json()
    body["madeUpField"] = 1
    with pytest.raises(jsonschema.ValidationError):
        contract(ARR_SPECS["radarr"]).validate("GET", "/api/v3/movie/1", body)


def test_arr_put_replies_match_their_spec(sims):
    """Check the resource returned by editing a series against the spec."""
    sim = sims["sonarr"]
    headers = {"X-Api-Key": sim.api_key}
    series = httpx.get(f"{sim.url}/api/v3/series/1", headers=headers).json()
    reply = httpx.put(f"{sim.url}/api/v3/series/1", headers=headers, json=series)
    assert reply.status_code == 202
    _arr_contract("sonarr").validate("PUT", "/api/v3/series/1", reply.json())


def _mb_headers(sims, name):
    key = sims[name].api_key
    if name == "jellyfin":
        return {"Authorization": f'MediaBrowser Token="{key}"'}
    return {"X-Emby-Token": key}


def test_jellyfin_replies_match_the_spec(sims):
    """Check Jellyfin system, user and item replies against its closed schemas."""
    sim = sims["jellyfin"]
    spec = contract("jellyfin-10.11-openapi.json")
    with httpx.Client(
        base_url=sim.url, headers=_mb_headers(sims, "jellyfin")
    ) as client:
        spec.validate(
            "GET", "/System/Info/Public", client.get("/System/Info/Public").json()
        )
        spec.validate("GET", "/System/Info", client.get("/System/Info").json())
        users = client.get("/Users").json()
        spec.validate("GET", "/Users", users)
        uid = users[0]["Id"]
        for query in (
            "IncludeItemTypes=Movie,Series&Recursive=true&Fields=ProviderIds,Tags,Path,"
            "MediaSources,DateCreated,Genres&Limit=200",
            "IncludeItemTypes=Episode&IsPlayed=true&Recursive=true&Limit=50",
            "IncludeItemTypes=BoxSet&Recursive=true&Fields=ProviderIds",
            "IncludeItemTypes=Season&Recursive=true&Limit=20",
            "",
        ):
            body = client.get(f"/Items?userId={uid}&{query}").json()
            spec.validate("GET", "/Items", body)


def test_emby_replies_match_the_spec(sims):
    """Check Emby system, user and item replies against its schemas."""
    sim = sims["emby"]
    spec = contract("emby-openapi.json")
    with httpx.Client(
        base_url=sim.url + "/emby", headers=_mb_headers(sims, "emby")
    ) as c:
        spec.validate("GET", "/System/Info/Public", c.get("/System/Info/Public").json())
        spec.validate("GET", "/System/Info", c.get("/System/Info").json())
        users = c.get("/Users/Query").json()
        spec.validate("GET", "/Users/Query", users)
        uid = users["Items"][0]["Id"]
        body = c.get(
            f"/Users/{uid}/Items?IncludeItemTypes=Movie,Series&Recursive=true"
            "&Fields=ProviderIds,Tags,Path,MediaSources&Limit=200"
        ).json()
        spec.validate("GET", "/Users/{UserId}/Items", body)


def test_seerr_replies_match_the_spec(sims):
    """Check Seerr's user, status, request and user-list replies."""
    sim = sims["seerr"]
    spec = contract("seerr-api.yml")
    with httpx.Client(base_url=sim.url, headers={"X-Api-Key": sim.api_key}) as client:
        spec.validate("GET", "/auth/me", client.get("/api/v1/auth/me").json())
        spec.validate("GET", "/status", client.get("/api/v1/status").json())
        spec.validate("GET", "/request", client.get("/api/v1/request?take=50").json())
        spec.validate("GET", "/user", client.get("/api/v1/user").json())


def test_plex_replies_match_the_spec(sims):
    """Check Plex identity, sections and listings against the community spec."""
    sim = sims["plex"]
    spec = contract("plex-openapi.yaml")
    headers = {"X-Plex-Token": sim.api_key, "Accept": "application/json"}
    with httpx.Client(base_url=sim.url, headers=headers) as client:
        spec.validate("GET", "/identity", client.get("/identity").json())
        spec.validate(
            "GET", "/library/sections/all", client.get("/library/sections").json()
        )
        for key in ("1", "2"):
            body = client.get(f"/library/sections/{key}/all?includeGuids=1").json()
            spec.validate("GET", f"/library/sections/{key}/all", body)


TAUTULLI_ROW = {
    "reference_id",
    "row_id",
    "id",
    "date",
    "started",
    "stopped",
    "duration",
    "play_duration",
    "paused_counter",
    "user_id",
    "user",
    "friendly_name",
    "user_thumb",
    "platform",
    "product",
    "player",
    "ip_address",
    "live",
    "machine_id",
    "location",
    "secure",
    "relayed",
    "media_type",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "full_title",
    "title",
    "parent_title",
    "grandparent_title",
    "original_title",
    "year",
    "media_index",
    "parent_media_index",
    "thumb",
    "originally_available_at",
    "guid",
    "transcode_decision",
    "percent_complete",
    "watched_status",
    "group_count",
    "group_ids",
    "state",
    "session_key",
}


def test_tautulli_history_has_the_documented_fields(sims):
    """Check get_history's envelope, totals and row fields against the reference."""
    sim = sims["tautulli"]
    reply = httpx.get(
        f"{sim.url}/api/v2",
        params={"apikey": sim.api_key, "cmd": "get_history", "length": 5},
    )
    response = reply.json()["response"]
    assert response["result"] == "success"
    data = response["data"]
    assert {
        "draw",
        "recordsTotal",
        "recordsFiltered",
        "total_duration",
        "filter_duration",
        "data",
    } <= data.keys()
    assert data["data"] and all(set(row) == TAUTULLI_ROW for row in data["data"])
    libraries = httpx.get(
        f"{sim.url}/api/v2", params={"apikey": sim.api_key, "cmd": "get_libraries"}
    )
    for row in libraries.json()["response"]["data"]:
        assert {
            "section_id",
            "section_name",
            "section_type",
            "count",
            "parent_count",
            "child_count",
            "is_active",
        } <= row.keys()


def test_jellystat_replies_have_the_documented_fields(sims):
    """Check Jellystat's library list and item statistics field names."""
    sim = sims["jellystat"]
    headers = {"x-api-token": sim.api_key}
    libraries = httpx.get(f"{sim.url}/api/getLibraries", headers=headers).json()
    assert isinstance(libraries, list)
    assert all({"Id", "Name", "CollectionType"} <= lib.keys() for lib in libraries)
    items = httpx.get(f"{sim.url}/api/getItemsWithStats", headers=headers).json()
    assert items
    for item in items:
        assert {
            "Id",
            "Name",
            "total_play_count",
            "total_played",
            "Users",
        } <= item.keys()
        assert all({"UserName", "play_count"} <= u.keys() for u in item["Users"])
