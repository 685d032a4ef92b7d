"""Check `capacitarr observe` and `capacitarr plan` as real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from simulators.harness import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def capacitarr(*args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def sim_env(sims) -> dict[str, str]:
    env = {}
    for name in SERVICES:
        env[f"CAPACITARR_DEMO_{name.upper()}_URL"] = sims[name].url
        env[f"CAPACITARR_DEMO_{name.upper()}_KEY"] = sims[name].api_key
    return env


def test_offline_plan_from_a_recorded_observation(sims, tmp_path: Path) -> None:
    """Check observe -> plan offline: table, JSON, and exit codes 2 and 0."""
    manifests = tmp_path / "manifests"
    shutil.copytree(ROOT / "examples" / "demo", manifests)
    observation = tmp_path / "observed.json"
    recorded = capacitarr(
        "observe",
        "--manifests",
        str(manifests),
        "--out",
        str(observation),
        env=sim_env(sims),
    )
    assert recorded.returncode == 0, recorded.stderr
    for name in SERVICES:
        sims[name].clear_requests()

    table = capacitarr(
        "plan", "--manifests", str(manifests), "--observation", str(observation)
    )
    assert table.returncode == 2, table.stderr
    assert "/data/media  [approval]" in table.stdout
    assert "would be removed" in table.stdout

    as_json = capacitarr(
        "plan",
        "--manifests",
        str(manifests),
        "--observation",
        str(observation),
        "--json",
    )
    assert as_json.returncode == 2
    plan = json.loads(as_json.stdout)
    media = next(g for g in plan["groups"] if g["mountPath"] == "/data/media")
    assert media["deletions"]
    assert media["stoppedBy"] in ("target", "max_items")
    # Planning offline contacted nothing.
    assert all(sims[name].requests == [] for name in SERVICES)

    # Raise every threshold out of reach: nothing would be deleted, exit 0.
    desired = manifests / "desired.yaml"
    desired.write_text(
        desired.read_text().replace("thresholdPct: 85", "thresholdPct: 99")
    )
    (manifests / "music.yaml").write_text(
        "diskGroups:\n  - mountPath: /data/music\n    thresholdPct: 99\n"
        "    targetPct: 90\n"
    )
    calm = capacitarr(
        "plan", "--manifests", str(manifests), "--observation", str(observation)
    )
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert "Nothing would be deleted." in calm.stdout


def test_plan_without_inputs_is_an_error() -> None:
    """Check that `plan` with neither a server nor offline inputs exits 1."""
    result = capacitarr("plan")
    assert result.returncode == 1
    assert "--server URL" in result.stderr


def test_plan_against_a_running_server(sims, tmp_path: Path) -> None:
    """Check `plan --server` with an API key: the table and exit code 2."""
    import httpx

    from api.cli import Service
    from controller.reconcile.runtime import Runtime
    from controller.store import Store

    manifests = tmp_path / "manifests"
    shutil.copytree(ROOT / "examples" / "demo", manifests)
    store = Store.open(tmp_path / "capacitarr.db")
    runtime = Runtime(store, manifests=manifests, env=sim_env(sims), watch=False)
    os.environ["CAPACITARR_ADMIN_PASSWORD"] = "plan-test-password"
    try:
        service = Service(runtime, "127.0.0.1", 0)
    finally:
        del os.environ["CAPACITARR_ADMIN_PASSWORD"]
    service.start()
    try:
        base = service.url
        token = httpx.post(
            f"{base}/auth/login", json={"password": "plan-test-password"}
        ).json()["token"]
        key = httpx.post(
            f"{base}/auth/apikey", headers={"Authorization": f"Bearer {token}"}
        ).json()["api_key"]
        result = capacitarr(
            "plan",
            "--server",
            base.removesuffix("/api/v1"),
            "--refresh",
            env={"CAPACITARR_API_KEY": key},
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert "/data/media  [approval]" in result.stdout
        refused = capacitarr(
            "plan", "--server", base, env={"CAPACITARR_API_KEY": "wrong"}
        )
        assert refused.returncode == 1
        assert "401" in refused.stderr
    finally:
        service.stop()
        store.close()
