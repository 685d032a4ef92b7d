"""Live-event fan-out and manifest-edit latency against a running service.

:func:`fan_out` opens 100 event streams, publishes on the runtime's bus and
times until every stream has the event. :func:`manifest_latency` edits a
manifest on disk and times until the runtime has applied the new generation
through its watcher. Both loops are bounded in count and time.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx


class _Stream(threading.Thread):
    """One SSE client: records when it first sees each marker."""

    def __init__(self, url: str, headers: dict[str, str], stop: threading.Event):
        super().__init__(daemon=True)
        self.url, self.headers, self.stop = url, headers, stop
        self.seen: dict[str, float] = {}

    def run(self) -> None:
        timeout = httpx.Timeout(5, read=30)
        try:
            with (
                httpx.Client(headers=self.headers, timeout=timeout) as http,
                http.stream("GET", self.url) as response,
            ):
                for line in response.iter_lines():
                    if line.startswith("data:") and "bench-mark-" in line:
                        marker = line.split("bench-mark-", 1)[1].split('"', 1)[0]
                        self.seen.setdefault(marker, time.perf_counter())
                    if self.stop.is_set():
                        return
        except httpx.HTTPError:
            return


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return predicate()


def fan_out(
    url: str, headers: dict[str, str], bus: Any, streams: int = 100, rounds: int = 10
) -> dict[str, float]:
    """Time publish → received by all ``streams`` clients, over ``rounds``."""
    stop = threading.Event()
    clients = [_Stream(f"{url}/events", headers, stop) for _ in range(streams)]
    for client in clients:
        client.start()
    try:
        connected = _wait(lambda: _ping_all(bus, clients, "warm"), 30)
        if not connected:
            return {"streams": sum(1 for c in clients if "warm" in c.seen)}
        slowest, typical = [], []
        for number in range(rounds):
            marker = str(number)
            sent = time.perf_counter()
            bus.publish("bench_ping", f"bench-mark-{marker}")
            _wait(lambda m=marker: all(m in c.seen for c in clients), 10)
            arrived = [c.seen[marker] - sent for c in clients if marker in c.seen]
            slowest.append(max(arrived))
            typical.append(statistics.median(arrived))
        return {
            "streams": streams,
            "all_p50_ms": statistics.median(slowest) * 1000,
            "all_max_ms": max(slowest) * 1000,
            "each_p50_ms": statistics.median(typical) * 1000,
        }
    finally:
        stop.set()
        bus.publish("bench_ping", "bench-mark-stop")


def _ping_all(bus: Any, clients: list[_Stream], marker: str) -> bool:
    if all(marker in c.seen for c in clients):
        return True
    bus.publish("bench_ping", f"bench-mark-{marker}")
    time.sleep(0.2)
    return all(marker in c.seen for c in clients)


def manifest_latency(runtime: Any, manifest: Path, rounds: int = 3) -> dict[str, float]:
    """Time a threshold edit on disk until its generation is applied."""
    samples = []
    for number in range(rounds):
        before = runtime.manifests.applied_digest
        text = manifest.read_text()
        threshold = 85 + (number % 2 == 0)
        edited = text.replace("thresholdPct: 85", f"thresholdPct: {threshold}", 1)
        edited = edited.replace("thresholdPct: 86", f"thresholdPct: {threshold}", 1)
        began = time.perf_counter()
        manifest.write_text(edited)
        if _wait(lambda b=before: runtime.manifests.applied_digest != b, 20):
            samples.append(time.perf_counter() - began)
        runtime.loop.wait_idle(300)  # the edit triggers a cycle; let it finish
    if not samples:
        return {}
    return {
        "rounds": len(samples),
        "p50_ms": statistics.median(samples) * 1000,
        "max_ms": max(samples) * 1000,
    }
