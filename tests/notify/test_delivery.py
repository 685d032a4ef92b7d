"""Check delivery to a real webhook receiver on loopback: payloads and retries."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest

from controller.notify import (
    Channel,
    ChannelConfigError,
    DeliveryError,
    Message,
    Trigger,
    apprise_url,
    deliver,
)

SECRET = "s3cr3t-T0KEN-value"

ALERT = Message(
    trigger=Trigger.THRESHOLD_BREACHED,
    label="Threshold Breached",
    title="🔴 Threshold Breached",
    description="**/data** is at **91.0%**",
    colour=0xE74C3C,
    apprise_type="failure",
    fields=(("Disk", "/data"), ("Usage", "91%")),
)


def discord(receiver: Any, path: str = f"/api/webhooks/1/{SECRET}") -> Channel:
    return Channel.from_config(
        {"id": 1, "name": "Discord", "type": "discord", "url": receiver.url(path)}
    )


def apprise_channel(url: str, tags: str = "") -> Channel:
    return Channel.from_config(
        {"id": 2, "name": "Apprise", "type": "apprise", "url": url, "appriseTags": tags}
    )


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_discord_payload_shape(receiver: Any, sleeps: Any) -> None:
    """Check that Discord gets one embed with author, title, text, colour, fields."""
    assert deliver(discord(receiver), ALERT, version="1.2.3", sleep=sleeps) == 1
    (request,) = receiver.wait_for(1)
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "embeds": [
            {
                "author": {"name": "⚡ Capacitarr 1.2.3 • Threshold Breached"},
                "title": "🔴 Threshold Breached",
                "description": "**/data** is at **91.0%**",
                "color": 0xE74C3C,
                "fields": [
                    {"name": "Disk", "value": "/data", "inline": True},
                    {"name": "Usage", "value": "91%", "inline": True},
                ],
            }
        ]
    }
    assert sleeps.calls == []


def test_retries_on_500_then_succeeds(receiver: Any, sleeps: Any) -> None:
    """Check that 5xx answers are retried with 1 s then 2 s backoff."""
    channel = discord(receiver, "/hook")
    receiver.respond("/hook", (500, {}), (502, {}))
    assert deliver(channel, ALERT, sleep=sleeps) == 3
    assert len(receiver.on("/hook")) == 3
    assert sleeps.calls == [1.0, 2.0]


def test_429_honours_retry_after(receiver: Any, sleeps: Any) -> None:
    """Check that a 429 waits the server's Retry-After before trying again."""
    channel = discord(receiver, "/hook")
    receiver.respond("/hook", (429, {"Retry-After": "7"}), (429, {}))
    assert deliver(channel, ALERT, sleep=sleeps) == 3
    assert sleeps.calls == [7.0, 2.0]


def test_retry_after_is_capped(receiver: Any, sleeps: Any) -> None:
    """Check that an absurd Retry-After cannot park a worker for hours."""
    receiver.respond("/hook", (429, {"Retry-After": "86400"}))
    deliver(discord(receiver, "/hook"), ALERT, sleep=sleeps)
    assert sleeps.calls == [60.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_other_4xx_fail_at_once(receiver: Any, sleeps: Any, status: int) -> None:
    """Check that a client error is not retried and is reported with its status."""
    receiver.respond("/hook", (status, {}))
    with pytest.raises(DeliveryError) as caught:
        deliver(discord(receiver, "/hook"), ALERT, sleep=sleeps)
    assert caught.value.status == status
    assert caught.value.attempts == 1
    assert f"HTTP {status}" in str(caught.value)
    assert len(receiver.on("/hook")) == 1
    assert sleeps.calls == []


def test_gives_up_after_four_attempts(receiver: Any, sleeps: Any) -> None:
    """Check four attempts in all with 1, 2, 4 s between them."""
    receiver.respond("/hook", *[(503, {})] * 5)
    with pytest.raises(DeliveryError) as caught:
        deliver(discord(receiver, "/hook"), ALERT, sleep=sleeps)
    assert caught.value.attempts == 4
    assert len(receiver.on("/hook")) == 4
    assert sleeps.calls == [1.0, 2.0, 4.0]


def test_transport_errors_retry_and_never_show_the_url(
    sleeps: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Check that a refused connection is retried and the secret URL stays hidden."""
    url = f"http://127.0.0.1:{unused_port()}/api/webhooks/1/{SECRET}"
    channel = Channel.from_config({"name": "Down", "type": "discord", "url": url})
    caplog.set_level(logging.DEBUG, logger="controller.notify")
    with pytest.raises(DeliveryError) as caught:
        deliver(channel, ALERT, sleep=sleeps)
    assert caught.value.attempts == 4
    assert sleeps.calls == [1.0, 2.0, 4.0]
    assert SECRET not in str(caught.value)
    assert SECRET not in caplog.text
    assert SECRET not in repr(channel)
    assert "Down (discord)" in str(caught.value)


def test_apprise_json_delivery(receiver: Any, sleeps: Any) -> None:
    """Check that an Apprise json:// URL posts title, body and type to loopback."""
    channel = apprise_channel(f"json://127.0.0.1:{receiver.port}/apprise")
    assert deliver(channel, ALERT, version="1.2.3", sleep=sleeps) == 1
    (request,) = receiver.wait_for(1)
    body = request.json()
    assert body["title"] == "⚡ Capacitarr 1.2.3 • Threshold Breached"
    assert body["message"] == (
        "🔴 Threshold Breached\n\n/data is at 91.0%\n\nDisk: /data\n\nUsage: 91%"
    )
    assert body["type"] == "failure"


def test_apprise_retries_server_errors(receiver: Any, sleeps: Any) -> None:
    """Check that an Apprise 5xx is retried and then succeeds."""
    receiver.respond("/apprise", (500, {}))
    channel = apprise_channel(f"json://127.0.0.1:{receiver.port}/apprise")
    assert deliver(channel, ALERT, sleep=sleeps) == 2
    assert sleeps.calls == [1.0]


def test_apprise_client_error_is_not_retried(receiver: Any, sleeps: Any) -> None:
    """Check that an Apprise 4xx fails at once with the status."""
    receiver.respond("/apprise", (401, {}))
    channel = apprise_channel(f"json://127.0.0.1:{receiver.port}/apprise")
    with pytest.raises(DeliveryError) as caught:
        deliver(channel, ALERT, sleep=sleeps)
    assert caught.value.status == 401
    assert sleeps.calls == []


def test_apprise_connection_refused_is_retried(sleeps: Any) -> None:
    """Check that Apprise failures without a status count as transient."""
    channel = apprise_channel(f"json://127.0.0.1:{unused_port()}/{SECRET}")
    with pytest.raises(DeliveryError) as caught:
        deliver(channel, ALERT, sleep=sleeps)
    assert caught.value.attempts == 4
    assert SECRET not in str(caught.value)


def test_apprise_api_server_url(receiver: Any, sleeps: Any) -> None:
    """Check that an Apprise API /notify/<key> URL is posted to, with tags."""
    receiver.respond("/prefix/notify/mykey", (200, {}))
    channel = apprise_channel(receiver.url("/prefix/notify/mykey"), tags="tv, ops")
    deliver(channel, ALERT, sleep=sleeps)
    (request,) = receiver.wait_for(1)
    assert request.path == "/prefix/notify/mykey"
    assert b"tag=tv" in request.body and b"tag=ops" in request.body
    assert b"type=failure" in request.body


@pytest.mark.parametrize(
    ("url", "tags", "expected"),
    [
        (
            "http://apprise:8000/notify/abc",
            "",
            "apprise://apprise:8000/abc?version=1",
        ),
        (
            "https://user:pw@example.org/base/notify/abc",
            "a,b",
            "apprises://user:pw@example.org/base/abc?version=1&tags=a,b",
        ),
        ("tgram://bot/chat", "a", "tgram://bot/chat"),
        ("apprise://host/key", "a", "apprise://host/key?tags=a"),
        ("apprise://host/key?tags=x", "a", "apprise://host/key?tags=x"),
    ],
)
def test_apprise_url_translation(url: str, tags: str, expected: str) -> None:
    """Check how channel URLs and tags become Apprise URLs."""
    assert apprise_url(apprise_channel(url, tags)) == expected


def test_apprise_http_url_must_be_an_api_endpoint(sleeps: Any) -> None:
    """Check that a plain http URL on an Apprise channel is a config error."""
    channel = apprise_channel("http://example.org/hooks/x")
    with pytest.raises(ChannelConfigError, match="/notify/<key>"):
        deliver(channel, ALERT, sleep=sleeps)


def test_apprise_unknown_scheme_fails_without_retry(sleeps: Any) -> None:
    """Check that a URL Apprise does not know fails at once, clearly."""
    channel = apprise_channel(f"nosuchservice://{SECRET}/x")
    with pytest.raises(DeliveryError, match="does not accept") as caught:
        deliver(channel, ALERT, sleep=sleeps)
    assert SECRET not in str(caught.value)
    assert sleeps.calls == []
