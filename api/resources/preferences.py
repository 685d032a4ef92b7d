"""Preferences and scoring-factor weights.

``PUT`` merges the fields given into the stored values; the merged result is
validated with the manifest's ``Preferences`` / ``ScoringWeights`` model, and
only the fields given are written (one transaction). ``executionMode`` is read
and accepted as another name for ``defaultDiskGroupMode``.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.context import ApiContext
from api.errors import BadRequest
from api.params import parse_model, read_object
from api.routes import Operation, RouteTable
from controller.engine.factors import FACTORS
from controller.manifest.models import Preferences, ScoringWeights
from controller.store import integrations
from controller.store.desired import (
    get_preferences,
    get_weights,
    set_preferences,
    set_weights,
)

ALIAS = "executionMode"
READ_ONLY = {"id", "updatedAt"}
WATCH_TYPES = {"plex", "tautulli", "jellyfin", "jellystat", "emby"}


def render_preferences(stored: dict[str, Any]) -> dict[str, Any]:
    """Preferences as the API shows them: the model's fields plus the alias."""
    known = {k: v for k, v in stored.items() if k in Preferences.model_fields}
    model = Preferences.model_validate(known)
    out = {name: getattr(model, name) for name in Preferences.model_fields}
    out[ALIAS] = out["defaultDiskGroupMode"]
    return out


class PreferencesResource:
    """``GET/PUT /preferences``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._ctx.store.read() as db:
            resp.media = render_preferences(get_preferences(db))

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_object(req)
        for name in READ_ONLY & body.keys():
            del body[name]
        store = self._ctx.store
        with store.write() as db:
            before = render_preferences(get_preferences(db))
            _resolve_alias(body, before["defaultDiskGroupMode"])
            current = {k: v for k, v in before.items() if k != ALIAS}
            parse_model(Preferences, {**current, **body})
            after = render_preferences(
                set_preferences(db, req.context.origin, body, at=store.now())
            )
        self._announce(before, after)
        resp.media = after

    def _announce(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        changed = sorted(k for k in after if before.get(k) != after[k] and k != ALIAS)
        if not changed:
            return
        bus = self._ctx.bus
        old_mode = before["defaultDiskGroupMode"]
        new_mode = after["defaultDiskGroupMode"]
        if old_mode != new_mode:
            bus.publish(
                "engine_mode_changed",
                f"Execution mode changed from {old_mode} to {new_mode}",
                oldMode=old_mode,
                newMode=new_mode,
            )
        if before["deletionsEnabled"] and not after["deletionsEnabled"]:
            self._ctx.runtime.worker.clear()
        bus.publish("settings_changed", "Settings updated", changes=changed)


def _resolve_alias(body: dict[str, Any], current: Any) -> None:
    """Fold ``executionMode`` into ``defaultDiskGroupMode``.

    A client that reads, edits and writes back the whole object sends both; the
    one that differs from the current mode is the change. Two different changes
    at once are refused.
    """
    if ALIAS not in body:
        return
    alias = body.pop(ALIAS)
    given = body.get("defaultDiskGroupMode", current)
    if given != alias and given != current and alias != current:
        raise BadRequest("disagrees with defaultDiskGroupMode; send one", field=ALIAS)
    body["defaultDiskGroupMode"] = alias if alias != current else given


def render_weights(ctx: ApiContext) -> list[dict[str, Any]]:
    """The factors with their weights, as ``GET /scoring-factor-weights`` lists."""
    with ctx.store.read() as db:
        weights = get_weights(db)
        enabled = integrations.list_all(db, enabled_only=True)
    types = {item.type for item in enabled}
    failing = {item.type for item in enabled if item.last_error}
    out = []
    for factor in FACTORS:
        if factor.key == "request_popularity" and "seerr" not in types:
            continue
        entry: dict[str, Any] = {
            "key": factor.key,
            "name": factor.name,
            "description": factor.description,
            "weight": int(weights.get(factor.key, factor.default_weight)),
            "defaultWeight": factor.default_weight,
        }
        if _integration_error(factor.key, types, failing):
            entry["integrationError"] = True
        out.append(entry)
    return out


def _integration_error(key: str, types: set[str], failing: set[str]) -> bool:
    if key == "request_popularity":
        return "seerr" in failing
    if key in ("watch_history", "last_watched"):
        sources = types & WATCH_TYPES
        return bool(sources) and sources <= failing
    return False


class Weights:
    """``GET/PUT /scoring-factor-weights``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = render_weights(self._ctx)

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_object(req)
        parse_model(ScoringWeights, body)
        store = self._ctx.store
        with store.write() as db:
            before = get_weights(db)
            set_weights(db, req.context.origin, body, at=store.now())
        if any(before.get(key) != value for key, value in body.items()):
            self._ctx.bus.publish(
                "settings_changed", "Settings updated", changes=sorted(body)
            )
        resp.media = render_weights(self._ctx)


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the preference and weight routes."""
    table.add(
        "/preferences",
        PreferencesResource(ctx),
        "preferences",
        get=Operation("Show preferences"),
        put=Operation("Change the preferences given; the rest stay", body=Preferences),
    )
    table.add(
        "/scoring-factor-weights",
        Weights(ctx),
        "preferences",
        get=Operation("List scoring factors and their weights", response="array"),
        put=Operation(
            "Change the weights given (integers 0-10)",
            body=ScoringWeights,
            response="array",
        ),
    )
