"""Seerr, Overseerr and Jellyseerr: who asked for what.

Requests are read 100 at a time (``take``/``skip``, ``filter=all``) until the
last page; once the first page gives the total, four pages are read at once.
Each record keeps the media type, so a movie request never marks a show with
the same TMDb number, and the requested seasons of a TV request.
"""

from __future__ import annotations

from typing import Any

from controller.integrations.base import ServiceClient
from controller.integrations.capabilities import (
    ConnectionResult,
    ExternalIds,
    Kind,
    RequestRecord,
)
from controller.integrations.connection import run_test
from controller.integrations.parsing import to_int

PAGE = 100
CONCURRENCY = 4  # pages read at the same time once the total is known


class SeerrClient(ServiceClient):
    """Client for Seerr (and Overseerr/Jellyseerr), API ``/api/v1``."""

    type_name = "seerr"
    product = "Seerr"
    path_prefix = "/api/v1"

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Seerr takes the key in ``X-Api-Key``."""
        return {"X-Api-Key": api_key}, {}

    def test(self) -> ConnectionResult:
        """Check the server status, then the key with ``/auth/me``.

        ``/status`` is public and answers any key, so it only names the version.
        """
        return run_test(self.product, self._probe)

    def _probe(self) -> tuple[str, str]:
        status = self.http.get("status")
        if not isinstance(status, dict) or "version" not in status:
            raise self.http.unexpected("status", "the reply does not look like Seerr")
        me = self.http.get("auth/me")
        if not isinstance(me, dict) or not to_int(me.get("id")):
            raise self.http.unexpected("auth/me", "the API key maps to no user")
        return "Seerr", str(status.get("version", ""))

    def requests(self) -> list[RequestRecord]:
        """Return every request, whatever its status."""
        rows = self.http.get_pages(
            "request",
            params={"filter": "all", "sort": "added"},
            offset_param="skip",
            limit_param="take",
            page_size=PAGE,
            extract=_request_page,
            workers=max(1, self.option_int("concurrency", CONCURRENCY)),
        )
        records = []
        for row in rows:
            record = _record(row)
            if record is not None:
                records.append(record)
        return records


def _record(row: dict[str, Any]) -> RequestRecord | None:
    media = row.get("media") or {}
    kind_name = str(row.get("type") or media.get("mediaType") or "")
    kind = {"movie": Kind.MOVIE, "tv": Kind.TV}.get(kind_name)
    if kind is None:
        return None
    ids = ExternalIds(
        kind,
        to_int(media.get("tmdbId")),
        str(media.get("imdbId") or ""),
        to_int(media.get("tvdbId")),
    )
    if not ids:
        return None
    user = row.get("requestedBy") or {}
    who = ""
    for field in ("displayName", "username", "plexUsername", "jellyfinUsername"):
        if user.get(field):
            who = str(user[field])
            break
    seasons = tuple(
        n
        for n in (to_int(s.get("seasonNumber")) for s in row.get("seasons") or ())
        if n is not None
    )
    return RequestRecord(ids, who, to_int(row.get("status")) or 0, seasons)


def _request_page(payload: Any) -> tuple[list[Any], int | None]:
    results = [r for r in payload.get("results") or () if isinstance(r, dict)]
    info = payload.get("pageInfo") or {}
    return results, to_int(info.get("results"))
