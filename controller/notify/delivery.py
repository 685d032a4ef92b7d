"""Deliver one message to one channel, with timeouts and retries.

Discord channels get an HTTP POST of an embed (:mod:`httpx`); Apprise channels
go through the :mod:`apprise` library, so any service Apprise knows works
(``json://``, ``discord://``, ``tgram://`` …, or an Apprise API server's
``http(s)://host/notify/<key>`` URL, translated to Apprise's ``apprise(s)://``
form).

Up to four attempts, waiting 1, 2 and 4 seconds between them, on transport
errors, HTTP 429 (waiting ``Retry-After`` instead when given) and 5xx; any other
4xx fails at once. Apprise does not report status codes, so its failures are
classified from the ``error=<status>`` its plugins log during the call;
a failure without a status (connection refused, timeout) is retried.

Called by the notifier's worker threads and by its test button.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from controller.notify.channels import Channel, ChannelType, scrub
from controller.notify.errors import ChannelConfigError, DeliveryError
from controller.notify.messages import Message, apprise_text, discord_payload

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]

# Most of a third-party error body that reaches an error message.
BODY_LIMIT = 200
# Response bodies are read up to this size and the rest discarded.
DRAIN_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard delivery tries.

    Attributes:
        attempts: attempts in all (the first plus retries).
        backoff: waits before the 2nd, 3rd, 4th … attempt, in seconds.
        timeout: per-attempt HTTP timeout in seconds (Discord).
        max_retry_after: cap on a server's ``Retry-After``, so one misbehaving
            webhook cannot park a delivery worker for hours.
    """

    attempts: int = 4
    backoff: tuple[float, ...] = (1.0, 2.0, 4.0)
    timeout: float = 10.0
    max_retry_after: float = 60.0

    def wait(self, failed_attempt: int, retry_after: float | None) -> float:
        """Return the seconds to wait after attempt number ``failed_attempt``."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        index = min(failed_attempt - 1, len(self.backoff) - 1)
        return self.backoff[index] if self.backoff else 0.0


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    retry: bool = False
    reason: str = ""
    status: int | None = None
    retry_after: float | None = None


def deliver(
    channel: Channel,
    message: Message,
    *,
    version: str = "",
    sleep: Sleep = time.sleep,
    policy: RetryPolicy | None = None,
    client: httpx.Client | None = None,
) -> int:
    """Send ``message`` to ``channel``, retrying transient failures.

    Args:
        channel: where to send.
        message: what to send.
        version: the version shown in the author line.
        sleep: waits between attempts (tests pass a recorder).
        policy: attempts, backoff and timeout; the defaults above when None.
        client: HTTP client for Discord; a short-lived one when None.

    Returns:
        The number of attempts it took.

    Raises:
        DeliveryError: every attempt failed, or a failure was not worth
            retrying (4xx other than 429, a URL Apprise does not know).
    """
    policy = policy or RetryPolicy()
    attempt: Callable[[], _Outcome]
    if channel.type is ChannelType.DISCORD:
        payload = discord_payload(message, version)
        attempt = lambda: _discord_attempt(channel, payload, policy, client)  # noqa: E731
    else:
        title, body = apprise_text(message, version)
        url = apprise_url(channel)
        kind = message.apprise_type
        attempt = lambda: _apprise_attempt(channel, url, title, body, kind)  # noqa: E731
    for number in range(1, policy.attempts + 1):
        outcome = attempt()
        if outcome.ok:
            log.info(
                "notify: %s sent to %s (%s) in %d attempt(s)",
                message.trigger,
                channel.name,
                channel.type,
                number,
            )
            return number
        if not outcome.retry or number == policy.attempts:
            raise DeliveryError(
                channel.name,
                channel.type,
                outcome.reason,
                attempts=number,
                status=outcome.status,
            )
        pause = policy.wait(number, outcome.retry_after)
        log.warning(
            "notify: %s to %s (%s) failed: %s; retrying in %.1fs",
            message.trigger,
            channel.name,
            channel.type,
            outcome.reason,
            pause,
        )
        sleep(pause)
    raise DeliveryError(channel.name, channel.type, "no attempts allowed", attempts=0)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return float(value)
    except ValueError:
        return None


def _discord_attempt(
    channel: Channel,
    payload: dict[str, object],
    policy: RetryPolicy,
    client: httpx.Client | None,
) -> _Outcome:
    owned = client is None
    http = client or httpx.Client(timeout=policy.timeout)
    try:
        with http.stream(
            "POST", channel.url, json=payload, timeout=policy.timeout
        ) as response:
            body = _drain(response)
    except httpx.TransportError as exc:
        reason = scrub(f"{type(exc).__name__}: {exc}", channel.url)
        return _Outcome(ok=False, retry=True, reason=reason)
    finally:
        if owned:
            http.close()
    status = response.status_code
    if 200 <= status < 300:
        return _Outcome(ok=True, status=status)
    detail = " ".join(body.split())[:BODY_LIMIT]
    reason = scrub(f"HTTP {status}" + (f": {detail}" if detail else ""), channel.url)
    if status == 429:
        return _Outcome(False, True, reason, status, _retry_after(response))
    return _Outcome(False, status >= 500, reason, status)


def _drain(response: httpx.Response) -> str:
    """Read at most :data:`DRAIN_LIMIT` bytes of the body; return it as text."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        if size < DRAIN_LIMIT:
            chunks.append(chunk[: DRAIN_LIMIT - size])
        size += len(chunk)
        if size >= DRAIN_LIMIT:
            break
    return b"".join(chunks).decode("utf-8", errors="replace")


def apprise_url(channel: Channel) -> str:
    """Return the URL handed to Apprise for ``channel``.

    An Apprise API server URL (``http(s)://host[:port][/prefix]/notify/<key>``)
    becomes ``apprise(s)://host[:port][/prefix]/<key>`` so the notification is
    posted to exactly that endpoint; the channel's ``appriseTags`` are passed
    to the server. Every other URL is used as it is; Apprise has no use for
    tags on a single URL, so they are ignored there.

    Raises:
        ChannelConfigError: an http(s) URL that is not an Apprise API endpoint.
    """
    parts = urlsplit(channel.url)
    scheme = parts.scheme.lower()
    query = parse_qsl(parts.query, keep_blank_values=True)
    if scheme in ("http", "https"):
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) < 2 or segments[-2] != "notify":
            raise ChannelConfigError(
                channel.name,
                "url",
                "an http(s) Apprise URL must be an Apprise API endpoint ending in "
                "/notify/<key>; for other services use their Apprise URL",
            )
        scheme = "apprise" if scheme == "http" else "apprises"
        path = "/" + "/".join([*segments[:-2], segments[-1]])
        query.append(("version", "1"))
        parts = parts._replace(scheme=scheme, path=path)
    tags = [t.strip() for t in channel.apprise_tags.split(",") if t.strip()]
    if tags and scheme in ("apprise", "apprises") and "tags" not in dict(query):
        query.append(("tags", ",".join(tags)))
    return urlunsplit(parts._replace(query=urlencode(query, safe=",")))


_apprise_lock = threading.Lock()
_apprise: ModuleType | None = None


def _apprise_module() -> ModuleType:
    """Import Apprise and load its plugins once.

    Loading the plugins imports a standard-library module that is deprecated
    on Python 3.11; the warning is Apprise's business, not our users', so it
    is silenced for that one import.
    """
    global _apprise
    with _apprise_lock:
        if _apprise is None:
            import apprise

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                apprise.Apprise.instantiate("json://localhost")
            logging.getLogger("apprise").addHandler(_CAPTURE)
            _apprise = apprise
        return _apprise


class _CallCapture(logging.Handler):
    """Collect Apprise's warnings logged on behalf of the current call only.

    The list lives in a context variable: Apprise may run a plugin on a
    worker thread, but it carries the caller's context there, so concurrent
    deliveries on different channel workers never see each other's lines.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._records: ContextVar[list[str] | None] = ContextVar(
            "notify_apprise_records", default=None
        )

    def emit(self, record: logging.LogRecord) -> None:
        records = self._records.get()
        if records is not None:
            records.append(record.getMessage())

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        records: list[str] = []
        token = self._records.set(records)
        try:
            yield records
        finally:
            self._records.reset(token)


_CAPTURE = _CallCapture()
_STATUS = re.compile(r"error=(\d{3})\b")


def _apprise_attempt(
    channel: Channel, url: str, title: str, body: str, kind: str
) -> _Outcome:
    apprise = _apprise_module()
    sender = apprise.Apprise()
    if not sender.add(url):
        scheme = urlsplit(url).scheme or "?"
        return _Outcome(
            ok=False, reason=f"Apprise does not accept this URL ({scheme}://…)"
        )
    with _CAPTURE.capture() as said:
        try:
            sent = bool(sender.notify(body=body, title=title, notify_type=kind))
        except Exception as exc:  # third-party plugin code: report, never crash
            return _Outcome(
                ok=False, reason=scrub(f"{type(exc).__name__}: {exc}", channel.url)
            )
    if sent:
        return _Outcome(ok=True)
    statuses = [int(m.group(1)) for line in said for m in _STATUS.finditer(line)]
    status = statuses[-1] if statuses else None
    if status is not None:
        retry = status == 429 or status >= 500
        return _Outcome(False, retry, f"HTTP {status}", status)
    detail = scrub(said[-1], channel.url) if said else "Apprise reported a failure"
    return _Outcome(False, True, detail[:BODY_LIMIT])
