"""Decode a JSON array element by element as its bytes arrive.

An *arr listing of 100,000 titles is a single JSON array of 100 MB or more.
Decoding it whole holds the body, its text and every decoded object at once
(several hundred MB) and makes the garbage collector walk them again and again.
:class:`ArrayStream` takes the body in chunks and hands out each top-level
element as soon as it is complete, so a client can turn it into a media item
and let the decoded dict go. The standard library's decoder does the parsing;
this class only finds where elements start and end.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

_WHITESPACE = " \t\n\r"
_NUMBER_CHARS = frozenset("0123456789.eE+-")
# The longest token the decoder rejects from its start when cut (-Infinity).
_LONGEST_TOKEN = 16


class NotAnArray(ValueError):
    """The body is valid so far but does not start with ``[``."""


class ArrayStream:
    """Incremental reader of one top-level JSON array.

    Feed chunks with :meth:`feed`; each call returns the elements completed by
    that chunk. Call :meth:`finish` after the last chunk: it returns what is
    left and raises ``ValueError`` if the array is not complete and valid.

    Raises:
        NotAnArray: the first non-blank character is not ``[``.
        ValueError: the body is not valid JSON.
    """

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = json.JSONDecoder()
        self._text = ""
        self._pos = 0
        # "open" (before "["), "first" (after "["), "value", "sep", "done".
        self._state = "open"

    @property
    def opened(self) -> bool:
        """Whether the opening ``[`` has been read."""
        return self._state != "open"

    def feed(self, chunk: bytes) -> list[Any]:
        """Add ``chunk`` and return the elements it completed."""
        self._text += self._utf8.decode(chunk)
        return self._drain(final=False)

    def finish(self) -> list[Any]:
        """Return the last elements; raise unless the array ended properly."""
        self._text += self._utf8.decode(b"", final=True)
        found = self._drain(final=True)
        if self._state != "done":
            raise ValueError("the JSON array is not closed")
        return found

    def _skip_blank(self) -> bool:
        """Move past whitespace; return whether a character is waiting."""
        text, pos = self._text, self._pos
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        self._pos = pos
        return pos < len(text)

    def _drain(self, final: bool) -> list[Any]:
        found: list[Any] = []
        while self._skip_blank():
            char = self._text[self._pos]
            if self._state == "open":
                if char != "[":
                    raise NotAnArray(f"the reply starts with {char!r}, not '['")
                self._pos += 1
                self._state = "first"
            elif self._state in ("first", "sep") and char == "]":
                self._pos += 1
                self._state = "done"
            elif self._state == "sep":
                if char != ",":
                    raise ValueError(f"expected ',' or ']' at {char!r}")
                self._pos += 1
                self._state = "value"
            elif self._state in ("first", "value"):
                if not self._take_value(found, final):
                    break
            else:  # done: only whitespace may follow
                raise ValueError(f"extra data after the array: {char!r}")
        self._text = self._text[self._pos :]
        self._pos = 0
        return found

    def _take_value(self, found: list[Any], final: bool) -> bool:
        """Decode one element; return False when it is not complete yet."""
        try:
            value, end = self._decoder.raw_decode(self._text, self._pos)
        except json.JSONDecodeError as exc:
            if final or not _maybe_cut_short(exc, len(self._text)):
                raise
            return False
        if not final and _may_continue(self._text, end, value):
            return False
        found.append(value)
        self._pos = end
        self._state = "sep"
        return True


def _maybe_cut_short(exc: json.JSONDecodeError, length: int) -> bool:
    """Tell an element cut by the chunk boundary from a real syntax error.

    The decoder stops at the first problem: a cut element fails at (or a token
    before) the end of the text, or inside a string running to the end. An
    error anywhere else is in the body itself, so it is raised at once instead
    of holding the rest of a large body in memory.
    """
    return exc.msg.startswith("Unterminated string") or (
        exc.pos >= length - _LONGEST_TOKEN
    )


def _may_continue(text: str, end: int, value: Any) -> bool:
    """Say whether a value ending at ``end`` might go on in the next chunk.

    Objects, arrays and strings end with their own delimiter. A number or a
    literal at the end of the text may be the start of a longer one (``-7``
    of ``-7.5e3``), so it counts only once a delimiter follows it.
    """
    if isinstance(value, dict | list | str):
        return False
    while end < len(text) and text[end] in _NUMBER_CHARS:
        end += 1
    return end >= len(text)
