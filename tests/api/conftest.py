"""Fixtures for the API tests: the real runtime over an in-memory store.

In-process tests use ``ApiRuntime``: the controller's ``Runtime`` without its
threads, so a requested cycle is recorded instead of run and nothing reaches a
service. ``test_end_to_end.py`` runs the real runtime against the simulators.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from controller.reconcile.runtime import Runtime
from controller.store import Store

PASSWORD = "correct horse battery"


class ApiRuntime(Runtime):
    """The real runtime with its threads left unstarted and the calls that would
    reach a service (cycles, connection tests, sync, notifications) answered
    from fields the tests set; everything else runs as in production."""

    def __init__(self, store: Store):
        super().__init__(store, watch=False)
        self.cycles_requested: list[str] = []
        self.preview_items: list[dict[str, Any]] = []
        self.connection_ok = True
        self.notifications_sent: list[Any] = []
        self.deletion_requests: list[dict[str, Any]] = []

    def request_cycle(self, reason: str = "manual") -> str:
        self.cycles_requested.append(reason)
        return super().request_cycle(reason)

    def preview(self, force: bool = False) -> dict[str, Any]:
        return {"items": list(self.preview_items), "diskContext": None}

    def test_connection(
        self, type_name: str, url: str, api_key: str, options: Any = None
    ) -> dict[str, Any]:
        if self.connection_ok:
            return {"success": True, "message": "Connection successful"}
        return {"success": False, "error": f"could not reach {type_name} at {url}"}

    def sync_integrations(self) -> list[dict[str, Any]]:
        return []

    def revert(self, change_ids: list[int] | str, origin: str) -> list[int]:
        return []

    def send_test_notification(self, channel: Any) -> None:
        self.notifications_sent.append(channel)

    def request_deletion(self, items: list[dict], origin: str) -> dict[str, Any]:
        self.deletion_requests = items
        return {"queued": len(items), "total": len(items), "mode": "dry-run"}

    def close(self) -> None:
        self.bus.close()


@pytest.fixture
def runtime() -> Iterator[ApiRuntime]:
    store = Store.memory()
    rt = ApiRuntime(store)
    yield rt
    rt.close()
    store.close()


@pytest.fixture
def app(runtime: ApiRuntime) -> falcon.App:
    return create_app(
        runtime,
        jwt_secret="test-secret",
        admin_password=PASSWORD,
        environ={},
        bcrypt_rounds=4,
        keepalive_seconds=0.2,
    )


@pytest.fixture
def client(app: falcon.App) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(app)


@pytest.fixture
def api_key(client: falcon.testing.TestClient) -> str:
    token = client.simulate_post(
        "/api/v1/auth/login", json={"password": PASSWORD}
    ).json["token"]
    result = client.simulate_post(
        "/api/v1/auth/apikey", headers={"Authorization": f"Bearer {token}"}
    )
    return str(result.json["api_key"])


@pytest.fixture
def authed(client: falcon.testing.TestClient, api_key: str) -> Authed:
    return Authed(client, api_key)


class Authed:
    """A test client that sends the API key on every request."""

    def __init__(self, client: falcon.testing.TestClient, key: str):
        self.client = client
        self.key = key

    def _headers(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("X-Api-Key", self.key)
        kwargs["headers"] = headers
        return kwargs

    def get(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_get("/api/v1" + path, **self._headers(kwargs))

    def post(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_post("/api/v1" + path, **self._headers(kwargs))

    def put(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_put("/api/v1" + path, **self._headers(kwargs))

    def delete(self, path: str, **kwargs: Any) -> falcon.testing.Result:
        return self.client.simulate_delete("/api/v1" + path, **self._headers(kwargs))
