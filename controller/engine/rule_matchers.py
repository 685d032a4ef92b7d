"""How each rule field matches an item: the field table and the matcher builders.

:func:`build_matcher` turns one rule's field, operator and value into a mask
over an :class:`~controller.engine.table.ItemTable` (one verdict per row) and a
description of the value that matched, once per rule. A mask compares a whole
column at once, so scoring 100,000 items costs little more than reading the
field of each item once. All string comparisons are case-insensitive.
:mod:`controller.engine.rules` calls it when it compiles rules.

Where the reference implementation behaves oddly we decided as follows:

* Boolean fields (``monitored``, ``requested``, ``incollection``, ``haslabel``,
  ``watchlist``, ``watchedbyreq``) honour ``!=``; the reference ignored the
  operator, so ``monitored != true`` matched monitored items.
* List fields (``tag``, ``genre``, ``collection``, ``label``) with an operator other
  than ``==``, ``!=``, ``contains``, ``!contains`` match nothing (the reference
  matched everything). Every unsupported operator or unparsable value makes the
  rule match nothing, and compiling reports it.
* ``genre`` is a list field like ``tag``: ``genre == Drama`` matches an item whose
  genres include Drama (the reference compared the joined ``"Drama, Sci-Fi"``).
* ``seasoncount`` is the season number for a season and the number of seasons
  for a show when known (``MediaItem.season_count``); it never matches other
  types. ``seriesstatus`` and ``episodecount`` likewise only match shows and
  seasons, so a global rule about series never touches movies.
* An unknown ``rating`` (None or 0) or ``year`` matches no comparison, as an
  unknown ``addedAt`` already did for ``timeinlibrary``.
* ``lastplayed`` keeps the reference's meaning: a never-played item matches
  ``never`` and ``over_ago`` ("never counts as long ago"), not ``in_last``.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from controller.engine.factors import GIB, Ages
from controller.engine.table import Flags, Floats, ItemTable
from controller.media import MediaItem

Mask = Callable[[ItemTable], Flags]
Describe = Callable[[MediaItem, Ages], str]

SERIES = frozenset({"show", "season"})
STRING_OPERATORS = ("==", "!=", "contains", "!contains")
NUMBER_OPERATORS = ("==", "!=", ">", ">=", "<", "<=")
AGE_OPERATORS = (*NUMBER_OPERATORS, "in_last", "over_ago")
LAST_PLAYED_OPERATORS = ("in_last", "over_ago", "never")
BOOL_OPERATORS = ("==", "!=")

_STRING_TESTS: dict[str, Callable[[str, str], bool]] = {
    "==": op.eq,
    "!=": op.ne,
    "contains": op.contains,
    "!contains": lambda actual, value: value not in actual,
}
_NUMBER_TESTS: dict[str, Callable[[Floats, float], Flags]] = {
    "==": op.eq,
    "!=": op.ne,
    ">": op.gt,
    ">=": op.ge,
    "<": op.lt,
    "<=": op.le,
    "in_last": op.le,
    "over_ago": op.gt,
}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


class RuleCompileError(ValueError):
    """A rule that cannot match anything: unknown field, operator or bad value."""


def _positive(rating: float | None) -> float | None:
    return rating if rating is not None and rating > 0 else None


def _season_count(item: MediaItem) -> int | None:
    if item.media_type == "season":
        return item.season_number
    if item.media_type == "show":
        return item.season_count
    return None


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


class _Field(NamedTuple):
    """How one rule field reads an item and renders what matched."""

    kind: str
    get: Callable[[MediaItem], Any]
    fmt: Any = None
    media_types: frozenset[str] | None = None
    needs: frozenset[str] = frozenset()


_WATCH = frozenset({"watch_history"})
_DATES = frozenset({"last_watched"})
_REQUESTS = frozenset({"request_popularity"})
_SERVER = frozenset({"media_server"})
_get = op.attrgetter

_FIELDS: dict[str, _Field] = {
    "title": _Field("string", _get("title")),
    "quality": _Field("string", _get("quality_profile")),
    "seriesstatus": _Field("string", _get("series_status"), media_types=SERIES),
    "language": _Field("string", _get("language")),
    "type": _Field("string", _get("media_type")),
    "requestedby": _Field("string", _get("requested_by"), needs=_REQUESTS),
    "tag": _Field("list", _get("tags"), "(no tags)"),
    "genre": _Field("list", _get("genres"), "(no genres)"),
    "collection": _Field(
        "list", _get("collections"), "(no collections)", needs=_SERVER
    ),
    "label": _Field("list", _get("labels"), "(no labels)", needs=_SERVER),
    "rating": _Field("number", lambda i: _positive(i.rating), "{:.1f}"),
    "sizebytes": _Field("number", _get("size_bytes"), lambda v: f"{v / GIB:.2f} GB"),
    "year": _Field("number", lambda i: i.year or None, "{:d}"),
    "seasoncount": _Field("number", _season_count, "{:d}", SERIES),
    "episodecount": _Field("number", _get("episode_count"), "{:d}", SERIES),
    "playcount": _Field("number", _get("play_count"), "{:d}", needs=_WATCH),
    "requestcount": _Field("number", _get("request_count"), "{:d}", needs=_REQUESTS),
    "timeinlibrary": _Field("age", _get("added_at"), "{:.0f} days"),
    "lastplayed": _Field("lastplayed", _get("last_played"), needs=_DATES),
    "monitored": _Field("bool", _get("monitored"), lambda i, b: _bool_text(b)),
    "requested": _Field(
        "bool",
        _get("is_requested"),
        lambda i, b: f"requested: {_bool_text(b)}",
        needs=_REQUESTS,
    ),
    "incollection": _Field(
        "bool",
        lambda i: bool(i.collections),
        lambda i, b: f"{len(i.collections)} collections",
        needs=_SERVER,
    ),
    "haslabel": _Field(
        "bool",
        lambda i: bool(i.labels),
        lambda i, b: f"{len(i.labels)} labels",
        needs=_SERVER,
    ),
    "watchlist": _Field(
        "bool",
        _get("on_watchlist"),
        lambda i, b: f"on watchlist: {_bool_text(b)}",
        needs=_SERVER,
    ),
    "watchedbyreq": _Field(
        "bool",
        _get("watched_by_requestor"),
        lambda i, b: f"watched by requestor: {_bool_text(b)}",
        needs=_WATCH | _REQUESTS,
    ),
}
FIELDS: tuple[str, ...] = tuple(_FIELDS)
# Fields that read one attribute as it is: their columns are the scoring
# table's own (the factors read several of them too), so each is read once.
_ATTRIBUTES = {
    "title": "title",
    "quality": "quality_profile",
    "seriesstatus": "series_status",
    "language": "language",
    "type": "media_type",
    "requestedby": "requested_by",
    "tag": "tags",
    "genre": "genres",
    "collection": "collections",
    "label": "labels",
    "sizebytes": "size_bytes",
    "episodecount": "episode_count",
    "playcount": "play_count",
    "requestcount": "request_count",
    "monitored": "monitored",
    "requested": "is_requested",
    "watchlist": "on_watchlist",
    "watchedbyreq": "watched_by_requestor",
}
_OPERATORS = {
    "string": STRING_OPERATORS,
    "list": STRING_OPERATORS,
    "number": NUMBER_OPERATORS,
    "age": AGE_OPERATORS,
    "lastplayed": LAST_PLAYED_OPERATORS,
    "bool": BOOL_OPERATORS,
}


def operators_for(field: str) -> Sequence[str]:
    """Return every operator the matcher accepts for a (lower-case) field."""
    spec = _FIELDS.get(field)
    return _OPERATORS[spec.kind] if spec else ()


def _number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise RuleCompileError(f"value {value!r} is not a number") from None
    if number != number:  # NaN never compares equal, not even to itself
        raise RuleCompileError(f"value {value!r} is not a number")
    return number


def build_matcher(
    field: str, operator: str, value: str
) -> tuple[Mask, Describe, frozenset[str] | None, frozenset[str]]:
    """Build the matcher for one rule.

    Args:
        field: lower-case field name, e.g. ``"tag"``.
        operator: lower-case operator, e.g. ``"!contains"``.
        value: lower-case rule value as text.

    Returns:
        ``(mask, describe, media_types, needs)``: the mask (row -> matches); a
        function naming the
        item value that matched (for the breakdown, called only when shown); the
        media types the field can match (None for all); the data it relies on
        (factor keys whose source must be usable, or ``"media_server"``).

    Raises:
        RuleCompileError: the field or operator is unknown for the field, or the
            value cannot be read as the field's type.
    """
    spec = _FIELDS.get(field)
    if spec is None:
        raise RuleCompileError(f"unknown field {field!r}")
    if operator not in _OPERATORS[spec.kind]:
        raise RuleCompileError(f"operator {operator!r} is not valid for {field!r}")
    builders = {
        "string": _string_matcher,
        "list": _list_matcher,
        "number": _number_matcher,
        "age": _age_matcher,
        "lastplayed": _last_played_matcher,
        "bool": _bool_matcher,
    }
    column = _ATTRIBUTES.get(field, f"rule:{field}")
    if spec.kind == "number":  # a float column, beside any integer one
        column += "#float"
    mask, describe = builders[spec.kind](column, spec, operator, value)
    return mask, describe, spec.media_types, spec.needs


def _string_matcher(
    name: str, spec: _Field, operator: str, value: str
) -> tuple[Mask, Describe]:
    get, compare = spec.get, _STRING_TESTS[operator]

    def mask(table: ItemTable) -> Flags:
        texts = table.texts(name, get)
        return np.fromiter(
            (compare(text, value) for text in texts), np.bool_, table.size
        )

    return mask, lambda item, ages: str(get(item))


def _list_matcher(
    name: str, spec: _Field, operator: str, value: str
) -> tuple[Mask, Describe]:
    get = spec.get
    positive = _STRING_TESTS["==" if operator in ("==", "!=") else "contains"]
    wanted = operator in ("==", "contains")  # "!=", "!contains": no element passes

    def first_hit(item: MediaItem) -> str | None:
        for element in get(item):
            if positive(element.lower(), value):
                return str(element)
        return None

    def hit(elements: tuple[str, ...]) -> bool:
        return any(positive(element.lower(), value) for element in elements)

    def mask(table: ItemTable) -> Flags:
        # Lists repeat (a few hundred genre and tag combinations over 100,000
        # items): each distinct list is judged once.
        verdicts: dict[tuple[str, ...], bool] = {(): False}
        found = []
        for elements in table.values(name, get):
            verdict = verdicts.get(elements)
            if verdict is None:
                verdict = verdicts[elements] = hit(elements)
            found.append(verdict)
        hits = np.array(found, dtype=np.bool_)
        return hits if wanted else ~hits

    if wanted:
        return mask, lambda item, ages: first_hit(item) or ""

    def describe_none(item: MediaItem, ages: Ages) -> str:
        return ", ".join(get(item)) or spec.fmt

    return mask, describe_none


def _compared(column: Floats, operator: str, expected: float) -> Flags:
    """Compare a float column; NaN (unknown) matches no operator, ``!=`` included."""
    with np.errstate(invalid="ignore"):
        return ~np.isnan(column) & _NUMBER_TESTS[operator](column, expected)


def _number_matcher(
    name: str, spec: _Field, operator: str, value: str
) -> tuple[Mask, Describe]:
    get, expected = spec.get, _number(value)
    render = spec.fmt.format if isinstance(spec.fmt, str) else spec.fmt

    def mask(table: ItemTable) -> Flags:
        return _compared(table.numbers(name, get), operator, expected)

    return mask, lambda item, ages: str(render(get(item)))


def _age_matcher(
    name: str, spec: _Field, operator: str, value: str
) -> tuple[Mask, Describe]:
    expected = _number(value)

    def mask(table: ItemTable) -> Flags:
        return _compared(table.added_days, operator, expected)

    return mask, lambda item, ages: f"{ages.added_days or 0:.0f} days"


def _describe_played(item: MediaItem, ages: Ages) -> str:
    days = ages.played_days
    return "never played" if days is None else f"{days:.0f} days ago"


def _last_played_matcher(
    name: str, spec: _Field, operator: str, value: str
) -> tuple[Mask, Describe]:
    if operator == "never":
        return lambda table: np.isnan(table.played_days), _describe_played

    expected = _number(value)
    never_counts = operator == "over_ago"  # never played counts as long ago

    def mask(table: ItemTable) -> Flags:
        days = table.played_days
        compared = _compared(days, operator, expected)
        return compared | np.isnan(days) if never_counts else compared

    return mask, _describe_played


def _bool_matcher(
    name: str, spec: _Field, operator: str, value: str
) -> tuple[Mask, Describe]:
    if value in _TRUE:
        expected = True
    elif value in _FALSE:
        expected = False
    else:
        raise RuleCompileError(f"value {value!r} is not true or false")
    wanted = expected if operator == "==" else not expected
    get, render = spec.get, spec.fmt

    def mask(table: ItemTable) -> Flags:
        column = table.flags(name, get)
        return column if wanted else ~column

    return mask, lambda item, ages: str(render(item, bool(get(item))))
