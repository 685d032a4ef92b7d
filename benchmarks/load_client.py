"""A load generator in its own process: ``python -m benchmarks.load_client URL``.

:func:`benchmarks.load.hammer` starts it so that the clients never share an
interpreter (and its lock) with the server they measure, as a load tool like
wrk would not. Each of ``--clients`` threads keeps one HTTP/1.1 keep-alive
connection (:class:`Connection`, a socket that reads no more of a reply than it
must) and sends ``--per-client`` GETs after one uncounted
warm-up. Every loop stops after its count or ``--max-seconds``. Prints one JSON
line: p50 and p99 in milliseconds, requests per second and errors.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a fixed GET.

    A load generator should cost the machine as little as it can: this reads
    only the status line and ``Content-Length`` of each reply (the server's
    chunked or unsized replies are not needed here) and leaves the other
    headers unparsed, where ``http.client`` spends tens of microseconds a
    reply parsing them.
    """

    def __init__(self, host: str, port: int, request: bytes, timeout: float):
        self._address = (host, port)
        self._request = request
        self._timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""

    def get(self) -> bool:
        """Send the request and read the whole reply; False on any failure."""
        try:
            if self._sock is None:
                self._sock = socket.create_connection(self._address, self._timeout)
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._buffer = b""
            self._sock.sendall(self._request)
            head = self._read_head()
            status = int(head[9:12])
            length = _content_length(head)
            self._read_body(length)
            return status < 400
        except (OSError, ValueError):
            self.close()
            return False

    def _read_head(self) -> bytes:
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
        return head

    def _read_body(self, length: int) -> None:
        if len(self._buffer) >= length:
            self._buffer = self._buffer[length:]
            return
        # Large bodies are read into one buffer, never copied as they grow.
        body = bytearray(length)
        view = memoryview(body)
        have = len(self._buffer)
        view[:have] = self._buffer
        self._buffer = b""
        assert self._sock is not None
        while have < length:
            got = self._sock.recv_into(view[have:])
            if not got:
                raise ValueError("connection closed")
            have += got

    def _fill(self) -> None:
        assert self._sock is not None
        chunk = self._sock.recv(1 << 20)
        if not chunk:
            raise ValueError("connection closed")
        self._buffer += chunk

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _content_length(head: bytes) -> int:
    lowered = head.lower()
    start = lowered.find(b"\r\ncontent-length:")
    if start < 0:
        raise ValueError("a reply without Content-Length")
    start += len(b"\r\ncontent-length:")
    end = lowered.find(b"\r\n", start)
    return int(lowered[start : end if end >= 0 else None])


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
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready = threading.Semaphore(0)
    go = threading.Event()
    deadline = [0.0]

    def client() -> None:
        connection = Connection(host, port, request, max_seconds)
        connection.get()  # warm-up, not counted
        ready.release()
        go.wait(max_seconds)
        for _ in range(per_client):
            if time.monotonic() > deadline[0]:
                break
            began = time.perf_counter()
            ok = connection.get()
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
        nan = float("nan")
        return {"p50_ms": nan, "p99_ms": nan, "rps": 0.0, "errors": errors[0]}
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
