"""Check `capacitarr serve` as a process: it serves, and SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import httpx

from simulators.harness import SERVICES

ROOT = Path(__file__).resolve().parents[2]
AUTO = """
preferences:
  defaultDiskGroupMode: auto
  deletionQueueDelaySeconds: 10
diskGroups:
  - mountPath: /data/media
    thresholdPct: 85
    targetPct: 80
    mode: auto
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sigterm_finishes_the_current_deletion_and_leaves_nothing_half_written(
    sims, tmp_path: Path
) -> None:
    """Check that SIGTERM during a slow deletion exits 0 with no job left in flight."""
    manifests = tmp_path / "manifests"
    shutil.copytree(ROOT / "examples" / "demo", manifests)
    (manifests / "desired.yaml").write_text(AUTO)
    env = {**os.environ, "CAPACITARR_ADMIN_PASSWORD": "sigterm-test"}
    for name in SERVICES:
        env[f"CAPACITARR_DEMO_{name.upper()}_URL"] = sims[name].url
        env[f"CAPACITARR_DEMO_{name.upper()}_KEY"] = sims[name].api_key
    db = tmp_path / "capacitarr.db"
    port = free_port()
    # Every DELETE takes two seconds, so one is in flight when SIGTERM arrives.
    for name in ("sonarr", "radarr"):
        sims[name].faults.set("latency", seconds=2.0, path_prefix="/api/v3/episodefile")
        sims[name].faults.set("latency", seconds=2.0, path_prefix="/api/v3/movie/")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--manifests",
            str(manifests),
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        in_flight = False
        while time.monotonic() < deadline and not in_flight:
            time.sleep(0.2)
            if db.exists():
                with sqlite3.connect(db) as conn, suppress(sqlite3.OperationalError):
                    in_flight = bool(
                        conn.execute(
                            "SELECT COUNT(*) FROM deletion_queue "
                            "WHERE state = 'in_flight'"
                        ).fetchone()[0]
                    )
        assert in_flight, "no deletion started in time"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health").text == "OK"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output[-2000:]
    assert "stopped cleanly" in output
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        left = conn.execute(
            "SELECT COUNT(*) FROM deletion_queue WHERE state = 'in_flight'"
        ).fetchone()[0]
        deleted = conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'deleted'"
        ).fetchone()[0]
    assert left == 0, "a deletion was left half-done"
    assert deleted >= 1, "the deletion in flight was not finished and recorded"
