"""Fifty concurrent clients on the read endpoints while cycles run.

The real runtime serves its API on a loopback port over Sonarr, Radarr, Plex
and Tautulli simulators (1,000 items, one disk group in approval mode, so the
approval queue and the audit log fill). Fifty client threads read
``/preview``, ``/dashboard-stats``, ``/audit-log``, ``/status``,
``/worker/stats``, ``/approval-queue`` and ``/disk-groups`` in turn for
``PROOF_LOAD_SECONDS`` (default 60) while ``/engine/run`` starts a cycle every
quarter of that time (at least 15 s apart: the endpoint allows 5 runs in 5
minutes). Every read must answer 200; the test prints the throughput and the
latency percentiles per endpoint. The clients share the test process (and its
GIL) with the server, so the figures are a floor.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from simulators.harness import Simulators, start_simulators
from simulators.world import World
from tests.proof.support import (
    LiveServer,
    live_server,
    wait_until,
    write_desired,
    write_integrations,
)

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("PROOF_LOAD_SECONDS", "60"))
CLIENTS = 50
ENDPOINTS = (
    "/preview",
    "/dashboard-stats",
    "/audit-log",
    "/status",
    "/worker/stats",
    "/approval-queue",
    "/disk-groups",
)
SERVICES = ("sonarr", "radarr", "plex", "tautulli")


@dataclass
class Results:
    """Latencies per endpoint and every failure, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[path].append(seconds)
            if error is not None:
                self.errors.append(f"{path}: {error}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    sims: Simulators = start_simulators(
        World.generate(seed=5, size=1000, fill_pct=0.9), SERVICES
    )
    try:
        endpoints = {name: (sim.url, sim.api_key) for name, sim in sims.items()}
        env = write_integrations(tmp_path / "manifests", endpoints, SERVICES)
        write_desired(
            tmp_path / "manifests",
            groups={
                "/data/media": {"thresholdPct": 50, "targetPct": 40, "mode": "approval"}
            },
            preferences={"defaultDiskGroupMode": "dry-run"},
        )
        with live_server(tmp_path, env) as running:
            yield running
    finally:
        sims.stop()


def _client_loop(server: LiveServer, offset: int, stop: float, out: Results) -> None:
    with server.client(timeout=60) as http:
        n = offset
        while time.monotonic() < stop:
            path = ENDPOINTS[n % len(ENDPOINTS)]
            n += 1
            started = time.perf_counter()
            error: str | None
            try:
                answer = http.get(path)
                error = None if answer.status_code == 200 else str(answer.status_code)
            except httpx.HTTPError as exc:
                error = repr(exc)
            out.record(path, time.perf_counter() - started, error)


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def test_fifty_clients_read_without_errors_while_cycles_run(
    server: LiveServer,
) -> None:
    """Check that 50 concurrent readers get only 200s while cycles run, and
    print throughput and latency percentiles."""
    with server.client() as http:
        assert http.post("/engine/run").status_code == 200
        wait_until(
            lambda: http.get("/status").json()["lastCycle"], 60, "the first cycle"
        )
    results = Results()
    started = time.monotonic()
    stop = started + SECONDS
    threads = [
        threading.Thread(target=_client_loop, args=(server, n, stop, results))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    runs = []
    interval = max(15.0, SECONDS / 4)
    with server.client() as http:
        next_run = started + interval
        while time.monotonic() < stop:
            if time.monotonic() >= next_run:
                runs.append(http.post("/engine/run").status_code)
                next_run += interval
            time.sleep(0.2)  # the trigger's clock, not a wait for a condition
    for thread in threads:
        thread.join(SECONDS + 120)
    elapsed = time.monotonic() - started
    cycles = server.runtime.loop.cycles_completed

    everything = [s for values in results.latencies.values() for s in values]
    print(
        f"\n{CLIENTS} clients, {elapsed:.0f}s: {len(everything)} requests, "
        f"{len(everything) / elapsed:.0f} req/s; p50 "
        f"{_percentile(everything, 50) * 1000:.0f} ms, p95 "
        f"{_percentile(everything, 95) * 1000:.0f} ms, p99 "
        f"{_percentile(everything, 99) * 1000:.0f} ms, max "
        f"{max(everything) * 1000:.0f} ms; {cycles} cycles, runs {runs}"
    )
    for path, values in sorted(results.latencies.items()):
        print(
            f"  {path:17s} {len(values):6d} req  p50 "
            f"{statistics.median(values) * 1000:6.0f} ms  p95 "
            f"{_percentile(values, 95) * 1000:6.0f} ms  p99 "
            f"{_percentile(values, 99) * 1000:6.0f} ms"
        )
    assert not any(t.is_alive() for t in threads)
    assert results.errors == [], results.errors[:20]
    assert set(results.latencies) == set(ENDPOINTS)
    assert runs and all(status == 200 for status in runs)
    assert cycles >= 2, "cycles must run during the load"
