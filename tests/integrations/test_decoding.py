"""Decoding replies to the keys a client reads, and only ever saving work."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest

from controller.integrations.decoding import DecodeError, NotAnArray, decode, elements


class _Stats(TypedDict, total=False):
    size: Any


class _Title(TypedDict, total=False):
    id: Any
    stats: _Stats | None


def test_a_shape_keeps_only_its_keys_at_every_level() -> None:
    """Check that unnamed keys are skipped, nested ones too."""
    body = b'{"id": 7, "images": [{"url": "x"}], "stats": {"size": 5, "files": [1]}}'
    assert decode(body, _Title) == {"id": 7, "stats": {"size": 5}}
    assert decode(body) == {
        "id": 7,
        "images": [{"url": "x"}],
        "stats": {"size": 5, "files": [1]},
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 7, "stats": "n/a"}',  # a string where an object belongs
        b"[1, 2]",  # not an object at all
        b'"text"',
    ],
)
def test_a_reply_of_another_shape_is_decoded_in_full(body) -> None:
    """Check that the shape never hides an odd value from the client's checks."""
    assert decode(body, _Title) == decode(body)


def test_null_nested_objects_fit_the_shape() -> None:
    """Check that ``null`` where a nested shape is declared stays None."""
    assert decode(b'{"id": 1, "stats": null}', _Title) == {"id": 1, "stats": None}


def test_elements_decodes_each_element_to_its_shape() -> None:
    """Check arrays element by element, odd elements in full."""
    body = b'[{"id": 1, "x": 2}, 3, {"id": 4, "stats": []}]'
    assert list(elements(body, _Title)) == [{"id": 1}, 3, {"id": 4, "stats": []}]
    assert list(elements(b"[]", _Title)) == []


def test_a_non_array_and_invalid_json_are_told_apart() -> None:
    """Check the two errors an array reader can meet."""
    with pytest.raises(NotAnArray):
        list(elements(b'{"records": []}'))
    for broken in (b"[{", b"", b"[1,,]", b"\xff\xfe"):
        with pytest.raises(DecodeError):
            list(elements(broken))
    # An object, even a broken one, is told to be no array first; the HTTP
    # client then decodes it in full, which names the JSON error.
    with pytest.raises(NotAnArray):
        list(elements(b'{"a": }'))
    for broken in (b"[{", b"", b'{"a": }', b"\xff\xfe"):
        with pytest.raises(DecodeError):
            decode(broken, _Title)
