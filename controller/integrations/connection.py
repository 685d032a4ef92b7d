"""Connection tests that tell a person what is wrong, in words they can act on.

Each client's ``test()`` hands a probe to :func:`run_test`; the probe identifies
the product and version (raising on a wrong product or an old version) and this
module turns every failure class into one clear message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from controller.integrations.capabilities import ConnectionResult
from controller.integrations.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    IntegrationError,
    NotFound,
    RequestRejected,
    ServerError,
    Timeout,
    UnexpectedResponse,
    UnsupportedVersion,
)

Probe = Callable[[], tuple[str, str]]
# Phrases resolvers use when a host name does not exist (glibc, macOS, Windows).
NAME_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "name resolution",
    "getaddrinfo failed",
    "no address associated",
    "name does not resolve",
)


def describe_failure(product: str, error: IntegrationError) -> str:
    """Return a one-sentence explanation of ``error`` for ``product``'s settings."""
    where = error.url.split("?", 1)[0]
    if isinstance(error, ConnectionFailed):
        lowered = error.detail.lower()
        if any(hint in lowered for hint in NAME_HINTS):
            return f"The host name in {where} could not be resolved; check the URL."
        if "refused" in lowered:
            return (
                f"Connection refused at {where}: nothing is listening there; "
                f"check the host, the port and that {product} is running."
            )
        return f"Could not connect to {product} at {where}: {error.detail}"
    if isinstance(error, Timeout):
        return (
            f"{product} at {where} did not answer in time; it may be overloaded "
            "or the URL may point at a host that drops connections."
        )
    if isinstance(error, AuthenticationFailed):
        return (
            f"{product} rejected the API key (HTTP {error.status}); copy it again "
            f"from {product}'s settings."
        )
    if isinstance(error, UnsupportedVersion | UnexpectedResponse):
        return error.detail[:1].upper() + error.detail[1:]
    if isinstance(error, NotFound):
        return (
            f"No {product} API at {where} (HTTP 404); check the URL and any "
            "URL base configured in the product."
        )
    if isinstance(error, ServerError | RequestRejected):
        return f"{product} answered with HTTP {error.status}: {error.detail}"
    return str(error)


def run_test(product: str, probe: Probe) -> ConnectionResult:
    """Run ``probe`` and turn its outcome into a :class:`ConnectionResult`.

    Args:
        product: display name used in messages, e.g. ``"Sonarr"``.
        probe: returns ``(product name, version)`` or raises IntegrationError.

    Returns:
        ``ok=True`` with the version on success, else ``ok=False`` and a message.
    """
    started = time.monotonic()
    try:
        name, version = probe()
    except IntegrationError as error:
        return ConnectionResult(
            ok=False,
            message=describe_failure(product, error),
            latency_ms=(time.monotonic() - started) * 1000,
            error_class=type(error).__name__,
        )
    shown = f"{name} {version}".strip()
    return ConnectionResult(
        ok=True,
        message=f"Connected to {shown}.",
        product=name,
        version=version,
        latency_ms=(time.monotonic() - started) * 1000,
    )


def wrong_product(
    service: str, url: str, expected: str, found: str
) -> UnexpectedResponse:
    """Build the error for a different product answering at a configured URL."""
    return UnexpectedResponse(
        service,
        "GET",
        url,
        200,
        f"a {found} server answered at this URL, not {expected}; "
        f"check the URL (is it the {found} port?)",
    )
