"""Notification channels (Discord, Apprise): list, add, change, remove, test.

Bodies are checked with the manifest's ``NotificationChannel`` model apart from
``webhookUrl``, which the API takes literally (a manifest holds a reference).
Responses show the URL redacted to scheme and host; a redacted value sent back
keeps the stored URL.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.context import ApiContext
from api.errors import BadGateway, BadRequest
from api.params import parse_model, path_id, read_object
from api.routes import Operation, RouteTable
from controller.manifest.models import NotificationChannel
from controller.manifest.secret_refs import http_url_problem
from controller.notify.channels import redact_url
from controller.notify.errors import NotificationError
from controller.store import channels as repo
from controller.store.records import camel

READ_ONLY = {"id", "createdAt", "updatedAt"}
FLAGS = repo.FLAGS
BODY = {
    "type": "object",
    "required": ["type", "name", "webhookUrl"],
    "properties": {
        "type": {"type": "string", "enum": ["discord", "apprise"]},
        "name": {"type": "string"},
        "webhookUrl": {"type": "string"},
        "appriseTags": {"type": "string"},
        "enabled": {"type": "boolean"},
        **{camel(flag): {"type": "boolean"} for flag in FLAGS},
    },
}


def render(channel: repo.Channel) -> dict[str, Any]:
    """A channel as the API shows it, its URL redacted."""
    out = channel.to_json()
    if channel.url:
        out["webhookUrl"] = redact_url(channel.url)
    return out


def _webhook(body: dict[str, Any], stored: str | None) -> str | None:
    url = body.pop("webhookUrl", None)
    if url is None or (stored and url == redact_url(stored)):
        return None
    if not isinstance(url, str) or not url.strip():
        raise BadRequest("must be a non-empty URL", field="webhookUrl")
    problem = http_url_problem(url.strip())
    if problem:
        raise BadRequest(problem, field="webhookUrl")
    return url.strip()


def _as_body(channel: repo.Channel) -> dict[str, Any]:
    body: dict[str, Any] = {"name": channel.name, "type": channel.type}
    body["enabled"] = channel.enabled
    body.update(
        {
            camel(flag): getattr(channel, flag)
            for flag in FLAGS
            if camel(flag) in NotificationChannel.model_fields
        }
    )
    if channel.apprise_tags:
        body["appriseTags"] = channel.apprise_tags
    return body


def _columns(model: NotificationChannel) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": model.name,
        "type": model.type,
        "enabled": model.enabled,
        "apprise_tags": model.appriseTags or "",
    }
    for flag in FLAGS:
        name = camel(flag)
        if name in NotificationChannel.model_fields:
            out[flag] = getattr(model, name)
    return out


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    for name in READ_ONLY & body.keys():
        del body[name]
    # Flags the manifest schema does not carry are checked here.
    for flag in FLAGS:
        name = camel(flag)
        own = name not in NotificationChannel.model_fields
        if own and name in body and not isinstance(body[name], bool):
            raise BadRequest("must be true or false", field=name)
    return body


def _extra_flags(body: dict[str, Any]) -> dict[str, Any]:
    return {
        flag: body.pop(camel(flag))
        for flag in FLAGS
        if camel(flag) in body and camel(flag) not in NotificationChannel.model_fields
    }


def _publish(ctx: ApiContext, kind: str, verb: str, channel: repo.Channel) -> None:
    ctx.bus.publish(
        kind,
        f"Notification channel {verb}: {channel.name} ({channel.type})",
        channelId=channel.id,
        channelType=channel.type,
        name=channel.name,
    )


class Collection:
    """``GET/POST /notifications/channels``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._ctx.store.read() as db:
            resp.media = [render(channel) for channel in repo.list_all(db)]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = _clean(read_object(req))
        url = _webhook(body, None)
        if url is None:
            raise BadRequest("is required", field="webhookUrl")
        extra = _extra_flags(body)
        values = {**_columns(parse_model(NotificationChannel, body)), **extra}
        values["url"] = url
        store = self._ctx.store
        with store.write() as db:
            channel = repo.create(db, req.context.origin, values, at=store.now())
        _publish(self._ctx, "notification_channel_added", "added", channel)
        resp.status = falcon.HTTP_201
        resp.media = render(channel)


class Item:
    """``PUT/DELETE /notifications/channels/{id}``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        channel_id = path_id(id)
        body = _clean(read_object(req))
        store = self._ctx.store
        with store.write() as db:
            current = repo.get(db, channel_id)
            url = _webhook(body, current.url)
            extra = _extra_flags(body)
            model = parse_model(NotificationChannel, {**_as_body(current), **body})
            changes = {**_columns(model), **extra}
            if url is not None:
                changes["url"] = url
            channel = repo.update(
                db, req.context.origin, channel_id, changes, at=store.now()
            )
        _publish(self._ctx, "notification_channel_updated", "updated", channel)
        resp.media = render(channel)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        channel_id = path_id(id)
        store = self._ctx.store
        with store.write() as db:
            channel = repo.get(db, channel_id)
            repo.delete(db, req.context.origin, channel_id, at=store.now())
        _publish(self._ctx, "notification_channel_removed", "removed", channel)
        resp.media = {"status": "deleted"}


class Test:
    """``POST /notifications/channels/{id}/test``: send a test message now."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_post(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        with self._ctx.store.read() as db:
            channel = repo.get(db, path_id(id))
        try:
            self._ctx.runtime.send_test_notification(channel)
        except NotificationError as error:
            raise BadGateway(f"Test notification failed: {error}") from error
        resp.media = {"status": "sent"}


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the notification-channel routes."""
    table.add(
        "/notifications/channels",
        Collection(ctx),
        "notifications",
        get=Operation("List channels (URLs redacted)", response="array"),
        post=Operation("Add a channel", body=BODY, status=201),
    )
    table.add(
        "/notifications/channels/{id}",
        Item(ctx),
        "notifications",
        put=Operation("Change the fields given", body=BODY),
        delete=Operation("Remove a channel"),
    )
    table.add(
        "/notifications/channels/{id}/test",
        Test(ctx),
        "notifications",
        post=Operation("Send a test message (502 when delivery fails)"),
    )
