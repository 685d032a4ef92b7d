"""The HTTP base over real loopback HTTP: errors, retries, redaction, logging."""

from __future__ import annotations

import logging
import socket

import pytest

from controller.errors import CapacitarrError
from controller.integrations.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    IntegrationError,
    ServerError,
    Timeout,
    UnexpectedResponse,
)
from controller.integrations.http import HttpClient, HttpSettings, redact_url
from controller.integrations.registry import build_client


def test_redact_url_hides_every_credential_parameter():
    url = "http://h/api/v2?apikey=SECRET&cmd=x&X-Plex-Token=T0K&api_key=K&token=Z"
    redacted = redact_url(url)
    for secret in ("SECRET", "T0K", "=K", "=Z"):
        assert secret not in redacted
    assert "cmd=x" in redacted


def test_errors_are_rooted_in_capacitarr_error():
    assert issubclass(IntegrationError, CapacitarrError)


def test_http_500_is_not_retried_and_names_service_and_status(
    make_sims, client_of, sleeper
):
    sims = make_sims(services=["radarr"])
    sims["radarr"].faults.set("http_500", count=5)
    radarr = client_of(sims, "radarr", sleep=sleeper, retries=3)
    with pytest.raises(ServerError) as caught:
        radarr.fetch_media()
    assert caught.value.status == 500 and caught.value.service == "radarr"
    assert not caught.value.transient
    assert sleeper.delays == []
    assert sum(r.path.endswith("/movie") for r in sims["radarr"].requests) == 1


def test_timeout_is_retried_with_exponential_backoff_then_raised(
    make_sims, client_of, sleeper
):
    sims = make_sims(services=["radarr"])
    sims["radarr"].faults.set("timeout", path_prefix="/api/v3/movie", seconds=5)
    radarr = client_of(sims, "radarr", sleep=sleeper, retries=2, read_timeout=0.3)
    with pytest.raises(Timeout) as caught:
        radarr.fetch_media()
    sims["radarr"].faults.clear()
    assert caught.value.transient
    assert sleeper.delays == [0.5, 1.0]
    assert isinstance(caught.value.__cause__, Exception)


def test_transient_failure_then_success_returns_data(make_sims, client_of, sleeper):
    sims = make_sims(services=["radarr"])
    sims["radarr"].faults.set(
        "timeout", path_prefix="/api/v3/movie", count=1, seconds=5
    )
    radarr = client_of(sims, "radarr", sleep=sleeper, retries=2, read_timeout=0.3)
    items = radarr.fetch_media()
    sims["radarr"].faults.clear()
    assert items and len(sleeper.delays) == 1


def test_http_401_is_authentication_failed_without_retry(make_sims, client_of, sleeper):
    sims = make_sims(services=["sonarr"])
    sims["sonarr"].faults.set("http_401")
    sonarr = client_of(sims, "sonarr", sleep=sleeper, retries=3)
    with pytest.raises(AuthenticationFailed):
        sonarr.fetch_media()
    assert sleeper.delays == []


@pytest.mark.parametrize("fault", ["malformed_json", "truncated_json"])
def test_bad_json_is_unexpected_response(make_sims, client_of, fault):
    sims = make_sims(services=["sonarr"])
    sims["sonarr"].faults.set(fault, path_prefix="/api/v3/series")
    with pytest.raises(UnexpectedResponse, match="not valid JSON"):
        client_of(sims, "sonarr").fetch_media()


def test_wrong_api_key_never_appears_in_errors_or_logs(make_sims, caplog):
    sims = make_sims(services=["radarr"])
    secret = "not-the-key-0123456789abcdef"
    caplog.set_level(logging.DEBUG)
    with build_client("radarr", sims["radarr"].url, secret, {"retries": 0}) as radarr:
        with pytest.raises(AuthenticationFailed) as caught:
            radarr.fetch_media()
        result = radarr.test()
    assert secret not in str(caught.value)
    assert secret not in caplog.text
    assert not result.ok and "API key" in result.message
    assert secret not in result.message


def test_query_parameter_keys_are_redacted_in_logs(make_sims, caplog, needs):
    needs("tautulli")
    sims = make_sims(services=["tautulli"])
    key = sims["tautulli"].api_key
    caplog.set_level(logging.INFO, logger="controller.integrations.http")
    with build_client("tautulli", sims["tautulli"].url, key) as tautulli:
        assert tautulli.test().ok
    assert caplog.records, "one INFO line per call is expected"
    assert key not in caplog.text and "apikey=%2A%2A%2A" in caplog.text.replace(
        "***", "%2A%2A%2A"
    )


def test_one_info_line_per_call_with_status_and_duration(make_sims, caplog):
    sims = make_sims(services=["sonarr"])
    caplog.set_level(logging.INFO, logger="controller.integrations.http")
    with build_client("sonarr", sims["sonarr"].url, sims["sonarr"].api_key) as sonarr:
        sonarr.disks()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "GET" in lines[0] and "/api/v3/diskspace" in lines[0] and "200" in lines[0]
    assert " ms" in lines[0]


def test_html_login_page_is_rejected(canned):
    page = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    with canned(200, page, {"Content-Type": "text/html"}) as (url, _):
        http = HttpClient("sonarr", url, settings=HttpSettings(retries=0))
        with pytest.raises(UnexpectedResponse, match="HTML page"):
            http.get("api/v3/series")
        http.close()
        with build_client("sonarr", url, "k") as sonarr:
            result = sonarr.test()
    assert not result.ok and "HTML" in result.message


def test_429_honours_retry_after(canned, sleeper):
    with canned(429, b"{}", {"Retry-After": "7"}) as (url, seen):
        http = HttpClient(
            "seerr",
            url,
            settings=HttpSettings(retries=2, backoff_max=60),
            sleep=sleeper,
        )
        with pytest.raises(ServerError) as caught:
            http.get("api/v1/request")
        http.close()
    assert caught.value.status == 429 and caught.value.transient
    assert sleeper.delays == [7.0, 7.0] and len(seen) == 3


def test_503_is_retried_but_404_is_not(canned, sleeper):
    with canned(503, b'{"message":"busy"}') as (url, seen):
        http = HttpClient("plex", url, settings=HttpSettings(retries=1), sleep=sleeper)
        with pytest.raises(ServerError, match="busy"):
            http.get("identity")
        http.close()
    assert len(seen) == 2
    with canned(404, b"") as (url, seen):
        http = HttpClient("plex", url, settings=HttpSettings(retries=3), sleep=sleeper)
        with pytest.raises(IntegrationError):
            http.get("identity")
        http.close()
    assert len(seen) == 1


def test_third_party_error_body_is_cut_short(canned):
    with canned(400, b"x" * 5000) as (url, _):
        http = HttpClient("radarr", url, settings=HttpSettings(retries=0))
        with pytest.raises(IntegrationError) as caught:
            http.get("api/v3/movie")
        http.close()
    assert len(caught.value.detail) <= 300


def test_connection_refused_and_unresolvable_name_have_clear_messages():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with build_client("radarr", url, "k", {"retries": 0}) as refused:
        with pytest.raises(ConnectionFailed):
            refused.disks()
        assert "refused" in refused.test().message.lower()
    invalid = "http://no-such-host.invalid"
    with build_client("radarr", invalid, "k", {"retries": 0}) as radarr:
        unknown = radarr.test()
    assert not unknown.ok and "resolved" in unknown.message
