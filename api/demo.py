"""``capacitarr demo``: the product against simulated services, in one command.

Generates a library, starts the ten simulated services on loopback, points the
manifests in ``examples/demo`` at them through environment variables, and runs the
controller and its API. The media disk is filled above its threshold, so the first
cycle fills the approval queue; the music disk stays below. It then prints the URL,
the admin password, a ready API key and curl commands from the API workflows.
"""

from __future__ import annotations

import os
import secrets
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import httpx

from api.cli import Service, wait_for_signal
from controller.reconcile.runtime import Runtime
from controller.store import Store
from simulators.harness import SERVICES, run_simulators
from simulators.world import World

MEDIA_FILL = 0.90  # above the demo's 85% threshold
MUSIC_FILL = 0.60  # well below its default threshold
FIRST_CYCLE_SECONDS = 120.0


def demo_manifests() -> Path:
    """Find ``examples/demo`` in the working tree, the source tree or the install."""
    candidates = [
        Path.cwd() / "examples" / "demo",
        Path(__file__).resolve().parent.parent / "examples" / "demo",
        Path(sysconfig.get_path("data")) / "share" / "capacitarr" / "examples" / "demo",
    ]
    for candidate in candidates:
        if (candidate / "desired.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        "examples/demo not found; run the demo from the Capacitarr source folder"
    )


def demo_world(size: int, seed: int) -> World:
    """A library with the media disk above its threshold and the music disk below."""
    world = World.generate(seed=seed, size=size)
    for mount in world.mounts.values():
        if mount.path == "/data/media":
            mount.total_bytes = int(mount.used_bytes / MEDIA_FILL)
        elif mount.path == "/data/music":
            mount.total_bytes = int(mount.used_bytes / MUSIC_FILL)
    return world


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Poll ``/health`` until the API answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the API at {url} did not answer within {timeout:.0f} s")


def issue_api_key(url: str, password: str) -> str:
    """Log in and create an API key, exactly as Workflow 1 does with curl."""
    token = httpx.post(f"{url}/auth/login", json={"password": password}, timeout=30)
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    key = httpx.post(f"{url}/auth/apikey", headers=headers, timeout=30)
    key.raise_for_status()
    return str(key.json()["api_key"])


def banner(url: str, password: str, api_key: str, workdir: Path) -> str:
    """What the demo prints once everything is up."""
    return f"""
Capacitarr demo is running.

  API:            {url}
  Admin password: {password}
  API key:        {api_key}
  Data folder:    {workdir}

Try (in another terminal):

  export CAPACITARR_URL="{url}"
  export CAPACITARR_API_KEY="{api_key}"

  curl "$CAPACITARR_URL/health"
  curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" "$CAPACITARR_URL/disk-groups" | jq
  curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" "$CAPACITARR_URL/preview" | jq '.[0:5]'
  curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" \\
    "$CAPACITARR_URL/approval-queue?status=pending" | jq
  curl -s -H "X-Api-Key: $CAPACITARR_API_KEY" "$CAPACITARR_URL/status" | jq
  curl -s -X POST -H "X-Api-Key: $CAPACITARR_API_KEY" "$CAPACITARR_URL/engine/run" | jq
  curl -N -H "X-Api-Key: $CAPACITARR_API_KEY" "$CAPACITARR_URL/events"

Press Ctrl-C to stop.
"""


def run_demo(port: int, size: int, seed: int) -> int:
    """Run the demo until SIGINT/SIGTERM; returns the exit status."""
    manifests = demo_manifests()
    print(
        f"Starting the demo: {size} items served by ten simulated services…", flush=True
    )
    workdir = Path(tempfile.mkdtemp(prefix="capacitarr-demo-"))
    password = secrets.token_urlsafe(12)
    world = demo_world(size, seed)
    with run_simulators(world) as sims:
        env = dict(os.environ)
        for name in SERVICES:
            env[f"CAPACITARR_DEMO_{name.upper()}_URL"] = sims[name].url
            env[f"CAPACITARR_DEMO_{name.upper()}_KEY"] = sims[name].api_key
        os.environ["CAPACITARR_ADMIN_PASSWORD"] = password
        store = Store.open(workdir / "capacitarr.db")
        runtime = Runtime(store, manifests=manifests, env=env)
        try:
            service = Service(runtime, "127.0.0.1", port)
        except OSError as exc:
            print(
                f"capacitarr demo: cannot listen on port {port}: {exc}", file=sys.stderr
            )
            store.close()
            return 1
        service.start()
        try:
            wait_until_up(service.url)
            # Print the commands once the first cycle is done, so the first one a
            # newcomer pastes already shows the full disk and the approval queue.
            runtime.loop.wait_idle(FIRST_CYCLE_SECONDS)
            api_key = issue_api_key(service.url, password)
            print(banner(service.url, password, api_key, workdir), flush=True)
            wait_for_signal()
        finally:
            print("Stopping…", flush=True)
            service.stop()
            store.close()
    return 0
