"""Check desired-state repositories and the change log with origins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controller.store import DuplicateKey, Store, changes, desired

T = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def store():
    s = Store.memory(clock=lambda: T)
    yield s
    s.close()


def test_changes_are_logged_with_origin(store):
    """Check that every mutation writes a change row naming its origin."""
    with store.write() as tx:
        desired.disk_groups.upsert_settings(
            tx, "manifest:abc123", "/data", {"threshold_pct": 85}, at=T
        )
        group = desired.disk_groups.upsert_settings(
            tx, "api:apikey:admin", "/data", {"threshold_pct": 90, "mode": "auto"}, at=T
        )
        desired.set_preferences(tx, "api:jwt:admin", {"deletionsEnabled": False}, at=T)
    assert group.threshold_pct == 90 and group.mode == "auto"
    with store.read() as db:
        last = changes.latest_change(db, "diskGroups", "/data", "thresholdPct")
        pref = changes.latest_change(db, "preferences", "deletionsEnabled")
        everything = changes.list_changes(db)
    assert last is not None and (last.origin, last.old, last.new) == (
        "api:apikey:admin",
        85,
        90,
    )
    assert pref is not None and pref.new is False and pref.origin == "api:jwt:admin"
    # threshold 85 -> 85 from the manifest was no change: not logged.
    assert [(c.section, c.field) for c in reversed(everything)] == [
        ("diskGroups", None),
        ("diskGroups", "thresholdPct"),
        ("diskGroups", "mode"),
        ("preferences", "deletionsEnabled"),
    ]


def test_secrets_never_reach_the_change_log(store):
    """Check that API keys and webhook URLs are masked in the log and repr."""
    with store.write() as tx:
        item = desired.integrations.create(
            tx,
            "api:jwt:admin",
            name="Sonarr",
            type="sonarr",
            url="http://sonarr:8989",
            api_key="supersecretkey1234",
            at=T,
        )
        desired.integrations.update(
            tx, "api:jwt:admin", item.id, {"api_key": "othersecret5678"}, at=T
        )
        desired.channels.create(
            tx,
            "api:jwt:admin",
            {
                "name": "Discord",
                "type": "discord",
                "url": "https://discord.example/webhook/secret",
            },
            at=T,
        )
        text = " ".join(
            str(r)
            for r in tx.execute("SELECT old, new FROM desired_state_changes").fetchall()
        )
    assert "secret" not in text.replace("(secret)", "")
    assert "supersecret" not in repr(item)
    assert item.to_json()["apiKey"].endswith("1234")


def test_updates_merge_and_keep_other_fields(store):
    """Check that an update changes only the fields given."""
    with store.write() as tx:
        item = desired.integrations.create(
            tx,
            "manifest:a",
            name="Radarr",
            type="radarr",
            url="http://r",
            api_key="k" * 32,
            options={"showLevelOnly": False, "timeoutSeconds": 30},
            at=T,
        )
        updated = desired.integrations.update(
            tx, "api:jwt:admin", item.id, {"options": {"timeoutSeconds": 60}}, at=T
        )
        prefs = desired.set_preferences(
            tx, "api:jwt:admin", {"defaultDiskGroupMode": "auto"}, at=T
        )
        with pytest.raises(DuplicateKey):
            desired.integrations.create(
                tx, "x", name="Radarr", type="radarr", url="u", at=T
            )
    assert updated.options == {"showLevelOnly": False, "timeoutSeconds": 60}
    assert updated.api_key == "k" * 32
    assert prefs["deletionsEnabled"] is True and prefs["logLevel"] == "info"


def test_disk_group_survives_missing_mount_and_mode_defaults(store):
    """Check that observing usage keeps settings and mode falls back to default."""
    with store.write() as tx:
        group = desired.disk_groups.observe(
            tx, "/media", total_bytes=100, used_bytes=90, at=T
        )
        assert desired.effective_mode(tx, group.id) == "dry-run"
        desired.disk_groups.update_settings(
            tx, "api:jwt:a", group.id, {"target_pct": 60}, at=T
        )
        again = desired.disk_groups.observe(
            tx, "/media", total_bytes=100, used_bytes=50, at=T
        )
        desired.set_preferences(
            tx, "api:jwt:a", {"defaultDiskGroupMode": "approval"}, at=T
        )
        assert desired.effective_mode(tx, group.id) == "approval"
    assert again.id == group.id and again.target_pct == 60 and again.used_bytes == 50


def test_rules_keep_order_and_log_changes(store):
    """Check rule create/update/reorder/delete and their change rows."""
    with store.write() as tx:
        one = desired.rules.create(
            tx,
            "api:jwt:a",
            {
                "field": "title",
                "operator": "contains",
                "value": "Firefly",
                "effect": "always_keep",
            },
            at=T,
        )
        two = desired.rules.create(
            tx,
            "api:jwt:a",
            {
                "field": "genre",
                "operator": "contains",
                "value": "Anime",
                "effect": "prefer_keep",
            },
            at=T,
        )
        desired.rules.reorder(tx, "api:jwt:a", [two.id, one.id], at=T)
        ordered = [r.id for r in desired.rules.list_all(tx)]
        desired.rules.delete(tx, "api:jwt:a", one.id, at=T)
        logged = changes.list_changes(tx, section="rules")
    assert ordered == [two.id, one.id]
    assert logged[0].new is None and logged[0].key == str(one.id)
