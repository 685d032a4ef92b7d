"""Check the rule field table and the schema's rule checks built on it."""

import pytest

from controller.manifest import ManifestError, Rule, load_manifest_text
from controller.manifest.rule_fields import RULE_FIELDS, offered_fields


def names(fields: list) -> list[str]:  # type: ignore[type-arg]
    return [field.name for field in fields]


BASE = [
    "title", "quality", "tag", "genre", "rating", "sizebytes", "timeinlibrary",
    "monitored", "year", "language",
]  # fmt: skip


def test_sonarr_with_every_enrichment_offers_the_full_list_in_order() -> None:
    """Check the /rule-fields order for Sonarr with Plex, Tautulli and Seerr enabled."""
    fields = offered_fields("sonarr", {"sonarr", "plex", "tautulli", "seerr"})
    assert names(fields) == [
        *BASE, "seriesstatus", "seasoncount", "episodecount", "playcount",
        "lastplayed", "requested", "requestcount", "requestedby", "incollection",
        "watchlist", "collection", "haslabel", "label", "watchedbyreq", "type",
    ]  # fmt: skip


def test_a_media_server_type_gets_base_fields_and_type_only() -> None:
    """Check that rules for plex are offered the base fields plus type."""
    assert names(offered_fields("plex", {"plex", "sonarr"})) == [*BASE, "type"]


def test_jellystat_unlocks_play_fields() -> None:
    """Check that Jellystat counts as a watch-data source (unlike the original)."""
    offered = names(offered_fields("radarr", {"radarr", "jellystat"}))
    assert "playcount" in offered and "lastplayed" in offered
    assert "collection" not in offered


def test_offered_operators_are_accepted_by_the_matcher() -> None:
    """Check that every operator the UI offers is one the field accepts."""
    for field in RULE_FIELDS.values():
        assert set(field.offered) <= set(field.operators), field.name
        assert field.as_json()["operators"] == list(field.offered)


RULE = "rules:\n  - field: {field}\n    operator: '{op}'\n    value: {value}\n"
RULE += "    effect: lean_keep\n"


@pytest.mark.parametrize(
    ("field", "op", "value", "stored"),
    [
        ("title", "contains", "Firefly", "Firefly"),
        ("quality", "contains", "HD", "HD"),
        ("tag", "==", "keep", "keep"),
        ("sizebytes", "==", "5368709120", "5368709120"),
        ("rating", ">=", "7.5", "7.5"),
        ("timeinlibrary", "over_ago", "30", "30"),
        ("lastplayed", "in_last", "14", "14"),
        ("monitored", "!=", "true", "true"),
        ("requested", "==", "false", "false"),
        ("seriesstatus", "==", "Ended", "Ended"),
        ("type", "!=", "season", "season"),
    ],
)
def test_matcher_superset_is_accepted(
    field: str, op: str, value: str, stored: str
) -> None:
    """Check operators the matcher accepts beyond the UI's list, values as text."""
    text = RULE.format(field=field, op=op, value=value)
    rule = load_manifest_text(text, "r.yaml", env={}).manifest.rules[0]
    assert (rule.field, rule.operator, rule.value) == (field, op, stored)


def test_lastplayed_never_needs_no_value() -> None:
    """Check that `lastplayed never` may omit the value."""
    rule = Rule.model_validate(
        {"field": "lastplayed", "operator": "never", "effect": "lean_remove"}
    )
    assert rule.value == ""


def test_number_and_boolean_values_are_stored_as_text() -> None:
    """Check that YAML numbers and booleans become the export's strings."""
    rule = Rule.model_validate(
        {"field": "rating", "operator": "<", "value": 6.0, "effect": "lean_remove"}
    )
    assert rule.value == "6"
    flag = Rule.model_validate(
        {"field": "watchlist", "operator": "==", "value": True, "effect": "prefer_keep"}
    )
    assert flag.value == "true"


def test_operator_outside_the_superset_is_refused() -> None:
    """Check that `lastplayed >` is refused with the field's operators listed."""
    with pytest.raises(ManifestError) as caught:
        load_manifest_text(
            RULE.format(field="lastplayed", op=">", value="3"), "r.yaml", env={}
        )
    assert caught.value.problems[0].message == (
        "'>' does not apply to date field lastplayed; "
        "use one of in_last, over_ago, never"
    )
