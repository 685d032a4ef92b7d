"""Print the benchmark figures as tables, and describe the machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def machine() -> str:
    """CPU model, cores, memory, Python and the load when the run started."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.1f} GiB RAM"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} CPUs{memory}, Python "
        f"{platform.python_version()}, load average at start {load}"
    )


def print_cycles(cycles: dict[int, dict[str, Any]]) -> None:
    """One row per library size."""
    header = (
        f"{'size':>8} | {'items':>7} | {'first cycle':>11} | {'cycle':>13} | "
        f"{'observe':>13} | {'score+plan':>11} | {'peak RSS':>8} | "
        f"{'first peak':>10} | {'traced':>7}"
    )
    print("\n" + header)
    print("-" * len(header))
    for size, f in cycles.items():
        traced = f"{f['traced_peak_mb']:.0f} MB" if "traced_peak_mb" in f else "-"
        first = f.get("first_peak_rss_mb", 0.0)
        print(
            f"{size:>8,} | {f['items']:>7,} | {f['first_cycle_s']:>9.2f} s | "
            f"{f['cycle_s']:>5.2f} s ({f['cycle_cpu_s']:>4.1f}) | "
            f"{f['observe_s']:>5.2f} s ({f['observe_cpu_s']:>4.1f}) | "
            f"{f['plan_s'] * 1000:>8.0f} ms | {f['peak_rss_mb']:>5.0f} MB | "
            f"{first:>7.0f} MB | {traced:>7}"
        )
        if f.get("failed"):
            print(f"{'':>8}   failed integrations: {', '.join(f['failed'])}")
    print("cycle and observe: wall seconds (CPU seconds of the controller process)")
    steady = all(f.get("peak_is_steady") for f in cycles.values())
    print(
        "peak RSS: the highest resident memory during the measured cycles"
        + (
            " (the peak was reset after the first two)"
            if steady
            else " (since the process started: this system cannot reset the peak)"
        )
        + "; first peak: during the first two cycles, which read every history whole"
    )
    for size, f in cycles.items():
        slow = sorted(f["integration_ms"].items(), key=lambda kv: -kv[1])[:4]
        print(
            f"  {size:>7,}: slowest integrations "
            + ", ".join(f"{name} {ms / 1000:.2f} s" for name, ms in slow)
        )


def print_api(size: int, api: dict[str, Any]) -> None:
    """Endpoint latency against the hello-world ceiling, SSE and manifests."""
    rounds = api.get("rounds", 1)
    print(
        f"\nAPI at {size:,} requested items ({api['items']:,} observed), "
        f"20 concurrent clients, median of {rounds} rounds, each endpoint right "
        "after a hello-world run"
    )
    header = (
        f"{'endpoint':>18} | {'p50':>8} | {'p99':>8} | {'req/s':>7} | {'vs hello':>8}"
    )
    print(header)
    print("-" * len(header))
    shares = api.get("vs_hello", {})
    for name, lat in api["latency"].items():
        share = "100%" if name == "hello-world" else f"{shares.get(name, 0.0):>7.0%}"
        errors = f"  ({lat.errors} errors)" if lat.errors else ""
        print(
            f"{name:>18} | {lat.p50_ms:>5.1f} ms | {lat.p99_ms:>5.1f} ms | "
            f"{lat.rps:>7.0f} | {share:>8}{errors}"
        )
    if api.get("audit_bytes"):
        print(
            f"hello, audit-size: the hello-world with our headers and a body of "
            f"{api['audit_bytes']:,} bytes, the size of /audit-log's first page"
        )
    levels = api.get("gzip_levels")
    if levels:
        numbered = sorted((k for k in levels if k.isdigit()), key=int)
        shown = ", ".join(
            f"level {n} {levels[n]['ratio']:.1%} in {levels[n]['ms']:.0f} ms"
            for n in numbered
        )
        print(
            f"/preview gzipped ({levels['plain_bytes']:,} bytes plain, served at "
            f"level {levels['served_level']}): {shown}"
        )
    sse = api["sse"]
    if "all_p50_ms" in sse:
        print(
            f"\nlive events to {sse['streams']} streams: all received in "
            f"{sse['all_p50_ms']:.1f} ms (p50), {sse['all_max_ms']:.1f} ms (max); "
            f"median stream {sse['each_p50_ms']:.1f} ms"
        )
    else:
        print(f"\nlive events: only {sse.get('streams', 0)} streams connected")
    manifest = api["manifest"]
    if manifest:
        print(
            f"manifest edit -> generation applied: {manifest['p50_ms']:.0f} ms (p50), "
            f"{manifest['max_ms']:.0f} ms (max) over {manifest['rounds']} edits "
            "(watchfiles debounces changes for up to 400 ms)"
        )
