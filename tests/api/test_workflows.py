"""The contract's workflows, call by call, in-process."""

from __future__ import annotations

from controller.store import disk_groups, queues


def add_group(runtime, mount: str = "/data") -> int:
    store = runtime.store
    with store.write() as db:
        group = disk_groups.observe(
            db, mount, total_bytes=1000, used_bytes=900, at=store.now()
        )
    return group.id


def test_workflow_1_initial_setup(authed, runtime) -> None:
    """Check health, add an integration, test it, run the engine, worker stats."""
    assert authed.get("/health").text == "OK"
    created = authed.post(
        "/integrations",
        json={
            "type": "sonarr",
            "name": "Sonarr Main",
            "url": "http://sonarr:8989",
            "apiKey": "your-sonarr-api-key",
            "enabled": True,
        },
    )
    assert created.status_code == 201
    body = created.json
    assert body["id"] == 1 and body["name"] == "Sonarr Main"
    assert body["apiKey"].endswith("-key") and "your-sonarr" not in body["apiKey"]
    tested = authed.post(
        "/integrations/test",
        json={
            "type": "sonarr",
            "url": "http://sonarr:8989",
            "apiKey": "your-sonarr-api-key",
        },
    )
    assert tested.status_code == 200 and tested.json["success"] is True
    assert authed.post("/engine/run").json == {"status": "started"}
    assert runtime.cycles_requested == ["manual"]
    stats = authed.get("/worker/stats").json
    assert stats["isRunning"] is False
    assert stats["queueDepth"] == 0


def test_workflow_2_configure_capacity(authed, runtime) -> None:
    """Check thresholds, weights, preferences, a rule, rule fields, preview."""
    group_id = add_group(runtime)
    authed.post(
        "/integrations",
        json={"type": "sonarr", "name": "S", "url": "http://s:8989", "apiKey": "k"},
    )
    groups = authed.get("/disk-groups").json
    assert groups[0]["totalBytes"] == 1000 and groups[0]["usedBytes"] == 900
    put = authed.put(
        f"/disk-groups/{group_id}", json={"thresholdPct": 90, "targetPct": 80}
    )
    assert put.status_code == 200
    assert (put.json["thresholdPct"], put.json["targetPct"]) == (90, 80)
    assert runtime.cycles_requested == ["disk_group_changed"]
    weights = authed.put(
        "/scoring-factor-weights",
        json={"watch_history": 10, "file_size": 6, "rating": 5, "time_in_library": 4},
    )
    assert weights.status_code == 200
    by_key = {w["key"]: w["weight"] for w in weights.json}
    assert by_key["file_size"] == 6 and by_key["last_watched"] == 8
    prefs = authed.put(
        "/preferences",
        json={"defaultDiskGroupMode": "dry-run", "tiebreakerMethod": "size_desc"},
    )
    assert prefs.status_code == 200
    assert prefs.json["defaultDiskGroupMode"] == "dry-run"
    rule = authed.post(
        "/custom-rules",
        json={
            "field": "title",
            "operator": "contains",
            "value": "Firefly",
            "effect": "always_keep",
            "integrationId": 1,
        },
    )
    assert rule.status_code == 201
    assert rule.json["integrationId"] == 1 and rule.json["enabled"] is True
    fields = authed.get("/rule-fields").json
    assert {"field": "title", "label": "Title", "type": "string"}.items() <= fields[
        0
    ].items()
    runtime.preview_items = [
        {"item": {"title": "A"}, "score": 0.9, "isProtected": False},
        {"item": {"title": "Firefly"}, "score": 0.0, "isProtected": True},
    ]
    preview = authed.get("/preview").json
    assert isinstance(preview, list)
    assert [item["protected"] for item in preview] == [False, True]
    full = authed.get("/preview", query_string="format=full").json
    assert set(full) >= {"items", "diskContext"}


def test_workflow_3_monitor(authed, runtime) -> None:
    """Check dashboard stats, audit log pages, grouped log, queue, activity."""
    stats = authed.get("/dashboard-stats").json
    for key in (
        "totalBytesReclaimed",
        "totalItemsRemoved",
        "totalEngineRuns",
        "growthBytesPerWeek",
        "protectedCount",
        "hasGrowthData",
    ):
        assert key in stats
    page = authed.get("/audit-log", query_string="limit=20&offset=0").json
    assert page == {"data": [], "total": 0, "limit": 20, "offset": 0}
    assert authed.get("/audit-log/grouped").json == []
    assert authed.get("/approval-queue", query_string="status=pending").json == []
    runtime.bus.flush()
    activity = authed.get("/activity/recent", query_string="limit=50").json
    assert [a["eventType"] for a in activity][-1] == "login"
    for path in ("/analytics/dead-content", "/analytics/stale-content"):
        assert authed.get(path).status_code == 200
    forecast = authed.get("/analytics/forecast").json
    assert forecast["daysUntilThreshold"] == -1
    hourly = authed.get("/metrics/history", query_string="resolution=hourly&since=24h")
    assert hourly.json == {"status": "success", "data": []}
    group = add_group(runtime)
    daily = authed.get(
        "/metrics/history",
        query_string=f"resolution=daily&since=30d&disk_group_id={group}",
    )
    assert daily.status_code == 200


def test_workflow_5_emergency_stop(authed) -> None:
    """Check that a lone defaultDiskGroupMode change is accepted and read back."""
    before = authed.get("/preferences").json
    result = authed.put("/preferences", json={"defaultDiskGroupMode": "dry-run"})
    assert result.status_code == 200
    after = authed.get("/preferences").json
    assert after["defaultDiskGroupMode"] == "dry-run"
    assert after == before
    assert (
        authed.put("/preferences", json={"defaultDiskGroupMode": "auto"}).json[
            "executionMode"
        ]
        == "auto"
    )


def _pending(runtime, title: str = "Serenity") -> int:
    store = runtime.store
    with store.write() as db:
        item = queues.insert_approval(
            db,
            {
                "integration_id": 1,
                "external_id": "42",
                "media_type": "movie",
                "title": title,
                "size_bytes": 10,
                "score": 0.5,
                "status": "pending",
            },
            at=store.now(),
        )
    return item.id


def test_workflow_6_approvals(authed, runtime) -> None:
    """Check approve (409 while deletions are disabled), reject, unsnooze, clear."""
    authed.post(
        "/integrations",
        json={"type": "radarr", "name": "R", "url": "http://r:7878", "apiKey": "k"},
    )
    entry = _pending(runtime)
    pending = authed.get("/approval-queue", query_string="status=pending").json
    assert [p["id"] for p in pending] == [entry]
    authed.put("/preferences", json={"deletionsEnabled": False})
    blocked = authed.post(f"/approval-queue/{entry}/approve")
    assert blocked.status_code == 409
    assert "disabled" in blocked.json["error"]
    rejected = authed.post(f"/approval-queue/{entry}/reject")
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    again = authed.post(f"/approval-queue/{entry}/reject")
    assert again.status_code == 400
    back = authed.post(f"/approval-queue/{entry}/unsnooze")
    assert back.json["status"] == "pending"
    authed.put("/preferences", json={"deletionsEnabled": True})
    approved = authed.post(f"/approval-queue/{entry}/approve")
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert len(authed.get("/deletion-queue").json) == 1
    assert authed.post("/approval-queue/clear").json == {"cleared": 0}
    assert authed.post("/approval-queue/999/approve").status_code == 404
    assert authed.post("/approval-queue/abc/approve").status_code == 400


def test_workflow_7_second_integration(authed) -> None:
    """Check a second integration gets id 2 and a duplicate name is 409."""
    first = {"type": "sonarr", "name": "S", "url": "http://s:8989", "apiKey": "k"}
    authed.post("/integrations", json=first)
    second = authed.post(
        "/integrations",
        json={
            "type": "radarr",
            "name": "Radarr Movies",
            "url": "http://radarr:7878",
            "apiKey": "your-radarr-api-key",
            "enabled": True,
        },
    )
    assert second.json["id"] == 2
    assert authed.post("/integrations", json=first).status_code == 409


def test_workflow_8_export_import(authed, runtime) -> None:
    """Check export (no secrets) then import into a fresh instance."""
    authed.post(
        "/integrations",
        json={
            "type": "sonarr",
            "name": "Sonarr Main",
            "url": "http://sonarr:8989",
            "apiKey": "secret-key-1234",
        },
    )
    authed.post(
        "/custom-rules",
        json={
            "field": "title",
            "operator": "contains",
            "value": "Firefly",
            "effect": "always_keep",
            "integrationId": 1,
        },
    )
    exported = authed.get("/settings/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    assert "secret-key-1234" not in exported.text
    envelope = exported.json
    assert envelope["version"] == 1 and envelope["rules"][0]["integration"] == (
        "Sonarr Main"
    )
    only_rules = authed.get("/settings/export", query_string="sections=rules").json
    assert "integrations" not in only_rules and only_rules["rules"]
    preview = authed.post(
        "/settings/import/preview",
        json={"envelope": envelope, "sections": {"rules": True}},
    )
    assert preview.json["rulesImported"] == 1
    assert len(authed.get("/custom-rules").json) == 1
    result = authed.post(
        "/settings/import",
        json={
            "envelope": envelope,
            "sections": {
                "preferences": True,
                "rules": True,
                "integrations": True,
                "diskGroups": True,
                "notifications": True,
            },
        },
    )
    assert result.status_code == 200, result.json
    assert result.json["rulesImported"] == 1
    assert result.json["integrationsImported"] == 1
    assert len(authed.get("/custom-rules").json) == 2
    key = authed.put("/integrations/1", json={"apiKey": "your-api-key"})
    assert key.status_code == 200 and key.json["apiKey"].endswith("-key")
    yaml_text = authed.get("/settings/export", query_string="format=yaml").text
    assert "Sonarr Main" in yaml_text


def test_import_accepts_payload_and_the_originals_shape(authed) -> None:
    """Check `payload` and the original's export fields are understood."""
    original = {
        "version": 1,
        "exportedAt": "2026-03-06T12:00:00Z",
        "appVersion": "2.3.2",
        "preferences": {"executionMode": "approval", "factorWeights": {"rating": 3}},
        "notificationChannels": [{"name": "Hook", "type": "discord", "enabled": True}],
    }
    result = authed.post(
        "/settings/import",
        json={
            "payload": original,
            "sections": {"preferences": True, "notificationChannels": True},
        },
    )
    assert result.status_code == 200, result.json
    assert authed.get("/preferences").json["defaultDiskGroupMode"] == "approval"
    assert [c["name"] for c in authed.get("/notifications/channels").json] == ["Hook"]


def test_bad_import_writes_nothing(authed) -> None:
    """Check that an invalid envelope is a 400 naming the field, nothing written."""
    envelope = {
        "version": 1,
        "rules": [
            {
                "field": "title",
                "operator": "contains",
                "value": "x",
                "effect": "always_keep",
            },
            {"field": "title", "operator": "contains", "value": "y", "effect": "bogus"},
        ],
    }
    result = authed.post(
        "/settings/import", json={"envelope": envelope, "sections": {"rules": True}}
    )
    assert result.status_code == 400
    assert "rules" in result.json["error"] and "effect" in result.json["error"]
    assert authed.get("/custom-rules").json == []
