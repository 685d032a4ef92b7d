"""Check channel configuration, flag defaults, gating and URL redaction."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from controller.notify import Channel, ChannelConfigError, Trigger, redact_url
from controller.notify.channels import scrub


@pytest.mark.parametrize(
    "config",
    [
        {"id": 3, "name": "Ops", "type": "discord", "url": "https://d.example/h/x"},
        {"id": 3, "name": "Ops", "type": "Discord", "webhookUrl": "https://d.example/h/x"},
        {"id": 3, "name": "Ops", "type": "discord", "webhook_url": "https://d.example/h/x"},
        SimpleNamespace(id=3, name="Ops", type="discord", url="https://d.example/h/x"),
    ],
)  # fmt: skip
def test_from_config_shapes(config: Any) -> None:
    """Check mappings (camelCase or snake_case) and objects, with flags on."""
    channel = Channel.from_config(config)
    assert (channel.id, channel.name, channel.type) == (3, "Ops", "discord")
    assert channel.url == "https://d.example/h/x"
    assert channel.enabled and channel.on_cycle_digest and channel.on_error


def test_from_config_reads_flags_in_both_spellings() -> None:
    """Check that onError and on_error both switch the flag."""
    base = {"name": "a", "type": "apprise", "url": "json://h/x"}
    assert not Channel.from_config({**base, "onError": False}).on_error
    assert not Channel.from_config({**base, "on_error": False}).on_error
    assert Channel.from_config({**base, "appriseTags": "a,b"}).apprise_tags == "a,b"


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"name": "a", "type": "slack", "url": "http://x/"}, "type"),
        ({"name": "a", "url": "http://x/"}, "type"),
        ({"name": "a", "type": "discord"}, "url"),
        ({"name": "a", "type": "discord", "url": "ftp://x/"}, "url"),
    ],
)
def test_from_config_errors(config: dict[str, Any], field: str) -> None:
    """Check that unusable configurations name the channel and the field."""
    with pytest.raises(ChannelConfigError) as caught:
        Channel.from_config(config)
    assert caught.value.field == field
    assert "'a'" in str(caught.value)


@pytest.mark.parametrize(
    ("flags", "trigger", "accepted"),
    [
        ({}, Trigger.ERROR, True),
        ({"enabled": False}, Trigger.ERROR, False),
        ({"enabled": False}, Trigger.TEST, True),
        ({"onError": False}, Trigger.DELETION_FAILED, False),
        ({"onThresholdBreach": False}, Trigger.THRESHOLD_BREACHED, False),
        ({"onCycleDigest": False}, Trigger.CYCLE_DIGEST, False),
        ({"onIntegrationStatus": False}, Trigger.INTEGRATION_STATUS, False),
    ],
)
def test_accepts(flags: dict[str, Any], trigger: Trigger, accepted: bool) -> None:
    """Check gating of alerts by the enabled and on* flags."""
    channel = Channel.from_config(
        {"name": "a", "type": "discord", "url": "http://x/", **flags}
    )
    assert channel.accepts(trigger) is accepted


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://discord.com/api/webhooks/1/tok", "https://discord.com/***"),
        ("http://user:pw@apprise:8000/notify/key", "http://apprise:8000/***"),
        ("json://127.0.0.1:9000/x", "json://127.0.0.1:9000/***"),
        ("tgram://123:bottoken/chat", "tgram://***"),
        ("discord://webhook_id/webhook_token", "discord://***"),
        ("not a url", "url://***"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    """Check that only scheme and plain host names survive redaction."""
    assert redact_url(url) == shown


def test_scrub_removes_url_parts_from_library_messages() -> None:
    """Check that secret parts of a channel URL are removed from error text."""
    url = "tgram://123456:ABCDEF/987654"
    text = "failed for 123456:ABCDEF chat 987654 at https://api.example/bot/x"
    cleaned = scrub(text, url)
    assert "ABCDEF" not in cleaned and "987654" not in cleaned
    assert "https://api.example/***" in cleaned
    assert repr(Channel.from_config({"name": "t", "type": "apprise", "url": url}))
    assert "ABCDEF" not in repr(
        Channel.from_config({"name": "t", "type": "apprise", "url": url})
    )
