"""Rewrite a response body the way a fault asks.

:meth:`simulators.server.ServiceApp.handle` passes every successful JSON body
through :func:`apply` together with the faults that matched the request and the
shape of the route's item list, so list faults can find the items and the
totals that describe them.
"""

from __future__ import annotations

import json
import random
import re
import threading
from typing import Any

# Where the item list and its totals sit in each product's listing reply.
SHAPES = ("array", "plex", "items", "tautulli", "seerr")
PLACEHOLDER_DATE = "0001-01-01T00:00:00Z"
FUTURE_DATE = "2199-01-01T00:00:00Z"
PLACEHOLDER_EPOCH = -62135596800
FUTURE_EPOCH = 7_258_118_400
EPOCH_KEYS = frozenset(
    {"addedAt", "updatedAt", "lastViewedAt", "viewedAt", "date", "started", "stopped"}
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_counter_lock = threading.Lock()
_counter = [0]


def _next_rng() -> random.Random:
    # A new, reproducible stream per call, so items vanish differently each time.
    with _counter_lock:
        _counter[0] += 1
        return random.Random(_counter[0])


def _locate(doc: Any, shape: str) -> tuple[list | None, dict | None, tuple[str, ...]]:
    """Return the item list, the dict holding totals, and the total keys."""
    if shape == "array":
        return (doc if isinstance(doc, list) else None), None, ()
    if shape == "plex":
        box = doc.get("MediaContainer", {})
        return box.get("Metadata"), box, ("size", "totalSize")
    if shape == "items":
        return doc.get("Items"), doc, ("TotalRecordCount",)
    if shape == "tautulli":
        data = doc.get("response", {}).get("data", {})
        if isinstance(data, list):
            return data, None, ()
        return data.get("data"), data, ("recordsFiltered", "recordsTotal")
    if shape == "seerr":
        return doc.get("results"), doc.get("pageInfo"), ("results",)
    raise ValueError(f"unknown listing shape {shape!r}")


def _adjust_totals(doc: Any, shape: str, delta: int, only_size: bool) -> None:
    _, holder, keys = _locate(doc, shape)
    if holder is None:
        return
    for key in keys:
        if only_size and key != "size":
            continue
        if isinstance(holder.get(key), int):
            holder[key] = max(0, holder[key] + delta)


def _list_faults(doc: Any, kinds: dict, shape: str) -> Any:
    items, _, _ = _locate(doc, shape)
    if items is None:
        return doc
    kept = list(items)
    if "empty_library" in kinds:
        _, holder, keys = _locate(doc, shape)
        for key in keys:
            if holder is not None and isinstance(holder.get(key), int):
                holder[key] = 0
        if shape == "seerr" and holder is not None:
            holder["pages"] = 0
        items[:] = []
        return doc
    if "vanishing_items" in kinds and kept:
        rng = _next_rng()
        gone = set(
            rng.sample(range(len(kept)), max(1, min(len(kept), len(kept) // 50)))
        )
        kept = [item for i, item in enumerate(kept) if i not in gone]
        _adjust_totals(doc, shape, -len(gone), only_size=False)
    if "partial_page" in kinds and kept:
        # The page is cut short but the totals still claim the full count.
        cut = len(kept) - max(1, len(kept) // 2)
        kept = kept[:cut]
        _adjust_totals(doc, shape, -(len(items) - cut), only_size=True)
    items[:] = kept
    return doc


def _placeholder(value: Any, state: list[int]) -> Any:
    if isinstance(value, dict):
        return {k: _placeholder_field(k, v, state) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholder(v, state) for v in value]
    return value


def _placeholder_field(key: str, value: Any, state: list[int]) -> Any:
    if isinstance(value, str) and _ISO.match(value):
        state[0] += 1
        return PLACEHOLDER_DATE if state[0] % 2 else FUTURE_DATE
    if key in EPOCH_KEYS and isinstance(value, int) and not isinstance(value, bool):
        state[0] += 1
        return PLACEHOLDER_EPOCH if state[0] % 2 else FUTURE_EPOCH
    return _placeholder(value, state)


def apply(body: bytes, kinds: dict, shape: str | None) -> bytes:
    """Return ``body`` changed by the body-rewriting faults in ``kinds``."""
    rewrite = {"placeholder_dates", "empty_library", "partial_page", "vanishing_items"}
    if rewrite & kinds.keys():
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if doc is not None:
            if shape is not None:
                doc = _list_faults(doc, kinds, shape)
            if "placeholder_dates" in kinds:
                doc = _placeholder(doc, [0])
            body = json.dumps(doc, separators=(",", ":")).encode()
    if "malformed_json" in kinds:
        middle = len(body) // 2
        body = body[:middle] + b'",}{\x00<' + body[middle:]
    if "truncated_json" in kinds:
        body = body[: max(1, len(body) // 2)]
    return body
