"""Bad input: every kind of body, id and query parameter problem is a 400 that
names the field and what it accepts, and nothing is written."""

from __future__ import annotations

import pytest

from controller.act.deletion_queue import insert_job
from controller.store import disk_groups


@pytest.fixture
def group_id(runtime) -> int:
    store = runtime.store
    with store.write() as db:
        return disk_groups.observe(
            db, "/data", total_bytes=100, used_bytes=50, at=store.now()
        ).id


def assert_400(result, *words: str) -> None:
    assert result.status_code == 400, (result.status_code, result.text)
    message = result.json["error"]
    for word in words:
        assert word in message, message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"targetPct": 95}, ("targetPct", "below thresholdPct")),
        ({"thresholdPct": 101}, ("thresholdPct",)),
        ({"thresholdPct": 0}, ("thresholdPct",)),
        ({"mode": "yolo"}, ("mode", "dry-run", "approval", "auto")),
        ({"thresholdPct": "90"}, ("thresholdPct",)),
        ({"bogus": 1}, ("bogus", "accepted", "thresholdPct")),
        ({"totalBytesOverride": -5}, ("totalBytesOverride",)),
    ],
)
def test_disk_group_settings(authed, group_id, body, words) -> None:
    """Check the disk-group checks, and that the group is unchanged after."""
    before = authed.get("/disk-groups").json
    assert_400(authed.put(f"/disk-groups/{group_id}", json=body), *words)
    assert authed.get("/disk-groups").json == before


def test_disk_group_partial_update_merges(authed, group_id) -> None:
    """Check a partial PUT keeps the other fields and mode null means default."""
    authed.put(f"/disk-groups/{group_id}", json={"mode": "approval"})
    result = authed.put(f"/disk-groups/{group_id}", json={"thresholdPct": 95})
    assert result.json["mode"] == "approval"
    assert result.json["targetPct"] == 75
    cleared = authed.put(f"/disk-groups/{group_id}", json={"mode": None})
    assert cleared.json["mode"] is None
    assert cleared.json["effectiveMode"] == "dry-run"
    assert authed.put("/disk-groups/99", json={}).status_code == 404
    assert_400(authed.put("/disk-groups/x", json={}), "id")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"defaultDiskGroupMode": "yolo"}, ("defaultDiskGroupMode", "dry-run")),
        ({"executionMode": "yolo"}, ("defaultDiskGroupMode", "auto")),
        ({"tiebreakerMethod": "random"}, ("tiebreakerMethod", "size_desc")),
        ({"pollIntervalSeconds": 5}, ("pollIntervalSeconds",)),
        ({"deletionQueueDelaySeconds": 1000}, ("deletionQueueDelaySeconds",)),
        ({"logLevel": "loud"}, ("logLevel", "debug")),
        ({"deletionsEnabled": "yes"}, ("deletionsEnabled",)),
        ({"sunsetDays": 3}, ("sunsetDays", "accepted", "deletionsEnabled")),
        (
            {"executionMode": "auto", "defaultDiskGroupMode": "approval"},
            ("executionMode",),
        ),
    ],
)
def test_preferences(authed, body, words) -> None:
    """Check each preference check; a bad body changes nothing."""
    before = authed.get("/preferences").json
    assert_400(authed.put("/preferences", json=body), *words)
    assert authed.get("/preferences").json == before


def test_execution_mode_alias_in_a_full_write_back(authed) -> None:
    """Check GET-edit-PUT of the whole object changing only executionMode."""
    prefs = authed.get("/preferences").json
    prefs["executionMode"] = "approval"
    result = authed.put("/preferences", json=prefs)
    assert result.status_code == 200, result.json
    assert result.json["defaultDiskGroupMode"] == "approval"


def test_disabling_deletions_cancels_queued_jobs(authed, runtime) -> None:
    """Check that deletionsEnabled going false empties the deletion queue."""
    store = runtime.store
    with store.write() as db:
        insert_job(
            db,
            {
                "integration_id": 1,
                "external_id": "7",
                "media_type": "movie",
                "title": "Serenity",
                "size_bytes": 10,
            },
            trigger="engine",
            mode="auto",
            at=store.now(),
        )
    assert len(authed.get("/deletion-queue").json) == 1
    authed.put("/preferences", json={"deletionsEnabled": False})
    assert authed.get("/deletion-queue").json == []


def test_preferences_put_merges_and_reports_changes(authed, runtime) -> None:
    """Check the merge and the events: mode change and settings_changed."""
    sub = runtime.bus.subscribe()
    authed.put("/preferences", json={"defaultDiskGroupMode": "approval"})
    authed.put("/preferences", json={"deletionsEnabled": False})
    prefs = authed.get("/preferences").json
    assert prefs["defaultDiskGroupMode"] == "approval"
    assert prefs["deletionsEnabled"] is False
    assert prefs["pollIntervalSeconds"] == 300
    types = []
    while (event := sub.get(timeout=0.1)) is not None:
        types.append(event.type)
    assert "engine_mode_changed" in types and "settings_changed" in types


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"nope": 3}, ("nope", "accepted", "watch_history")),
        ({"rating": 11}, ("rating",)),
        ({"rating": -1}, ("rating",)),
        ({"rating": 2.5}, ("rating",)),
        ({"rating": "5"}, ("rating",)),
    ],
)
def test_weights(authed, body, words) -> None:
    """Check weight checks: known keys, integers 0-10."""
    before = authed.get("/scoring-factor-weights").json
    assert_400(authed.put("/scoring-factor-weights", json=body), *words)
    assert authed.get("/scoring-factor-weights").json == before


def test_request_popularity_listed_only_with_seerr(authed) -> None:
    """Check that request_popularity appears once a Seerr is enabled."""
    keys = [w["key"] for w in authed.get("/scoring-factor-weights").json]
    assert "request_popularity" not in keys
    authed.post(
        "/integrations",
        json={"type": "seerr", "name": "Seerr", "url": "http://s:5055", "apiKey": "k"},
    )
    keys = [w["key"] for w in authed.get("/scoring-factor-weights").json]
    assert keys[-1] == "request_popularity"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"type": "betamax"}, ("type", "sonarr")),
        ({"url": "ftp://x"}, ("url",)),
        ({"url": "sonarr:8989"}, ("url",)),
        ({"apiKey": ""}, ("apiKey",)),
        ({"name": ""}, ("name",)),
        ({"enabled": "true"}, ("enabled",)),
        ({"showLevelOnly": True, "type": "radarr"}, ("showLevelOnly",)),
        ({"color": "red"}, ("color", "accepted")),
    ],
)
def test_integration_create(authed, body, words) -> None:
    """Check integration checks on create; nothing is created."""
    good = {"type": "sonarr", "name": "S", "url": "http://s:8989", "apiKey": "k"}
    assert_400(authed.post("/integrations", json={**good, **body}), *words)
    assert authed.get("/integrations").json == []


def test_integration_update_merges_and_keeps_masked_key(authed, runtime) -> None:
    """Check PUT merges, ignores a masked key, refuses a type change."""
    created = authed.post(
        "/integrations",
        json={
            "type": "sonarr",
            "name": "S",
            "url": "http://s:8989",
            "apiKey": "abcd1234",
        },
    ).json
    updated = authed.put(
        "/integrations/1", json={"url": "http://t:8989", "apiKey": created["apiKey"]}
    )
    assert updated.json["url"] == "http://t:8989"
    assert updated.json["name"] == "S"
    with runtime.store.read() as db:
        assert runtime.store and db  # the stored key is unchanged:
        from controller.store import integrations

        assert integrations.get(db, 1).api_key == "abcd1234"
    assert_400(authed.put("/integrations/1", json={"type": "radarr"}), "type")
    assert authed.delete("/integrations/1").json == {"status": "deleted"}
    assert authed.get("/integrations/1").status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"field": "colour"}, ("field", "unknown rule field")),
        ({"operator": "~="}, ("operator",)),
        ({"effect": "maybe_keep"}, ("effect", "always_keep")),
        ({"field": "rating", "operator": ">", "value": "high"}, ("value", "number")),
        ({"integrationId": 7}, ("integrationId", "7")),
        ({"integrationId": "1"}, ("integrationId",)),
    ],
)
def test_rules(authed, body, words) -> None:
    """Check rule checks against the rule field table; nothing is created."""
    good = {
        "field": "title",
        "operator": "contains",
        "value": "Firefly",
        "effect": "always_keep",
    }
    assert_400(authed.post("/custom-rules", json={**good, **body}), *words)
    assert authed.get("/custom-rules").json == []


def test_rule_update_honours_enabled_and_merges(authed) -> None:
    """Check PUT changes enabled and keeps the fields not given."""
    rule = authed.post(
        "/custom-rules",
        json={
            "field": "title",
            "operator": "contains",
            "value": "X",
            "effect": "prefer_keep",
        },
    ).json
    assert rule["integrationId"] is None
    updated = authed.put(f"/custom-rules/{rule['id']}", json={"enabled": False})
    assert updated.json["enabled"] is False and updated.json["value"] == "X"
    assert authed.delete(f"/custom-rules/{rule['id']}").status_code == 204
    assert authed.delete(f"/custom-rules/{rule['id']}").status_code == 404


def test_rule_reorder(authed) -> None:
    """Check reorder: unknown ids are a 400, a valid order is applied."""
    for value in ("a", "b"):
        authed.post(
            "/custom-rules",
            json={
                "field": "title",
                "operator": "contains",
                "value": value,
                "effect": "lean_keep",
            },
        )
    assert_400(authed.put("/custom-rules/reorder", json={"order": [2, 9]}), "9")
    result = authed.put("/custom-rules/reorder", json={"order": [2, 1]})
    assert [r["id"] for r in result.json["rules"]] == [2, 1]


@pytest.mark.parametrize(
    ("path", "query", "words"),
    [
        ("/audit-log", "limit=0", ("limit", "1..1000")),
        ("/audit-log", "limit=abc", ("limit",)),
        ("/audit-log", "offset=-1", ("offset",)),
        ("/audit-log", "action=deleted_maybe", ("action", "dry_delete")),
        ("/audit-log", "sort_by=score", ("sort_by", "media_name")),
        ("/audit-log", "sort_dir=up", ("sort_dir", "asc")),
        ("/approval-queue", "status=waiting", ("status", "pending")),
        ("/metrics/history", "resolution=monthly", ("resolution", "hourly")),
        ("/metrics/history", "since=yesterday", ("since",)),
        ("/metrics/history", "disk_group_id=x", ("disk_group_id",)),
        ("/engine/history", "range=forever", ("range",)),
        ("/preview", "force=maybe", ("force",)),
        ("/preview", "format=xml", ("format", "full")),
        ("/activity/recent", "limit=100000", ("limit",)),
        ("/rule-fields", "service_type=betamax", ("service_type", "sonarr")),
        ("/rule-values", "action=title", ("integration_id",)),
        ("/rule-values", "integration_id=1&action=colour", ("action", "title")),
        ("/settings/export", "sections=everything", ("sections", "rules")),
        ("/analytics/dead-content", "minDays=0", ("minDays",)),
    ],
)
def test_query_parameters(authed, path, query, words) -> None:
    """Check that bad query parameters are 400s naming them."""
    assert_400(authed.get(path, query_string=query), *words)


def test_unknown_ids_are_404(authed) -> None:
    """Check that well-formed ids naming nothing are 404s."""
    for method, path in [
        ("GET", "/integrations/5"),
        ("PUT", "/custom-rules/5"),
        ("DELETE", "/notifications/channels/5"),
        ("GET", "/analytics/forecast?disk_group_id=5"),
        ("DELETE", "/approval-queue/5"),
        ("DELETE", "/deletion-queue/5"),
    ]:
        target, _, query = path.partition("?")
        result = authed.client.simulate_request(
            method,
            "/api/v1" + target,
            query_string=query,
            headers={"X-Api-Key": authed.key},
            json={} if method == "PUT" else None,
        )
        assert result.status_code == 404, (method, path, result.text)
