"""A load generator in its own process: ``python -m benchmarks.load_client URL``.

:func:`benchmarks.load.hammer` starts it so that the clients never share an
interpreter (and its lock) with the server they measure, as a load tool like
wrk would not. Each of ``--clients`` threads keeps one HTTP/1.1 keep-alive
connection (the standard library's ``http.client``, whose cost per request is
a fraction of httpx's) and sends ``--per-client`` GETs after one uncounted
warm-up. Every loop stops after its count or ``--max-seconds``. Prints one JSON
line: p50 and p99 in milliseconds, requests per second and errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit


def run(
    url: str,
    headers: dict[str, str],
    clients: int,
    per_client: int,
    max_seconds: float,
) -> dict[str, float]:
    """Measure ``url``; return p50_ms, p99_ms, rps and errors."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready = threading.Semaphore(0)
    go = threading.Event()
    deadline = [0.0]

    def get(connection: http.client.HTTPConnection) -> bool:
        try:
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status < 400
        except (OSError, http.client.HTTPException):
            connection.close()
            return False

    def client() -> None:
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=max_seconds
        )
        get(connection)  # warm-up, not counted
        ready.release()
        go.wait(max_seconds)
        for _ in range(per_client):
            if time.monotonic() > deadline[0]:
                break
            began = time.perf_counter()
            ok = get(connection)
            elapsed = time.perf_counter() - began
            with lock:
                samples.append(elapsed)
                errors[0] += not ok
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for _ in threads:
        ready.acquire(timeout=max_seconds)
    deadline[0] = time.monotonic() + max_seconds
    began = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join(max_seconds * 2)
    wall = time.perf_counter() - began
    if not samples:
        return {
            "p50_ms": float("nan"),
            "p99_ms": float("nan"),
            "rps": 0.0,
            "errors": errors[0],
        }
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "rps": len(ordered) / wall,
        "errors": errors[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    result = run(args.url, headers, args.clients, args.per_client, args.max_seconds)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
