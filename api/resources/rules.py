"""Custom rules and the fields and values rules can use.

Rule bodies are checked with the manifest's ``Rule`` model (field, operator and
value must fit the rule field table). ``integrationId`` is optional: absent or
null makes the rule global. ``PUT`` merges the fields given, ``enabled`` too.
"""

from __future__ import annotations

import contextlib
from typing import Any

import falcon
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.context import ApiContext
from api.errors import BadRequest
from api.params import parse_model, path_id, query_int, read_object
from api.routes import Operation, RouteTable
from controller.manifest.models import INTEGRATION_TYPES
from controller.manifest.models import Rule as RuleModel
from controller.manifest.rule_fields import RULE_FIELDS, offered_fields
from controller.store import integrations
from controller.store import rules as repo
from controller.store.errors import RecordNotFound

READ_ONLY = {"id", "createdAt", "updatedAt"}
BODY = {
    "type": "object",
    "required": ["field", "operator", "value", "effect"],
    "properties": {
        "field": {"type": "string", "enum": list(RULE_FIELDS)},
        "operator": {"type": "string"},
        "value": {"type": ["string", "number", "boolean"]},
        "effect": {"type": "string"},
        "integrationId": {"type": ["integer", "null"]},
        "enabled": {"type": "boolean"},
        "name": {"type": "string"},
        "sortOrder": {"type": "integer"},
    },
}


def _integration_id(db: Any, body: dict[str, Any]) -> int | None:
    value = body.pop("integrationId", None)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise BadRequest("must be a positive integer id or null", field="integrationId")
    try:
        integrations.get(db, value)
    except RecordNotFound:
        raise BadRequest(
            f"no integration with id {value}", field="integrationId"
        ) from None
    return value


def _sort_order(body: dict[str, Any]) -> int | None:
    value = body.pop("sortOrder", None)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRequest("must be a non-negative integer", field="sortOrder")
    return value


def _columns(model: RuleModel) -> dict[str, Any]:
    return {
        "name": model.name or "",
        "field": model.field,
        "operator": model.operator,
        "value": model.value,
        "effect": model.effect,
        "enabled": model.enabled,
    }


def _as_body(rule: repo.Rule) -> dict[str, Any]:
    body: dict[str, Any] = {
        "field": rule.field,
        "operator": rule.operator,
        "value": rule.value,
        "effect": rule.effect,
        "enabled": rule.enabled,
    }
    if rule.name:
        body["name"] = rule.name
    return body


def _publish(ctx: ApiContext, kind: str, verb: str, rule: repo.Rule) -> None:
    ctx.bus.publish(
        kind,
        f"Custom rule {verb}: {rule.field} → {rule.effect}",
        ruleId=rule.id,
        field=rule.field,
        effect=rule.effect,
    )


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    for name in READ_ONLY & body.keys():
        del body[name]
    if body.get("name") == "":
        body["name"] = None
    return body


class Fields:
    """``GET /rule-fields[?service_type=sonarr]``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        service = req.get_param("service_type") or ""
        if service and service not in INTEGRATION_TYPES:
            raise BadRequest(
                f"unknown type {service!r}",
                field="service_type",
                accepted=INTEGRATION_TYPES,
            )
        with self._ctx.store.read() as db:
            enabled = {i.type for i in integrations.list_all(db, enabled_only=True)}
        resp.media = [field.as_json() for field in offered_fields(service, enabled)]


class Values:
    """``GET /rule-values?integration_id=1&action=quality``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        integration_id = query_int(req, "integration_id", None, minimum=1)
        field = req.get_param("action") or req.get_param("field")
        if integration_id is None:
            raise BadRequest("is required", field="integration_id")
        if not field:
            raise BadRequest("is required", field="action", accepted=RULE_FIELDS)
        if field not in RULE_FIELDS:
            raise BadRequest(
                f"unknown rule field {field!r}", field="action", accepted=RULE_FIELDS
            )
        with self._ctx.store.read() as db:
            integrations.get(db, integration_id)
        try:
            resp.media = self._ctx.runtime.rule_values(integration_id, field)
        except ValueError as error:
            raise BadRequest(str(error), field="action") from None


class Collection:
    """``GET/POST /custom-rules``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._ctx.store.read() as db:
            resp.media = [rule.to_json() for rule in repo.list_all(db)]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = _clean(read_object(req))
        store = self._ctx.store
        with store.write() as db:
            integration_id = _integration_id(db, body)
            sort_order = _sort_order(body)
            values = _columns(parse_model(RuleModel, body))
            values["integration_id"] = integration_id
            if sort_order is not None:
                values["sort_order"] = sort_order
            rule = repo.create(db, req.context.origin, values, at=store.now())
        _publish(self._ctx, "rule_created", "created", rule)
        resp.status = falcon.HTTP_201
        resp.media = rule.to_json()


class Item:
    """``PUT/DELETE /custom-rules/{id}``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        rule_id = path_id(id)
        body = _clean(read_object(req))
        store = self._ctx.store
        with store.write() as db:
            current = repo.get(db, rule_id)
            changes: dict[str, Any] = {}
            if "integrationId" in body:
                changes["integration_id"] = _integration_id(db, body)
            sort_order = _sort_order(body)
            if sort_order is not None:
                changes["sort_order"] = sort_order
            model = parse_model(RuleModel, {**_as_body(current), **body})
            changes.update(_columns(model))
            rule = repo.update(db, req.context.origin, rule_id, changes, at=store.now())
        _publish(self._ctx, "rule_updated", "updated", rule)
        resp.media = rule.to_json()

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        rule_id = path_id(id)
        store = self._ctx.store
        with store.write() as db:
            rule = repo.get(db, rule_id)
            repo.delete(db, req.context.origin, rule_id, at=store.now())
        self._ctx.bus.publish(
            "rule_deleted",
            f"Custom rule deleted: {rule.field} (ID {rule.id})",
            ruleId=rule.id,
            field=rule.field,
        )
        resp.status = falcon.HTTP_204


class ReorderBody(BaseModel):
    """Rule ids in their new evaluation order."""

    model_config = ConfigDict(extra="forbid")

    order: list[StrictInt] = Field(min_length=1)


class Reorder:
    """``PUT /custom-rules/reorder``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_put(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_object(req)
        if "ids" in body and "order" not in body:
            body["order"] = body.pop("ids")
        order = parse_model(ReorderBody, body).order
        if len(set(order)) != len(order):
            raise BadRequest("lists a rule id twice", field="order")
        store = self._ctx.store
        with store.write() as db:
            known = {rule.id for rule in repo.list_all(db)}
            unknown = [rule_id for rule_id in order if rule_id not in known]
            if unknown:
                raise BadRequest(f"unknown rule ids {unknown}", field="order")
            repo.reorder(db, req.context.origin, order, at=store.now())
            rules = [rule.to_json() for rule in repo.list_all(db)]
        self._ctx.bus.publish("rules_reordered", "Custom rules reordered", order=order)
        resp.media = {"status": "ok", "rules": rules}


class Impact:
    """``GET /custom-rules/{id}/impact``: items of the last preview it touches."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        rule_id = path_id(id)
        with self._ctx.store.read() as db:
            repo.get(db, rule_id)
        items = self._ctx.runtime.preview(force=False).get("items", [])
        affected = sum(1 for item in items if _touched_by(item, rule_id))
        resp.media = {
            "ruleId": rule_id,
            "affectedCount": affected,
            "totalItems": len(items),
        }


def _touched_by(item: dict[str, Any], rule_id: int) -> bool:
    return any(factor.get("ruleId") == rule_id for factor in item.get("factors", []))


class Context:
    """``GET /custom-rules/{id}/context``: the rule, its fields and values."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        rule_id = path_id(id)
        with self._ctx.store.read() as db:
            rule = repo.get(db, rule_id)
            enabled = {i.type for i in integrations.list_all(db, enabled_only=True)}
            owner = (
                integrations.get(db, rule.integration_id)
                if rule.integration_id
                else None
            )
        service = owner.type if owner else ""
        out: dict[str, Any] = {
            "rule": rule.to_json(),
            "fields": [f.as_json() for f in offered_fields(service, enabled)],
        }
        if owner is not None:
            # Fields without suggestions simply have no values to offer.
            with contextlib.suppress(ValueError):
                out["values"] = self._ctx.runtime.rule_values(owner.id, rule.field)
        resp.media = out


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the rule routes."""
    table.add(
        "/rule-fields",
        Fields(ctx),
        "rules",
        get=Operation(
            "Fields and operators a rule can use",
            query=(("service_type", "string", "integration type the rule is for"),),
            response="array",
        ),
    )
    table.add(
        "/rule-values",
        Values(ctx),
        "rules",
        get=Operation(
            "Values a rule field can take for one integration",
            query=(
                ("integration_id", "integer", "the integration"),
                ("action", "string", "the rule field"),
            ),
        ),
    )
    table.add(
        "/custom-rules",
        Collection(ctx),
        "rules",
        get=Operation("List rules in evaluation order", response="array"),
        post=Operation("Add a rule (integrationId absent: all)", body=BODY, status=201),
    )
    table.add(
        "/custom-rules/reorder",
        Reorder(ctx),
        "rules",
        put=Operation("Set the evaluation order", body=ReorderBody),
    )
    table.add(
        "/custom-rules/{id}",
        Item(ctx),
        "rules",
        put=Operation("Change the fields given (enabled too)", body=BODY),
        delete=Operation("Remove a rule", status=204, response="empty"),
    )
    table.add(
        "/custom-rules/{id}/impact",
        Impact(ctx),
        "rules",
        get=Operation("How many previewed items the rule touches"),
    )
    table.add(
        "/custom-rules/{id}/context",
        Context(ctx),
        "rules",
        get=Operation("The rule with the fields and values it can use"),
    )
