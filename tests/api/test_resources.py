"""Resources beyond the workflows: audit log queries, deletion queue, channels,
rate limits, manual deletes, drift, status, reset, version check."""

from __future__ import annotations

from datetime import timedelta

import falcon.testing

from api.app import create_app
from api.context import Limits
from api.ratelimit import RateLimit
from controller.act.deletion_queue import insert_job
from controller.store import audit

PASSWORD = "correct horse battery"


def add_audit(runtime, name: str, media_type: str, action: str, size: int, minutes=0):
    store = runtime.store
    with store.write() as db:
        audit.append(
            db,
            {
                "media_name": name,
                "media_type": media_type,
                "action": action,
                "size_bytes": size,
            },
            at=store.now() - timedelta(minutes=minutes),
        )


def test_audit_log_pages_search_filter_and_sort(authed, runtime) -> None:
    """Check total, limit/offset, search, action filter and sorting."""
    add_audit(runtime, "Serenity", "movie", "deleted", 5, minutes=3)
    add_audit(runtime, "Firefly - Season 1", "season", "dry_delete", 7, minutes=2)
    add_audit(runtime, "Firefly - Season 2", "season", "dry_delete", 9, minutes=1)
    page = authed.get("/audit-log", query_string="limit=2&offset=0").json
    assert page["total"] == 3 and len(page["data"]) == 2
    assert page["data"][0]["mediaName"] == "Firefly - Season 2"
    second = authed.get("/audit-log", query_string="limit=2&offset=2").json
    assert [e["mediaName"] for e in second["data"]] == ["Serenity"]
    found = authed.get("/audit-log", query_string="search=fire").json
    assert found["total"] == 2
    deleted = authed.get("/audit-log", query_string="action=deleted").json
    assert [e["mediaName"] for e in deleted["data"]] == ["Serenity"]
    by_size = authed.get(
        "/audit-log", query_string="sort_by=size_bytes&sort_dir=asc"
    ).json
    assert [e["sizeBytes"] for e in by_size["data"]] == [5, 7, 9]
    grouped = authed.get("/audit-log/grouped").json
    assert grouped[0]["type"] == "group"
    assert grouped[0]["group"]["showTitle"] == "Firefly"
    assert grouped[0]["group"]["totalSize"] == 16
    assert grouped[1] == {"type": "single", "entry": grouped[1]["entry"]}
    recent = authed.get("/audit-log/recent", query_string="limit=1").json
    assert len(recent) == 1


def queue_job(runtime, title: str = "Serenity") -> int:
    store = runtime.store
    with store.write() as db:
        job = insert_job(
            db,
            {
                "integration_id": 1,
                "external_id": "7",
                "media_type": "movie",
                "title": title,
                "size_bytes": 10,
            },
            trigger="user",
            mode="auto",
            at=store.now(),
        )
    return job.id


def test_deletion_queue_cancel_by_name_and_by_id(authed, runtime) -> None:
    """Check the queue listing, cancel by name and type, and 404 afterwards."""
    queue_job(runtime)
    listed = authed.get("/deletion-queue").json
    assert [j["mediaName"] for j in listed] == ["Serenity"]
    grace = authed.get("/deletion-queue/grace-period").json
    assert grace["queueSize"] == 1 and grace["active"] is True
    missing = authed.delete(
        "/deletion-queue", query_string="mediaName=X&mediaType=movie"
    )
    assert missing.status_code == 404
    cancelled = authed.delete(
        "/deletion-queue", query_string="mediaName=Serenity&mediaType=movie"
    )
    assert cancelled.json["cancelled"] is True
    assert authed.get("/deletion-queue").json == []
    entries = authed.get("/audit-log", query_string="action=cancelled").json
    assert entries["total"] == 1


def test_deletion_queue_snooze_and_clear(authed, runtime) -> None:
    """Check snooze (creates a rejected approval row) and clear."""
    queue_job(runtime, "Alien")
    snoozed = authed.post(
        "/deletion-queue/snooze", json={"mediaName": "Alien", "mediaType": "movie"}
    )
    assert snoozed.json["snoozed"] is True and snoozed.json["snoozedUntil"]
    rows = authed.get("/approval-queue", query_string="status=rejected").json
    assert [r["mediaName"] for r in rows] == ["Alien"]
    queue_job(runtime, "Aliens")
    assert authed.post("/deletion-queue/clear").json == {"cancelled": 1}
    bad = authed.post("/deletion-queue/snooze", json={"mediaName": "Alien"})
    assert bad.status_code == 400


def test_notification_channels(authed, runtime) -> None:
    """Check create (flags honoured, URL redacted), update, test, delete."""
    created = authed.post(
        "/notifications/channels",
        json={
            "type": "discord",
            "name": "Hook",
            "webhookUrl": "https://discord.com/api/webhooks/1/secret",
            "onCycleDigest": False,
            "onUpdateAvailable": False,
        },
    )
    assert created.status_code == 201
    body = created.json
    assert body["onCycleDigest"] is False and body["onUpdateAvailable"] is False
    assert "secret" not in body["webhookUrl"]
    updated = authed.put(
        f"/notifications/channels/{body['id']}",
        json={"enabled": False, "webhookUrl": body["webhookUrl"]},
    )
    assert updated.json["enabled"] is False and updated.json["onError"] is True
    with runtime.store.read() as db:
        from controller.store import channels

        assert channels.get(db, body["id"]).url.endswith("/secret")
    assert authed.post(f"/notifications/channels/{body['id']}/test").json == {
        "status": "sent"
    }
    assert len(runtime.notifications_sent) == 1
    bad = authed.post(
        "/notifications/channels",
        json={"type": "slack", "name": "x", "webhookUrl": "https://x.example"},
    )
    assert bad.status_code == 400 and "discord" in bad.json["error"]
    no_url = authed.post(
        "/notifications/channels", json={"type": "discord", "name": "y"}
    )
    assert no_url.status_code == 400 and "webhookUrl" in no_url.json["error"]
    assert authed.delete(f"/notifications/channels/{body['id']}").json == {
        "status": "deleted"
    }


def test_engine_run_is_rate_limited(runtime) -> None:
    """Check that the 6th run within 5 minutes from one client gets 429."""
    limits = Limits(
        login=RateLimit(10, 900),
        engine_run=RateLimit(5, 300, clock=lambda: 0.0),
        integration_test=RateLimit(30, 300),
    )
    app = create_app(
        runtime,
        jwt_secret="s" * 32,
        admin_password=PASSWORD,
        environ={},
        bcrypt_rounds=4,
        limits=limits,
    )
    client = falcon.testing.TestClient(app)
    token = client.simulate_post(
        "/api/v1/auth/login", json={"password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    codes = [
        client.simulate_post("/api/v1/engine/run", headers=headers).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_integration_test_reuses_the_stored_key(authed, runtime) -> None:
    """Check that a masked key with integrationId tests with the stored key."""
    created = authed.post(
        "/integrations",
        json={"type": "sonarr", "name": "S", "url": "http://s:8989", "apiKey": "k1234"},
    ).json
    result = authed.post(
        "/integrations/test",
        json={"integrationId": created["id"], "apiKey": created["apiKey"]},
    )
    assert result.json["success"] is True
    runtime.connection_ok = False
    failed = authed.post(
        "/integrations/test",
        json={"type": "sonarr", "url": "http://s:8989", "apiKey": "x"},
    )
    assert failed.status_code == 200 and failed.json["success"] is False


def test_manual_delete_validates_items(authed, runtime) -> None:
    """Check POST /delete passes valid items on and refuses bad ones."""
    item = {
        "integrationId": 1,
        "externalId": "7",
        "mediaName": "Serenity",
        "mediaType": "movie",
        "sizeBytes": 10,
    }
    assert authed.post("/delete", json=[item]).json["queued"] == 1
    assert runtime.deletion_requests[0]["mediaName"] == "Serenity"
    assert authed.post("/delete", json=[]).status_code == 400
    bad = authed.post("/delete", json=[{**item, "mediaType": "clip"}])
    assert bad.status_code == 400 and "mediaType" in bad.json["error"]


def test_status_drift_reset_and_version_check(authed) -> None:
    """Check the small endpoints answer in shape."""
    assert "conditions" in authed.get("/status").json
    assert authed.get("/drift").json == []
    assert authed.post("/drift/revert", json={"all": True}).json == {"reverted": []}
    assert authed.post("/drift/revert", json={}).status_code == 400
    reset = authed.delete("/data/reset").json
    assert reset["status"] == "success" and isinstance(reset["cleared"], dict)
    check = authed.get("/version/check").json
    assert check["updateAvailable"] is False
    assert authed.get("/lifetime-stats").json["totalEngineRuns"] == 0
    assert authed.get("/engine/history", query_string="range=all").json == []


def test_rule_values_and_context(authed) -> None:
    """Check static rule values and a rule's context."""
    authed.post(
        "/integrations",
        json={"type": "sonarr", "name": "S", "url": "http://s:8989", "apiKey": "k"},
    )
    values = authed.get(
        "/rule-values", query_string="integration_id=1&action=monitored"
    )
    assert values.status_code == 200 and values.json["type"] == "closed"
    rule = authed.post(
        "/custom-rules",
        json={
            "field": "monitored",
            "operator": "==",
            "value": "true",
            "effect": "lean_keep",
            "integrationId": 1,
        },
    ).json
    context = authed.get(f"/custom-rules/{rule['id']}/context").json
    assert context["rule"]["id"] == rule["id"]
    assert any(f["field"] == "seriesstatus" for f in context["fields"])
    assert context["values"]["type"] == "closed"
    impact = authed.get(f"/custom-rules/{rule['id']}/impact").json
    assert impact == {"ruleId": rule["id"], "affectedCount": 0, "totalItems": 0}
