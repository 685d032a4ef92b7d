"""The ``capacitarr`` command: the controller's commands plus ``serve`` and ``demo``.

``controller.cli`` holds the commands that need no web face (``validate``,
``schema``, ``plan``); this module adds the ones that run the API, so imports keep
running one way (``api`` -> ``controller``). It is the console script's entry point.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from api.app import create_app
from api.serve import DEFAULT_PORT, make_server
from controller import cli as controller_cli
from controller.allocator import limit_malloc_arenas
from controller.errors import CapacitarrError
from controller.reconcile.runtime import Runtime
from controller.store import Store

log = logging.getLogger("capacitarr")


def configure_logging(level: str) -> None:
    """One format for every line: time, level, logger, message."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


def add_serve(subparsers: controller_cli.Subparsers) -> None:
    """Register ``capacitarr serve``."""
    parser = subparsers.add_parser(
        "serve",
        help="run the controller and its API",
        description="Run the reconcile loop, the deletion worker and the REST API.",
    )
    parser.add_argument(
        "--manifests",
        type=Path,
        default=os.environ.get("CAPACITARR_MANIFESTS"),
        help="folder of desired-state manifests (env CAPACITARR_MANIFESTS)",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="SQLite database file (env CAPACITARR_DB, default /config/capacitarr.db)",
    )
    parser.add_argument("--host", default=os.environ.get("CAPACITARR_HOST", "0.0.0.0"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT))
    )
    parser.add_argument("--log-level", default="info")
    parser.set_defaults(handler=run_serve)


class Service:
    """A runtime and its API server, started and stopped together."""

    def __init__(
        self, runtime: Runtime, host: str, port: int, *, run_now: bool = True
    ) -> None:
        self.runtime = runtime
        self.app = create_app(runtime)
        self.server = make_server(self.app, host=host, port=port)
        self._run_now = run_now
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = self.server.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{shown}:{self.server.port}/api/v1"

    def start(self) -> None:
        self.runtime.start(run_now=self._run_now)
        self._thread = threading.Thread(
            target=self.server.run, name="api-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, then finish or safely stop the current deletion."""
        self.server.close()
        self.runtime.stop()


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        del frame
        log.info("signal %s received: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    while not stop.wait(1):
        pass


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM/SIGINT; exit with nothing half-written."""
    configure_logging(args.log_level)
    try:
        store = Store.open(args.db)
        runtime = Runtime(store, manifests=args.manifests)
        service = Service(runtime, args.host, args.port)
        service.start()
    except (CapacitarrError, OSError) as exc:
        print(f"capacitarr serve: {exc}", file=sys.stderr)
        return 1
    log.info("serving on %s (manifests: %s)", service.url, args.manifests)
    wait_for_signal()
    service.stop()
    store.close()
    log.info("stopped cleanly")
    return 0


def add_demo(subparsers: controller_cli.Subparsers) -> None:
    """Register ``capacitarr demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="try Capacitarr against built-in simulated services",
        description=(
            "Start simulated Sonarr, Radarr, Lidarr, Readarr, Plex, Jellyfin, Emby, "
            "Tautulli, Jellystat and Seerr with a generated library, and the "
            "controller with the manifests in examples/demo."
        ),
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--size", type=int, default=3000, help="library size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    parser.set_defaults(handler=run_demo_command)


def run_demo_command(args: argparse.Namespace) -> int:
    """Run the demo until Ctrl-C."""
    from api.demo import run_demo

    configure_logging(args.log_level)
    return run_demo(port=args.port, size=args.size, seed=args.seed)


COMMANDS = (*controller_cli.COMMANDS, add_serve, add_demo)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``capacitarr`` console script."""
    # Before any thread starts, so every thread shares the capped arenas.
    limit_malloc_arenas()
    parser = controller_cli.build_parser(COMMANDS)
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 1
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
