"""What the proof tests share: manifests that point at simulators, and waiting.

The fault matrix, the crash loop, the fuzzing and the load test all build a
manifests folder whose integrations reference ``${...}`` variables, and wait for
conditions with a deadline instead of sleeping; the fuzzing and the load test
serve the real runtime on a loopback port with :func:`live_server`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from api.app import create_app
from api.serve import make_server
from controller.reconcile.runtime import Runtime
from controller.store import Store

ARR_SERVICES = ("sonarr", "radarr", "lidarr", "readarr")
LOOPBACK = "127.0.0.1"
PASSWORD = "proof suite password"
T = TypeVar("T")


def env_names(service: str) -> tuple[str, str]:
    """Return the variables holding a service's URL and key."""
    upper = service.upper()
    return f"PROOF_{upper}_URL", f"PROOF_{upper}_KEY"


def write_integrations(
    folder: Path,
    endpoints: Mapping[str, tuple[str, str]],
    services: Iterable[str],
    *,
    timeout_seconds: float | None = None,
) -> dict[str, str]:
    """Write ``integrations.yaml`` for ``services``; return the env it references.

    Args:
        folder: the manifests folder.
        endpoints: service name -> (URL, API key) of a running simulator.
        services: the services to declare, each named after its type.
        timeout_seconds: ``timeoutSeconds`` of every integration, if given.
    """
    env: dict[str, str] = {}
    entries = []
    for service in services:
        url_var, key_var = env_names(service)
        env[url_var], env[key_var] = endpoints[service]
        entry: dict[str, Any] = {
            "name": service,
            "type": service,
            "url": f"${{{url_var}}}",
            "apiKey": f"${{{key_var}}}",
        }
        if timeout_seconds is not None:
            entry["timeoutSeconds"] = timeout_seconds
        entries.append(entry)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "integrations.yaml").write_text(
        yaml.safe_dump({"integrations": entries}, sort_keys=False)
    )
    return env


def write_desired(
    folder: Path,
    *,
    groups: Mapping[str, Mapping[str, Any]],
    preferences: Mapping[str, Any],
) -> None:
    """Write ``desired.yaml``: preferences and one disk group per mount path."""
    document = {
        "preferences": dict(preferences),
        "diskGroups": [{"mountPath": m, **spec} for m, spec in groups.items()],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "desired.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def wait_until(
    condition: Callable[[], T], timeout: float, what: str, poll: float = 0.05
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``.

    Returns:
        The first truthy value ``condition`` returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout:.0f}s")
        time.sleep(poll)


@dataclass
class LiveServer:
    """A runtime and its API on a loopback port, with an API key ready."""

    runtime: Runtime
    store: Store
    url: str
    key: str

    def client(self, timeout: float = 30) -> httpx.Client:
        """An HTTP client for ``/api/v1`` that sends the API key."""
        return httpx.Client(
            base_url=self.url, timeout=timeout, headers={"X-Api-Key": self.key}
        )


@contextmanager
def live_server(
    folder: Path,
    env: Mapping[str, str],
    *,
    start_runtime: bool = True,
    pause_seconds: float = 0.0,
) -> Iterator[LiveServer]:
    """Serve the real runtime over the manifests in ``folder / "manifests"``.

    Args:
        folder: holds the manifests folder; the database is created beside it.
        env: the variables the manifests reference.
        start_runtime: start the loop, worker and so on (no first cycle); when
            False nothing ever runs a cycle and nothing reaches a service.
        pause_seconds: the worker's pause between deletions.
    """
    store = Store.open(str(folder / "capacitarr.db"))
    runtime = Runtime(
        store,
        manifests=folder / "manifests",
        env=env,
        pause_seconds=pause_seconds,
        watch=False,
    )
    runtime.reload_manifests(trigger=False)
    if start_runtime:
        runtime.start(run_now=False)
    app = create_app(runtime, admin_password=PASSWORD, environ={}, bcrypt_rounds=4)
    server = make_server(app, LOOPBACK, 0)
    thread = threading.Thread(target=server.run, name="proof-api", daemon=True)
    thread.start()
    url = f"http://{LOOPBACK}:{server.port}/api/v1"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            token = http.post("/auth/login", json={"password": PASSWORD}).json()
            key = http.post(
                "/auth/apikey",
                headers={"Authorization": f"Bearer {token['token']}"},
            ).json()["api_key"]
        yield LiveServer(runtime, store, url, key)
    finally:
        server.close()
        thread.join(10)
        if start_runtime:
            runtime.stop(10)
        runtime.bus.close()
        store.close()
