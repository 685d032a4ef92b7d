"""Errors raised by the integration clients.

Every failure talking to Sonarr, Plex, Seerr and the rest surfaces as an
:class:`IntegrationError` carrying the service, the HTTP method, the redacted URL,
the status (when a response arrived) and a short detail. ``transient`` says
whether trying again later may help; the HTTP layer retries only those.
"""

from __future__ import annotations

from controller.errors import CapacitarrError

# Longest slice of a third-party body or message that reaches a log or an error.
DETAIL_LIMIT = 300


def shorten(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1] + "…"


class IntegrationError(CapacitarrError):
    """A call to an integration failed.

    Attributes:
        service: the integration's display name or type, e.g. ``"sonarr"``.
        method: HTTP method of the failing call.
        url: the URL with every secret query parameter removed.
        status: HTTP status when a response arrived, else None.
        detail: short explanation, third-party text already cut short.
        transient: True when the same call may succeed later.
    """

    default_transient = False

    def __init__(
        self,
        service: str,
        method: str,
        url: str,
        status: int | None = None,
        detail: str = "",
        transient: bool | None = None,
    ) -> None:
        self.service = service
        self.method = method
        self.url = url
        self.status = status
        self.detail = shorten(detail)
        self.transient = self.default_transient if transient is None else transient
        super().__init__(self._render())

    def _render(self) -> str:
        status = f" -> HTTP {self.status}" if self.status is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.service}: {self.method} {self.url}{status}{detail}"


class ConnectionFailed(IntegrationError):
    """The host name did not resolve or nothing accepted the connection."""

    default_transient = True


class Timeout(IntegrationError):
    """Connecting or reading took longer than the configured timeout."""

    default_transient = True


class AuthenticationFailed(IntegrationError):
    """The service rejected the API key or token (401 or 403)."""


class NotFound(IntegrationError):
    """The path or the item does not exist (404)."""


class UnexpectedResponse(IntegrationError):
    """A reply came back that is not what the product sends.

    An HTML login page from a reverse proxy, a different product at the URL,
    malformed or truncated JSON, or JSON of the wrong shape.
    """


class UnsupportedVersion(IntegrationError):
    """The product answered but its version lacks the API the client uses."""


class RequestRejected(IntegrationError):
    """The service refused the request as invalid (400, 405, 409, 422...)."""


class ServerError(IntegrationError):
    """The service answered with a 5xx status or asked us to slow down (429)."""
