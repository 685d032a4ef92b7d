"""Notification channels: their configuration, gating and URL redaction.

A channel comes from the store, a manifest or the API as a plain mapping or
object with the NotificationConfig fields (``id``, ``name``, ``type``, ``url``
or ``webhookUrl``, ``enabled``, ``appriseTags`` and the ``on*`` flags, camelCase
or snake_case). :meth:`Channel.from_config` turns it into a :class:`Channel`;
:meth:`Channel.accepts` says whether a kind of notification goes to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from controller.notify.errors import ChannelConfigError


class ChannelType(StrEnum):
    """Where a channel delivers."""

    DISCORD = "discord"
    APPRISE = "apprise"


class Trigger(StrEnum):
    """Kinds of notification; also the ``triggerType`` of ``notification_sent``."""

    CYCLE_DIGEST = "cycle_digest"
    ERROR = "error"
    DELETION_FAILED = "deletion_failed"
    MODE_CHANGED = "mode_changed"
    SERVER_STARTED = "server_started"
    THRESHOLD_BREACHED = "threshold_breached"
    UPDATE_AVAILABLE = "update_available"
    APPROVAL_ACTIVITY = "approval_activity"
    INTEGRATION_STATUS = "integration_status"
    TEST = "test"


# The flag that must be on for each kind of alert. Deletion failures ride on
# onError: they are errors, and a separate flag would be one more to forget.
ALERT_FLAG: dict[Trigger, str] = {
    Trigger.ERROR: "on_error",
    Trigger.DELETION_FAILED: "on_error",
    Trigger.MODE_CHANGED: "on_mode_changed",
    Trigger.SERVER_STARTED: "on_server_started",
    Trigger.THRESHOLD_BREACHED: "on_threshold_breach",
    Trigger.UPDATE_AVAILABLE: "on_update_available",
    Trigger.APPROVAL_ACTIVITY: "on_approval_activity",
    Trigger.INTEGRATION_STATUS: "on_integration_status",
}

# Digest sections of these modes also need the named flag.
DIGEST_MODE_FLAG: dict[str, str] = {
    "dry-run": "on_dry_run_digest",
    "approval": "on_approval_activity",
}

FLAGS = (
    "on_cycle_digest",
    "on_dry_run_digest",
    "on_error",
    "on_mode_changed",
    "on_server_started",
    "on_threshold_breach",
    "on_update_available",
    "on_approval_activity",
    "on_integration_status",
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _lookup(config: Any, *names: str) -> Any:
    for name in names:
        for key in (name, _camel(name)):
            if isinstance(config, Mapping):
                if key in config:
                    return config[key]
            elif hasattr(config, key):
                return getattr(config, key)
    return None


@dataclass(frozen=True, slots=True)
class Channel:
    """One notification channel.

    Attributes:
        id: store id (None for a channel not saved yet).
        name: display name; what logs and errors call the channel.
        type: discord or apprise.
        url: the webhook or Apprise URL; secret, never logged or shown.
        enabled: a disabled channel still answers the test button.
        apprise_tags: comma-separated tags for an Apprise API server.
        on_*: which notifications the channel wants (all default to on).
    """

    id: int | str | None
    name: str
    type: ChannelType
    url: str = field(repr=False)
    enabled: bool = True
    apprise_tags: str = ""
    on_cycle_digest: bool = True
    on_dry_run_digest: bool = True
    on_error: bool = True
    on_mode_changed: bool = True
    on_server_started: bool = True
    on_threshold_breach: bool = True
    on_update_available: bool = True
    on_approval_activity: bool = True
    on_integration_status: bool = True

    @classmethod
    def from_config(cls, config: Any) -> Channel:
        """Build a channel from a NotificationConfig mapping or object.

        Raises:
            ChannelConfigError: the type is unknown or the URL is missing.
        """
        if isinstance(config, Channel):
            return config
        ident = _lookup(config, "id")
        name = str(_lookup(config, "name") or (f"channel {ident}" if ident else ""))
        label = name or "unnamed"
        kind = str(_lookup(config, "type") or "").strip().lower()
        try:
            channel_type = ChannelType(kind)
        except ValueError:
            raise ChannelConfigError(
                label, "type", f"{kind or 'missing'}; must be discord or apprise"
            ) from None
        url = str(_lookup(config, "url", "webhook_url") or "").strip()
        if not url:
            raise ChannelConfigError(label, "url", "is required")
        if channel_type is ChannelType.DISCORD and urlsplit(url).scheme not in (
            "http",
            "https",
        ):
            raise ChannelConfigError(label, "url", "must be an http(s) webhook URL")
        flags = {}
        for flag in ("enabled", *FLAGS):
            value = _lookup(config, flag)
            flags[flag] = True if value is None else bool(value)
        return cls(
            id=ident,
            name=name,
            type=channel_type,
            url=url,
            apprise_tags=str(_lookup(config, "apprise_tags") or ""),
            **flags,
        )

    @property
    def key(self) -> str:
        """A stable identity for the channel's delivery queue."""
        return f"id:{self.id}" if self.id is not None else f"name:{self.name}"

    @property
    def redacted_url(self) -> str:
        """The URL with everything secret replaced; safe for logs."""
        return redact_url(self.url)

    def accepts(self, trigger: Trigger) -> bool:
        """Return True when an alert of kind ``trigger`` goes to this channel.

        Tests always go, even to a disabled channel. Digests use
        :meth:`accepts_digest_mode` per disk-group mode.
        """
        if trigger is Trigger.TEST:
            return True
        if not self.enabled:
            return False
        if trigger is Trigger.CYCLE_DIGEST:
            return self.on_cycle_digest
        return bool(getattr(self, ALERT_FLAG[trigger]))

    def accepts_digest_mode(self, mode: str) -> bool:
        """Return True when digest sections for disk groups in ``mode`` go here."""
        if not self.accepts(Trigger.CYCLE_DIGEST):
            return False
        flag = DIGEST_MODE_FLAG.get(mode)
        return flag is None or bool(getattr(self, flag))


# Schemes whose host part is a plain host name; for every other Apprise scheme
# the "host" is often a token (tgram://<bot token>/...), so it is hidden too.
_HOST_SCHEMES = frozenset(
    {"http", "https", "json", "jsons", "xml", "xmls", "form", "forms"}
    | {"apprise", "apprises"}
)


def redact_url(url: str) -> str:
    """Return ``url`` reduced to what is safe to log.

    ``https://discord.com/api/webhooks/1/abc`` becomes
    ``https://discord.com/***``; ``tgram://token/chat`` becomes ``tgram://***``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    scheme = parts.scheme or "url"
    if scheme not in _HOST_SCHEMES:
        return f"{scheme}://***"
    try:
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{scheme}://***"
    return f"{scheme}://{host}{port}/***" if host else f"{scheme}://***"


_URL_PATTERN = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


def scrub(text: str, url: str = "") -> str:
    """Remove ``url``, its secret parts and any other URL from ``text``.

    Used on error text from libraries before it reaches a log or an event.
    """
    if url:
        text = text.replace(url, redact_url(url))
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is not None:
            secrets = [parts.username or "", parts.password or ""]
            secrets += [s for s in parts.path.split("/") if len(s) >= 4]
            if parts.scheme not in _HOST_SCHEMES:
                secrets.append(parts.netloc)
            secrets += [v for v in re.split(r"[&=]", parts.query) if len(v) >= 4]
            for secret in sorted(filter(None, secrets), key=len, reverse=True):
                text = text.replace(secret, "***")
    return _URL_PATTERN.sub(lambda m: redact_url(m.group(0)), text)
