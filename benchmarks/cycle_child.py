"""One library size in a fresh process: full cycle, observe, score+plan, memory.

``run.py`` starts ``python -m benchmarks.cycle_child`` once per size so the peak
memory of one size is not inflated by the one before. The controller is the real
one: a :class:`~controller.reconcile.runtime.Runtime` over a store in a temporary
folder, with the demo manifests pointing at the simulator process. The result is
printed as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from controller.allocator import limit_malloc_arenas
from controller.reconcile.runtime import Runtime
from controller.store import Store

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo"


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float], Any]:
    """Run ``fn`` ``runs`` times; return wall and CPU seconds and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (since the last reset), MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Start a new peak of resident memory from the current one.

    Linux (4.0 on) resets the high-water mark ``ru_maxrss`` reports when "5"
    is written to ``/proc/self/clear_refs``; False where that is not possible.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def score_and_plan(runtime: Runtime, observation: Any) -> Any:
    """Plan exactly as the cycle does: score and order every item once, then
    walk each group's share (``CycleRunner.plan``, which writes nothing)."""
    desired = runtime.cycles.read_desired()
    return runtime.cycles.plan(desired, observation, observation.at)


def manifests_with(services: list[str], folder: Path) -> Path:
    """A copy of the demo manifests keeping only ``services`` (all when empty)."""
    if not services:
        return DEMO
    copy = folder / "manifests"
    shutil.copytree(DEMO, copy)
    path = copy / "integrations.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["integrations"] = [
        i for i in document["integrations"] if i["type"] in services
    ]
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return copy


def measure(
    env: dict[str, str], runs: int, trace: bool, services: list[str]
) -> dict[str, Any]:
    """Run the cycles and return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="capacitarr-bench-"))
    store = Store.open(folder / "capacitarr.db")
    manifests = manifests_with(services, folder)
    runtime = Runtime(store, manifests=manifests, env=env, watch=False)
    runtime.reload_manifests(trigger=False)
    warm_wall, _, _ = timed(lambda: runtime.cycles.run("warm-up"), 1)
    # The first cycle of a process reads every history in full; the second
    # is the first short read, which also warms the simulators' caches for
    # those queries. Cycles from the third on are what a running service does.
    timed(lambda: runtime.cycles.run("warm-up, short reads"), 1)
    # The first cycles read every history whole: their peak is a start's, once.
    first_peak = peak_rss_mb()
    steady = reset_peak()
    cycle_wall, cycle_cpu, result = timed(lambda: runtime.cycles.run("bench"), runs)
    # What a serving process reaches cycle after cycle: the measurements below
    # keep extra observations and plans alive at once, which no cycle does.
    cycles_peak = peak_rss_mb()
    desired = runtime.cycles.read_desired()
    observe_wall, observe_cpu, observation = timed(
        lambda: runtime.cycles.observe(desired, store.now()), runs
    )
    plan_wall, plan_cpu, (plan, _) = timed(
        lambda: score_and_plan(runtime, observation), max(3, runs)
    )
    figures: dict[str, Any] = {
        "items": len(observation.items),
        "failed": sorted(h.name for h in observation.health.values() if not h.ok),
        "planned": sum(len(g.deletions) for g in plan.groups),
        "first_cycle_s": warm_wall[0],
        "cycle_s": statistics.median(cycle_wall),
        "cycle_cpu_s": statistics.median(cycle_cpu),
        "observe_s": statistics.median(observe_wall),
        "observe_cpu_s": statistics.median(observe_cpu),
        "plan_s": min(plan_wall),
        "plan_cpu_s": min(plan_cpu),
        "integration_ms": {
            h.name: round(h.latency_ms) for h in result.observation.health.values()
        },
    }
    figures["peak_rss_mb"] = cycles_peak
    figures["first_peak_rss_mb"] = first_peak
    figures["peak_is_steady"] = steady
    if trace:
        tracemalloc.start()
        runtime.cycles.run("bench (traced)")
        figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    store.close()
    return figures


def main() -> int:
    """Parse the arguments, measure, print one JSON line."""
    limit_malloc_arenas()  # as ``capacitarr serve`` does at start-up
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", required=True, help="JSON of the demo variables")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--trace", action="store_true", help="also tracemalloc")
    parser.add_argument("--services", default="", help="comma-separated types")
    args = parser.parse_args()
    services = [s for s in args.services.split(",") if s]
    figures = measure(json.loads(args.env), args.runs, args.trace, services)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
