"""Errors raised by the notification package.

Messages name the channel and its type, never its URL: a webhook URL is a
secret (whoever holds it can post to the channel).
"""

from __future__ import annotations

from controller.errors import CapacitarrError


class NotificationError(CapacitarrError):
    """Base class for notification errors."""


class ChannelConfigError(NotificationError):
    """A channel's configuration cannot be used.

    Attributes:
        channel: the channel's name (or id when it has none).
        field: the offending configuration field.
    """

    def __init__(self, channel: str, field: str, problem: str) -> None:
        super().__init__(f"notification channel {channel!r}: {field}: {problem}")
        self.channel = channel
        self.field = field


class DeliveryError(NotificationError):
    """A notification could not be delivered to a channel.

    Attributes:
        channel: the channel's name.
        channel_type: ``discord`` or ``apprise``.
        attempts: how many attempts were made.
        status: the last HTTP status seen, when one was.
        reason: short explanation, secrets removed.
    """

    def __init__(
        self,
        channel: str,
        channel_type: str,
        reason: str,
        *,
        attempts: int = 1,
        status: int | None = None,
    ) -> None:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{channel} ({channel_type}){tries}: {reason}")
        self.channel = channel
        self.channel_type = channel_type
        self.reason = reason
        self.attempts = attempts
        self.status = status
