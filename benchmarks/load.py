"""Latency under concurrent clients, and a bare Falcon-on-waitress ceiling.

:func:`hammer` sends a bounded number of GETs from a fixed number of client
threads (each with its own keep-alive connection) and reports p50, p99 and
requests per second. :func:`hello_server` serves a one-route Falcon app with
waitress, configured as ``capacitarr serve`` configures its server, so the
ratio of the two says how much of the stack's ceiling our endpoints keep.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import falcon
import httpx
from waitress.server import create_server


@dataclass(frozen=True)
class Latency:
    """What a load run measured."""

    p50_ms: float
    p99_ms: float
    rps: float
    errors: int


def hammer(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    clients: int = 20,
    per_client: int = 50,
    max_seconds: float = 60.0,
) -> Latency:
    """GET ``url`` ``per_client`` times from each of ``clients`` threads.

    Every loop stops after its count or after ``max_seconds``, whichever comes
    first; a warm-up request per client is not counted. A failed or timed-out
    request counts as an error, with its time as a sample.
    """
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready = threading.Semaphore(0)
    go = threading.Event()

    def get(http: httpx.Client) -> bool:
        try:
            return http.get(url).status_code < 400
        except httpx.HTTPError:
            return False

    def client() -> None:
        with httpx.Client(headers=headers, timeout=max_seconds) as http:
            get(http)  # warm-up, not counted
            ready.release()
            go.wait(max_seconds)
            for _ in range(per_client):
                if time.monotonic() > deadline:
                    break
                began = time.perf_counter()
                ok = get(http)
                elapsed = time.perf_counter() - began
                with lock:
                    samples.append(elapsed)
                    errors[0] += not ok

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for _ in threads:
        ready.acquire(timeout=max_seconds)
    deadline = time.monotonic() + max_seconds
    go.set()
    began = time.perf_counter()
    for thread in threads:
        thread.join(max_seconds * 2)
    wall = time.perf_counter() - began
    if not samples:
        return Latency(float("nan"), float("nan"), 0.0, errors[0])
    ordered = sorted(samples)
    return Latency(
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        rps=len(ordered) / wall,
        errors=errors[0],
    )


class _Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"hello": "world"}


@contextmanager
def hello_server(threads: int) -> Iterator[str]:
    """Serve a bare Falcon hello-world with waitress on loopback; yield its URL."""
    app = falcon.App()
    app.add_route("/hello", _Hello())
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/hello"
    finally:
        server.task_dispatcher.shutdown(timeout=5)
        server.close()
