"""How the store writes and reads points in time.

Every timestamp is stored as UTC text of fixed width
(``2026-03-06T12:00:00.000000Z``) so that SQL comparisons and ``ORDER BY`` on the
text agree with time order. Repositories convert at the boundary; the rest of the
controller sees timezone-aware ``datetime`` values only.
"""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """Return ``moment`` as fixed-width UTC text; naive values are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_text(text: str | None) -> datetime | None:
    """Parse text written by :func:`to_text` (or any ISO 8601) back to UTC."""
    if not text:
        return None
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
