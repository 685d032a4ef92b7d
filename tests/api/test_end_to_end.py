"""The contract's workflows against the real runtime, the simulators and a real
waitress server on loopback, driven with httpx as a curl user would."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.serve import make_server
from controller.reconcile.runtime import Runtime
from controller.store import Store

PASSWORD = "correct horse battery"


@pytest.fixture
def live(make_sims) -> Iterator[tuple[httpx.Client, Any, Runtime]]:
    sims = make_sims(size=300, services=["sonarr", "radarr"])
    store = Store.memory()
    runtime = Runtime(store, watch=False, pause_seconds=0.0)
    runtime.start(run_now=False)
    app = create_app(
        runtime,
        admin_password=PASSWORD,
        environ={},
        bcrypt_rounds=4,
        keepalive_seconds=1.0,
    )
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.port}/api/v1"
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            yield http, sims, runtime
    finally:
        server.close()
        thread.join(5)
        runtime.stop(10)
        runtime.bus.close()
        store.close()


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def test_workflows_1_2_and_7_with_the_real_runtime(live) -> None:
    """Check login, API key, two integrations, a run, and a preview array with
    media from both, protected items marked."""
    http, sims, runtime = live
    assert http.get("/health").text == "OK"
    token = http.post("/auth/login", json={"password": PASSWORD}).json()["token"]
    key = http.post(
        "/auth/apikey", headers={"Authorization": f"Bearer {token}"}
    ).json()["api_key"]
    http.headers["X-Api-Key"] = key
    for service, name in (("sonarr", "Sonarr Main"), ("radarr", "Radarr Movies")):
        body = {
            "type": service,
            "url": sims[service].url,
            "apiKey": sims[service].api_key,
        }
        tested = http.post("/integrations/test", json=body).json()
        assert tested["success"] is True, tested
        created = http.post(
            "/integrations", json={**body, "name": name, "enabled": True}
        )
        assert created.status_code == 201
    bad = http.post(
        "/integrations/test",
        json={"type": "sonarr", "url": sims["sonarr"].url, "apiKey": "wrong"},
    ).json()
    assert bad["success"] is False and bad["error"]
    rule = http.post(
        "/custom-rules",
        json={
            "field": "type",
            "operator": "==",
            "value": "show",
            "effect": "always_keep",
            "integrationId": 1,
        },
    )
    assert rule.status_code == 201
    assert http.post("/engine/run").json()["status"] in ("started", "already_running")
    wait_for(lambda: runtime.last_cycle is not None and not runtime.is_cycle_running())
    stats = http.get("/worker/stats").json()
    assert stats["lastRunEvaluated"] > 0
    groups = http.get("/disk-groups").json()
    assert groups and groups[0]["integrations"]
    preview = http.get("/preview").json()
    assert isinstance(preview, list) and preview
    scores = [item["score"] for item in preview]
    # Highest first; scores within 0.0001 are ordered by the tiebreaker.
    assert all(b <= a + 1e-4 for a, b in itertools.pairwise(scores))
    owners = {item["item"]["integrationId"] for item in preview}
    assert owners == {1, 2}
    protected = [item for item in preview if item["protected"]]
    assert protected and all(p["item"]["integrationId"] == 1 for p in protected)
    print(f"\npreview: {len(preview)} items, {len(protected)} protected")
    export = http.get("/settings/export").json()
    assert sims["sonarr"].api_key not in str(export)
    assert {i["name"] for i in export["integrations"]} == {
        "Sonarr Main",
        "Radarr Movies",
    }
    assert http.get("/status").status_code == 200
    assert http.get("/dashboard-stats").json()["totalEngineRuns"] >= 1
