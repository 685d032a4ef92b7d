"""What the proof tests share: manifests that point at simulators, and waiting.

The fault matrix, the crash loop, the fuzzing and the load test all build a
manifests folder whose integrations reference ``${...}`` variables, and wait for
conditions with a deadline instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

ARR_SERVICES = ("sonarr", "radarr", "lidarr", "readarr")
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
