"""Notifications: Discord and Apprise delivery, cycle digests, instant alerts.

The runtime creates a :class:`Notifier`; the reconciler hands it each cycle's
:class:`CycleSummary`; the event bus feeds it alerts; the API calls
:meth:`Notifier.send_test` for the test button. See ``docs/notifications.md``.

* :mod:`~controller.notify.channels` — channel configuration and gating;
* :mod:`~controller.notify.digest` — the per-cycle digest;
* :mod:`~controller.notify.alerts` — event alerts and de-duplication;
* :mod:`~controller.notify.messages` — Discord and Apprise renderings;
* :mod:`~controller.notify.delivery` — sending, timeouts and retries;
* :mod:`~controller.notify.notifier` — queues, workers and outcome events.
"""

from controller.notify.channels import Channel, ChannelType, Trigger, redact_url
from controller.notify.delivery import RetryPolicy, apprise_url, deliver
from controller.notify.digest import (
    CycleSummary,
    GroupSummary,
    PlannedItem,
    render_digest,
)
from controller.notify.errors import (
    ChannelConfigError,
    DeliveryError,
    NotificationError,
)
from controller.notify.messages import Message, apprise_text, discord_payload
from controller.notify.notifier import Notifier

__all__ = [
    "Channel",
    "ChannelConfigError",
    "ChannelType",
    "CycleSummary",
    "DeliveryError",
    "GroupSummary",
    "Message",
    "NotificationError",
    "Notifier",
    "PlannedItem",
    "RetryPolicy",
    "Trigger",
    "apprise_text",
    "apprise_url",
    "deliver",
    "discord_payload",
    "redact_url",
    "render_digest",
]
