"""Problems found in manifests, and how they are named for a person.

Every check in this package reports a :class:`ManifestProblem`: the file, the line,
the field path and what to do. The loader gathers all of them and raises one
:class:`ManifestError`; the CLI prints them one per line and the API returns them.
:func:`display_path` turns a raw location such as ``("integrations", 0, "url")``
into ``integrations[Sonarr Main].url`` using the element's natural key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from controller.errors import CapacitarrError

Loc = tuple[str | int, ...]

# The field that names each list element, used in paths instead of its index.
NATURAL_KEYS = {
    "integrations": "name",
    "diskGroups": "mountPath",
    "rules": "name",
    "notifications": "name",
}


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """One thing wrong with a manifest.

    Attributes:
        file: the file as the user named it (``manifests/disks.yaml``).
        line: 1-based line, or None when the input has no lines (JSON bodies).
        path: the field path (``diskGroups[/data].targetPct``), "" for the file.
        message: what is wrong and what to do.
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class ManifestError(CapacitarrError):
    """The manifests are invalid; ``problems`` lists everything found."""

    def __init__(self, problems: Iterable[ManifestProblem]) -> None:
        self.problems: tuple[ManifestProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def display_path(loc: Sequence[str | int], data: Any) -> str:
    """Render a location inside ``data`` the way messages show it.

    Args:
        loc: keys and list indexes from the top of the document.
        data: the document as parsed, used to find each element's natural key.

    Returns:
        A path such as ``rules[keep-firefly].operator`` or ``rules[2].effect``.
    """
    text = ""
    node: Any = data
    parent_key: str | int | None = None
    for part in loc:
        if isinstance(part, int):
            label: str | int = part
            element = _index(node, part)
            key_field = (
                NATURAL_KEYS.get(parent_key) if isinstance(parent_key, str) else None
            )
            if key_field and isinstance(element, Mapping):
                key = element.get(key_field)
                if isinstance(key, str) and key.strip():
                    label = key
            text += f"[{label}]"
            node = element
        else:
            text += f".{part}" if text else part
            node = node.get(part) if isinstance(node, Mapping) else None
        parent_key = part
    return text


def _index(node: Any, index: int) -> Any:
    if isinstance(node, Sequence) and not isinstance(node, str) and index < len(node):
        return node[index]
    return None


def line_for(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    """Find the line of ``loc``, or of its nearest enclosing element that has one."""
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None
