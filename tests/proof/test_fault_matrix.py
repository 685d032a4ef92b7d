"""Every integration under every simulator fault, during real reconcile cycles.

Each integration gets the real :class:`Runtime` over a SQLite store in a
temporary folder, with manifests whose disk groups are in ``auto`` mode,
deletions enabled and usage (90%) far above the threshold (50%), so a cycle that
trusted its observation would queue deletions. The integration under test is
declared with the companions it needs to matter (a media server enriches
Radarr's items; Tautulli needs Plex, Jellystat needs Jellyfin). A clean cycle
first sets the trust baseline (a library count, disk totals) and must queue
deletions; every fault case of that integration then starts from that baseline
with an empty deletion queue and runs one real cycle with the fault on.

Expected outcome per fault class (``refuses``: nothing queued, nothing sent
that changes anything, no audit row, and the status names the integration;
``acts``: the cycle completes and queues deletions as usual):

| fault             | *arr apps        | Plex/Jellyfin/Emby | Tautulli/Jellystat/Seerr |
|-------------------|------------------|--------------------|--------------------------|
| none (control)    | acts             | acts               | acts                     |
| latency (50 ms)   | acts             | acts               | acts                     |
| timeout (hang)    | refuses: failed  | refuses: failed    | refuses: failed          |
| http_500          | refuses: failed  | refuses: failed    | refuses: failed          |
| http_401          | refuses: failed  | refuses: failed    | refuses: failed          |
| malformed_json    | refuses: failed  | refuses: failed    | refuses: failed          |
| truncated_json    | refuses: failed  | refuses: failed    | refuses: failed          |
| partial_page      | refuses: shrank  | refuses: cut short | refuses (Jellystat: acts)|
| empty_library     | refuses: shrank  | refuses: shrank    | refuses (Jellystat: acts)|
| placeholder_dates | skips dated      | skips dated        | skips dated              |
| vanishing_items   | acts (2% < 20%)  | acts               | acts                     |

``failed``: the fetch fails and the integration's condition says why.
``shrank``: the listing is smaller than the baseline by more than the
``libraryShrinkTolerancePct`` (20%), so its disk groups are distrusted.
``cut short``: the listing ends before the total it announced.
``skips dated``: dates in the future make an item untrusted, placeholder
dates read as unknown; the cycle may act, but never on an untrusted item (when
every item carries such dates, as Readarr's books do, nothing is queued).
``acts (2% < 20%)``: a few items missing is within the shrink tolerance.

When an *arr fails outright its disk reading fails with it: the disk group has
no reading, nothing is planned for it, and the status says so (the group is
Degraded, the integration's condition says why). Jellystat's client reads
``/api/getHistory``, which the simulator does not treat as a listing, so the
list faults never reach it and the cycle acts on an intact observation.

The ``timeout`` fault hangs each of the first three requests (one call and its
retries) for longer than the manifest's ``timeoutSeconds`` (0.5 s), so the
client gives up on its own; clearing the fault frees the hung requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from api.app import create_app
from controller.integrations.http import HttpSettings
from controller.observe.sanity import ObservationBaseline
from controller.reconcile.runtime import Runtime
from controller.store import Store
from simulators.faults import FAULT_KINDS
from simulators.harness import Simulators, start_simulators
from simulators.world import World
from tests.proof.support import write_desired, write_integrations

PASSWORD = "fault matrix password"
TIMEOUT_SECONDS = 0.5
MOUNTS = ("/data/media", "/data/music")
# What each integration needs beside it to make a difference to the plan.
COMPANIONS: dict[str, tuple[str, ...]] = {
    "sonarr": (),
    "radarr": (),
    "lidarr": (),
    "readarr": (),
    "plex": ("radarr",),
    "jellyfin": ("radarr",),
    "emby": ("radarr",),
    "tautulli": ("radarr", "plex"),
    "jellystat": ("radarr", "jellyfin"),
    "seerr": ("radarr",),
}
ACTS, REFUSES, SKIPS_DATED = "acts", "refuses", "skips dated"
FAULTS = ("none", *FAULT_KINDS)
# One call and its retries: the first call of the integration fails.
ATTEMPTS = HttpSettings().retries + 1
FAULT_ARGS: dict[str, dict[str, Any]] = {
    "latency": {"seconds": 0.05, "count": 10},
    "timeout": {"seconds": 5.0, "count": ATTEMPTS},
}


def expected(service: str, fault: str) -> str:
    """Return the outcome the table in the module docstring promises."""
    if fault in ("none", "latency", "vanishing_items"):
        return ACTS
    if service == "jellystat" and fault in ("partial_page", "empty_library"):
        return ACTS  # the fault does not reach /api/getHistory
    if fault == "placeholder_dates":
        return SKIPS_DATED
    return REFUSES


def matrix() -> Iterator[Any]:
    for service in COMPANIONS:
        for fault in FAULTS:
            yield pytest.param(service, fault, id=f"{service}-{fault}")


@dataclass
class Bench:
    """One runtime observing one integration (and its companions)."""

    runtime: Runtime
    store: Store
    api: falcon.testing.TestClient
    headers: dict[str, str]
    baseline: ObservationBaseline | None

    def start_case(self, sims: Simulators) -> None:
        """Clear faults, the queue and the request logs; restore the baseline.

        The baseline is the in-memory trust history of the cycle runner; putting
        back the one the clean cycle left makes every case independent of the
        cases that ran before it.
        """
        for sim in sims.values():
            sim.faults.clear()
            sim.clear_requests()
        self.runtime.deletions.clear(reason="next fault case")
        self.runtime.cycles._baseline = self.baseline

    def audit_ids(self) -> set[int]:
        with self.store.read() as db:
            return {row["id"] for row in db.query("SELECT id FROM audit_log")}

    def live_jobs(self) -> list[tuple[int, str]]:
        return [job.key for job in self.runtime.deletions.jobs()]

    def get(self, path: str) -> falcon.testing.Result:
        return self.api.simulate_get("/api/v1" + path, headers=self.headers)


@pytest.fixture(scope="module")
def sims() -> Iterator[Simulators]:
    """All ten simulators over one world: 1,000 items, media disks 90% full."""
    running = start_simulators(World.generate(seed=11, size=1000, fill_pct=0.9))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def benches(
    sims: Simulators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Bench]]:
    """Return the bench of an integration, built (with its clean cycle) once."""
    built: dict[str, Bench] = {}

    def bench(service: str) -> Bench:
        if service not in built:
            built[service] = _build(service, sims, tmp_path_factory.mktemp(service))
        return built[service]

    yield bench
    for each in built.values():
        each.runtime.stop(5)
        each.runtime.bus.close()
        each.store.close()


def _auto_runtime(
    services: tuple[str, ...], sims: Simulators, folder: Path
) -> tuple[Runtime, Store]:
    """A runtime whose manifests put both media disks in auto mode, breached."""
    manifests = folder / "manifests"
    endpoints = {name: (sim.url, sim.api_key) for name, sim in sims.items()}
    env = write_integrations(
        manifests, endpoints, services, timeout_seconds=TIMEOUT_SECONDS
    )
    write_desired(
        manifests,
        groups={
            m: {"thresholdPct": 50, "targetPct": 40, "mode": "auto"} for m in MOUNTS
        },
        preferences={"defaultDiskGroupMode": "auto", "deletionsEnabled": True},
    )
    store = Store.open(str(folder / "capacitarr.db"))
    runtime = Runtime(store, manifests=manifests, env=env, pause_seconds=0, watch=False)
    runtime.reload_manifests(trigger=False)
    return runtime, store


def _build(service: str, sims: Simulators, folder: Path) -> Bench:
    runtime, store = _auto_runtime((*COMPANIONS[service], service), sims, folder)
    clean = runtime._run_cycle("clean baseline")
    assert clean.acted["queued"] > 0, "the clean cycle must want to delete"
    app = create_app(runtime, admin_password=PASSWORD, environ={}, bcrypt_rounds=4)
    api = falcon.testing.TestClient(app)
    token = api.simulate_post("/api/v1/auth/login", json={"password": PASSWORD}).json[
        "token"
    ]
    key = api.simulate_post(
        "/api/v1/auth/apikey", headers={"Authorization": f"Bearer {token}"}
    ).json["api_key"]
    return Bench(runtime, store, api, {"X-Api-Key": key}, runtime.cycles._baseline)


def _not_ready_mentioning(status: dict[str, Any], name: str) -> list[str]:
    """Conditions that are not Ready and whose message names ``name``."""
    return [
        f"{key}: {c['reason']}: {c['message']}"
        for key, c in status["conditions"].items()
        if c["type"] != "Ready" and name in c["message"]
    ]


@pytest.mark.parametrize(("service", "fault"), list(matrix()))
def test_no_deletion_on_a_faulted_observation(
    service: str, fault: str, sims: Simulators, benches: Callable[[str], Bench]
) -> None:
    """Check that a faulted integration blocks deletions or, for harmless faults,
    the cycle acts as usual; the API answers throughout."""
    bench = benches(service)
    bench.start_case(sims)
    audit_before = bench.audit_ids()
    if fault != "none":
        sims[service].faults.set(fault, **FAULT_ARGS.get(fault, {}))
    started = time.monotonic()
    result = bench.runtime._run_cycle(f"fault {fault} on {service}")
    elapsed = time.monotonic() - started
    for sim in sims.values():
        sim.faults.clear()

    changing = [
        f"{name}: {r.method} {r.path}"
        for name, sim in sims.items()
        for r in sim.requests
        if r.method not in ("GET", "HEAD")
    ]
    assert changing == [], "a cycle must never send a changing request itself"
    health = bench.api.simulate_get("/api/v1/health")
    assert health.status_code == 200 and health.text == "OK"
    answer = bench.get("/status")
    assert answer.status_code == 200
    status = answer.json
    print(f"{service}/{fault}: {elapsed:.2f}s, acted {result.acted}")

    outcome = expected(service, fault)
    if outcome == ACTS:
        assert result.acted["queued"] > 0, status["conditions"]
        return
    if outcome == SKIPS_DATED:
        distrusted = result.observation.sanity.distrusted_items
        assert not set(bench.live_jobs()) & set(distrusted), (
            "an item with a date in the future was queued"
        )
        print(f"  {len(distrusted)} untrusted items skipped")
        return
    assert result.acted == {"dryRun": 0, "pendingApproval": 0, "queued": 0}
    assert bench.live_jobs() == []
    assert bench.audit_ids() == audit_before, "no audit row for a refused cycle"
    reasons = _not_ready_mentioning(status, service)
    assert reasons, f"the status must say why: {status['conditions']}"
    print("  " + "\n  ".join(reasons))


def test_timeout_seconds_bounds_a_hung_request(
    sims: Simulators, benches: Callable[[str], Bench]
) -> None:
    """Check that a request hanging far longer than timeoutSeconds is cut short
    and retried, so the cycle neither waits for it nor distrusts anything."""
    bench = benches("sonarr")
    bench.start_case(sims)
    sims["sonarr"].faults.set("timeout", seconds=60, count=1)
    started = time.monotonic()
    result = bench.runtime._run_cycle("one hung request")
    elapsed = time.monotonic() - started
    sims["sonarr"].faults.clear()
    print(f"cycle with one hung request: {elapsed:.2f}s")
    assert elapsed < 10, "the hung request was not cut short by timeoutSeconds"
    assert all(h.ok for h in result.observation.health.values())
    assert result.acted["queued"] > 0


def test_a_disk_group_whose_reporter_failed_stays_in_the_status(
    sims: Simulators, benches: Callable[[str], Bench]
) -> None:
    """Check that a disk group stays in the status, not Ready, while the *arr
    that reports its disk fails."""
    bench = benches("radarr")
    bench.start_case(sims)
    sims["radarr"].faults.set("http_500")
    bench.runtime._run_cycle("reporter down")
    sims["radarr"].faults.clear()
    conditions = bench.get("/status").json["conditions"]
    group = conditions.get("diskGroups[/data/media]")
    assert group is not None, sorted(conditions)
    assert group["type"] != "Ready"


def test_a_library_that_shrank_across_a_restart_is_distrusted(
    sims: Simulators, tmp_path: Path
) -> None:
    """Check that the shrink check still holds in the first cycle after a restart."""
    services = ("sonarr", "radarr")
    before, store = _auto_runtime(services, sims, tmp_path)
    assert before._run_cycle("before the restart").acted["queued"] > 0
    before.deletions.clear(reason="only the baseline matters here")
    before.bus.close()
    store.close()
    after, store = _auto_runtime(services, sims, tmp_path)
    try:
        for sim in sims.values():
            sim.faults.clear()
        sims["sonarr"].faults.set("partial_page")
        result = after._run_cycle("first cycle after the restart")
        sims["sonarr"].faults.clear()
        media = next(g for g in result.plan.groups if g.mount_path == "/data/media")
        assert media.blocked_reason, "sonarr's half library was trusted"
        assert result.acted["queued"] == 0
    finally:
        sims["sonarr"].faults.clear()
        after.bus.close()
        store.close()
