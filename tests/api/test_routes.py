"""The route table: every protected route refuses anonymous callers, and the
OpenAPI document lists exactly the routes the router serves."""

from __future__ import annotations

import re
from collections.abc import Iterator

import falcon.testing
import pytest

from api.app import ApiApp
from api.routes import BASE_PATH

PUBLIC = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/version"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/auth/status"),
    ("GET", "/api/v1/openapi.json"),
}


def served_routes(app: ApiApp) -> Iterator[tuple[str, str]]:
    """Walk Falcon's compiled router: (method, uri template) for every responder
    a resource defines (Falcon's default 405/OPTIONS responders left out)."""
    stack = list(app._router._roots)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.resource is None:
            continue
        for method, responder in node.method_map.items():
            if getattr(responder, "__self__", None) is node.resource:
                yield method, node.uri_template


def concrete(template: str) -> str:
    return re.sub(r"{\w+(:\w+)?}", "1", template)


def test_the_router_serves_every_contract_route(app: ApiApp) -> None:
    """Check that the routes the workflows use exist with their methods."""
    routes = set(served_routes(app))
    for method, path in [
        ("POST", "/auth/login"),
        ("POST", "/auth/apikey"),
        ("POST", "/integrations"),
        ("PUT", "/integrations/{id}"),
        ("POST", "/integrations/test"),
        ("POST", "/engine/run"),
        ("GET", "/worker/stats"),
        ("GET", "/disk-groups"),
        ("PUT", "/disk-groups/{id}"),
        ("PUT", "/scoring-factor-weights"),
        ("PUT", "/preferences"),
        ("GET", "/preferences"),
        ("POST", "/custom-rules"),
        ("GET", "/rule-fields"),
        ("GET", "/preview"),
        ("GET", "/dashboard-stats"),
        ("GET", "/audit-log"),
        ("GET", "/audit-log/grouped"),
        ("GET", "/approval-queue"),
        ("POST", "/approval-queue/{id}/approve"),
        ("POST", "/approval-queue/{id}/reject"),
        ("POST", "/approval-queue/{id}/unsnooze"),
        ("POST", "/approval-queue/clear"),
        ("GET", "/activity/recent"),
        ("GET", "/analytics/dead-content"),
        ("GET", "/analytics/stale-content"),
        ("GET", "/analytics/forecast"),
        ("GET", "/metrics/history"),
        ("GET", "/events"),
        ("GET", "/settings/export"),
        ("POST", "/settings/import"),
        ("GET", "/health"),
    ]:
        assert (method, BASE_PATH + path) in routes, (method, path)


def test_every_non_public_route_answers_401_without_credentials(
    app: ApiApp, client: falcon.testing.TestClient
) -> None:
    """Check every (method, route) in the router: anonymous callers get 401
    with an error object, except on the public routes."""
    routes = sorted(set(served_routes(app)))
    assert len(routes) > 60
    for method, template in routes:
        if (method, template) in PUBLIC:
            continue
        result = client.simulate_request(method, concrete(template))
        assert result.status_code == 401, (method, template, result.status_code)
        assert result.json == {"error": "Unauthorized"}, (method, template)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Api-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer a.b.c"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_bad_credentials_are_refused(client, headers) -> None:
    """Check that a present but wrong credential gets 401."""
    result = client.simulate_get("/api/v1/preferences", headers=headers)
    assert result.status_code == 401


def test_public_routes_need_no_credentials(app: ApiApp, client) -> None:
    """Check that the public routes are exactly the documented ones."""
    assert {(m, t) for m, t in served_routes(app) if (m, t) in PUBLIC} == PUBLIC
    for method, path in PUBLIC - {("POST", "/api/v1/auth/login")}:
        assert client.simulate_request(method, path).status_code == 200


def test_openapi_lists_exactly_the_served_routes(app: ApiApp, client) -> None:
    """Check that the OpenAPI document and the router agree in both directions."""
    document = client.simulate_get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
    }
    served = set(served_routes(app))
    assert documented == served


def test_openapi_marks_public_operations(client) -> None:
    """Check that public operations carry an empty security list."""
    paths = client.simulate_get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/health"]["get"]["security"] == []
    assert "security" not in paths["/api/v1/preferences"]["get"]
    assert "401" in paths["/api/v1/preferences"]["get"]["responses"]
