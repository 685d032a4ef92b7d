"""The history of manifest generations: every set of files the loader read.

Each generation records the digest of the merged content, the git commit when
known, the files, the merged content and whether it was applied or rejected
(with the validation errors). The newest applied generation is the desired state
the manifests declare; the change log says which of its fields the API has
since overridden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from controller.store.records import from_row, json_text
from controller.store.timestamps import to_text


@dataclass(frozen=True, slots=True)
class ManifestGeneration:
    """One attempt to apply the manifests folder."""

    id: int
    digest: str
    git_commit: str | None
    files: list[Any]
    content: dict[str, Any]
    status: str
    errors: list[Any]
    created_at: datetime


def record(
    db: Database,
    *,
    digest: str,
    status: str,
    files: list[Any],
    content: dict[str, Any],
    errors: list[Any] | None = None,
    git_commit: str | None = None,
    at: datetime,
) -> ManifestGeneration:
    """Append a generation with status ``applied`` or ``rejected``."""
    if status not in ("applied", "rejected"):
        raise ValueError(f"unknown manifest status {status!r}")
    cursor = db.execute(
        "INSERT INTO manifest_generations (digest, git_commit, files, content,"
        " status, errors, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            digest,
            git_commit,
            json_text(files),
            json_text(content),
            status,
            json_text(errors or []),
            to_text(at),
        ],
    )
    row = next(
        db.query("SELECT * FROM manifest_generations WHERE id = ?", [cursor.lastrowid])
    )
    return from_row(ManifestGeneration, row)


def latest(db: Database, *, status: str | None = None) -> ManifestGeneration | None:
    """Return the newest generation, optionally only ``applied``/``rejected``."""
    sql = "SELECT * FROM manifest_generations"
    params: list[object] = []
    if status is not None:
        sql += " WHERE status = ?"
        params.append(status)
    row = next(db.query(sql + " ORDER BY id DESC LIMIT 1", params), None)
    return None if row is None else from_row(ManifestGeneration, row)


def history(db: Database, *, limit: int = 50) -> list[ManifestGeneration]:
    """Return generations newest first."""
    return [
        from_row(ManifestGeneration, r)
        for r in db.query(
            "SELECT * FROM manifest_generations ORDER BY id DESC LIMIT ?", [limit]
        )
    ]
