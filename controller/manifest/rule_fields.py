"""The rule field table: every field a rule can test, its type and its operators.

This is the single source for rule fields. The manifest schema validates rules
against it, the rule matcher in the engine reads which operators a field accepts,
and ``GET /rule-fields`` renders :func:`offered_fields` for the UI.

Two operator lists are kept per field: ``operators`` is everything the matcher
accepts (a superset, so hand-written manifests may use ``tag == x`` or
``quality contains HD``); ``offered`` is the shorter list the UI proposes. Boolean
fields accept ``!=`` as a real negation (the original ignored the operator there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldType = Literal["string", "number", "boolean", "date"]

STRING_OPS = ("==", "!=", "contains", "!contains")
NUMBER_OPS = ("==", "!=", ">", ">=", "<", "<=")
BOOLEAN_OPS = ("==", "!=")
AGE_OPS = ("in_last", "over_ago")
LAST_PLAYED_OPS = ("in_last", "over_ago", "never")

ALL_OPERATORS = (*STRING_OPS, ">", ">=", "<", "<=", *LAST_PLAYED_OPS)

# Services whose items rules act on (items belong to an *arr).
ARR_TYPES = frozenset({"sonarr", "radarr", "lidarr", "readarr"})
MEDIA_SERVER_TYPES = frozenset({"plex", "jellyfin", "emby"})
# Jellystat supplies watch data just like Tautulli; the original forgot it when
# offering play fields, we do not.
WATCH_SOURCE_TYPES = frozenset({"tautulli", "jellystat"}) | MEDIA_SERVER_TYPES
REQUEST_TYPES = frozenset({"seerr"})

Unlock = Literal["always", "sonarr", "watch", "request", "media", "request+watch"]


@dataclass(frozen=True, slots=True)
class RuleField:
    """One field a rule can test.

    Attributes:
        name: the lower-case name written in a rule (``sizebytes``).
        label: what the UI shows (``Size (bytes)``).
        type: ``string``, ``number``, ``boolean`` or ``date``.
        operators: every operator the matcher accepts for this field.
        offered: the operators ``GET /rule-fields`` proposes.
        unlock: which enabled integrations make the UI offer the field.
        is_list: the item holds several values (tags, collections, labels); a
            positive operator matches if any value matches, a negated one only if
            none does.
        choices: the closed set of values ``==``/``!=`` may compare with, if any.
    """

    name: str
    label: str
    type: FieldType
    operators: tuple[str, ...]
    offered: tuple[str, ...]
    unlock: Unlock = "always"
    is_list: bool = False
    choices: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """Render the field the way ``GET /rule-fields`` returns it."""
        return {
            "field": self.name,
            "label": self.label,
            "type": self.type,
            "operators": list(self.offered),
        }


SERIES_STATUSES = ("continuing", "ended", "upcoming", "deleted")
MEDIA_TYPES = (
    "movie",
    "show",
    "season",
    "episode",
    "artist",
    "album",
    "author",
    "book",
)

_S, _N, _B = STRING_OPS, NUMBER_OPS, BOOLEAN_OPS

_TABLE: tuple[RuleField, ...] = (
    RuleField("title", "Title", "string", _S, _S),
    RuleField("quality", "Quality Profile", "string", _S, ("==", "!=")),
    RuleField("tag", "Tags", "string", _S, ("contains", "!contains"), is_list=True),
    RuleField("genre", "Genre", "string", _S, _S),
    RuleField("rating", "Rating", "number", _N, _N),
    RuleField("sizebytes", "Size (bytes)", "number", _N, (">", ">=", "<", "<=")),
    RuleField(
        "timeinlibrary",
        "Time in Library (days)",
        "number",
        (*_N, *AGE_OPS),
        (">", ">=", "<", "<=", *AGE_OPS),
    ),
    RuleField("monitored", "Monitored", "boolean", _B, ("==",)),
    RuleField("year", "Year", "number", _N, _N),
    RuleField("language", "Language", "string", _S, ("==", "!=")),
    RuleField(
        "seriesstatus",
        "Show Status",
        "string",
        _S,
        ("==", "!="),
        unlock="sonarr",
        choices=SERIES_STATUSES,
    ),
    RuleField("seasoncount", "Season Count", "number", _N, _N, unlock="sonarr"),
    RuleField("episodecount", "Episode Count", "number", _N, _N, unlock="sonarr"),
    RuleField("playcount", "Play Count", "number", _N, _N, unlock="watch"),
    RuleField(
        "lastplayed",
        "Last Watched",
        "date",
        LAST_PLAYED_OPS,
        LAST_PLAYED_OPS,
        unlock="watch",
    ),
    RuleField("requested", "Is Requested", "boolean", _B, ("==",), unlock="request"),
    RuleField("requestcount", "Request Count", "number", _N, _N, unlock="request"),
    RuleField("requestedby", "Requested By", "string", _S, _S, unlock="request"),
    RuleField("incollection", "In Collection", "boolean", _B, ("==",), unlock="media"),
    RuleField("watchlist", "On Watchlist", "boolean", _B, ("==",), unlock="media"),
    RuleField(
        "collection", "Collection Name", "string", _S, _S, unlock="media", is_list=True
    ),
    RuleField("haslabel", "Has Label", "boolean", _B, ("==",), unlock="media"),
    RuleField(
        "label", "Media Server Label", "string", _S, _S, unlock="media", is_list=True
    ),
    RuleField(
        "watchedbyreq",
        "Watched by Requestor",
        "boolean",
        _B,
        ("==",),
        unlock="request+watch",
    ),
    RuleField("type", "Media Type", "string", _S, ("==", "!="), choices=MEDIA_TYPES),
)

RULE_FIELDS: dict[str, RuleField] = {field.name: field for field in _TABLE}
"""Every rule field by name, in the order the UI lists them."""

RULE_EFFECTS = (
    "always_keep",
    "prefer_keep",
    "lean_keep",
    "lean_remove",
    "prefer_remove",
    "always_remove",
)


def offered_fields(service_type: str, enabled_types: set[str]) -> list[RuleField]:
    """List the fields the UI offers for rules on one kind of integration.

    Args:
        service_type: the integration type the rule is written for, or ``""`` for
            "any integration".
        enabled_types: the types of the integrations that are enabled now; they
            decide which enrichment fields exist.

    Returns:
        The fields in display order: the base fields, Sonarr's own fields, the
        enrichment fields unlocked by the enabled integrations, and ``type`` last.
    """
    has_watch = bool(enabled_types & WATCH_SOURCE_TYPES)
    has_request = bool(enabled_types & REQUEST_TYPES)
    has_media = bool(enabled_types & MEDIA_SERVER_TYPES)
    wants_sonarr = service_type == "sonarr" or (
        service_type == "" and "sonarr" in enabled_types
    )
    wants_enrichment = service_type == "" or service_type in ARR_TYPES
    unlocked = {
        "always": True,
        "sonarr": wants_sonarr,
        "watch": wants_enrichment and has_watch,
        "request": wants_enrichment and has_request,
        "media": wants_enrichment and has_media,
        "request+watch": wants_enrichment and has_request and has_watch,
    }
    return [field for field in _TABLE if unlocked[field.unlock]]
