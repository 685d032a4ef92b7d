"""Turning third-party JSON values into the controller's plain values.

Dates become timezone-aware UTC datetimes (the year-1 placeholders some products
send become None), paths get ``/`` separators, numbers that arrive as strings
become numbers. Everything here is pure and never raises on odd input.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from typing import Any

# Years at or below this are placeholders (.NET's DateTime.MinValue is 0001).
PLACEHOLDER_YEAR = 1900


class FetchNotes(Counter[str]):
    """Counts of oddities a client met while parsing one listing."""


def parse_datetime(value: Any, notes: FetchNotes | None = None) -> datetime | None:
    """Parse an ISO-8601 string or epoch seconds into an aware UTC datetime.

    Args:
        value: ``"2024-01-05T10:00:00Z"``, ``1704448800`` or ``"1704448800"``.
        notes: counts ``placeholder_dates`` and ``unparseable_dates`` when given.

    Returns:
        The datetime in UTC, or None when missing, unparseable or a placeholder.
    """
    parsed: datetime | None
    if isinstance(value, str) and value and not value.isdigit():
        # The common case first: an ISO-8601 string.
        parsed = _parse_iso(value)
        if parsed is None:
            _note(notes, "unparseable_dates")
            return None
    elif value is None or value == "":
        return None
    elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
        seconds = float(value)
        if seconds <= 0:
            _note(notes, "placeholder_dates")
            return None
        try:
            parsed = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            _note(notes, "unparseable_dates")
            return None
    else:
        _note(notes, "unparseable_dates")
        return None
    if parsed.year <= PLACEHOLDER_YEAR:
        _note(notes, "placeholder_dates")
        return None
    return parsed


def _parse_iso(text: str) -> datetime | None:
    parsed: datetime | None
    try:
        # Most dates are plain ISO-8601, which the standard parser reads as is.
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _parse_odd_iso(text)
    if parsed is None:
        return None
    zone = parsed.tzinfo
    if zone is UTC:
        return parsed
    if zone is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_odd_iso(text: str) -> datetime | None:
    """Parse ISO-8601 with padding, a lower-case ``z`` or .NET's seven digits."""
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # .NET writes up to seven fractional digits; Python accepts six.
    if "." in cleaned:
        head, _, tail = cleaned.partition(".")
        digits = "".join(ch for ch in tail if ch.isdigit())
        zone = tail[len(digits) :]
        cleaned = f"{head}.{digits[:6]}{zone}" if digits else head + zone
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        return None


def comparable_date(value: Any, notes: FetchNotes | None = None) -> str | None:
    """Return a date as UTC ISO-8601 text that compares like the moments it names.

    For finding the latest of many plays without parsing every one: a string
    already in UTC with a ``Z`` (``2024-04-11T17:35:53.0000000Z``, what Jellyfin
    and Emby send) is returned as is; anything else is parsed and written in
    that form. Two such texts compare in time order, save that two moments in
    the same second written with different fractional digits may compare the
    wrong way round. Placeholders and unparseable values give None (and are
    noted, as :func:`parse_datetime` notes them); :func:`parse_datetime` turns
    the winner back into a datetime.
    """
    if (
        isinstance(value, str)
        and len(value) >= 20
        and value[-1] == "Z"
        and value[10] == "T"
        and value[4] == "-"
    ):
        if value[:4] <= _PLACEHOLDER_TEXT:
            _note(notes, "placeholder_dates")
            return None
        return value
    parsed = parse_datetime(value, notes)
    return None if parsed is None else f"{parsed:%Y-%m-%dT%H:%M:%S.%f}Z"


_PLACEHOLDER_TEXT = f"{PLACEHOLDER_YEAR:04d}"


def _note(notes: FetchNotes | None, key: str) -> None:
    if notes is not None:
        notes[key] += 1


def to_int(value: Any) -> int | None:
    """Return ``value`` as an int (strings accepted), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None


def to_float(value: Any) -> float | None:
    """Return ``value`` as a float (strings accepted), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def normalize_path(path: str | None) -> str:
    """Return ``path`` with ``/`` separators and no trailing slash (``/`` stays)."""
    if not path:
        return ""
    cleaned = path.replace("\\", "/")
    while "//" in cleaned[1:]:
        cleaned = cleaned[0] + cleaned[1:].replace("//", "/")
    if len(cleaned) > 1:
        cleaned = cleaned.rstrip("/") or "/"
    return cleaned


def positive_int(value: Any) -> int | None:
    """Return a positive int id, or None for missing, zero or junk."""
    number = to_int(value)
    return number if number and number > 0 else None


def names(values: Any, key: str = "tag") -> tuple[str, ...]:
    """Return the non-empty ``key`` values of a list of dicts, de-duplicated.

    The names are interned: a genre or tag shared by 100,000 titles is then
    one string in memory, not 100,000 copies of it.
    """
    seen: dict[str, None] = {}
    for entry in values or ():
        name = entry.get(key) if isinstance(entry, dict) else entry
        if isinstance(name, str) and name.strip():
            seen.setdefault(sys.intern(name.strip()), None)
    return tuple(seen)


def label(value: Any) -> str:
    """Return a short label many items share (a status, a language) interned."""
    return sys.intern(str(value or ""))
