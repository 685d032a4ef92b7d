"""Recorded observations: a cycle's view of the world as a JSON file.

``capacitarr observe --out FILE`` writes one; ``capacitarr plan --manifests DIR
--observation FILE`` plans against it offline, so a pull request that changes the
manifests can be checked in CI without reaching any service. The file holds the
items, the disk readings, per-integration health, capability outcomes and the
sanity verdicts exactly as the cycle saw them.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from controller.errors import CapacitarrError
from controller.media import DiskReading, MediaItem, MediaType
from controller.observe.model import (
    CapabilityStatus,
    DiskGroupObservation,
    IntegrationHealth,
    Observation,
    Outcome,
)
from controller.observe.sanity import (
    Finding,
    GroupVerdict,
    ObservationBaseline,
    SanityReport,
)

FORMAT = "capacitarr-observation/1"
DATE_FIELDS = ("added_at", "last_played")
TUPLE_FIELDS = ("genres", "tags", "watched_by", "collections", "labels")


class RecordingError(CapacitarrError):
    """An observation file cannot be read; the message names the file."""


def item_to_json(item: MediaItem) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(item):
        value = getattr(item, f.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, MediaType):
            value = str(value)
        out[f.name] = value
    return out


def item_from_json(data: dict[str, Any]) -> MediaItem:
    values = dict(data)
    values["media_type"] = MediaType(values["media_type"])
    for name in DATE_FIELDS:
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    for name in TUPLE_FIELDS:
        if name in values:
            values[name] = tuple(values[name])
    return MediaItem(**values)


def observation_to_json(observation: Observation) -> dict[str, Any]:
    """Render an observation as plain JSON data."""
    return {
        "format": FORMAT,
        "at": observation.at.isoformat(),
        "items": [item_to_json(i) for i in observation.items],
        "diskGroups": [
            {
                "mountPath": g.mount_path,
                "totalBytes": g.reading.total_bytes if g.reading else None,
                "freeBytes": g.reading.free_bytes if g.reading else None,
                "integrationIds": list(g.integration_ids),
                "rootFolders": list(g.root_folders),
            }
            for g in observation.disk_groups.values()
        ],
        "itemMounts": [
            [key[0], key[1], mount] for key, mount in observation.item_mounts.items()
        ],
        "health": [
            {
                "integrationId": h.integration_id,
                "type": h.type,
                "name": h.name,
                "ok": h.ok,
                "error": h.error,
                "failedCapabilities": list(h.failed_capabilities),
                "itemCount": h.item_count,
            }
            for h in observation.health.values()
        ],
        "capabilities": {
            name: {"outcome": str(c.outcome), "errors": list(c.errors)}
            for name, c in observation.capabilities.items()
        },
        "sanity": {
            "groups": {
                mount: list(verdict.reasons)
                for mount, verdict in observation.sanity.groups.items()
            },
            "distrustedItems": [
                [key[0], key[1], reason]
                for key, reason in observation.sanity.distrusted_items.items()
            ],
            "findings": [
                {
                    "kind": f.kind,
                    "message": f.message,
                    "integrationId": f.integration_id,
                }
                for f in observation.sanity.findings
            ],
        },
    }


def observation_from_json(data: dict[str, Any]) -> Observation:
    """Rebuild an observation from :func:`observation_to_json` output."""
    if data.get("format") != FORMAT:
        raise RecordingError(f"not a recorded observation (format {FORMAT} expected)")
    groups = {}
    for g in data["diskGroups"]:
        reading = (
            DiskReading(g["mountPath"], g["totalBytes"], g["freeBytes"])
            if g.get("totalBytes") is not None
            else None
        )
        groups[g["mountPath"]] = DiskGroupObservation(
            g["mountPath"],
            reading,
            tuple(g.get("integrationIds", ())),
            tuple(g.get("rootFolders", ())),
        )
    sanity = SanityReport(
        groups={
            mount: GroupVerdict(mount, list(reasons))
            for mount, reasons in data["sanity"]["groups"].items()
        },
        findings=[
            Finding(f["kind"], f["message"], f.get("integrationId"))
            for f in data["sanity"].get("findings", [])
        ],
        distrusted_items={
            (int(i), str(e)): reason
            for i, e, reason in data["sanity"].get("distrustedItems", [])
        },
    )
    return Observation(
        at=datetime.fromisoformat(data["at"]),
        items=[item_from_json(i) for i in data["items"]],
        disk_groups=groups,
        item_mounts={(int(i), str(e)): m for i, e, m in data["itemMounts"]},
        health={
            h["integrationId"]: IntegrationHealth(
                integration_id=h["integrationId"],
                type=h["type"],
                name=h["name"],
                ok=h["ok"],
                error=h.get("error", ""),
                failed_capabilities=tuple(h.get("failedCapabilities", ())),
                item_count=h.get("itemCount", 0),
            )
            for h in data["health"]
        },
        capabilities={
            name: CapabilityStatus(
                name, Outcome(c["outcome"]), errors=tuple(c["errors"])
            )
            for name, c in data["capabilities"].items()
        },
        sanity=sanity,
        baseline=ObservationBaseline(),
    )


def save(observation: Observation, path: Path) -> None:
    """Write an observation file (JSON)."""
    path.write_text(json.dumps(observation_to_json(observation)), encoding="utf-8")


def load(path: Path) -> Observation:
    """Read an observation file; errors name the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return observation_from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordingError(f"{path}: cannot read the observation: {exc}") from exc
