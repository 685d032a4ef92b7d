"""The API under load: a real service over the simulators, at one library size.

Builds what ``capacitarr serve`` builds (a runtime over a store in a temporary
folder, a copy of the demo manifests watched for edits, the Falcon app on
waitress on loopback), waits for the first cycle, then measures the endpoints,
a bare Falcon-on-waitress hello-world configured the same way, live-event
fan-out to 100 streams and the manifest-edit latency.
"""

from __future__ import annotations

import gzip
import os
import re
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from api.cli import Service
from api.compress import LEVEL
from api.demo import issue_api_key, wait_until_up
from api.serve import RESERVE_THREADS
from benchmarks.live import fan_out, manifest_latency
from benchmarks.load import Latency, hammer, hello_server
from controller.reconcile.runtime import Runtime
from controller.store import Store

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"
ENDPOINTS = (
    "/preview?limit=100",
    "/preview",
    "/dashboard-stats",
    "/audit-log",
    "/health",
)
# The latency runs measure the endpoints, not the endpoints beside a cycle: the
# copy of the demo manifests polls hourly so no cycle starts during them
# (``benchmarks/load.py`` is the test of reads while cycles run).
QUIET_POLL = "pollIntervalSeconds: 3600"
# The whole list again, gzipped, as browsers and ``curl --compressed`` ask.
PREVIEW_GZIP = "/preview, gzip"
# Tens of MB per answer (a few gzipped): one round is enough.
ONCE = frozenset({"/preview", PREVIEW_GZIP})
# Requests per client: 500 make a run of a few seconds at several thousand
# requests a second, long enough that the start of the clients does not weigh
# on the figure; the whole preview list keeps 50 (each answer is tens of MB).
PER_CLIENT = 500
PER_CLIENT_ONCE = 50
# The hello-world with our security headers: what the headers alone cost.
HEADERS_ONLY = "hello + headers"
# The same with a body as large as ``/audit-log``'s first page: what bytes cost.
SIZED = "hello, audit-size"


def measure_api(env: dict[str, str], quick: bool) -> dict[str, Any]:
    """Serve the API over the simulators in ``env`` and measure it."""
    folder = Path(tempfile.mkdtemp(prefix="capacitarr-bench-api-"))
    manifests = folder / "manifests"
    shutil.copytree(DEMO, manifests)
    desired = manifests / "desired.yaml"
    text = desired.read_text(encoding="utf-8")
    desired.write_text(
        re.sub(r"pollIntervalSeconds: \d+", QUIET_POLL, text), encoding="utf-8"
    )
    password = secrets.token_urlsafe(12)
    os.environ["CAPACITARR_ADMIN_PASSWORD"] = password
    store = Store.open(folder / "capacitarr.db")
    runtime = Runtime(store, manifests=manifests, env=env)
    service = Service(runtime, "127.0.0.1", 0)
    service.start()
    try:
        wait_until_up(service.url)
        runtime.loop.wait_idle(600)
        headers = {"X-Api-Key": issue_api_key(service.url, password)}
        per_client = 10 if quick else PER_CLIENT
        figures: dict[str, Any] = {"items": _items(runtime)}
        audit_bytes = len(
            httpx.get(service.url + "/audit-log", headers=headers, timeout=30).content
        )
        figures["audit_bytes"] = audit_bytes
        figures["gzip_levels"] = gzip_levels(service.url, headers)
        with hello_server(runtime_threads(service)) as hello:
            figures.update(
                paired_runs(
                    hello,
                    service.url,
                    headers,
                    per_client=per_client,
                    rounds=1 if quick else 3,
                    sized=audit_bytes,
                )
            )
        figures["sse"] = fan_out(
            service.url, headers, runtime.bus, rounds=3 if quick else 10
        )
        figures["manifest"] = manifest_latency(
            runtime, manifests / "desired.yaml", rounds=2 if quick else 3
        )
        return figures
    finally:
        service.stop()
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


def paired_runs(
    hello: str,
    base_url: str,
    headers: dict[str, str],
    *,
    per_client: int,
    rounds: int,
    sized: int = 0,
) -> dict[str, Any]:
    """Measure each endpoint right after the hello-world, ``rounds`` times.

    The machine is shared and its speed drifts by a third within minutes, so an
    endpoint is compared with a hello-world run taken just before it, and the
    median of the rounds is reported. The whole preview list, bound by bytes,
    is measured once. With ``sized``, a hello-world answering that many bytes
    (with our headers) is measured too, as the ceiling for answers of that size.
    """
    hellos: list[Latency] = []
    runs: dict[str, list[Latency]] = {}
    shares: dict[str, list[float]] = {}
    targets = [(HEADERS_ONLY, hello + "-headers", {})]
    if sized:
        targets.append((SIZED, f"{hello}-bytes?n={sized}", {}))
    targets += [(path, base_url + path, headers) for path in ENDPOINTS]
    gzipped = {**headers, "Accept-Encoding": "gzip"}
    targets.append((PREVIEW_GZIP, base_url + "/preview", gzipped))
    for round_no in range(rounds):
        for path, url, sent in targets:
            if path in ONCE and round_no:
                continue
            count = min(per_client, PER_CLIENT_ONCE) if path in ONCE else per_client
            before = hammer(hello, per_client=per_client)
            run = hammer(url, headers=sent, per_client=count)
            hellos.append(before)
            runs.setdefault(path, []).append(run)
            shares.setdefault(path, []).append(
                run.rps / before.rps if before.rps else 0.0
            )
    latency = {"hello-world": median_latency(hellos)}
    latency.update({path: median_latency(found) for path, found in runs.items()})
    share = {path: statistics.median(found) for path, found in shares.items()}
    return {"latency": latency, "vs_hello": share, "rounds": rounds}


def gzip_levels(base_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Size and time of the whole preview gzipped at a few levels."""
    plain = httpx.get(
        base_url + "/preview",
        headers={**headers, "Accept-Encoding": "identity"},
        timeout=120,
    ).content
    levels: dict[str, Any] = {"plain_bytes": len(plain), "served_level": LEVEL}
    for level in (1, LEVEL, 6, 9):
        started = time.perf_counter()
        packed = gzip.compress(plain, compresslevel=level, mtime=0)
        levels[str(level)] = {
            "ratio": len(packed) / max(len(plain), 1),
            "ms": (time.perf_counter() - started) * 1000,
        }
    return levels


def median_latency(runs: list[Latency]) -> Latency:
    """The median of each figure over several runs (errors are summed)."""
    return Latency(
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        rps=statistics.median(r.rps for r in runs),
        errors=sum(r.errors for r in runs),
    )


def runtime_threads(service: Service) -> int:
    """The worker threads ``make_server`` gave the service, for the hello-world."""
    return int(service.app.streams.limit + RESERVE_THREADS)


def _items(runtime: Runtime) -> int:
    last = runtime.last_cycle
    return len(last.observation.items) if last else 0
