"""Paths, path mappings and media mounts.

An *arr reports paths as it sees them, often inside a container (``/tv``). A
per-integration path mapping rewrites them to where they sit on the host
(``/data/media/tv``) before anything is compared. Media mounts are the disks
that hold at least one root folder; each item belongs to the most specific
mount holding its path, compared on path boundaries (``/data`` does not hold
``/data2``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from controller.integrations.parsing import normalize_path
from controller.media import DiskReading
from controller.observe.model import DiskGroupObservation

Mapping_ = tuple[tuple[str, str], ...]


def parse_mappings(raw: Any) -> Mapping_:
    """Read ``path_mappings`` from options: a dict or a list of from/to pairs.

    Returns:
        ``(from, to)`` pairs, longest ``from`` first so the most specific wins.
    """
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, Mapping):
        pairs = [(str(k), str(v)) for k, v in raw.items()]
    elif isinstance(raw, Iterable) and not isinstance(raw, str):
        for entry in raw:
            if isinstance(entry, Mapping):
                pairs.append((str(entry.get("from", "")), str(entry.get("to", ""))))
            elif isinstance(entry, Sequence) and len(entry) == 2:
                pairs.append((str(entry[0]), str(entry[1])))
    cleaned = [(normalize_path(a), normalize_path(b)) for a, b in pairs if a and b]
    return tuple(sorted(cleaned, key=lambda p: len(p[0]), reverse=True))


def holds(mount: str, path: str) -> bool:
    """Return whether ``mount`` holds ``path``, on path boundaries."""
    if mount == "/":
        return path.startswith("/")
    return path == mount or path.startswith(mount + "/")


def map_path(path: str, mappings: Mapping_) -> str:
    """Rewrite ``path`` with the first (most specific) mapping that holds it."""
    normalized = normalize_path(path)
    for source, target in mappings:
        if holds(source, normalized):
            rest = normalized[len(source) :] if source != "/" else normalized
            return normalize_path(target + "/" + rest.lstrip("/"))
    return normalized


def most_specific(path: str, mounts: Sequence[str]) -> str | None:
    """Return the longest mount in ``mounts`` that holds ``path``."""
    best: str | None = None
    for mount in mounts:
        if holds(mount, path) and (best is None or len(mount) > len(best)):
            best = mount
    return best


def media_mounts(
    readings: Mapping[int, list[DiskReading]],
    root_folders: Mapping[int, list[str]],
) -> dict[str, DiskGroupObservation]:
    """Build the disk groups: mounts that hold at least one root folder.

    Args:
        readings: integration id → disk readings it reported (paths mapped).
        root_folders: integration id → its root folders (paths mapped).

    Returns:
        Mount path → group. When several integrations report the same mount,
        the reading with the larger total wins and every reporter is listed.
        ``/`` becomes a group only when no other mount holds a root folder.
    """
    best: dict[str, DiskReading] = {}
    reporters: dict[str, set[int]] = {}
    for integration_id, entries in readings.items():
        for reading in entries:
            path = normalize_path(reading.path)
            if not path:
                continue
            reporters.setdefault(path, set()).add(integration_id)
            if path not in best or reading.total_bytes > best[path].total_bytes:
                best[path] = DiskReading(path, reading.total_bytes, reading.free_bytes)
    chosen: dict[str, list[tuple[int, str]]] = {}
    for integration_id, folders in root_folders.items():
        for folder in folders:
            mount = most_specific(normalize_path(folder), list(best))
            if mount is not None:
                chosen.setdefault(mount, []).append((integration_id, folder))
    if len(chosen) > 1:
        chosen.pop("/", None)
    groups = {}
    for mount, owners in sorted(chosen.items()):
        ids = {i for i, _ in owners} | reporters.get(mount, set())
        groups[mount] = DiskGroupObservation(
            mount_path=mount,
            reading=best[mount],
            integration_ids=tuple(sorted(ids)),
            root_folders=tuple(sorted({f for _, f in owners})),
        )
    return groups
