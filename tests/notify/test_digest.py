"""Check the cycle digest's wording, numbers and per-mode gating."""

from __future__ import annotations

from typing import Any

import pytest

from controller.notify import (
    Channel,
    CycleSummary,
    GroupSummary,
    PlannedItem,
    Trigger,
    apprise_text,
    discord_payload,
    render_digest,
)

GB = 1024**3


def group(mode: str, **values: Any) -> GroupSummary:
    base: dict[str, Any] = {"mount_path": "/data", "mode": mode, "evaluated": 120}
    base.update(values)
    return GroupSummary(**base)


@pytest.mark.parametrize(
    ("case", "groups", "title", "colour", "lines"),
    [
        (
            "all clear",
            [group("auto", usage_pct=70.0, threshold_pct=85.0, target_pct=75.0)],
            "✅ All Clear",
            0x2ECC71,
            ["Evaluated **120** items on 1 disk group in 3.2s: no action needed."],
        ),
        (
            "auto",
            [
                group(
                    "auto",
                    planned=8,
                    deleted=5,
                    failed=1,
                    expected_bytes=12 * GB,
                    reclaimed_bytes=11 * GB,
                )
            ],
            "🧹 Cleanup Complete",
            0xE67E22,
            [
                "Deleted **5** of **8** planned items; reclaimed **11.0 GB** of "
                "12.0 GB expected.",
                "❌ **1** deletion failed.",
            ],
        ),
        (
            "auto, not measured yet",
            [group("auto", planned=2, expected_bytes=GB)],
            "🧹 Cleanup Complete",
            0x2ECC71,
            ["Deleted **0** of **2** planned items; expected to free **1.0 GB**."],
        ),
        (
            "dry-run",
            [group("dry-run", planned=4, expected_bytes=3 * GB)],
            "🔍 Dry-Run Complete",
            0x3498DB,
            ["Flagged **4** items; would free **3.0 GB**."],
        ),
        (
            "approval",
            [group("approval", planned=6, expected_bytes=512 * 1024**2)],
            "📋 Items Queued for Approval",
            0xF1C40F,
            ["Queued **6** items for approval; potential **512.0 MB**."],
        ),
        (
            "mixed",
            [
                group("dry-run", planned=1, expected_bytes=GB),
                group("approval", mount_path="/tv", planned=2, expected_bytes=GB),
            ],
            "🧹 Cycle Complete",
            0x2ECC71,
            [
                "Evaluated **240** items on 2 disk groups in 3.2s.",
                "Queued **2** items for approval; potential **1.0 GB**.",
                "Flagged **1** items; would free **1.0 GB**.",
            ],
        ),
    ],
)
def test_digest_per_mode(
    case: str, groups: list[GroupSummary], title: str, colour: int, lines: list[str]
) -> None:
    """Check title, colour and the summary lines for each mode."""
    message = render_digest(CycleSummary(tuple(groups), duration_ms=3210))
    assert message is not None
    assert message.trigger is Trigger.CYCLE_DIGEST
    assert message.title == title, case
    assert message.colour == colour, case
    for line in lines:
        assert line in message.description.splitlines(), (case, message.description)


def test_digest_group_section_has_usage_bar_and_plan() -> None:
    """Check the per-group field: counts, bytes, usage bar, limits, top items."""
    summary = CycleSummary(
        (
            group(
                "auto",
                planned=5,
                deleted=4,
                failed=1,
                expected_bytes=10 * GB,
                reclaimed_bytes=8 * GB,
                usage_pct=87.5,
                threshold_pct=85,
                target_pct=75,
                items=tuple(PlannedItem(f"Movie {n}", GB) for n in range(5)),
            ),
        )
    )
    message = render_digest(summary)
    assert message is not None
    ((name, value),) = message.fields
    assert name == "/data (auto)"
    assert value.splitlines() == [
        "120 evaluated · 5 planned",
        "4 deleted · 1 failed",
        "Expected 10.0 GB · reclaimed 8.0 GB "
        "(hardlinks or seeding files may still hold space)",
        "▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓░░ 87.5%",
        "threshold 85%, target 75%",
        "Top: Movie 0 (1.0 GB), Movie 1 (1.0 GB), Movie 2 (1.0 GB) and 2 more",
    ]


def test_digest_respects_channel_mode_gates() -> None:
    """Check onDryRunDigest and onApprovalActivity per disk-group mode."""
    summary = CycleSummary(
        (
            group("dry-run", planned=1),
            group("approval", mount_path="/tv", planned=1),
            group("auto", mount_path="/music"),
        )
    )
    no_dry_run = Channel.from_config(
        {"name": "a", "type": "discord", "url": "http://x/", "onDryRunDigest": False}
    )
    message = render_digest(summary, no_dry_run.accepts_digest_mode)
    assert message is not None
    assert [name for name, _ in message.fields] == ["/tv (approval)", "/music (auto)"]
    only_dry = CycleSummary((group("dry-run", planned=3),))
    assert render_digest(only_dry, no_dry_run.accepts_digest_mode) is None
    no_approval = Channel.from_config(
        {"name": "b", "type": "discord", "url": "http://x/", "onApprovalActivity": 0}
    )
    only_approval = CycleSummary((group("approval", planned=3),))
    assert render_digest(only_approval, no_approval.accepts_digest_mode) is None


def test_digest_from_mapping_and_update_banner() -> None:
    """Check the camelCase input form and the update line."""
    summary = CycleSummary.from_mapping(
        {
            "durationMs": 1500,
            "latestVersion": "v2.0.0",
            "releaseUrl": "https://example.org/releases/v2.0.0",
            "groups": [
                {
                    "mountPath": "/data",
                    "mode": "dry-run",
                    "evaluated": 10,
                    "candidates": 2,
                    "expectedBytes": GB,
                    "usagePct": 90,
                    "thresholdPct": 85,
                    "items": [{"title": "Serenity", "sizeBytes": GB}],
                }
            ],
        }
    )
    message = render_digest(summary)
    assert message is not None
    assert "📦 Update available: **v2.0.0**" in message.description
    assert "Top: Serenity (1.0 GB)" in message.fields[0][1]


def test_digest_renderings_fit_discord_and_apprise() -> None:
    """Check the Discord limits with many groups, and the Apprise text."""
    groups = tuple(
        group("auto", mount_path=f"/d{n}", planned=1, expected_bytes=GB)
        for n in range(40)
    )
    message = render_digest(CycleSummary(groups))
    assert message is not None
    (embed,) = discord_payload(message, "1.0")["embeds"]
    assert embed["author"] == {"name": "⚡ Capacitarr 1.0 • auto"}
    assert len(embed["fields"]) <= 25
    title, body = apprise_text(message, "1.0")
    assert title == "⚡ Capacitarr 1.0 • auto"
    assert body.startswith("🧹 Cleanup Complete\n\nEvaluated 4800 items")
    assert "**" not in body
