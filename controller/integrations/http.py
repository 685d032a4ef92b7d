"""The one place integration clients speak HTTP.

:class:`HttpClient` wraps :class:`httpx.Client` for one integration: it sets the
auth header or query parameter, applies connect and read timeouts, retries
transient failures with bounded exponential backoff, logs one INFO line per call
with every secret removed, rejects HTML pages and bad JSON, and turns every
failure into an :class:`~controller.integrations.errors.IntegrationError`.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from controller.integrations.decoding import DecodeError, NotAnArray, decode, elements
from controller.integrations.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    IntegrationError,
    NotFound,
    RequestRejected,
    ServerError,
    Timeout,
    UnexpectedResponse,
    shorten,
)
from controller.integrations.paging import PageExtractor, collect_pages

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Query parameters that carry credentials in one product or another.
SECRET_PARAMS = frozenset({"apikey", "api_key", "x-plex-token", "token", "x-api-key"})
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

Sleep = Callable[[float], None]
Params = Mapping[str, Any]


_BLANK = re.compile(rb"[ \t\r\n]*")


def _first_byte(body: bytes) -> bytes:
    """The first byte after leading JSON whitespace (b"" when there is none).

    Looks without copying: a listing can be a hundred megabytes.
    """
    match = _BLANK.match(body)
    start = match.end() if match else 0
    return body[start : start + 1]


def redact_url(url: str | httpx.URL) -> str:
    """Return ``url`` with the value of every credential query parameter hidden."""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    pairs = [
        (k, "***" if k.lower() in SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="*,")))


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Timeouts and retry policy for one integration.

    Attributes:
        connect_timeout: seconds to wait for a TCP/TLS connection.
        read_timeout: seconds to wait for each read of the response.
        retries: extra attempts after the first for transient failures.
        backoff_base: first backoff delay in seconds, doubled per attempt.
        backoff_max: ceiling for one backoff delay (and for Retry-After).
        max_connections: connections kept open to the service at once.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_connections: int = 8

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> HttpSettings:
        """Build settings from an integration's options, keeping defaults."""
        fields = cls.__dataclass_fields__
        chosen = {k: options[k] for k in fields if k in options}
        return cls(**chosen)


class HttpClient:
    """HTTP access to one integration with auth, timeouts, retries and logging.

    Args:
        service: name used in logs and errors, e.g. ``"sonarr"``.
        base_url: the service's URL, with any path prefix the product needs.
        headers: extra headers, including the auth header.
        auth_params: query parameters added to every call (e.g. Tautulli's key).
        secrets: values scrubbed from any error detail (the API key).
        settings: timeouts and retry policy.
        sleep: called with the backoff delay; tests pass a recorder.
        transport: optional httpx transport (tests only).
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth_params: Mapping[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        settings: HttpSettings | None = None,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self.settings = settings or HttpSettings()
        self._auth_params = dict(auth_params or {})
        # Very short keys would scrub ordinary words; real keys are long.
        self._secrets = tuple(s for s in secrets if len(s) >= 8)
        self._sleep = sleep
        timeout = httpx.Timeout(
            self.settings.read_timeout, connect=self.settings.connect_timeout
        )
        limits = httpx.Limits(
            max_connections=self.settings.max_connections,
            max_keepalive_connections=self.settings.max_connections,
        )
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=dict(headers or {}),
            timeout=timeout,
            limits=limits,
            transport=transport,
            follow_redirects=False,
            verify=_shared_tls(),
        )

    @property
    def base_url(self) -> str:
        """The service URL this client talks to (never holds a secret)."""
        return str(self._client.base_url).rstrip("/")

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def get(self, path: str, params: Params | None = None, shape: Any = None) -> Any:
        """GET ``path`` and return the decoded JSON body.

        ``shape`` names the keys the caller reads (see
        :mod:`controller.integrations.decoding`); the others are skipped.
        """
        return self.request("GET", path, params=params, shape=shape)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        expect_json: bool = True,
        shape: Any = None,
    ) -> Any:
        """Send one call (retrying transient failures) and decode its reply.

        Args:
            method: HTTP method.
            path: path below the base URL.
            params: query parameters (lists repeat the parameter).
            json_body: body to send as JSON, if any.
            expect_json: decode the body as JSON; otherwise return None.
            shape: the keys to keep of the decoded body (None: all).

        Returns:
            The decoded JSON value, or None for an empty body.

        Raises:
            IntegrationError: a subclass naming what went wrong.
        """
        response = self._send(method, path, params, json_body)
        if not expect_json or _first_byte(response.content) == b"":
            return None
        return self._decode(method, response, shape)

    def get_array(
        self,
        path: str,
        convert: Callable[[Any], Iterable[T]],
        *,
        params: Params | None = None,
        shape: Any = None,
    ) -> list[T]:
        """GET a JSON array and convert its elements one at a time.

        Each element is decoded to ``shape`` only when its turn comes and is
        let go once ``convert`` has turned it into results, so a listing of
        100,000 titles never exists as one decoded document.

        Raises:
            UnexpectedResponse: the reply is HTML, invalid JSON or not an array.
            IntegrationError: any other failure, as :meth:`request` raises it.
        """
        response = self._send("GET", path, params, None)
        url = redact_url(response.request.url)
        status = response.status_code
        body = self._body("GET", response)
        results: list[T] = []
        try:
            for element in elements(body, shape):
                results.extend(convert(element))
        except NotAnArray:
            payload = self._parse("GET", url, status, body)
            raise self._not_a_list(path, payload) from None
        except DecodeError as exc:
            raise self._json_error("GET", url, status, exc) from exc
        return results

    def get_pages(
        self,
        path: str,
        *,
        params: Params,
        offset_param: str,
        limit_param: str,
        page_size: int,
        extract: PageExtractor,
        workers: int = 1,
        shape: Any = None,
    ) -> list[Any]:
        """Collect every page of an offset-paged listing.

        ``extract`` turns one decoded reply into ``(items, total)``; ``total`` may
        be None when the product does not say. Short pages are tolerated while
        the total says more is coming; an empty page before the total is reached
        means the listing was cut short and raises. With ``workers`` > 1 the
        pages after the first are read that many at a time once the total is
        known (see :mod:`controller.integrations.paging`). ``shape`` is the
        shape of one reply, as for :meth:`get`.

        Raises:
            UnexpectedResponse: the listing ended before its announced total.
        """
        return collect_pages(
            self,
            path,
            params=params,
            offset_param=offset_param,
            limit_param=limit_param,
            page_size=page_size,
            extract=extract,
            workers=workers,
            shape=shape,
        )

    def unexpected(
        self, path: str, detail: str, params: Params | None = None
    ) -> UnexpectedResponse:
        """Build the error for a reply of the wrong shape from ``GET path``."""
        return UnexpectedResponse(
            self.service, "GET", self._url_for(path, params), 200, detail
        )

    # -- internals ---------------------------------------------------------

    def _url_for(self, path: str, params: Params | None) -> str:
        url = self._client.base_url.join(path.lstrip("/"))
        if params:
            url = url.copy_merge_params(dict(params))
        return redact_url(url)

    def _send(
        self,
        method: str,
        path: str,
        params: Params | None,
        json_body: Any,
    ) -> httpx.Response:
        query = {**(params or {}), **self._auth_params}
        attempts = max(0, self.settings.retries) + 1
        for attempt in range(attempts):
            started = time.monotonic()
            error, response = self._attempt(method, path, query, json_body, started)
            if error is None and response is not None:
                return response
            assert error is not None
            last = attempt == attempts - 1
            retry_safe = method in IDEMPOTENT_METHODS or isinstance(
                error, ConnectionFailed
            )
            if last or not error.transient or not retry_safe:
                raise error from error.__cause__
            self._sleep(self._backoff(attempt, response))
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        path: str,
        query: dict[str, Any],
        json_body: Any,
        started: float,
    ) -> tuple[IntegrationError | None, httpx.Response | None]:
        url = self._url_for(path, query)
        try:
            request = self._client.build_request(
                method, path.lstrip("/"), params=query or None, json=json_body
            )
            response = self._client.send(request)
            _release(response)
        except httpx.TimeoutException as exc:
            self._log(method, url, "timeout", started)
            err: IntegrationError = Timeout(
                self.service,
                method,
                url,
                None,
                f"no answer in time ({type(exc).__name__})",
            )
            err.__cause__ = exc
            return err, None
        except httpx.TransportError as exc:
            self._log(method, url, "connection failed", started)
            err = ConnectionFailed(
                self.service, method, url, None, self._scrub(str(exc))
            )
            err.__cause__ = exc
            return err, None
        self._log(method, url, response.status_code, started)
        return self._status_error(method, url, response), response

    def _status_error(
        self, method: str, url: str, response: httpx.Response
    ) -> IntegrationError | None:
        status = response.status_code
        if 200 <= status < 300:
            return None
        detail = self._error_detail(response)
        cls: type[IntegrationError]
        if 300 <= status < 400:
            where = redact_url(response.headers.get("location", "elsewhere"))
            detail = f"redirected to {where} (a login page in front of the service?)"
            cls = UnexpectedResponse
        elif status in (401, 403):
            cls = AuthenticationFailed
        elif status == 404:
            cls = NotFound
        elif status in TRANSIENT_STATUSES:
            return ServerError(
                self.service, method, url, status, detail, transient=True
            )
        elif status >= 500:
            cls = ServerError
        else:
            cls = RequestRejected
        return cls(self.service, method, url, status, detail)

    def _decode(self, method: str, response: httpx.Response, shape: Any) -> Any:
        body = self._body(method, response)
        url = redact_url(response.request.url)
        return self._parse(method, url, response.status_code, body, shape)

    def _body(self, method: str, response: httpx.Response) -> bytes:
        """Return the reply's bytes, refusing an HTML page in place of JSON."""
        body = response.content
        ctype = response.headers.get("content-type", "").lower()
        if "html" in ctype or _first_byte(body) == b"<":
            url = redact_url(response.request.url)
            raise self._html_error(method, url, response.status_code)
        return body

    def _not_a_list(self, path: str, payload: Any) -> UnexpectedResponse:
        kind = type(payload).__name__
        return self.unexpected(path, f"expected a JSON list from {path}, got {kind}")

    def _html_error(self, method: str, url: str, status: int) -> UnexpectedResponse:
        return UnexpectedResponse(
            self.service,
            method,
            url,
            status,
            "an HTML page came back instead of JSON "
            "(a reverse-proxy login page, or the wrong URL?)",
        )

    def _json_error(
        self, method: str, url: str, status: int, exc: Exception
    ) -> UnexpectedResponse:
        return UnexpectedResponse(
            self.service, method, url, status, f"the reply is not valid JSON ({exc})"
        )

    def _parse(
        self, method: str, url: str, status: int, body: bytes, shape: Any = None
    ) -> Any:
        try:
            return decode(body, shape)
        except DecodeError as exc:
            raise self._json_error(method, url, status, exc) from exc

    def _error_detail(self, response: httpx.Response) -> str:
        text = response.text[:2000]
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            for key in ("message", "error", "title", "detail"):
                if isinstance(payload.get(key), str):
                    text = payload[key]
                    break
        return shorten(self._scrub(text))

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        delay = self.settings.backoff_base * (2**attempt)
        if response is not None and response.status_code == 429:
            hinted = _retry_after(response.headers.get("retry-after"))
            if hinted is not None:
                delay = hinted
        return max(0.0, min(delay, self.settings.backoff_max))

    def _log(self, method: str, url: str, outcome: object, started: float) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "%s %s %s -> %s in %.0f ms", self.service, method, url, outcome, elapsed_ms
        )


def _release(response: httpx.Response) -> None:
    """Let a read response be freed as soon as nobody holds it.

    httpx ties a response and its stream to each other, so a response (and the
    whole body it kept) lives until Python's cyclic collector runs, which a
    reconcile pass keeps paused: every reply of a pass stayed in memory to
    its end. The body is read in full by now; the stream is only closed.
    """
    response.close()
    response.stream = httpx.ByteStream(b"")


@functools.cache
def _shared_tls() -> ssl.SSLContext:
    """Return one verifying TLS context for every client.

    Building a context reads the whole CA bundle (about 10 ms of CPU); a cycle
    builds ten clients, so they share this one (contexts are thread-safe).
    """
    return httpx.create_ssl_context()


def _retry_after(value: str | None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
