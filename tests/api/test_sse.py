"""Live events over a real waitress server on loopback.

Streams are read with raw sockets so a hundred of them cost little; ordinary
requests go through httpx. Times are printed, not asserted, except the one
contract: an event reaches a connected client within a second.
"""

from __future__ import annotations

import json
import re
import socket
import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from api.serve import Server, make_server

PASSWORD = "correct horse battery"


@pytest.fixture
def server(runtime) -> Iterator[Server]:
    app = create_app(
        runtime,
        jwt_secret="s" * 32,
        admin_password=PASSWORD,
        environ={},
        bcrypt_rounds=4,
        keepalive_seconds=0.3,
        max_streams=110,
    )
    srv = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield srv
    srv.close()
    thread.join(5)


@pytest.fixture
def key(server: Server) -> str:
    base = f"http://127.0.0.1:{server.port}/api/v1"
    with httpx.Client(base_url=base) as http:
        token = http.post("/auth/login", json={"password": PASSWORD}).json()["token"]
        return str(
            http.post(
                "/auth/apikey", headers={"Authorization": f"Bearer {token}"}
            ).json()["api_key"]
        )


class Stream:
    """One raw SSE connection; ``frames`` parses what arrives."""

    def __init__(self, port: int, key: str, last_id: str | None = None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        extra = f"Last-Event-ID: {last_id}\r\n" if last_id else ""
        request = (
            f"GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n"
            f"X-Api-Key: {key}\r\n{extra}\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        self.headers = self._read_until(b"\r\n\r\n").decode()

    def _read_until(self, marker: bytes, deadline: float = 5.0) -> bytes:
        end = time.monotonic() + deadline
        while marker not in self.buffer:
            if time.monotonic() > end:
                raise TimeoutError(f"no {marker!r} in {self.buffer[-300:]!r}")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("stream closed")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def next_frame(self, deadline: float = 5.0) -> dict[str, str]:
        """Return the next frame (comments included) as a field dict."""
        while True:
            raw = self._read_until(b"\n\n", deadline).decode()
            lines = [
                line for line in raw.split("\r\n") if line and not _is_chunk_size(line)
            ]
            text = "\n".join(lines).strip()
            if not text:
                continue
            frame: dict[str, str] = {}
            for line in text.split("\n"):
                if line.startswith(":"):
                    frame["comment"] = line[1:].strip()
                elif ":" in line:
                    name, _, value = line.partition(":")
                    frame[name] = value.strip()
            if frame:
                return frame

    def next_event(self, deadline: float = 5.0) -> dict[str, str]:
        """Skip comments and return the next event frame."""
        while True:
            frame = self.next_frame(deadline)
            if "event" in frame:
                return frame

    def close(self) -> None:
        self.sock.close()


def _is_chunk_size(line: str) -> bool:
    try:
        int(line, 16)
    except ValueError:
        return False
    return len(line) <= 8


def test_stream_needs_credentials(server: Server) -> None:
    """Check that /events without credentials answers 401."""
    with httpx.Client() as http:
        result = http.get(f"http://127.0.0.1:{server.port}/api/v1/events")
    assert result.status_code == 401


def test_an_event_reaches_a_client_within_a_second(server, key, runtime) -> None:
    """Check delivery: id like 1741199820-001, type, JSON data with message."""
    stream = Stream(server.port, key)
    try:
        assert "text/event-stream" in stream.headers
        assert stream.next_frame()["comment"] == "connected"
        sent = time.monotonic()
        runtime.bus.publish(
            "engine_start",
            "Engine run started in approval mode",
            executionMode="approval",
        )
        frame = stream.next_event(deadline=1.0)
        latency = time.monotonic() - sent
    finally:
        stream.close()
    print(f"\nSSE delivery latency: {latency * 1000:.1f} ms")
    assert frame["event"] == "engine_start"
    assert re.fullmatch(r"\d{10}-\d{3,}", frame["id"])
    assert json.loads(frame["data"]) == {
        "executionMode": "approval",
        "message": "Engine run started in approval mode",
    }
    assert latency < 1.0


def test_keepalive_comments_arrive_when_quiet(server, key) -> None:
    """Check that a quiet stream sends ': keepalive' comments."""
    stream = Stream(server.port, key)
    try:
        stream.next_frame()
        assert stream.next_frame(deadline=2.0) == {"comment": "keepalive"}
    finally:
        stream.close()


def test_reconnect_replays_from_last_event_id(server, key, runtime) -> None:
    """Check that Last-Event-ID replays the newer buffered events in order."""
    first = runtime.bus.publish("rule_created", "one", ruleId=1)
    runtime.bus.publish("rule_created", "two", ruleId=2)
    runtime.bus.publish("rule_created", "three", ruleId=3)
    stream = Stream(server.port, key, last_id=first.id)
    try:
        got = [json.loads(stream.next_event()["data"])["message"] for _ in range(2)]
    finally:
        stream.close()
    assert got == ["two", "three"]


def test_a_lost_gap_is_announced(server, key, runtime) -> None:
    """Check that an id older than the ring buffer gets a replay_gap frame."""
    first = runtime.bus.publish("rule_created", "first")
    for n in range(120):
        runtime.bus.publish("rule_created", f"n{n}")
    oldest = runtime.bus.recent()[0]
    stream = Stream(server.port, key, last_id=first.id)
    try:
        gap = stream.next_event()
        replayed = stream.next_event()
    finally:
        stream.close()
    assert gap["event"] == "replay_gap"
    assert json.loads(gap["data"])["requested"] == first.id
    assert replayed["id"] == oldest.id


def test_manual_run_events_arrive_on_the_stream(server, key) -> None:
    """Check that POST /engine/run publishes manual_run_triggered to streams."""
    stream = Stream(server.port, key)
    try:
        stream.next_frame()
        with httpx.Client() as http:
            http.post(
                f"http://127.0.0.1:{server.port}/api/v1/engine/run",
                headers={"X-Api-Key": key},
            )
        frame = stream.next_event(deadline=1.0)
    finally:
        stream.close()
    assert frame["event"] == "manual_run_triggered"
    assert json.loads(frame["data"]) == {"message": "Manual engine run triggered"}


def test_a_hundred_streams_leave_requests_fast(server, key, runtime) -> None:
    """Open 100 streams, then time ordinary requests and event fan-out."""
    base = f"http://127.0.0.1:{server.port}/api/v1"
    headers = {"X-Api-Key": key}
    with httpx.Client(base_url=base, headers=headers) as http:
        baseline = _timed(http, 30)
        streams = [Stream(server.port, key) for _ in range(100)]
        try:
            for stream in streams:
                stream.next_frame()
            assert server.app.streams.open == 100
            loaded = _timed(http, 30)
            sent = time.monotonic()
            runtime.bus.publish("engine_start", "fan-out", executionMode="dry-run")
            for stream in streams:
                assert stream.next_event(deadline=2.0)["event"] == "engine_start"
            fan_out = time.monotonic() - sent
        finally:
            for stream in streams:
                stream.close()
    print(
        f"\nGET /preferences without streams: median {baseline[0]:.1f} ms, "
        f"max {baseline[1]:.1f} ms"
        f"\nGET /preferences with 100 streams: median {loaded[0]:.1f} ms, "
        f"max {loaded[1]:.1f} ms"
        f"\none event to all 100 streams: {fan_out * 1000:.1f} ms"
    )
    assert all(status == 200 for status in loaded[2])


def _timed(http: httpx.Client, count: int) -> tuple[float, float, list[int]]:
    times, statuses = [], []
    for _ in range(count):
        start = time.monotonic()
        statuses.append(http.get("/preferences").status_code)
        times.append((time.monotonic() - start) * 1000)
    return statistics.median(times), max(times), statuses


def test_streams_beyond_the_cap_get_503(runtime) -> None:
    """Check that the stream cap answers 503 instead of taking a thread."""
    app = create_app(
        runtime,
        jwt_secret="s" * 32,
        admin_password=PASSWORD,
        environ={},
        bcrypt_rounds=4,
        max_streams=1,
        keepalive_seconds=0.3,
    )
    import falcon.testing

    client = falcon.testing.TestClient(app)
    token = client.simulate_post(
        "/api/v1/auth/login", json={"password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    app.streams.enter()
    try:
        result = client.simulate_get("/api/v1/events", headers=headers)
    finally:
        app.streams.leave()
    assert result.status_code == 503
    assert "Retry-After" in result.headers
