"""Plex, Jellyfin, Emby, Tautulli, Jellystat and Seerr against their simulators."""

from __future__ import annotations

import pytest

from controller.integrations.capabilities import Kind
from controller.integrations.errors import AuthenticationFailed, UnexpectedResponse
from controller.integrations.registry import build_client, capabilities_of

SERVERS = ["plex", "jellyfin", "emby", "tautulli", "jellystat", "seerr"]


@pytest.fixture
def server_sims(make_sims, needs):
    needs(*SERVERS)
    return make_sims(services=SERVERS)


def test_every_server_passes_its_connection_test(server_sims, client_of):
    for service in SERVERS:
        result = client_of(server_sims, service).test()
        assert result.ok, f"{service}: {result.message}"


def test_capabilities_follow_the_product(server_sims, client_of):
    plex = capabilities_of(client_of(server_sims, "plex"))
    assert {"watch_data", "watchlist_data", "collections", "labels"} <= plex
    assert "media_source" not in plex and "deleter" not in plex
    assert "request_data" in capabilities_of(client_of(server_sims, "seerr"))
    assert "indexed_watch_data" in capabilities_of(client_of(server_sims, "tautulli"))


def test_plex_sends_token_header_json_and_include_guids(server_sims, client_of):
    plex = client_of(server_sims, "plex")
    assert plex.watch_data()
    listing = [r for r in server_sims["plex"].requests if r.path.endswith("/all")]
    assert listing
    for request in listing:
        assert request.headers["X-Plex-Token"] == server_sims["plex"].api_key
        assert "json" in request.headers["Accept"]
        assert request.query.get("includeGuids") == ["1"]
        assert "X-Plex-Container-Start" in request.query


def test_plex_listing_is_read_once_per_client(server_sims, client_of):
    plex = client_of(server_sims, "plex")
    plex.watch_data()
    before = len(server_sims["plex"].requests)
    plex.collections()
    plex.labels()
    plex.item_index()
    assert len(server_sims["plex"].requests) == before


def test_plex_partial_pages_are_completed_from_the_total(server_sims, client_of):
    full = client_of(server_sims, "plex").item_index()
    server_sims["plex"].faults.set("partial_page", count=3)
    partial = client_of(server_sims, "plex").item_index()
    assert partial == full


def test_jellyfin_sums_users_and_uses_the_authorization_header(server_sims, client_of):
    jellyfin = client_of(server_sims, "jellyfin")
    records = jellyfin.watch_data()
    assert any(len(r.users) > 1 for r in records)
    assert any(r.season is not None for r in records)
    header = server_sims["jellyfin"].requests[-1].headers["Authorization"]
    assert header.startswith("MediaBrowser Token=")


def test_emby_uses_its_prefix_and_token_header(server_sims, client_of):
    emby = client_of(server_sims, "emby")
    assert emby.watchlist()
    request = server_sims["emby"].requests[-1]
    assert request.path.startswith("/emby/")
    assert request.headers["X-Emby-Token"] == server_sims["emby"].api_key


def test_tautulli_reads_history_through_the_plex_index(server_sims, client_of):
    index = client_of(server_sims, "plex").item_index()
    tautulli = client_of(server_sims, "tautulli")
    some = dict(list(index.items())[:20])
    records = tautulli.watch_data_for(some)
    sent = [r for r in server_sims["tautulli"].requests if "cmd" in r.query]
    assert all("apikey" in r.query for r in sent)
    assert all(r.play_count > 0 for r in records)
    assert all(r.ids in {link.ids for link in some.values()} for r in records)


def test_jellystat_history_maps_through_the_jellyfin_index(server_sims, client_of):
    index = client_of(server_sims, "jellyfin").item_index()
    records = client_of(server_sims, "jellystat").watch_data_for(index)
    assert records and all(r.play_count > 0 for r in records)
    request = server_sims["jellystat"].requests[-1]
    assert request.headers["x-api-token"] == server_sims["jellystat"].api_key


def test_seerr_requests_are_type_aware_and_paged(server_sims, client_of):
    records = client_of(server_sims, "seerr").requests()
    kinds = {r.ids.kind for r in records}
    assert kinds <= {Kind.MOVIE, Kind.TV} and records
    pages = [r for r in server_sims["seerr"].requests if r.path.endswith("/request")]
    assert all(
        r.query["take"] == ["100"] and r.query["filter"] == ["all"] for r in pages
    )
    expected = len(server_sims.world.requests)
    assert len(pages) == expected // 100 + 1


def test_bad_key_on_each_server_is_authentication_failed(server_sims):
    for service in ["plex", "jellyfin", "emby", "jellystat", "seerr"]:
        with build_client(
            service, server_sims[service].url, "wrong-key-0000000000", {"retries": 0}
        ) as client:
            result = client.test()
        assert not result.ok and result.error_class == "AuthenticationFailed", service


def test_tautulli_bad_key(server_sims):
    url = server_sims["tautulli"].url
    with (
        build_client("tautulli", url, "wrong-key-000000") as tautulli,
        pytest.raises(AuthenticationFailed),
    ):
        tautulli.command("get_tautulli_info")


def test_plex_client_at_a_jellyfin_url_names_jellyfin(server_sims):
    with build_client(
        "plex", server_sims["jellyfin"].url, "token-0000000000", {"retries": 0}
    ) as plex:
        result = plex.test()
    assert not result.ok and "Jellyfin" in result.message


def test_malformed_media_server_reply_is_unexpected_response(server_sims, client_of):
    server_sims["jellyfin"].faults.set("malformed_json", path_prefix="/Items")
    with pytest.raises(UnexpectedResponse):
        client_of(server_sims, "jellyfin").watch_data()
