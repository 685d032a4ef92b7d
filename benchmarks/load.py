"""Latency under concurrent clients, and a bare Falcon-on-waitress ceiling.

:func:`hammer` sends a bounded number of GETs from a fixed number of client
threads (each with its own keep-alive connection), in a process of their own,
and reports p50, p99 and requests per second. :func:`hello_server` serves a
one-route Falcon app with waitress, configured as ``capacitarr serve``
configures its server, so the ratio of the two says how much of the stack's
ceiling our endpoints keep.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import falcon
from waitress.server import create_server

from api.middleware import SECURITY_HEADERS


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
    """GET ``url`` ``per_client`` times from each of ``clients`` client threads.

    The clients run in a process of their own (``benchmarks.load_client``), so
    they take nothing from the server's interpreter. Every loop stops after its
    count or after ``max_seconds``, whichever comes first; a warm-up request per
    client is not counted. A failed or timed-out request counts as an error,
    with its time as a sample.
    """
    command = [
        sys.executable,
        "-m",
        "benchmarks.load_client",
        url,
        f"--clients={clients}",
        f"--per-client={per_client}",
        f"--max-seconds={max_seconds}",
    ]
    for name, value in (headers or {}).items():
        command.append(f"--header={name}: {value}")
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=max_seconds * 3 + 30
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load client failed: {done.stderr.strip()[-500:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Latency(
        p50_ms=figures["p50_ms"],
        p99_ms=figures["p99_ms"],
        rps=figures["rps"],
        errors=int(figures["errors"]),
    )


class _Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"hello": "world"}


def _with_our_headers(resp: falcon.Response) -> None:
    """The request id and security headers every answer of ours carries."""
    resp.set_header("X-Request-ID", "0123456789abcdef")
    resp.set_headers(SECURITY_HEADERS)


class _HelloWithHeaders:
    """The hello-world with the headers every answer of ours carries."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"hello": "world"}
        _with_our_headers(resp)


class _SizedWithHeaders:
    """``/hello-bytes?n=N``: N bytes of JSON with our headers, for answers
    whose size, not their handler, sets the pace."""

    def __init__(self) -> None:
        self._bodies: dict[int, bytes] = {}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        size = max(int(req.get_param("n") or 2), 2)
        if size not in self._bodies:
            self._bodies[size] = b'"' + b"x" * (size - 2) + b'"'
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._bodies[size]
        _with_our_headers(resp)


@contextmanager
def hello_server(threads: int) -> Iterator[str]:
    """Serve a bare Falcon hello-world with waitress on loopback; yield its URL.

    Beside ``/hello`` it serves ``/hello-headers`` (the same answer with our
    headers) and ``/hello-bytes?n=N`` (a body of N bytes with our headers).
    """
    app = falcon.App()
    app.add_route("/hello", _Hello())
    app.add_route("/hello-headers", _HelloWithHeaders())
    app.add_route("/hello-bytes", _SizedWithHeaders())
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/hello"
    finally:
        server.task_dispatcher.shutdown(timeout=5)
        server.close()
