"""Settings export and import, and the data reset.

The export is the effective desired state as a manifest envelope: no secrets
(API keys and webhook URLs appear only as references), integrations referred to
by name. ``?format=yaml`` returns the same as a YAML manifest to commit. Import
takes the envelope under ``envelope`` (or the original's ``payload``) with
section flags; it is validated whole before anything is written, then applied in
one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import falcon

from api import importer
from api.context import ApiContext
from api.errors import BadRequest
from api.params import query_choice, read_object
from api.routes import Operation, RouteTable
from controller.manifest.convert import (
    SECTION_ALIASES,
    SECTIONS,
    envelope_to_manifest,
    manifest_to_envelope,
    manifest_to_yaml,
)
from controller.manifest.models import Manifest, Preferences
from controller.manifest.problems import ManifestError

FLAG_NAMES = (*SECTIONS, *SECTION_ALIASES, "scoringWeights")
IMPORT_BODY = {
    "type": "object",
    "properties": {
        "envelope": {"type": "object", "description": "an export (or a manifest)"},
        "payload": {"type": "object", "description": "same as envelope"},
        "sections": {
            "type": "object",
            "properties": {name: {"type": "boolean"} for name in FLAG_NAMES},
        },
    },
}


def exportable(document: dict[str, Any]) -> Manifest:
    """The effective desired state as a manifest with nothing secret in it.

    A key or webhook URL set through the API is left out (only references such
    as ``${SONARR_API_KEY}`` are exported); empty optional values are dropped.
    """

    def keep(entry: dict[str, Any], secret: str) -> dict[str, Any]:
        out = {k: v for k, v in entry.items() if v is not None}
        value = out.get(secret)
        if isinstance(value, str):
            if value.startswith("{file:"):
                out[secret] = {"file": value[len("{file:") : -1].strip()}
            elif not value.startswith("${"):
                del out[secret]
        return out

    rules = []
    for rule in document.get("rules", []):
        entry = {k: v for k, v in rule.items() if k != "key" and v is not None}
        key = str(rule.get("key", ""))
        if key and not key.startswith(("id:", "#")):
            entry["name"] = key
        rules.append(entry)
    body = {
        "preferences": {
            k: v
            for k, v in document.get("preferences", {}).items()
            if k in Preferences.model_fields
        },
        "scoringWeights": document.get("scoringWeights", {}),
        "diskGroups": [
            {k: v for k, v in g.items() if v is not None}
            for g in document.get("diskGroups", [])
        ],
        "integrations": [keep(i, "apiKey") for i in document.get("integrations", [])],
        "rules": rules,
        "notifications": [keep(c, "url") for c in document.get("notifications", [])],
    }
    return Manifest.model_validate(body)


def _sections(text: str | None) -> list[str] | None:
    if not text:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in FLAG_NAMES:
            raise BadRequest(
                f"unknown section {name!r}", field="sections", accepted=FLAG_NAMES
            )
    return [SECTION_ALIASES.get(name, name) for name in names]


class Export:
    """``GET /settings/export[?sections=rules,preferences][&format=yaml]``."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        sections = _sections(req.get_param("sections"))
        shape = query_choice(req, "format", ("json", "yaml"), "json")
        wanted = sections or list(SECTIONS)
        if "scoringWeights" in wanted and "preferences" not in wanted:
            wanted.append("preferences")
        manifest = exportable(self._ctx.runtime.export_document())
        now = datetime.fromtimestamp(self._ctx.clock(), UTC)
        envelope = manifest_to_envelope(
            manifest, sections=wanted, app_version=self._ctx.version, exported_at=now
        )
        stamp = now.strftime("%Y-%m-%d")
        self._ctx.bus.publish(
            "settings_exported", f"Settings exported: {wanted}", sections=wanted
        )
        if shape == "yaml":
            resp.content_type = "application/yaml"
            resp.text = manifest_to_yaml(
                envelope_to_manifest(envelope).manifest,
                header=f"# Capacitarr settings exported {envelope['exportedAt']}",
            )
            filename = f"capacitarr-settings-{stamp}.yaml"
        else:
            resp.media = envelope
            filename = f"capacitarr-settings-{stamp}.json"
        resp.set_header("Content-Disposition", f'attachment; filename="{filename}"')


def _parse_import(body: dict[str, Any]) -> tuple[Any, list[str]]:
    unknown = set(body) - {"envelope", "payload", "sections", "overrides"}
    if unknown:
        raise BadRequest(
            f"unknown field {sorted(unknown)[0]!r}",
            accepted=["envelope", "payload", "sections"],
        )
    envelope = body.get("envelope", body.get("payload"))
    if not isinstance(envelope, dict):
        raise BadRequest("is required and must be an export object", field="envelope")
    version = envelope.get("version", 1)
    if version != 1:
        raise BadRequest(
            f"unsupported export version {version!r}",
            field="envelope.version",
            accepted=[1],
        )
    flags = body.get("sections")
    if flags is None:
        chosen = list(SECTIONS)
    elif not isinstance(flags, dict):
        raise BadRequest(
            "must be an object of section flags", field="sections", accepted=FLAG_NAMES
        )
    else:
        chosen = []
        for name, value in flags.items():
            if name == "mode":
                if value not in ("merge", "", None):
                    raise BadRequest(
                        "only merge is supported",
                        field="sections.mode",
                        accepted=["merge"],
                    )
                continue
            if name not in FLAG_NAMES:
                raise BadRequest(
                    f"unknown section {name!r}", field="sections", accepted=FLAG_NAMES
                )
            if not isinstance(value, bool):
                raise BadRequest("must be true or false", field=f"sections.{name}")
            if value:
                chosen.append(SECTION_ALIASES.get(str(name), str(name)))
        if "scoringWeights" in chosen:
            chosen.append("preferences")
    try:
        conversion = envelope_to_manifest(envelope, source="envelope")
    except ManifestError as error:
        first = error.problems[0] if error.problems else None
        field = f"envelope.{first.path}" if first and first.path else "envelope"
        raise BadRequest(first.message if first else str(error), field=field) from None
    return conversion, chosen


class Import:
    """``POST /settings/import`` (and ``/settings/import/commit``)."""

    def __init__(self, ctx: ApiContext, *, preview: bool = False):
        self._ctx = ctx
        self._preview = preview

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        conversion, sections = _parse_import(read_object(req))
        result = importer.apply(
            self._ctx.store,
            conversion.manifest,
            sections,
            req.context.origin,
            preview=self._preview,
        )
        out = result.as_json()
        out["notes"] = list(conversion.notes)
        out["sections"] = sections
        if not self._preview:
            self._ctx.bus.publish(
                "settings_imported",
                f"Settings imported: {sections}",
                sections=sections,
                result={k: v for k, v in out.items() if k not in ("changes", "notes")},
            )
            self._ctx.runtime.request_cycle("settings_imported")
        resp.media = out


class DataReset:
    """``DELETE /data/reset``: forget observed data; configuration stays."""

    def __init__(self, ctx: ApiContext):
        self._ctx = ctx

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        cleared = self._ctx.runtime.reset_data(req.context.origin)
        resp.media = {
            "status": "success",
            "message": "All scraped data has been cleared",
            "cleared": cleared,
        }


def register(table: RouteTable, ctx: ApiContext) -> None:
    """Add the settings routes."""
    table.add(
        "/settings/export",
        Export(ctx),
        "settings",
        get=Operation(
            "Export desired state (no secrets) as JSON or a YAML manifest",
            query=(
                ("sections", "string", "comma list: " + ", ".join(FLAG_NAMES)),
                ("format", "string", "json (default) or yaml"),
            ),
        ),
    )
    table.add(
        "/settings/import",
        Import(ctx),
        "settings",
        post=Operation(
            "Import an export: rules added, the rest upserted", body=IMPORT_BODY
        ),
    )
    table.add(
        "/settings/import/preview",
        Import(ctx, preview=True),
        "settings",
        post=Operation(
            "What an import would change, without writing", body=IMPORT_BODY
        ),
    )
    table.add(
        "/settings/import/commit",
        Import(ctx),
        "settings",
        post=Operation("Same as /settings/import", body=IMPORT_BODY),
    )
    table.add(
        "/data/reset",
        DataReset(ctx),
        "settings",
        delete=Operation("Clear observed data (audit, queues, history); keep settings"),
    )
