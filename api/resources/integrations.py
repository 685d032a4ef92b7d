"""Integrations: list, create, read, update, delete, test a connection, sync.

Bodies are checked with the manifest's ``Integration`` model (the API key aside:
the API takes the key itself, a manifest only a reference). Keys are masked in
every response; a masked value sent back means "keep the stored key".
"""

from __future__ import annotations

from typing import Any

import falcon

from api.context import ApiContext, client_address
from api.errors import BadRequest
from api.params import parse_model, path_id, read_object
from api.routes import Operation, RouteTable
from controller.manifest.models import INTEGRATION_TYPES
from controller.manifest.models import Integration as IntegrationModel
from controller.store import integrations as repo
from controller.store.integrations import Integration

MASK = "•"
# Fields a client may echo back from a GET; they are never written.
READ_ONLY = {
    "id",
    "createdAt",
    "updatedAt",
    "lastSync",
    "lastError",
    "mediaCount",
    "mediaSizeBytes",
}
OPTION_FIELDS = (
    "showLevelOnly",
    "collectionDeletion",
    "timeoutSeconds",
    "fullSyncHours",
)
EXAMPLE_BODY = {
    "type": "object",
    "required": ["type", "name", "url", "apiKey"],
    "properties": {
        "type": {"type": "string", "enum": list(INTEGRATION_TYPES)},
        "name": {"type": "string"},
        "url": {"type": "string"},
        "apiKey": {"type": "string"},
        "enabled": {"type": "boolean"},
        "showLevelOnly": {"type": "boolean"},
        "collectionDeletion": {"type": "boolean"},
    },
}


def _is_masked(key: str) -> bool:
    return key.startswith(MASK)


def _api_key(body: dict[str, Any], *, required: bool) -> str | None:
    key = body.pop("apiKey", None)
    if key is None or (isinstance(key, str) and _is_masked(key)):
        if required:
            raise BadRequest("is required", field="apiKey")
        return None
    if not isinstance(key, str) or not key.strip():
        raise BadRequest("must be a non-empty string", field="apiKey")
    return key.strip()


def _validated(body: dict[str, Any]) -> IntegrationModel:
    return parse_model(IntegrationModel, body)


def _columns(model: IntegrationModel) -> dict[str, Any]:
    options = {name: getattr(model, name) for name in OPTION_FIELDS}
    for optional in ("timeoutSeconds", "fullSyncHours"):
        if options[optional] is None:
            del options[optional]
    return {
        "name": model.name,
        "type": model.type,
        "url": model.url.raw,
        "enabled": model.enabled,
        "options": options,
    }


def _publish(ctx: ApiContext, kind: str, verb: str, item: Integration) -> None:
    ctx.bus.publish(
        kind,
        f"Integration {verb}: {item.name} ({item.type})",
        integrationId=item.id,
        integrationType=item.type,
        name=item.name,
    )


def _as_body(item: Integration) -> dict[str, Any]:
    """The stored integration in the manifest model's shape (key aside)."""
    body: dict[str, Any] = {
        "name": item.name,
        "type": item.type,
        "url": item.url,
        "enabled": item.enabled,
    }
    body.update({k: v for k, v in item.options.items() if k in OPTION_FIELDS})
    return body


class Collection:
    """``GET/POST /integrations``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._ctx.store.read() as db:
            resp.media = [item.to_json() for item in repo.list_all(db)]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_object(req)
        for name in READ_ONLY & body.keys():
            del body[name]
        key = _api_key(body, required=True)
        model = _validated(body)
        store = self._ctx.store
        with store.write() as db:
            item = repo.create(
                db,
                req.context.origin,
                api_key=key or "",
                at=store.now(),
                **_columns(model),
            )
        _publish(self._ctx, "integration_added", "added", item)
        resp.status = falcon.HTTP_201
        resp.media = item.to_json()


class Item:
    """``GET/PUT/DELETE /integrations/{id}``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        with self._ctx.store.read() as db:
            resp.media = repo.get(db, path_id(id)).to_json()

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        integration_id = path_id(id)
        body = read_object(req)
        for name in READ_ONLY & body.keys():
            del body[name]
        key = _api_key(body, required=False)
        store = self._ctx.store
        with store.write() as db:
            current = repo.get(db, integration_id)
            if "type" in body and body["type"] != current.type:
                raise BadRequest(
                    "cannot be changed; delete the integration and add a new one",
                    field="type",
                )
            model = _validated({**_as_body(current), **body})
            changes = _columns(model)
            if key is not None:
                changes["api_key"] = key
            item = repo.update(
                db, req.context.origin, integration_id, changes, at=store.now()
            )
            if changes.get("api_key", current.api_key) != current.api_key or (
                item.url != current.url
            ):
                repo.clear_sync_state(db, integration_id)
                item = repo.get(db, integration_id)
        _publish(self._ctx, "integration_updated", "updated", item)
        resp.media = item.to_json()

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        integration_id = path_id(id)
        store = self._ctx.store
        with store.write() as db:
            item = repo.get(db, integration_id)
            repo.delete(db, req.context.origin, integration_id, at=store.now())
        _publish(self._ctx, "integration_removed", "removed", item)
        resp.media = {"status": "deleted"}


class Test:
    """``POST /integrations/test``: try a connection without saving anything."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._ctx.limits.integration_test.check(client_address(req))
        body = read_object(req)
        kind = body.get("type")
        url = body.get("url")
        key = body.get("apiKey") or ""
        stored_id = body.get("integrationId")
        if stored_id is not None and (
            not isinstance(stored_id, int) or isinstance(stored_id, bool)
        ):
            raise BadRequest("must be an integer id", field="integrationId")
        if stored_id and (not key or _is_masked(key) or not url or not kind):
            with self._ctx.store.read() as db:
                stored = repo.get(db, stored_id)
            kind = kind or stored.type
            url = url or stored.url
            if not key or _is_masked(key):
                key = stored.api_key
        if kind not in INTEGRATION_TYPES:
            raise BadRequest(
                f"unknown type {kind!r}", field="type", accepted=INTEGRATION_TYPES
            )
        if not isinstance(url, str) or not url:
            raise BadRequest("is required", field="url")
        if not isinstance(key, str) or not key:
            raise BadRequest("is required", field="apiKey")
        result = self._ctx.runtime.test_connection(kind, url, key)
        ok = bool(result.get("success"))
        text = result.get("message") or result.get("error") or ""
        fields = {"integrationType": kind, "url": url}
        if ok:
            self._ctx.bus.publish(
                "integration_test", f"Connection test succeeded: {kind}", **fields
            )
        else:
            self._ctx.bus.publish(
                "integration_test_failed",
                f"Connection test failed: {kind} — {text}",
                error=text,
                **fields,
            )
        resp.media = result


class Sync:
    """``POST /integrations/sync``: contact every enabled integration now."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"results": self._ctx.runtime.sync_integrations()}


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the integration routes."""
    body = EXAMPLE_BODY
    table.add(
        "/integrations",
        Collection(ctx),
        "integrations",
        get=Operation("List integrations (API keys masked)", response="array"),
        post=Operation("Add an integration", body=body, status=201),
    )
    table.add(
        "/integrations/test",
        Test(ctx),
        "integrations",
        post=Operation("Test a connection (30 per 5 minutes)", body=body),
    )
    table.add(
        "/integrations/sync",
        Sync(ctx),
        "integrations",
        post=Operation("Contact every enabled integration now"),
    )
    table.add(
        "/integrations/{id}",
        Item(ctx),
        "integrations",
        get=Operation("Show one integration"),
        put=Operation("Change the fields given; a masked apiKey is ignored", body=body),
        delete=Operation("Remove an integration and its rules"),
    )
