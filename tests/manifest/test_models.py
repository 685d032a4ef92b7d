"""Check model defaults and helpers other packages rely on."""

import pytest
from pydantic import ValidationError

from controller.manifest import DiskGroup, Manifest, Preferences, ScoringWeights


def test_preference_defaults() -> None:
    """Check the documented defaults of every preference."""
    assert Preferences.model_validate({}).model_dump() == {
        "defaultDiskGroupMode": "dry-run",
        "tiebreakerMethod": "size_desc",
        "deletionsEnabled": True,
        "pollIntervalSeconds": 300,
        "snoozeDurationHours": 24,
        "maxDeletionsPerRun": 50,
        "maxBytesPerRun": 0,
        "auditLogRetentionDays": 30,
        "deletionQueueDelaySeconds": 30,
        "deleteFiles": True,
        "addImportExclusion": False,
        "unmonitorDeletedSeasons": True,
        "logLevel": "info",
        "checkForUpdates": False,
        "deadContentMinDays": 90,
        "staleContentDays": 180,
        "libraryShrinkTolerancePct": 20,
    }


def test_disk_group_mode_falls_back_to_the_default_mode() -> None:
    """Check mode_for: a group's own mode, else defaultDiskGroupMode."""
    manifest = Manifest.model_validate(
        {
            "preferences": {"defaultDiskGroupMode": "approval"},
            "diskGroups": [
                {"mountPath": "/a", "thresholdPct": 90, "targetPct": 80},
                {
                    "mountPath": "/b",
                    "thresholdPct": 90,
                    "targetPct": 80,
                    "mode": "auto",
                },
            ],
        }
    )
    assert [manifest.mode_for(g) for g in manifest.diskGroups] == ["approval", "auto"]


def test_percentages_export_as_plain_numbers() -> None:
    """Check that 85 stays 85 (not 85.0) and 92.5 stays 92.5 in dumps."""
    group = DiskGroup.model_validate(
        {"mountPath": "/a", "thresholdPct": 92.5, "targetPct": 85}
    )
    assert group.model_dump(mode="json", exclude_none=True) == {
        "mountPath": "/a",
        "thresholdPct": 92.5,
        "targetPct": 85,
    }


def test_models_are_immutable() -> None:
    """Check that desired state cannot be changed in place."""
    weights = ScoringWeights.model_validate({})
    with pytest.raises(ValidationError):
        weights.rating = 1  # type: ignore[misc]
