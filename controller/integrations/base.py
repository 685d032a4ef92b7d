"""Construction shared by the clients that are not *arr apps.

Plex, Jellyfin, Emby, Tautulli, Jellystat and Seerr clients all take the same
arguments as the *arr clients so the registry can build any of them the same
way; each subclass says how it authenticates in :meth:`ServiceClient.auth`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import httpx

from controller.integrations.errors import IntegrationError
from controller.integrations.http import HttpClient, HttpSettings, Sleep
from controller.integrations.parsing import FetchNotes, to_float


class ServiceClient:
    """Base of the media-server and companion clients.

    Args:
        url: the service's URL.
        api_key: API key or token.
        options: integration options (timeouts, retries, page sizes).
        integration_id: store id of the integration.
        name: name used in logs and errors; defaults to the type.
        sleep: backoff sleeper (tests pass a recorder).
        transport: optional httpx transport (tests only).
    """

    type_name: ClassVar[str] = ""
    product: ClassVar[str] = ""
    path_prefix: ClassVar[str] = ""

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
        headers, params = self.auth(api_key)
        self.http = HttpClient(
            name or self.type_name,
            self.root_url + self.path_prefix,
            headers={"Accept": "application/json", **headers},
            auth_params=params,
            secrets=(api_key,),
            settings=HttpSettings.from_options(self.options),
            sleep=sleep,
            transport=transport,
        )

    def auth(self, api_key: str) -> tuple[dict[str, str], dict[str, str]]:
        """Return the headers and query parameters that carry ``api_key``."""
        raise NotImplementedError

    def option_int(self, key: str, default: int) -> int:
        """Return an integer option, falling back to ``default``."""
        value = self.options.get(key, default)
        return int(value) if isinstance(value, int | float | str) else default

    def option_float(self, key: str, default: float) -> float:
        """Return a number option, falling back to ``default``."""
        value = to_float(self.options.get(key))
        return default if value is None else value

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def sniff_product(client: ServiceClient) -> str:
    """Name the media server answering at the client's URL, or return "".

    Only public endpoints are tried, so a wrong product is named even when the
    key is wrong for it.
    """
    probe = HttpClient(
        client.http.service,
        client.root_url,
        settings=HttpSettings(
            connect_timeout=client.http.settings.connect_timeout,
            read_timeout=client.http.settings.read_timeout,
            retries=0,
        ),
        headers={"Accept": "application/json"},
    )
    try:
        for path, key in (
            ("identity", "MediaContainer"),
            ("System/Info/Public", "ProductName"),
            ("emby/System/Info/Public", "ServerName"),
        ):
            try:
                payload = probe.get(path)
            except IntegrationError:  # any failure means "not this product"
                continue
            if isinstance(payload, dict) and key in payload:
                return _product_from(path, payload)
        return ""
    finally:
        probe.close()


def _product_from(path: str, payload: dict[str, Any]) -> str:
    if path == "identity":
        return "Plex"
    product = str(payload.get("ProductName", ""))
    if "jellyfin" in product.lower():
        return "Jellyfin"
    if path.startswith("emby") or "emby" in product.lower():
        return "Emby"
    return product or "media"
