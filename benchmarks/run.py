"""Run every benchmark and print one table: ``python -m benchmarks``.

Per library size it starts the simulators in their own process (warmed up by
an untimed cycle), then runs the cycle figures in a fresh child process so each
size's peak memory is its own. At one size (10,000 items; 1,000 with
``--quick``) it also serves the real API and measures endpoint latency under
20 concurrent clients against a bare Falcon-on-waitress hello-world, event
fan-out to 100 streams and manifest-edit latency. Every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

from benchmarks.report import machine, print_api, print_cycles
from benchmarks.simulated import ping, simulators_process
from controller.allocator import limit_malloc_arenas


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="1k and 10k, fewer runs")
    parser.add_argument("--api-size", type=int, default=None, help="default 10000")
    parser.add_argument("--no-api", action="store_true", help="skip the API figures")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--base-port", type=int, default=23100, help="below the ephemeral range"
    )
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument(
        "--services",
        default="",
        help="only these of the demo's integrations, e.g. sonarr,radarr,plex",
    )
    return parser.parse_args(argv)


def cycle_figures(
    env: dict[str, str], runs: int, trace: bool, services: str = ""
) -> dict[str, Any]:
    """Run ``benchmarks.cycle_child`` and return its figures."""
    command = [sys.executable, "-m", "benchmarks.cycle_child", "--env", json.dumps(env)]
    command += ["--runs", str(runs)] + (["--trace"] if trace else [])
    if services:
        command += ["--services", services]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"cycle benchmark failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    limit_malloc_arenas()  # the API figures are taken in this process
    args = parse(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.quick and args.sizes == parse([]).sizes:
        sizes = [1000, 10000]
    api_size = args.api_size or (1000 if args.quick else 10000)
    results: dict[str, Any] = {"machine": machine(), "cycles": {}, "api": None}
    print(results["machine"], flush=True)
    for size in sizes:
        with simulators_process(size, args.seed, args.base_port) as sims:
            ping(sims)
            began = time.perf_counter()
            runs = 1 if args.quick else (2 if size >= 100_000 else 3)
            figures = cycle_figures(
                sims.demo_env(), runs, trace=not args.quick, services=args.services
            )
            figures["world_ready_s"] = sims.ready_seconds
            figures["bench_s"] = time.perf_counter() - began
            results["cycles"][size] = figures
            print(f"  size {size:,}: done in {figures['bench_s']:.0f} s", flush=True)
    print_cycles(results["cycles"])
    if not args.no_api:
        from benchmarks.api_bench import measure_api

        with simulators_process(api_size, args.seed, args.base_port) as sims:
            ping(sims)
            results["api"] = measure_api(sims.demo_env(), args.quick)
        print_api(api_size, results["api"])
    results["load_after"] = os.getloadavg()
    print(
        f"\nload average after the run: {results['load_after']}; "
        f"python {platform.python_version()}"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2, default=_plain)
    return 0


def _plain(value: Any) -> Any:
    return value.__dict__ if hasattr(value, "__dict__") else str(value)
