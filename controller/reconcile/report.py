"""Render a plan for a person: one table per disk group.

``capacitarr plan`` prints this; it works on the plan's JSON form, so a plan
fetched from a server and a plan made offline read the same way.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(count: float) -> str:
    """``1536`` -> ``1.5 KiB``."""
    value = float(count)
    for unit in UNITS:
        if abs(value) < 1024 or unit == UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PiB"


def planned_count(plan: dict[str, Any]) -> int:
    """How many items the plan would remove, over all groups and modes."""
    return sum(len(group.get("deletions", [])) for group in plan.get("groups", []))


def group_heading(group: dict[str, Any]) -> str:
    usage = group.get("usagePct")
    usage_text = "no reading" if usage is None else f"{usage:.1f}% used"
    heading = (
        f"{group['mountPath']}  [{group['mode']}]  {usage_text}, threshold "
        f"{group['thresholdPct']:g}%, target {group['targetPct']:g}%"
    )
    if group.get("blockedReason"):
        return f"{heading}\n  blocked: {group['blockedReason']}"
    if not group.get("breached"):
        return f"{heading}\n  below threshold: nothing to do"
    return (
        f"{heading}\n  to free {human_bytes(group['bytesToFree'])}, planned "
        f"{human_bytes(group['plannedBytes'])} in {len(group['deletions'])} item(s)"
        + (f" (stopped by {group['stoppedBy']})" if group.get("stoppedBy") else "")
    )


def render(plan: dict[str, Any], console: Console, limit: int = 50) -> None:
    """Print the plan: a heading and a table of planned items per disk group."""
    console.print(f"Plan {str(plan.get('digest', ''))[:12]}", style="bold")
    for group in plan.get("groups", []):
        console.print()
        console.print(group_heading(group), markup=False, highlight=False)
        deletions = group.get("deletions", [])
        if not deletions:
            continue
        table = Table(show_edge=False, pad_edge=False)
        for column, justify in (
            ("#", "right"),
            ("title", "left"),
            ("type", "left"),
            ("size", "right"),
            ("score", "right"),
            ("why", "left"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for position, item in enumerate(deletions[:limit], start=1):
            table.add_row(
                str(position),
                Text(item["title"]),
                item["type"],
                human_bytes(item["expectedBytes"]),
                f"{item['score']:.3f}",
                Text(item.get("reason", "")[:60]),
            )
        console.print(table)
        if len(deletions) > limit:
            console.print(f"  … and {len(deletions) - limit} more (use --json)")
    console.print()
    count = planned_count(plan)
    console.print(
        "Nothing would be deleted."
        if count == 0
        else f"{count} item(s) would be removed."
    )
