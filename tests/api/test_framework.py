"""Cross-cutting behaviour: errors, headers, request ids, health, version."""

from __future__ import annotations

import falcon.testing

from api.middleware import SECURITY_HEADERS


def test_health_answers_the_text_ok(client: falcon.testing.TestClient) -> None:
    """Check that /health is public and answers the plain text OK."""
    result = client.simulate_get("/api/v1/health")
    assert result.status_code == 200
    assert result.text == "OK"
    assert result.headers["content-type"].startswith("text/plain")


def test_every_response_carries_security_headers_and_a_request_id(
    client: falcon.testing.TestClient,
) -> None:
    """Check the security headers and a generated X-Request-ID, also on errors."""
    for path in ("/api/v1/health", "/api/v1/integrations", "/api/v1/nope"):
        result = client.simulate_get(path)
        for name, value in SECURITY_HEADERS.items():
            assert result.headers[name] == value
        assert len(result.headers["X-Request-ID"]) == 16


def test_a_given_request_id_is_echoed(client: falcon.testing.TestClient) -> None:
    """Check that a sane X-Request-ID from the client comes back unchanged."""
    result = client.simulate_get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert result.headers["X-Request-ID"] == "abc-123"


def test_unknown_route_is_a_json_404(authed) -> None:
    """Check that an unknown path answers 404 with an error object."""
    result = authed.get("/no-such-thing")
    assert result.status_code == 404
    assert result.json == {"error": "Not Found"}


def test_wrong_method_is_a_json_405(authed) -> None:
    """Check that a method the route lacks answers 405 with an error object."""
    result = authed.client.simulate_patch(
        "/api/v1/preferences", headers={"X-Api-Key": authed.key}
    )
    assert result.status_code == 405
    assert "error" in result.json


def test_version_is_public(client: falcon.testing.TestClient) -> None:
    """Check that /version answers without credentials."""
    result = client.simulate_get("/api/v1/version")
    assert result.status_code == 200
    assert result.json["version"]


def test_invalid_json_is_a_400_naming_the_problem(authed) -> None:
    """Check that a body that is not JSON is refused with 400."""
    result = authed.put(
        "/preferences", body="{not json", headers={"Content-Type": "application/json"}
    )
    assert result.status_code == 400
    assert "not valid JSON" in result.json["error"]


def test_one_access_log_line_per_request(client, caplog) -> None:
    """Check that each request logs exactly one INFO line on api.access."""
    caplog.set_level("INFO", logger="api.access")
    client.simulate_get("/api/v1/health")
    lines = [r for r in caplog.records if r.name == "api.access"]
    assert len(lines) == 1
    assert "GET /api/v1/health 200" in lines[0].getMessage()
