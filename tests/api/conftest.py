"""Fixtures for the API tests: a real store, bus and queues behind the app.

``ApiRuntime`` is the small runtime these tests drive the app with until the
reconciler's runtime covers every call; it uses the real store, event bus,
approval service and deletion queue, and records cycle requests instead of
running cycles.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from controller.act.approval import ApprovalService
from controller.act.deletion_queue import DeletionQueue
from controller.events import EventBus
from controller.manifest.models import Manifest, Preferences
from controller.store import Store, desired

PASSWORD = "correct horse battery"


class Worker(DeletionQueue):
    """The deletion queue plus the counters ``/worker/stats`` shows."""

    def stats(self) -> dict[str, Any]:
        jobs = self.jobs()
        return {
            "queueDepth": len(jobs),
            "currentlyDeleting": "",
            "processed": 0,
            "failed": 0,
        }


class ApiRuntime:
    """Everything the API calls on the runtime, over real controller parts."""

    def __init__(self, store: Store):
        self.store = store
        self.bus = EventBus(store)
        self.worker = Worker(store, self.bus)
        self.approvals = ApprovalService(store, self.bus, self.worker)
        self.cycles: list[str] = []
        self.running = False
        self.preview_items: list[dict[str, Any]] = []
        self.connection_ok = True
        self.notifications_sent: list[Any] = []
        self._lock = threading.Lock()

    def request_cycle(self, reason: str) -> str:
        with self._lock:
            self.cycles.append(reason)
            return "already_running" if self.running else "started"

    def is_cycle_running(self) -> bool:
        return self.running

    def status(self) -> dict[str, Any]:
        return {"conditions": [], "manifestGeneration": None, "drift": []}

    def preview(self, force: bool = False) -> dict[str, Any]:
        return {"items": list(self.preview_items), "diskContext": None}

    def test_connection(self, kind: str, url: str, api_key: str) -> dict[str, Any]:
        if self.connection_ok:
            return {"success": True, "message": "Connection successful"}
        return {"success": False, "error": f"could not reach {kind} at {url}"}

    def sync_integrations(self) -> list[dict[str, Any]]:
        return []

    def rule_values(self, integration_id: int, field: str) -> dict[str, Any]:
        return {"type": "free", "inputType": "text", "placeholder": "", "suffix": ""}

    def export_manifest(self, sections: list[str]) -> Manifest:
        with self.store.read() as db:
            prefs = desired.get_preferences(db)
            weights = desired.get_weights(db)
            names = {i.id: i.name for i in desired.integrations.list_all(db)}
            body: dict[str, Any] = {
                "preferences": {
                    k: v for k, v in prefs.items() if k in Preferences.model_fields
                },
                "scoringWeights": {k: int(v) for k, v in weights.items()},
                "integrations": [
                    {"name": i.name, "type": i.type, "url": i.url, "enabled": i.enabled}
                    for i in desired.integrations.list_all(db)
                ],
                "diskGroups": [
                    {
                        "mountPath": g.mount_path,
                        "thresholdPct": g.threshold_pct,
                        "targetPct": g.target_pct,
                    }
                    for g in desired.disk_groups.list_all(db)
                ],
                "rules": [
                    {
                        "field": r.field,
                        "operator": r.operator,
                        "value": r.value,
                        "effect": r.effect,
                        "enabled": r.enabled,
                        **(
                            {"integration": names[r.integration_id]}
                            if r.integration_id
                            else {}
                        ),
                    }
                    for r in desired.rules.list_all(db)
                ],
                "notifications": [
                    {"name": c.name, "type": c.type, "enabled": c.enabled}
                    for c in desired.channels.list_all(db)
                ],
            }
        return Manifest.model_validate(body)

    def drift(self) -> list[dict[str, Any]]:
        return []

    def revert(self, change_ids: list[int] | str, origin: str) -> list[int]:
        return []

    def disk_group_integrations(self) -> dict[str, list[dict[str, Any]]]:
        return {}

    def dead_content(self, min_days: int | None, disk_group_id: int | None) -> dict:
        return {"items": [], "totalCount": 0, "totalSize": 0, "protectedCount": 0}

    def stale_content(self, stale_days: int | None, disk_group_id: int | None) -> dict:
        return {"items": [], "totalCount": 0, "totalSize": 0, "protectedCount": 0}

    def send_test_notification(self, channel: Any) -> None:
        self.notifications_sent.append(channel)

    def request_deletion(self, items: list[dict], origin: str) -> dict[str, Any]:
        self.deletion_requests = items
        return {"queued": len(items), "total": len(items), "mode": "dry-run"}

    def reset_data(self, origin: str) -> dict[str, int]:
        return {}

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
