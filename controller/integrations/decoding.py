"""JSON bodies into Python values, keeping only what the clients read.

A library of 100,000 titles arrives as well over a gigabyte of JSON per cycle,
most of it fields no decision uses (artwork, media info, file lists, every
column of a play history). Decoding all of it into dicts was most of a cycle's
time and memory. Each client therefore names the *shape* it reads: a
``TypedDict`` (``total=False``) listing the keys it looks at, with the values
left as sent (``Any``) or as a nested shape. msgspec decodes straight into plain
dicts holding only those keys and skips the rest without building it, so the
clients keep reading dicts exactly as before.

A body that does not fit its shape (a ``null`` where an object was expected, an
element that is not an object) is decoded again in full, so the client's own
checks see the odd value and react as they always did: the shape only saves
work and never decides anything.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import msgspec

DecodeError = msgspec.DecodeError

_ANYTHING: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_ELEMENTS = msgspec.json.Decoder(list[msgspec.Raw])


@functools.cache
def _decoder(shape: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(shape)


def decode(body: bytes | msgspec.Raw, shape: Any = None) -> Any:
    """Decode one JSON document, keeping only the keys ``shape`` names.

    Raises:
        DecodeError: the body is not valid JSON.
    """
    if shape is not None:
        try:
            return _decoder(shape).decode(body)
        except msgspec.ValidationError:
            pass  # valid JSON of another shape: decoded in full below
    return _ANYTHING.decode(body)


class NotAnArray(ValueError):
    """The body is valid JSON but not an array."""


def elements(body: bytes, shape: Any = None) -> Iterator[Any]:
    """Decode a JSON array one element at a time, each to ``shape``.

    The array is first split into its elements' raw bytes (cheap: nothing is
    built), then each element is decoded only when the caller asks for it, so
    a listing never exists decoded in full.

    Raises:
        NotAnArray: the body is valid JSON of another kind.
        DecodeError: the body is not valid JSON.
    """
    try:
        raws = _ELEMENTS.decode(body)
    except msgspec.ValidationError as exc:
        raise NotAnArray(str(exc)) from None
    for raw in raws:
        yield decode(raw, shape)
