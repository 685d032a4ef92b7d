"""What one system call per request costs a busy waitress.

Run: ``python -m benchmarks.bench_request_id``.

Serves two hello-world routes on one waitress server, identical except for how
each makes its ``X-Request-ID``: ``secrets.token_hex`` (``os.urandom``, a system
call that lets go of the interpreter lock) and
:func:`api.middleware.new_request_id` (``random.getrandbits``, no system
call). The two are loaded in turn by 20 keep-alive clients in a process of
their own, six rounds, and the requests per second of each round are printed
with their ratio.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import threading

import falcon
from waitress.server import create_server

from api.app import DEFAULT_MAX_STREAMS
from api.middleware import new_request_id
from api.serve import RESERVE_THREADS
from benchmarks.load import hammer

ROUNDS = 6
PER_CLIENT = 500


class _WithUrandom:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"hello": "world"}
        resp.set_header("X-Request-ID", secrets.token_hex(8))


class _WithGenerator:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"hello": "world"}
        resp.set_header("X-Request-ID", new_request_id())


def main() -> int:
    app = falcon.App()
    app.add_route("/urandom", _WithUrandom())
    app.add_route("/generator", _WithGenerator())
    # As many worker threads as ``capacitarr serve`` starts by default.
    threads = DEFAULT_MAX_STREAMS + RESERVE_THREADS
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    ratios = []
    print(f"{'round':>5} | {'urandom req/s':>13} | {'generator req/s':>15} | ratio")
    for round_no in range(1, ROUNDS + 1):
        slow = hammer(base + "/urandom", per_client=PER_CLIENT).rps
        fast = hammer(base + "/generator", per_client=PER_CLIENT).rps
        ratios.append(slow / fast if fast else 0.0)
        print(f"{round_no:>5} | {slow:>13.0f} | {fast:>15.0f} | {ratios[-1]:.3f}")
        sys.stdout.flush()
    print(f"median ratio urandom / generator: {statistics.median(ratios):.3f}")
    server.task_dispatcher.shutdown(timeout=5)
    server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
