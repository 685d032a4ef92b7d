"""The simulated services in their own process, as the benchmarks use them.

:func:`simulators_process` starts ``python -m simulators`` on consecutive
loopback ports, waits until it prints its banner, and yields the URL and key of
every service (plus the environment the demo manifests read). It stops the
process with SIGTERM on exit, and kills it if it does not stop in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx


@dataclass
class Simulated:
    """A running simulator process: services by name, and its world size."""

    size: int
    services: dict[str, tuple[str, str]] = field(default_factory=dict)
    ready_seconds: float = 0.0

    def demo_env(self) -> dict[str, str]:
        """The variables ``examples/demo/integrations.yaml`` refers to."""
        env = {}
        for name, (url, key) in self.services.items():
            env[f"CAPACITARR_DEMO_{name.upper()}_URL"] = url
            env[f"CAPACITARR_DEMO_{name.upper()}_KEY"] = key
        return env


@contextmanager
def simulators_process(
    size: int, seed: int, base_port: int, fill_pct: float = 0.9
) -> Iterator[Simulated]:
    """Run the ten simulators over one world of ``size`` items in a subprocess."""
    command = [
        sys.executable,
        "-u",
        "-m",
        "simulators",
        f"--size={size}",
        f"--seed={seed}",
        f"--base-port={base_port}",
        f"--fill-pct={fill_pct}",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    simulated = Simulated(size)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            parts = line.split()
            if len(parts) >= 3 and parts[2].startswith("key="):
                simulated.services[parts[0]] = (parts[1], parts[2][4:])
            if line.startswith("control:"):
                break
        if len(simulated.services) != 10:
            raise RuntimeError(f"the simulators did not start: {command}")
        simulated.ready_seconds = time.perf_counter() - started
        yield simulated
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def ping(simulated: Simulated) -> None:
    """Check that every service answers (its public or keyed status page)."""
    for url, _ in simulated.services.values():
        httpx.get(f"{url}/__sim/faults", timeout=10).raise_for_status()
