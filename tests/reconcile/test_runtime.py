"""Check the reconcile loop end to end: manifests, runtime changes, drift, status."""

from __future__ import annotations

from pathlib import Path

import falcon.testing

from api.app import create_app
from controller.store import desired as stored
from simulators.harness import SERVICES
from tests.reconcile.conftest import wait_for

ARR_SERVICES = ("sonarr", "radarr", "lidarr", "readarr")


def set_threshold(folder: Path, old: str, new: str) -> None:
    path = folder / "desired.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def effective_group(runtime, mount: str):
    with runtime.store.read() as db:
        return stored.disk_groups.find_by_mount(db, mount)


def test_first_cycle_plans_the_breached_group_and_status_says_so(make_runtime) -> None:
    """Check that a cycle fills the approval queue and the status names the breach."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    result = runtime._run_cycle("test")
    media = next(g for g in result.plan.groups if g.mount_path == "/data/media")
    assert media.breached and media.mode == "approval" and media.deletions
    status = runtime.status()
    assert status["manifests"]["appliedGeneration"] == status["manifests"]["generation"]
    condition = status["conditions"]["diskGroups[/data/media]"]
    assert condition["type"] == "ThresholdBreached"
    assert "awaiting approval" in condition["message"]
    pending = runtime.approvals.snoozed_keys()  # nothing snoozed yet
    assert pending == set()


def test_manifest_edit_is_applied_within_seconds_and_visible_in_preview(
    make_runtime,
    manifests: Path,
) -> None:
    """Check that editing a manifest on disk applies a new generation and re-plans."""
    runtime = make_runtime(watch=True)
    runtime.start(run_now=True)
    client = falcon.testing.TestClient(
        create_app(runtime, admin_password="pw-for-tests", bcrypt_rounds=4)
    )
    assert wait_for(lambda: runtime.cycles.last is not None, 60)
    first = runtime.status()["manifests"]["appliedGeneration"]
    set_threshold(manifests, "thresholdPct: 85", "thresholdPct: 95")
    assert wait_for(
        lambda: runtime.status()["manifests"]["appliedGeneration"] != first, 20
    ), "the new generation was not applied"
    assert effective_group(runtime, "/data/media").threshold_pct == 95
    assert wait_for(
        lambda: (
            runtime.cycles.last
            and any(
                g.mount_path == "/data/media" and not g.breached
                for g in runtime.cycles.last.plan.groups
            )
        ),
        30,
    ), "no cycle re-planned with the new threshold"
    key = client.simulate_post(
        "/api/v1/auth/login", json={"password": "pw-for-tests"}
    ).json["token"]
    preview = client.simulate_get(
        "/api/v1/preview", headers={"Authorization": f"Bearer {key}"}
    )
    assert preview.status_code == 200
    media = [e for e in preview.json if e.get("diskGroup") == "/data/media"]
    assert media, "the preview lost the media group's items"
    assert not any(entry["planned"] for entry in media)


def test_broken_manifest_is_rejected_and_the_last_good_generation_stays(
    make_runtime, manifests: Path
) -> None:
    """Check that an invalid edit changes nothing and the status says why."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    good = runtime.status()["manifests"]["appliedGeneration"]
    set_threshold(manifests, "targetPct: 75", "targetPct: 95")
    assert runtime.reload_manifests(trigger=False) is False
    status = runtime.status()["manifests"]
    assert status["rejected"] is True
    assert status["appliedGeneration"] == good
    assert any(
        "desired.yaml:" in e and "diskGroups[/data/media].targetPct" in e
        for e in status["errors"]
    ), status["errors"]
    assert effective_group(runtime, "/data/media").target_pct == 75


def test_runtime_change_shows_as_drift_with_its_origin(make_runtime) -> None:
    """Check that an API change of a manifest field is listed as drift."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    assert runtime.drift() == []
    with runtime.store.write() as db:
        group = stored.disk_groups.find_by_mount(db, "/data/media")
        stored.disk_groups.update_settings(
            db,
            "api:apikey:admin",
            group.id,
            {"threshold_pct": 90},
            at=runtime.store.now(),
        )
    drift = runtime.drift()
    assert [d["path"] for d in drift] == ["diskGroups[/data/media].thresholdPct"]
    assert drift[0]["manifest"] == 85 and drift[0]["effective"] == 90
    assert drift[0]["origin"] == "api:apikey:admin"


def test_latest_intent_wins_between_manifest_and_api(
    make_runtime, manifests: Path
) -> None:
    """Check that an API change survives reloads until the manifest changes it."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    with runtime.store.write() as db:
        stored.set_preferences(
            db, "api:apikey:admin", {"pollIntervalSeconds": 120}, at=runtime.store.now()
        )
    # An unrelated manifest edit does not undo the API change.
    set_threshold(manifests, "thresholdPct: 85", "thresholdPct: 86")
    assert runtime.reload_manifests(trigger=False)
    with runtime.store.read() as db:
        assert stored.get_preferences(db)["pollIntervalSeconds"] == 120
    # A manifest edit of that field is the newer intent and wins.
    path = manifests / "desired.yaml"
    path.write_text(
        path.read_text().replace("pollIntervalSeconds: 60", "pollIntervalSeconds: 90")
    )
    assert runtime.reload_manifests(trigger=False)
    with runtime.store.read() as db:
        assert stored.get_preferences(db)["pollIntervalSeconds"] == 90


def test_invariant_2_dry_run_sends_nothing_to_any_integration(
    make_runtime, manifests: Path, sims
) -> None:
    """Check that a full cycle in dry-run sends no changing request to any service."""
    set_threshold(manifests, "mode: approval", "mode: dry-run")
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    for name in SERVICES:
        sims[name].clear_requests()
    result = runtime._run_cycle("test")
    assert any(g.deletions for g in result.plan.groups), "nothing was planned"
    with runtime.store.read() as db:
        audit = db.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'dry_delete'"
        ).fetchone()[0]
    assert audit > 0
    for name in SERVICES:
        changing = [r for r in sims[name].requests if r.method not in ("GET", "HEAD")]
        assert changing == [], f"{name} received {changing[:3]}"


def test_revert_all_returns_the_effective_state_to_the_manifests(
    make_runtime,
) -> None:
    """Check that reverting drift undoes API changes and removes API-made rules."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    now = runtime.store.now()
    with runtime.store.write() as db:
        group = stored.disk_groups.find_by_mount(db, "/data/media")
        stored.disk_groups.update_settings(
            db, "api:apikey:admin", group.id, {"threshold_pct": 90}, at=now
        )
        stored.rules.create(
            db,
            "api:apikey:admin",
            {
                "field": "title",
                "operator": "contains",
                "value": "x",
                "effect": "lean_keep",
            },
            at=now,
        )
    assert len(runtime.drift()) >= 2
    reverted = runtime.revert("all", "api:apikey:admin")
    assert reverted
    assert runtime.drift() == []
    assert effective_group(runtime, "/data/media").threshold_pct == 85


def test_manual_deletion_refuses_protected_and_unseen_items(make_runtime) -> None:
    """Check that a person cannot delete an always_keep item or an unseen one."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    result = runtime._run_cycle("test")
    protected = next(s for s in result.scored if s.protected)
    deletable = next(
        s
        for s in result.scored
        if not s.protected and s.item.key in result.observation.item_mounts
    )

    def body(scored):
        item = scored.item
        return {
            "integrationId": item.integration_id,
            "externalId": item.external_id,
            "mediaName": item.title,
            "mediaType": str(item.media_type),
        }

    unseen = {**body(deletable), "externalId": "999999"}
    answer = runtime.request_deletion(
        [body(protected), unseen, body(deletable)], "api:apikey:admin"
    )
    assert answer["queued"] == 1 and answer["total"] == 3
    reasons = sorted(r["reason"] for r in answer["refused"])
    assert reasons == [
        "not seen in the last cycle; run a cycle first",
        "protected by an always_keep rule",
    ]


def test_suspicious_dates_are_reported_in_the_status(make_runtime, sims) -> None:
    """Check that placeholder and future dates show up as findings in the status."""
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    sims["radarr"].faults.set("placeholder_dates")
    runtime._run_cycle("test")
    findings = runtime.status()["lastCycle"]["findings"]
    assert any("date" in f["kind"] for f in findings), findings


def test_a_rule_on_media_server_data_makes_it_read_in_full_every_cycle():
    """Check which capabilities must be fresh, from the enabled rules."""
    from controller.engine import Rule
    from controller.reconcile.cycle import (
        MEDIA_SERVER_CAPABILITIES,
        deciding_capabilities,
    )

    tag = Rule(1, "t", "tag", "contains", "keep", "always_keep", None)
    label = Rule(2, "l", "collection", "contains", "Marvel", "always_keep", None)
    off = Rule(3, "o", "label", "==", "x", "prefer_remove", None, enabled=False)
    assert deciding_capabilities([tag, off]) == frozenset()
    assert deciding_capabilities([tag, label]) == MEDIA_SERVER_CAPABILITIES
