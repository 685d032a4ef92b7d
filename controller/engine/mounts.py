"""Which disk groups exist, and which group each item's files live on.

The reconciler calls :func:`media_mounts` with the root folders and disks the *arrs
report, to learn which mounts become disk groups, and :func:`assign_to_mounts` to
split the cycle's items among them. Both are path-boundary aware (``/data`` does
not hold ``/data2``), the most specific mount wins, and an item belongs to at most
one group (the reference used a raw prefix test, so one item could be planned once
per nested mount).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from controller.media import MediaItem


def normalize_path(path: str) -> str:
    """Use ``/`` separators and drop trailing ones; the filesystem root becomes ``""``.

    ``H:\\Movies`` becomes ``H:/Movies``, ``\\\\server\\share`` becomes
    ``//server/share``, ``G:\\`` becomes ``G:``, and ``/`` becomes ``""``.
    """
    return path.replace("\\", "/").rstrip("/")


def _holds(mount: str, path: str) -> bool:
    """Tell whether the normalized ``path`` lies on the normalized ``mount``."""
    return path == mount or path.startswith(mount + "/")


def _best_mount(path: str, mounts: Sequence[tuple[str, str]]) -> str | None:
    """Return the original spelling of the longest mount holding ``path``."""
    for normalized, original in mounts:
        if _holds(normalized, path):
            return original
    return None


def _by_specificity(paths: Iterable[str]) -> list[tuple[str, str]]:
    """Pair each path with its normalized form, longest (most specific) first."""
    pairs = [(normalize_path(path), path) for path in paths]
    pairs.sort(key=lambda pair: (-len(pair[0]), pair[0]))
    return pairs


def media_mounts(
    root_folders: Iterable[str], disk_paths: Iterable[str]
) -> tuple[str, ...]:
    """Select the mounts that hold at least one *arr root folder.

    Args:
        root_folders: root folders from every *arr.
        disk_paths: mount paths of the disks the *arrs report.

    Returns:
        The selected disk paths (as given), sorted. A root folder picks the most
        specific disk holding it; the filesystem root ``/`` is dropped when any
        other mount was selected. Disks holding no root folder are not included.
    """
    disks = _by_specificity(disk_paths)
    selected: set[str] = set()
    for folder in root_folders:
        mount = _best_mount(normalize_path(folder), disks)
        if mount is not None:
            selected.add(mount)
    roots = {mount for mount in selected if normalize_path(mount) == ""}
    if roots and len(selected) > len(roots):
        selected -= roots
    return tuple(sorted(selected))


def assign_to_mounts(
    items: Iterable[MediaItem], mount_paths: Iterable[str]
) -> dict[str, list[MediaItem]]:
    """Split items among mounts: each item to the most specific mount holding it.

    Args:
        items: the cycle's items; ``path`` may use either separator.
        mount_paths: the disk groups' mount paths.

    Returns:
        Every given mount path mapped to its items, in input order. Items whose
        path lies on none of the mounts (or is empty) appear nowhere.
    """
    mounts = _by_specificity(mount_paths)
    groups: dict[str, list[MediaItem]] = {original: [] for _, original in mounts}
    for item in items:
        if not item.path:
            continue
        mount = _best_mount(normalize_path(item.path), mounts)
        if mount is not None:
            groups[mount].append(item)
    return groups
