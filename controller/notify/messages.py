"""A notification as data, and how it is written for Discord and for Apprise.

The digest and the alerts build a :class:`Message`; delivery turns it into a
Discord embed (:func:`discord_payload`) or an Apprise title and body
(:func:`apprise_text`). Also the small formatters both share: sizes, durations
and the usage bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from controller.notify.channels import Trigger

GREEN = 0x2ECC71
BLUE = 0x3498DB
AMBER = 0xF1C40F
ORANGE = 0xE67E22
RED = 0xE74C3C

# Discord's documented embed limits.
_TITLE_MAX = 256
_DESCRIPTION_MAX = 4096
_FIELDS_MAX = 25
_FIELD_NAME_MAX = 256
_FIELD_VALUE_MAX = 1024
_EMBED_TOTAL_MAX = 6000


@dataclass(frozen=True, slots=True)
class Message:
    """One notification, independent of the channel type.

    Attributes:
        trigger: what kind of notification this is (gating, event payloads).
        label: the part of the author line after the version, e.g. the mode of
            a digest or ``Threshold Breached``.
        title: the headline.
        description: the body; ``**bold**`` marks are kept for Discord and
            removed for Apprise.
        colour: embed colour for Discord.
        apprise_type: ``info``, ``success``, ``warning`` or ``failure``.
        fields: ``(name, value)`` pairs shown as inline embed fields.
    """

    trigger: Trigger
    label: str
    title: str
    description: str = ""
    colour: int = BLUE
    apprise_type: str = "info"
    fields: tuple[tuple[str, str], ...] = ()


def author_line(version: str, label: str) -> str:
    """Return ``⚡ Capacitarr <version> • <label>`` (version left out if empty)."""
    name = f"Capacitarr {version}".strip()
    return f"⚡ {name} • {label}" if label else f"⚡ {name}"


def human_bytes(size: int | float) -> str:
    """Return ``size`` with a 1024-based unit and one decimal, e.g. ``4.7 GB``."""
    value = float(size)
    sign = "-" if value < 0 else ""
    value = abs(value)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return (
                f"{sign}{value:.0f} B" if unit == "B" else f"{sign}{value:.1f} {unit}"
            )
        value /= 1024
    return f"{sign}{value:.1f} TB"


def seconds(duration_ms: int) -> str:
    """Return a duration in seconds with one decimal, e.g. ``3.2s``."""
    return f"{duration_ms / 1000:.1f}s"


def usage_bar(pct: float, width: int = 20) -> str:
    """Return a ``▓``/``░`` bar showing ``pct`` percent full."""
    filled = max(0, min(width, round(pct / 100 * width)))
    return "▓" * filled + "░" * (width - filled)


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with ``…``."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def discord_payload(message: Message, version: str) -> dict[str, Any]:
    """Return the Discord webhook body: one embed within Discord's limits."""
    embed: dict[str, Any] = {
        "author": {"name": clip(author_line(version, message.label), 256)},
        "title": clip(message.title, _TITLE_MAX),
        "description": clip(message.description, _DESCRIPTION_MAX),
        "color": message.colour,
    }
    if not embed["description"]:
        del embed["description"]
    author = embed["author"]["name"]
    budget = _EMBED_TOTAL_MAX - len(author) - len(embed["title"])
    budget -= len(embed.get("description", ""))
    kept: list[dict[str, Any]] = []
    for name, value in message.fields[:_FIELDS_MAX]:
        name = clip(name, _FIELD_NAME_MAX) or "\u200b"
        value = clip(value, _FIELD_VALUE_MAX) or "\u200b"
        budget -= len(name) + len(value)
        if budget < 0:
            break
        kept.append({"name": name, "value": value, "inline": True})
    if kept:
        embed["fields"] = kept
    return {"embeds": [embed]}


def plain(text: str) -> str:
    """Remove Discord's ``**bold**`` marks for services that show them raw."""
    return text.replace("**", "")


def apprise_text(message: Message, version: str) -> tuple[str, str]:
    """Return the Apprise ``(title, body)``.

    The title is the author line; the body is the headline, a blank line, the
    description, then one ``name: value`` block per field.
    """
    parts = [plain(message.title)]
    if message.description:
        parts.append(plain(message.description))
    for name, value in message.fields:
        separator = "\n" if "\n" in value else " "
        parts.append(f"{plain(name)}:{separator}{plain(value)}")
    return author_line(version, message.label), "\n\n".join(parts)
