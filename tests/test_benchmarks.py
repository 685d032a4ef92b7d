"""The benchmark command runs end to end on a small world and reports every figure.

Timings are printed, never asserted: this only checks that the one command
documented in docs/benchmarks.md still measures everything it claims to.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = {
    "hello + headers",
    "hello, audit-size",
    "hello-world",
    "/preview?limit=100",
    "/preview",
    "/preview, gzip",
    "/dashboard-stats",
    "/audit-log",
    "/health",
}


def test_quick_benchmark_reports_cycles_api_events_and_manifests(tmp_path) -> None:
    """Run `python -m benchmarks --quick` at 200 items and read its JSON."""
    figures_file = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--sizes=200",
            "--api-size=200",
            "--base-port=26300",
            f"--json={figures_file}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "vs hello" in done.stdout and "score+plan" in done.stdout
    figures = json.loads(figures_file.read_text())
    cycle = figures["cycles"]["200"]
    assert cycle["items"] > 200 and cycle["failed"] == []
    assert cycle["planned"] > 0  # the demo disk is 90 % full: something to plan
    assert len(cycle["integration_ms"]) == 10
    assert cycle["first_peak_rss_mb"] > 0 and cycle["peak_rss_mb"] > 0
    api = figures["api"]
    assert set(api["latency"]) == ENDPOINTS
    assert all(run["errors"] == 0 for run in api["latency"].values())
    assert set(api["vs_hello"]) == ENDPOINTS - {"hello-world"}
    assert api["gzip_levels"]["plain_bytes"] > 0 and "9" in api["gzip_levels"]
    assert api["audit_bytes"] > 100  # the first page of the audit log, as served
    assert api["sse"]["streams"] == 100 and "all_p50_ms" in api["sse"]
    assert api["manifest"]["rounds"] == 2
