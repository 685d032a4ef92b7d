"""The API's error tree and the one place that maps errors to HTTP answers.

Resources raise these (or let controller errors through); ``install`` registers
handlers on the app so every failure, including Falcon's own 404 and 405, is
rendered as ``{"error": "..."}`` with the right status code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import falcon

from controller.act.errors import DeletionsDisabled, InvalidTransition, NotQueued
from controller.store.errors import DuplicateKey, RecordNotFound

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Root of the errors a resource raises; carries the status and message."""

    status = falcon.HTTP_500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ApiError):
    """The body, a path id or a query parameter is not acceptable.

    Attributes:
        field: name of the offending field, as the client spelled it.
        accepted: the values or the range the field accepts, when known.
    """

    status = falcon.HTTP_400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        accepted: Iterable[Any] | str | None = None,
    ):
        if isinstance(accepted, str):
            text = accepted
        elif accepted is not None:
            text = ", ".join(str(value) for value in accepted)
        else:
            text = ""
        full = message
        if field and not message.startswith(field):
            full = f"{field}: {message}"
        if text:
            full = f"{full} (accepted: {text})"
        super().__init__(full)
        self.field = field
        self.accepted = text


class Unauthorized(ApiError):
    """No credential, or a credential that does not check out."""

    status = falcon.HTTP_401


class NotFound(ApiError):
    """The id in the path names nothing."""

    status = falcon.HTTP_404


class Conflict(ApiError):
    """The request clashes with the current state (e.g. deletions disabled)."""

    status = falcon.HTTP_409


class TooManyRequests(ApiError):
    """A rate limit was exceeded; ``retry_after`` is in whole seconds."""

    status = falcon.HTTP_429

    def __init__(self, retry_after: int):
        super().__init__(
            "Too many requests. Please try again later.",
            headers={"Retry-After": str(max(1, retry_after))},
        )


class ServiceUnavailable(ApiError):
    """The server will not take this request now (e.g. too many streams)."""

    status = falcon.HTTP_503


class BadGateway(ApiError):
    """A remote service we called on the client's behalf failed."""

    status = falcon.HTTP_502


# Controller errors the API answers with a specific status; anything else
# unexpected is a 500 with the details in the log only.
_CONTROLLER_ERRORS: tuple[tuple[type[Exception], type[ApiError]], ...] = (
    (RecordNotFound, NotFound),
    (NotQueued, NotFound),
    (DuplicateKey, Conflict),
    (DeletionsDisabled, Conflict),
    (InvalidTransition, BadRequest),
)


def translate(error: Exception) -> ApiError | None:
    """Return the API error for a known controller error, else None."""
    for source, target in _CONTROLLER_ERRORS:
        if isinstance(error, source):
            return target(_describe(error))
    return None


def _describe(error: Exception) -> str:
    if isinstance(error, RecordNotFound):
        what = error.table.replace("_", " ").rstrip("s")
        return f"{what} {error.key} not found"
    if isinstance(error, DuplicateKey):
        what = error.table.replace("_", " ").rstrip("s")
        return f"a {what} named {error.key!r} already exists"
    return str(error)


def _render(resp: falcon.Response, status: str, message: str) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.media = {"error": message}
    resp.stream = None
    resp.text = None


def _handle_api_error(
    req: falcon.Request, resp: falcon.Response, error: ApiError, params: Any
) -> None:
    _render(resp, error.status, error.message)
    for name, value in error.headers.items():
        resp.set_header(name, value)


def _handle_http_error(
    req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError, params: Any
) -> None:
    reason = str(error.status).partition(" ")[2] or "Error"
    _render(resp, str(error.status), str(error.description or reason))
    headers = error.headers
    if isinstance(headers, dict):
        for name, value in headers.items():
            resp.set_header(name, value)


def _handle_any(
    req: falcon.Request, resp: falcon.Response, error: Exception, params: Any
) -> None:
    api_error = translate(error)
    if api_error is not None:
        _handle_api_error(req, resp, api_error, params)
        return
    log.error("unhandled error on %s %s", req.method, req.path, exc_info=error)
    _render(resp, falcon.HTTP_500, "Internal server error")


def install(app: falcon.App) -> None:
    """Register the handlers; the most specific class wins in Falcon."""
    app.add_error_handler(Exception, _handle_any)
    app.add_error_handler(falcon.HTTPError, _handle_http_error)
    app.add_error_handler(ApiError, _handle_api_error)
