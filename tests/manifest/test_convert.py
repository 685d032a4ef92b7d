"""Check one schema for manifests and exports: examples, round trips, JSON Schema."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from controller.manifest import (
    Manifest,
    ManifestError,
    load_manifest_text,
    load_manifests,
)
from controller.manifest.convert import (
    envelope_to_manifest,
    envelope_to_yaml,
    manifest_to_envelope,
    manifest_to_yaml,
    yaml_to_envelope,
)
from controller.manifest.schema import manifest_json_schema

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(
    [ROOT / "manifests", *(p for p in (ROOT / "examples").iterdir() if p.is_dir())]
)
FILES = sorted(path for folder in FOLDERS for path in folder.glob("*.yaml"))
SERVICES = [
    "SONARR",
    "RADARR",
    "LIDARR",
    "READARR",
    "PLEX",
    "JELLYFIN",
    "EMBY",
    "TAUTULLI",
    "JELLYSTAT",
    "SEERR",
]
ENV = {
    **{
        f"CAPACITARR_DEMO_{s}_URL": f"http://127.0.0.1:{9000 + i}"
        for i, s in enumerate(SERVICES)
    },
    **{f"CAPACITARR_DEMO_{s}_KEY": f"demo-{s.lower()}" for s in SERVICES},
    **dict.fromkeys(
        (
            "SONARR_API_KEY",
            "RADARR_API_KEY",
            "PLEX_TOKEN",
            "JELLYFIN_API_KEY",
            "SEERR_API_KEY",
            "LIDARR_API_KEY",
            "RADARR_4K_API_KEY",
            "TAUTULLI_API_KEY",
        ),
        "example-secret",
    ),
    "RADARR_4K_URL": "http://radarr-4k:7878",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/example",
}
NOW = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def fake_secret_file(path: str) -> str:
    return f"secret from {path}"


def without_header(manifest: Manifest) -> Manifest:
    return manifest.model_copy(
        update={"version": None, "exportedAt": None, "appVersion": None}
    )


def test_examples_exist() -> None:
    """Check that the default manifests and the four examples are there."""
    names = {folder.name for folder in FOLDERS}
    assert {
        "manifests",
        "home-single-disk",
        "approval-with-rules",
        "multi-disk",
        "demo",
    } <= names
    for folder in FOLDERS:
        if folder.name != "manifests":
            assert (folder / "README.md").is_file()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_example_folder_loads(folder: Path) -> None:
    """Check that each folder loads with its secrets supplied."""
    loaded = load_manifests(folder, env=ENV, read_file=fake_secret_file)
    assert loaded.files


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_validates_against_the_json_schema(path: Path) -> None:
    """Check each file against the published JSON Schema."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(manifest_json_schema()).validate(data)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_round_trips_through_the_export(path: Path) -> None:
    """Check manifest -> export JSON -> manifest gives an equal model, both ways."""
    original = load_manifest_text(
        path.read_bytes(), path.name, resolve_secrets=False, check_references=False
    ).manifest
    envelope = json.loads(json.dumps(manifest_to_envelope(original, exported_at=NOW)))
    again = envelope_to_manifest(envelope).manifest
    assert without_header(again) == original
    text = manifest_to_yaml(again)
    reloaded = load_manifest_text(
        text, "again.yaml", resolve_secrets=False, check_references=False
    )
    assert without_header(reloaded.manifest) == original


def test_demo_declares_all_ten_services_through_env_references() -> None:
    """Check the demo manifests: ten services, URLs and keys from CAPACITARR_DEMO_*."""
    manifest = load_manifests(ROOT / "examples" / "demo", env=ENV).manifest
    assert sorted(i.type for i in manifest.integrations) == sorted(
        s.lower() for s in SERVICES
    )
    sonarr = next(i for i in manifest.integrations if i.type == "sonarr")
    assert sonarr.url.raw == "${CAPACITARR_DEMO_SONARR_URL}"
    assert sonarr.url.url == "http://127.0.0.1:9000"
    assert sonarr.apiKey is not None and sonarr.apiKey.reveal() == "demo-sonarr"
    (group,) = manifest.diskGroups
    assert (group.mountPath, group.mode, group.thresholdPct, group.targetPct) == (
        "/data/media",
        "approval",
        85,
        75,
    )
    assert any(r.effect == "always_keep" and r.field == "tag" for r in manifest.rules)


def test_default_manifests_are_safe() -> None:
    """Check that the shipped defaults delete nothing: dry-run everywhere."""
    manifest = load_manifests(ROOT / "manifests", env={}).manifest
    assert manifest.effective_preferences().defaultDiskGroupMode == "dry-run"
    assert all(manifest.mode_for(group) == "dry-run" for group in manifest.diskGroups)
    assert all(not integration.enabled for integration in manifest.integrations)
    assert manifest.effective_weights().model_dump() == {
        "watch_history": 10,
        "last_watched": 8,
        "file_size": 6,
        "rating": 5,
        "time_in_library": 4,
        "series_status": 3,
        "request_popularity": 2,
    }


def test_committed_schema_file_matches_the_code() -> None:
    """Check that manifests/capacitarr.schema.json equals `capacitarr schema`."""
    committed = json.loads((ROOT / "manifests" / "capacitarr.schema.json").read_text())
    assert committed == manifest_json_schema()


def test_schema_describes_secret_references() -> None:
    """Check that secret fields show the ${ENV} pattern and the file form."""
    api_key = manifest_json_schema()["$defs"]["Integration"]["properties"]["apiKey"]
    forms = api_key["anyOf"]
    assert forms[0] == {
        "type": "string",
        "pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$",
        "description": "An environment variable: ${ENV_NAME}",
    }
    assert forms[1]["required"] == ["file"]


def test_export_envelope_has_header_and_only_given_sections() -> None:
    """Check the envelope header, section filtering and omitted empty sections."""
    manifest = load_manifests(
        ROOT / "examples" / "approval-with-rules", env=ENV
    ).manifest
    envelope = manifest_to_envelope(
        manifest, sections=["rules", "preferences"], exported_at=NOW
    )
    assert list(envelope) == [
        "version",
        "exportedAt",
        "appVersion",
        "preferences",
        "scoringWeights",
        "rules",
    ]
    assert envelope["exportedAt"] == "2026-03-06T12:00:00Z"
    assert envelope["version"] == 1
    channels = manifest_to_envelope(manifest, sections=["notificationChannels"])
    assert channels["notifications"][0]["url"] == "${DISCORD_WEBHOOK_URL}"
    assert "diskGroups" not in manifest_to_envelope(Manifest())


def test_an_export_file_is_a_manifest_unchanged(tmp_path: Path) -> None:
    """Check that an export written to disk as JSON loads as a manifest."""
    manifest = load_manifests(
        ROOT / "examples" / "multi-disk", env=ENV, read_file=fake_secret_file
    )
    envelope = manifest_to_envelope(manifest.manifest, exported_at=NOW)
    (tmp_path / "export.yaml").write_text(json.dumps(envelope, indent=2))
    loaded = load_manifests(tmp_path, env=ENV, read_file=fake_secret_file)
    assert without_header(loaded.manifest) == manifest.manifest


ORIGINAL_EXPORT: dict[str, Any] = {
    "version": 1,
    "exportedAt": "2026-03-06T12:00:00Z",
    "appVersion": "2.3.2",
    "preferences": {
        "logLevel": "info",
        "auditLogRetentionDays": 30,
        "pollIntervalSeconds": 300,
        "executionMode": "approval",
        "tiebreakerMethod": "size_desc",
        "deletionsEnabled": True,
        "snoozeDurationHours": 24,
        "checkForUpdates": True,
        "factorWeights": {
            "watch_history": 10,
            "last_watched": 8,
            "file_size": 6,
            "rating": 5,
            "time_in_library": 4,
            "series_status": 3,
            "request_popularity": 2,
        },
    },
    "rules": [
        {
            "field": "genre",
            "operator": "contains",
            "value": "Anime",
            "effect": "always_keep",
            "enabled": True,
            "integrationName": "Sonarr",
            "integrationType": "sonarr",
        },
        {
            "field": "rating",
            "operator": "<",
            "value": "5",
            "effect": "lean_remove",
            "enabled": False,
            "integrationName": None,
            "integrationType": "radarr",
        },
        {
            "field": "title",
            "operator": "==",
            "value": "x",
            "effect": "prefer_remove",
            "enabled": True,
            "integrationName": None,
            "integrationType": None,
        },
    ],
    "integrations": [
        {
            "name": "Sonarr",
            "type": "sonarr",
            "url": "http://sonarr:8989",
            "enabled": True,
            "collectionDeletion": False,
            "showLevelOnly": False,
        },
        {
            "name": "Radarr",
            "type": "radarr",
            "url": "http://radarr:7878",
            "enabled": True,
            "collectionDeletion": True,
            "showLevelOnly": False,
        },
        {
            "name": "Tracearr",
            "type": "tracearr",
            "url": "http://tracearr:3000",
            "enabled": True,
            "collectionDeletion": False,
            "showLevelOnly": False,
        },
    ],
    "diskGroups": [
        {
            "mountPath": "/media",
            "thresholdPct": 85,
            "targetPct": 75,
            "totalBytesOverride": 2000000000000,
        },
        {"mountPath": "/other", "thresholdPct": 90, "targetPct": 80},
    ],
    "notificationChannels": [
        {
            "name": "My Discord",
            "type": "discord",
            "enabled": True,
            "onCycleDigest": True,
            "onError": True,
            "onModeChanged": True,
            "onServerStarted": True,
            "onThresholdBreach": True,
            "onUpdateAvailable": True,
            "onApprovalActivity": False,
        },
    ],
}


def test_original_export_shape_is_mapped_to_ours() -> None:
    """Check the original's executionMode, factorWeights, rule and channel keys."""
    converted = envelope_to_manifest(ORIGINAL_EXPORT)
    manifest = converted.manifest
    assert manifest.effective_preferences().defaultDiskGroupMode == "approval"
    assert manifest.effective_weights().watch_history == 10
    assert [i.name for i in manifest.integrations] == ["Sonarr", "Radarr"]
    assert [(r.field, r.integration, r.enabled) for r in manifest.rules] == [
        ("genre", "Sonarr", True),
        ("rating", "Radarr", False),
    ]
    assert manifest.diskGroups[0].totalBytesOverride == 2000000000000
    channel = manifest.notifications[0]
    assert (channel.name, channel.url, channel.onApprovalActivity) == (
        "My Discord",
        None,
        False,
    )
    assert converted.notes == (
        "notification flag onUpdateAvailable dropped: no update checks",
        "integration 'Tracearr' skipped: type tracearr is not supported",
        "rules[1] (rating < 5): assigned to 'Radarr', the only radarr integration",
        "rules[2] (title == x) skipped: it names no integration it can apply to",
    )


def test_original_export_converts_to_manifest_yaml_that_loads() -> None:
    """Check that the YAML written from an original export loads with the loader."""
    text = envelope_to_yaml(ORIGINAL_EXPORT)
    loaded = load_manifest_text(text, "converted.yaml", env={})
    assert loaded.manifest.rules[0].integration == "Sonarr"
    assert "executionMode" not in text and "defaultDiskGroupMode: approval" in text


def test_yaml_to_envelope_keeps_references() -> None:
    """Check YAML -> export: references kept, no value read."""
    path = ROOT / "examples" / "home-single-disk" / "capacitarr.yaml"
    envelope = yaml_to_envelope(path.read_text(), path.name, exported_at=NOW)
    assert envelope["integrations"][0]["apiKey"] == "${SONARR_API_KEY}"
    assert envelope["diskGroups"] == [
        {"mountPath": "/data", "thresholdPct": 90, "targetPct": 80, "mode": "dry-run"}
    ]


def test_invalid_envelope_reports_field_paths() -> None:
    """Check that an invalid envelope fails with paths and no line numbers."""
    with pytest.raises(ManifestError) as caught:
        envelope_to_manifest(
            {"diskGroups": [{"mountPath": "/m", "thresholdPct": 50, "targetPct": 60}]}
        )
    assert str(caught.value) == (
        "<envelope>: diskGroups[/m].targetPct: must be below thresholdPct (50), got 60"
    )
    with pytest.raises(ManifestError):
        envelope_to_manifest(["not", "an", "object"])
