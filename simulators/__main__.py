"""Run the simulators standalone: ``python -m simulators --size 5000``.

Prints each service's URL and key, then serves until Ctrl-C (or SIGTERM) and
stops cleanly. Faults, growth and the request log are reachable over HTTP at
``/__sim/…`` on every service's port.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time

from simulators.harness import SERVICES, start_simulators
from simulators.world import World


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the simulators and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument(
        "--size", type=int, default=1000, help="media items in the world"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the world")
    parser.add_argument(
        "--fill-pct",
        type=float,
        default=None,
        help="media disk usage fraction, e.g. 0.9",
    )
    parser.add_argument(
        "--base-port",
        type=int,
        default=0,
        help="first port (services take consecutive ports); 0 = ephemeral",
    )
    parser.add_argument(
        "--services",
        default=",".join(SERVICES),
        help="comma-separated services to start",
    )
    args = parser.parse_args(argv)
    # Both signals only set a flag, from the start: a Ctrl-C arriving while the
    # banner prints must not unwind past the servers' shutdown.
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    started = time.perf_counter()
    world = World.generate(seed=args.seed, size=args.size, fill_pct=args.fill_pct)
    sims = start_simulators(world, args.services.split(","), args.base_port)
    print(
        f"world: seed {args.seed}, {args.size} items, "
        f"ready in {time.perf_counter() - started:.2f}s"
    )
    for name, sim in sims.items():
        suffix = "  (API under /emby)" if name == "emby" else ""
        print(f"{name:10s} {sim.url}  key={sim.api_key}{suffix}")
    for path in world.mounts:
        total, free = world.disk_usage(path)
        print(f"disk {path:12s} total={total} free={free}")
    print(
        "control: /__sim/faults, /__sim/requests, /__sim/media, /__sim/disks;"
        " Ctrl-C stops"
    )
    try:
        while not done.wait(0.5):
            pass
    finally:
        sims.stop()
        print("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
