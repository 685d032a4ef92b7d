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


# Controller errors are matched by class name so this module needs no import of
# every controller package; a class listed here maps to the given API error.
_CONTROLLER_ERRORS: dict[str, type[ApiError]] = {
    "DeletionsDisabled": Conflict,
    "DeletionsDisabledError": Conflict,
    "NotFound": NotFound,
    "NotFoundError": NotFound,
    "UnknownIdError": NotFound,
    "Conflict": Conflict,
    "ConflictError": Conflict,
    "InvalidTransition": BadRequest,
    "InvalidTransitionError": BadRequest,
    "StateError": BadRequest,
    "ValidationError": BadRequest,
}


def translate(error: Exception) -> ApiError | None:
    """Return the API error for a controller error, or None if it is unknown."""
    for cls in type(error).__mro__:
        target = _CONTROLLER_ERRORS.get(cls.__name__)
        if target is not None:
            if target is BadRequest:
                return BadRequest(str(error))
            return target(str(error))
    return None


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
    message = error.description or error.title or "Error"
    _render(resp, error.status, str(message))
    for name, value in (error.headers or {}).items():
        resp.set_header(name, value)


def _handle_any(
    req: falcon.Request, resp: falcon.Response, error: Exception, params: Any
) -> None:
    api_error = translate(error)
    if api_error is not None:
        _handle_api_error(req, resp, api_error, params)
        return
    log.exception("unhandled error on %s %s", req.method, req.path)
    _render(resp, falcon.HTTP_500, "Internal server error")


def install(app: falcon.App) -> None:
    """Register the handlers; the most specific class wins in Falcon."""
    app.add_error_handler(Exception, _handle_any)
    app.add_error_handler(falcon.HTTPError, _handle_http_error)
    app.add_error_handler(ApiError, _handle_api_error)
