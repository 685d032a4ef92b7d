"""Disk groups: list them with their integrations, change their settings.

``PUT /disk-groups/{id}`` merges the fields given into the stored settings and
validates the result with the manifest's ``DiskGroup`` model, so a partial body
can never leave ``targetPct >= thresholdPct``. A change starts a cycle.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.context import ApiContext
from api.params import parse_model, path_id, read_object
from api.routes import Operation, RouteTable
from controller.manifest.models import DiskGroup as DiskGroupModel
from controller.store import disk_groups as repo
from controller.store import integrations
from controller.store.desired import get_preferences

SETTINGS = ("thresholdPct", "targetPct", "mode", "totalBytesOverride")
READ_ONLY = {
    "id",
    "mountPath",
    "totalBytes",
    "usedBytes",
    "createdAt",
    "updatedAt",
    "lastSeenAt",
    "integrations",
    "effectiveMode",
}
BODY = {
    "type": "object",
    "properties": {
        "thresholdPct": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "targetPct": {"type": "number", "exclusiveMinimum": 0},
        "mode": {
            "type": ["string", "null"],
            "enum": ["dry-run", "approval", "auto", None],
        },
        "totalBytesOverride": {"type": ["integer", "null"], "minimum": 0},
    },
}


def render(group: repo.DiskGroup, default_mode: str) -> dict[str, Any]:
    """A disk group as the API shows it, with the mode in force."""
    out = group.to_json()
    out["mode"] = group.mode
    out["effectiveMode"] = group.effective_mode(default_mode)
    return out


class Collection:
    """``GET /disk-groups``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        links = self._ctx.runtime.disk_group_integrations()
        with self._ctx.store.read() as db:
            groups = repo.list_all(db)
            default = str(get_preferences(db)["defaultDiskGroupMode"])
            known = {i.id: i for i in integrations.list_all(db)}
        out = []
        for group in groups:
            item = render(group, default)
            item["integrations"] = [
                {"id": i.id, "name": i.name, "type": i.type}
                for i in (known.get(n) for n in links.get(group.mount_path, []))
                if i is not None
            ]
            out.append(item)
        resp.media = out


class Item:
    """``PUT /disk-groups/{id}``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        group_id = path_id(id)
        body = read_object(req)
        for name in READ_ONLY & body.keys():
            del body[name]
        if body.get("totalBytesOverride") == 0:
            body["totalBytesOverride"] = None
        store = self._ctx.store
        with store.write() as db:
            group = repo.get(db, group_id)
            current = {
                "mountPath": group.mount_path,
                "thresholdPct": group.threshold_pct,
                "targetPct": group.target_pct,
                "mode": group.mode,
                "totalBytesOverride": group.total_bytes_override,
            }
            model = parse_model(DiskGroupModel, {**current, **body})
            changes = {
                "threshold_pct": model.thresholdPct,
                "target_pct": model.targetPct,
                "mode": model.mode,
                "total_bytes_override": model.totalBytesOverride,
            }
            updated = repo.update_settings(
                db, req.context.origin, group_id, changes, at=store.now()
            )
            default = str(get_preferences(db)["defaultDiskGroupMode"])
        if updated != group:
            self._announce(group, updated)
        resp.media = render(updated, default)

    def _announce(self, old: repo.DiskGroup, new: repo.DiskGroup) -> None:
        bus = self._ctx.bus
        if (old.threshold_pct, old.target_pct) != (new.threshold_pct, new.target_pct):
            bus.publish(
                "threshold_changed",
                f"Thresholds updated for {new.mount_path}: trigger at "
                f"{new.threshold_pct:.0f}%, target {new.target_pct:.0f}%",
                mountPath=new.mount_path,
                thresholdPct=new.threshold_pct,
                targetPct=new.target_pct,
            )
        if old.mode != new.mode:
            bus.publish(
                "disk_group_mode_changed",
                f"Mode of {new.mount_path} changed from {old.mode or 'default'} "
                f"to {new.mode or 'default'}",
                mountPath=new.mount_path,
                oldMode=old.mode,
                newMode=new.mode,
            )
        self._ctx.runtime.request_cycle("disk_group_changed")


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the disk-group routes."""
    table.add(
        "/disk-groups",
        Collection(ctx),
        "disk groups",
        get=Operation("List disk groups with their integrations", response="array"),
    )
    table.add(
        "/disk-groups/{id}",
        Item(ctx),
        "disk groups",
        put=Operation(
            "Change thresholdPct, targetPct, mode or totalBytesOverride", body=BODY
        ),
    )
