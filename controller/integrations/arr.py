"""What Sonarr, Radarr, Lidarr and Readarr share: auth, status, disks, lookups.

Each *arr client subclasses :class:`ArrClient`, names its product and API
prefix, and adds its own listing and deletion. The base answers connection
tests (checking ``appName`` so a Radarr at a Sonarr URL is caught), reports disk
space and root folders, resolves tag and quality-profile ids to names, and
offers rule values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Self, TypedDict

import httpx

from controller.integrations.capabilities import ConnectionResult, RuleValues
from controller.integrations.connection import run_test, wrong_product
from controller.integrations.errors import (
    IntegrationError,
    NotFound,
    UnexpectedResponse,
    UnsupportedVersion,
)
from controller.integrations.http import HttpClient, HttpSettings, Sleep
from controller.integrations.parsing import (
    FetchNotes,
    names,
    normalize_path,
    to_float,
    to_int,
)
from controller.media import DiskReading, MediaItem


class SizeStatistics(TypedDict, total=False):
    """The part of an entry's ``statistics`` the listings read."""

    sizeOnDisk: Any


class ArrEntry(TypedDict, total=False):
    """The keys of a listed entry every *arr client reads (see ``listing``)."""

    id: Any
    path: Any
    added: Any
    ratings: Any
    genres: Any
    tags: Any
    qualityProfileId: Any
    monitored: Any
    images: Any


class ArrClient:
    """Base of the four *arr clients.

    Args:
        url: the product's URL, e.g. ``http://sonarr:8989``.
        api_key: the product's API key (sent as ``X-Api-Key``).
        options: integration options (timeouts, retries; see HttpSettings).
        integration_id: store id stamped on every item this client emits.
        name: name used in logs and errors; defaults to the type.
        sleep: backoff sleeper (tests pass a recorder).
        transport: optional httpx transport (tests only).
    """

    type_name: ClassVar[str] = ""
    product: ClassVar[str] = ""
    api_prefix: ClassVar[str] = "/api/v3"
    min_major_version: ClassVar[int] = 3

    def __init__(
        self,
        url: str,
        api_key: str,
        options: Mapping[str, Any] | None = None,
        *,
        integration_id: int = 0,
        name: str = "",
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.options = dict(options or {})
        self.integration_id = integration_id
        self.root_url = url.rstrip("/")
        self.fetch_notes = FetchNotes()
        self._headers = {"X-Api-Key": api_key, "Accept": "application/json"}
        self.http = HttpClient(
            name or self.type_name,
            self.root_url + self.api_prefix,
            headers=self._headers,
            secrets=(api_key,),
            settings=HttpSettings.from_options(self.options),
            sleep=sleep,
            transport=transport,
        )
        # Lookups are fetched once per listing (see start_listing).
        self._tag_names: dict[int, str] | None = None
        self._profile_names: dict[int, str] | None = None

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- ConnectionTester --------------------------------------------------

    def test(self) -> ConnectionResult:
        """Check the URL, the API key, the product and its API version."""
        return run_test(self.product, self._probe)

    def _probe(self) -> tuple[str, str]:
        try:
            status = self.http.get("system/status")
        except NotFound as exc:
            raise self._explain_missing_api() from exc
        if not isinstance(status, dict) or "appName" not in status:
            raise UnexpectedResponse(
                self.http.service,
                "GET",
                self.root_url + self.api_prefix + "/system/status",
                200,
                f"the reply does not look like {self.product}'s system status",
            )
        app = str(status.get("appName", ""))
        if app.lower() != self.product.lower():
            raise wrong_product(
                self.http.service, self.root_url, self.product, app or "different"
            )
        return app, str(status.get("version", ""))

    def _explain_missing_api(self) -> Exception:
        """Tell an old version (no API v3/v1) from a wrong URL."""
        legacy = HttpClient(
            self.http.service,
            self.root_url + "/api",
            headers=self._headers,
            secrets=tuple(self._headers.values()),
            settings=self.http.settings,
        )
        try:
            status = legacy.get("system/status")
        except IntegrationError:
            status = None
        finally:
            legacy.close()
        url = self.root_url + self.api_prefix
        if isinstance(status, dict) and status.get("version"):
            version = str(status["version"])
            return UnsupportedVersion(
                self.http.service,
                "GET",
                url,
                404,
                f"{self.product} {version} has no API {self.api_prefix}; "
                f"upgrade to {self.product} v{self.min_major_version} or later",
            )
        return NotFound(
            self.http.service,
            "GET",
            url + "/system/status",
            404,
            f"no {self.product} API at this URL",
        )

    # -- DiskReporter -----------------------------------------------------

    def disks(self) -> list[DiskReading]:
        """Return every disk the product reports, paths normalized."""
        readings = []
        for entry in as_list(self.http.get("diskspace"), self, "diskspace"):
            path = normalize_path(entry.get("path"))
            total = to_int(entry.get("totalSpace"))
            free = to_int(entry.get("freeSpace"))
            if not path or total is None or free is None:
                continue
            readings.append(DiskReading(path=path, total_bytes=total, free_bytes=free))
        return readings

    def root_folders(self) -> list[str]:
        """Return the product's root folders, paths normalized."""
        folders = as_list(self.http.get("rootfolder"), self, "rootfolder")
        return [p for p in (normalize_path(f.get("path")) for f in folders) if p]

    # -- lookups ----------------------------------------------------------

    def tag_names(self) -> dict[int, str]:
        """Return tag id → label, fetched once per client."""
        if self._tag_names is None:
            tags = as_list(self.http.get("tag"), self, "tag")
            self._tag_names = {
                int(t["id"]): str(t.get("label", "")) for t in tags if "id" in t
            }
        return self._tag_names

    def profile_names(self) -> dict[int, str]:
        """Return quality profile id → name, fetched once per client."""
        if self._profile_names is None:
            profiles = as_list(self.http.get("qualityprofile"), self, "qualityprofile")
            self._profile_names = {
                int(p["id"]): str(p.get("name", "")) for p in profiles if "id" in p
            }
        return self._profile_names

    def languages(self) -> tuple[str, ...]:
        """Return language names the product knows (empty when it has none)."""
        return names(as_list(self.http.get("language"), self, "language"), "name")

    def rule_values(self) -> RuleValues:
        """Return quality profile names, tag labels and languages for rules."""
        return RuleValues(
            quality_profiles=tuple(sorted(set(self.profile_names().values()))),
            tags=tuple(sorted(set(self.tag_names().values()))),
            languages=tuple(sorted(self.languages())),
        )

    # -- helpers for subclasses ---------------------------------------------

    def resolve_tags(self, ids: Any) -> tuple[str, ...]:
        """Map tag ids to labels, dropping unknown ids."""
        known = self.tag_names()
        return tuple(known[i] for i in (to_int(x) for x in ids or ()) if i in known)

    def profile_name(self, profile_id: Any) -> str:
        """Return the quality profile name for an id ("" when unknown)."""
        return self.profile_names().get(to_int(profile_id) or -1, "")

    def poster(self, images: Any) -> str:
        """Return the poster (or cover) URL from an ``images`` list."""
        candidates = [i for i in images or () if isinstance(i, dict)]
        for kind in ("poster", "cover"):
            for image in candidates:
                if image.get("coverType") == kind:
                    url = image.get("remoteUrl") or image.get("url") or ""
                    if url and not str(url).startswith("http"):
                        url = self.root_url + "/" + str(url).lstrip("/")
                    return str(url)
        return ""

    def delete_resource(
        self, resource: str, external_id: str, params: dict[str, str]
    ) -> None:
        """Send ``DELETE <resource>/<id>`` with the given query flags."""
        self.http.request(
            "DELETE",
            f"{resource}/{id_of(external_id)}",
            params=params,
            expect_json=False,
        )

    def resource_exists(self, resource: str, external_id: str) -> bool:
        """Return whether ``GET <resource>/<id>`` finds the item (404 → False)."""
        try:
            self.http.get(f"{resource}/{id_of(external_id)}")
        except NotFound:
            return False
        return True

    def listing(
        self,
        path: str,
        convert: Callable[[dict[str, Any]], Iterable[MediaItem]],
        shape: Any = None,
    ) -> list[MediaItem]:
        """Read ``GET path`` (a JSON list of objects) through ``convert``.

        Each object is decoded to ``shape`` (the keys ``convert`` reads) when
        its turn comes and is let go once it became items, so a 100,000-title
        listing is never held decoded in full.
        """

        def each(entry: Any) -> Iterable[MediaItem]:
            return convert(entry) if isinstance(entry, dict) else ()

        return self.http.get_array(path, each, shape=shape)

    def start_listing(self) -> None:
        """Reset per-listing notes and lookups so each cycle sees fresh data."""
        self.fetch_notes = FetchNotes()
        self._tag_names = None
        self._profile_names = None


def rating_value(ratings: Any) -> float | None:
    """Return ``ratings.value`` as a float when present."""
    if isinstance(ratings, dict):
        return to_float(ratings.get("value"))
    return None


def split_season_id(external_id: str) -> tuple[int, int]:
    """Split ``"<seriesId>-s<n>"`` into ints; raise ValueError otherwise."""
    head, sep, tail = external_id.partition("-s")
    series_id, season = to_int(head), to_int(tail)
    if not sep or series_id is None or season is None:
        raise ValueError(f"not a season id: {external_id!r}")
    return series_id, season


def one(item: MediaItem | None) -> tuple[MediaItem, ...]:
    """Return ``item`` as a tuple of one, or an empty tuple for None."""
    return () if item is None else (item,)


def as_list(payload: Any, client: ArrClient, path: str) -> list[dict[str, Any]]:
    """Check that a reply is a JSON list of objects and return it."""
    if not isinstance(payload, list):
        raise UnexpectedResponse(
            client.http.service,
            "GET",
            client.root_url + client.api_prefix + "/" + path,
            200,
            f"expected a JSON list from {path}, got {type(payload).__name__}",
        )
    return [entry for entry in payload if isinstance(entry, dict)]


def id_of(external_id: str) -> int:
    """Return the numeric id in an external id, raising ValueError when absent."""
    number = to_int(external_id)
    if number is None:
        raise ValueError(f"not a numeric id: {external_id!r}")
    return number


def flag(value: bool) -> str:
    """Render a bool the way the *arr query strings expect."""
    return "true" if value else "false"
