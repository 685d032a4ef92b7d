"""Dates, numbers and names as third-party services send them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controller.integrations.parsing import FetchNotes, label, names, parse_datetime

JAN_5 = datetime(2024, 1, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-05T10:00:00Z",
        "2024-01-05T10:00:00.0000000Z",  # .NET's seven digits (Jellyfin, Emby)
        "2024-01-05T12:00:00+02:00",  # an offset becomes UTC
        "2024-01-05T10:00:00",  # no zone: taken as UTC
        "2024-01-05T10:00:00z",
        " 2024-01-05T10:00:00Z ",
        1704448800,
        1704448800.0,
        "1704448800",
    ],
)
def test_dates_become_aware_utc(value) -> None:
    """Check every accepted spelling of one moment."""
    parsed = parse_datetime(value)
    assert parsed == JAN_5 and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "note"),
    [
        ("0001-01-01T00:00:00Z", "placeholder_dates"),
        ("1900-01-01T00:00:00Z", "placeholder_dates"),
        (0, "placeholder_dates"),
        (-5, "placeholder_dates"),
        ("soon", "unparseable_dates"),
        ("2024-13-45T99:00:00Z", "unparseable_dates"),
        (True, "unparseable_dates"),
        ([2024], "unparseable_dates"),
        (10**30, "unparseable_dates"),
    ],
)
def test_placeholders_and_junk_are_none_and_counted(value, note) -> None:
    """Check that odd dates give None and are counted under their kind."""
    notes = FetchNotes()
    assert parse_datetime(value, notes) is None
    assert notes == {note: 1}


def test_missing_dates_are_none_and_not_counted() -> None:
    """Check that absent dates are not oddities."""
    notes = FetchNotes()
    assert parse_datetime(None, notes) is None
    assert parse_datetime("", notes) is None
    assert not notes


def test_names_are_deduplicated_trimmed_and_shared() -> None:
    """Check names() and that equal names are one string object."""
    first = names([{"tag": " Drama "}, {"tag": "Drama"}, {"tag": ""}, "Comedy", 3])
    assert first == ("Drama", "Comedy")
    second = names(["".join(["Dra", "ma"])])
    assert second[0] is first[0]
    assert label("".join(["Con", "tinuing"])) is label("Continuing")
    assert label(None) == ""
