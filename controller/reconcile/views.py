"""Renderings of the last cycle for the API: preview, analytics, rule values.

The preview is the last cycle's scored list, annotated with what the plan and the
queues say about each item, so what a person reviews is what would happen. These
functions take the runtime's state as arguments and return plain JSON-ready data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from controller.analytics.content import dead_content, stale_content
from controller.engine.scoring import ScoredItem
from controller.media import MediaItem
from controller.reconcile.cycle import CycleResult
from controller.store import queues

GENRES = (
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Horror",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
)
STATIC_VALUES: dict[str, dict[str, Any]] = {
    "seriesstatus": {
        "type": "closed",
        "options": [
            {"value": v, "label": v.capitalize()}
            for v in ("continuing", "ended", "upcoming", "deleted")
        ],
    },
    "type": {
        "type": "closed",
        "options": [
            {"value": v, "label": v.capitalize()}
            for v in ("movie", "show", "season", "artist", "book")
        ],
    },
    "genre": {
        "type": "combobox",
        "suggestions": [{"value": g, "label": g} for g in GENRES],
    },
}
BOOLEAN_FIELDS = (
    "monitored",
    "requested",
    "incollection",
    "watchlist",
    "watchedbyreq",
    "haslabel",
)
FREE_FIELDS: dict[str, tuple[str, str, str]] = {
    "title": ("text", "e.g., Breaking Bad", ""),
    "requestedby": ("text", "e.g., john", ""),
    "rating": ("number", "e.g., 7.5", ""),
    "year": ("number", "e.g., 2020", ""),
    "sizebytes": ("number", "e.g., 5368709120", "bytes (≈ GB)"),
    "timeinlibrary": ("number", "e.g., 30", "days"),
    "lastplayed": ("number", "e.g., 30", "days"),
    "seasoncount": ("number", "e.g., 5", ""),
    "episodecount": ("number", "e.g., 100", ""),
    "playcount": ("number", "e.g., 0", ""),
    "requestcount": ("number", "e.g., 3", ""),
}


def item_json(item: MediaItem) -> dict[str, Any]:
    """The preview's item shape (camelCase, empty values left out)."""
    out: dict[str, Any] = {
        "externalId": item.external_id,
        "integrationId": item.integration_id,
        "type": str(item.media_type),
        "title": item.title,
        "sizeBytes": item.size_bytes,
        "path": item.path,
        "monitored": item.monitored,
        "watchedByRequestor": item.watched_by_requestor,
    }
    optional = {
        "year": item.year,
        "posterUrl": item.poster_url,
        "seasonNumber": item.season_number,
        "episodeCount": item.episode_count,
        "showTitle": item.show_title,
        "seriesStatus": item.series_status,
        "qualityProfile": item.quality_profile,
        "rating": item.rating,
        "genre": item.genre,
        "playCount": item.play_count,
        "lastPlayed": item.last_played.isoformat() if item.last_played else None,
        "addedAt": item.added_at.isoformat() if item.added_at else None,
        "tags": list(item.tags),
        "isRequested": item.is_requested,
        "requestedBy": item.requested_by,
        "requestCount": item.request_count,
        "tmdbId": item.tmdb_id,
        "language": item.language,
        "collections": list(item.collections),
        "labels": list(item.labels),
        "watchedByUsers": list(item.watched_by),
        "onWatchlist": item.on_watchlist,
    }
    out.update({k: v for k, v in optional.items() if v not in (None, "", 0, [], False)})
    return out


def preview(result: CycleResult | None, db: Any) -> dict[str, Any]:
    """The scored list of the last cycle, highest deletion score first."""
    if result is None:
        return {"items": [], "diskContext": None, "planDigest": None}
    planned = {
        d.item.key: group.mount_path
        for group in result.plan.groups
        for d in group.deletions
    }
    approvals = {a.key: a for a in queues.list_approvals(db, limit=100_000)}
    live = {j.key: j for j in queues.list_jobs(db)}
    items = []
    for scored in result.scored:
        entry = {"item": item_json(scored.item), **scored.to_json()}
        key = scored.item.key
        mount = result.observation.item_mounts.get(key)
        if mount:
            entry["diskGroup"] = mount
        entry["planned"] = key in planned
        job = live.get(key)
        approval = approvals.get(key)
        if job is not None:
            entry["queueStatus"] = "deleting" if job.state == "in_flight" else "queued"
        elif approval is not None:
            entry["queueStatus"] = (
                "user_initiated" if approval.user_initiated else approval.status
            )
            entry["approvalQueueId"] = approval.id
        items.append(entry)
    return {
        "items": items,
        "diskContext": disk_context(result),
        "planDigest": result.plan.digest,
        "generatedAt": result.started_at.isoformat(),
    }


def disk_context(result: CycleResult) -> dict[str, Any] | None:
    """The disk group most in need of space, as the preview's header shows it."""
    groups = [g for g in result.plan.groups if g.total_bytes > 0]
    if not groups:
        return None
    worst = max(groups, key=lambda g: g.bytes_to_free if g.breached else -1)
    return {
        "mountPath": worst.mount_path,
        "totalBytes": worst.total_bytes,
        "usedBytes": worst.used_bytes,
        "thresholdPct": worst.threshold_pct,
        "targetPct": worst.target_pct,
        "bytesToFree": worst.bytes_to_free if worst.breached else 0,
    }


def _protected(scored: Iterable[ScoredItem]) -> set[tuple[int, str]]:
    return {s.item.key for s in scored if s.protected}


def _watched_types(result: CycleResult) -> set[str]:
    status = result.observation.capabilities.get("watch_data")
    if status is None or str(status.outcome) != "ok":
        return set()
    return {"movie", "show", "season"}


def dead(
    result: CycleResult | None, now: datetime, min_days: int, mount: str | None
) -> dict[str, Any]:
    """Never-watched items (only where watch data arrived), as JSON."""
    if result is None:
        return {"items": [], "totalCount": 0, "totalSize": 0, "protectedCount": 0}
    keys = _protected(result.scored)
    report = dead_content(
        result.observation.items,
        lambda item: item.key in keys,
        now,
        min_days,
        mount,
        watched_types=_watched_types(result),
    )
    return dict(report)


def stale(
    result: CycleResult | None, now: datetime, stale_days: int, mount: str | None
) -> dict[str, Any]:
    """Items not watched for ``stale_days``, as JSON."""
    if result is None:
        return {"items": [], "totalCount": 0, "totalSize": 0, "protectedCount": 0}
    keys = _protected(result.scored)
    report = stale_content(
        result.observation.items, lambda item: item.key in keys, now, stale_days, mount
    )
    return dict(report)


def static_rule_values(field: str) -> dict[str, Any] | None:
    """Answers that need no integration call, or None."""
    if field in STATIC_VALUES:
        return STATIC_VALUES[field]
    if field in BOOLEAN_FIELDS:
        return {
            "type": "closed",
            "options": [
                {"value": "true", "label": "Yes"},
                {"value": "false", "label": "No"},
            ],
        }
    if field in FREE_FIELDS:
        input_type, placeholder, suffix = FREE_FIELDS[field]
        return {
            "type": "free",
            "inputType": input_type,
            "placeholder": placeholder,
            "suffix": suffix,
        }
    return None


def names_from_items(items: Iterable[MediaItem], field: str) -> list[str]:
    """Collection or label names seen in the last cycle, sorted."""
    attribute = "collections" if field == "collection" else "labels"
    return sorted({name for item in items for name in getattr(item, attribute)})
