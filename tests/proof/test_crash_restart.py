"""Kill ``capacitarr serve`` with SIGKILL during deletions, again and again.

A real server subprocess observes Radarr (``/data/media`` in ``auto`` mode) and
Lidarr (``/data/music`` in ``approval`` mode) served by in-process simulators,
both disks far above their threshold. Every DELETE the simulators receive is
slowed by a second, so a kill often lands while a deletion is in flight. Each
round starts the server, approves a few pending items through the API, waits
for the next DELETE to arrive, kills the server at a random moment in the
following 1.5 s, and starts again. After the last round the server runs once
more (recovering what the last kill left in flight) and stops cleanly; then:

- no item received more than one DELETE (invariant 6, across crashes);
- every deletion an *arr received is in the audit log as ``deleted``, once, and
  the audit log claims no deletion the *arr did not receive;
- every approved item was deleted or is still queued (approval or deletion
  queue): nothing approved is lost;
- nothing is left ``in_flight``.

``PROOF_CRASH_ROUNDS`` sets the number of kills (default 20).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from simulators.harness import Simulators, start_simulators
from simulators.world import World
from tests.proof.support import wait_until, write_desired, write_integrations

pytestmark = pytest.mark.slow

PASSWORD = "crash loop password"
ROUNDS = int(os.environ.get("PROOF_CRASH_ROUNDS", "20"))
# Each DELETE (and each existence check after a restart) takes this long.
DELETE_SECONDS = 1.0
# What a DELETE path looks like per service, and where the id sits.
DELETE_PREFIX = {"radarr": "/api/v3/movie/", "lidarr": "/api/v1/artist/"}
SERVICES = ("radarr", "lidarr")
LOOPBACK = "127.0.0.1"
# Only Radarr's few newest movies may go, so the auto queue drains within the
# loop and approved Lidarr artists get their turn; it also puts invariant 1
# under the crash loop.
KEEP_BEFORE_YEAR = 2024
KEEP_RULE = f"""rules:
  - name: keep-older-movies
    field: year
    operator: "<"
    value: {KEEP_BEFORE_YEAR}
    effect: always_keep
    integration: radarr
"""


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One ``capacitarr serve`` subprocess."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)


@dataclass
class Loop:
    """The crash loop's fixed parts and what it learned."""

    folder: Path
    env: dict[str, str]
    sims: Simulators
    key: str = ""
    approved: set[tuple[str, str]] = field(default_factory=set)
    starts: int = 0

    @property
    def db(self) -> Path:
        return self.folder / "capacitarr.db"

    def start(self) -> Server:
        """Start the server and wait until it answers."""
        port = free_port()
        self.starts += 1
        log = self.folder / f"serve-{self.starts:02d}.log"
        command = [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--manifests",
            str(self.folder / "manifests"),
            "--db",
            str(self.db),
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        server = Server(process, f"http://{LOOPBACK}:{port}/api/v1", log)

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"serve exited: {log.read_text()[-2000:]}")
            try:
                return httpx.get(server.url + "/health", timeout=1).text == "OK"
            except httpx.HTTPError:
                return False

        wait_until(answers, 30, "the server answering /health")
        return server

    def api(self, server: Server) -> httpx.Client:
        """A client holding the API key (made at the first start, kept in the DB)."""
        if not self.key:
            with httpx.Client(base_url=server.url, timeout=15) as client:
                token = client.post("/auth/login", json={"password": PASSWORD})
                made = client.post(
                    "/auth/apikey",
                    headers={"Authorization": f"Bearer {token.json()['token']}"},
                )
                self.key = made.json()["api_key"]
        return httpx.Client(
            base_url=server.url, timeout=15, headers={"X-Api-Key": self.key}
        )

    def approve_some(self, server: Server, limit: int) -> None:
        """Approve up to ``limit`` pending items; remember which."""
        with self.api(server) as client:
            wait_until(
                lambda: client.get("/status").json()["lastCycle"],
                30,
                "the first cycle after the start",
            )
            pending = client.get("/approval-queue", params={"status": "pending"})
            assert pending.status_code == 200, pending.text
            for row in pending.json()[:limit]:
                answer = client.post(f"/approval-queue/{row['id']}/approve")
                if answer.status_code == 200:
                    self.approved.add(
                        (service_of(self.db, row["integrationId"]), row["externalId"])
                    )

    def deletes(self) -> list[tuple[str, str]]:
        """Every DELETE the *arr simulators received, as (service, id)."""
        return [
            (name, r.path.removeprefix(prefix))
            for name, prefix in DELETE_PREFIX.items()
            for r in self.sims[name].requests
            if r.method == "DELETE" and r.path.startswith(prefix)
        ]


def service_of(db: Path, integration_id: int) -> str:
    """Name (= type) of an integration, read from the store."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT name FROM integrations WHERE id = ?", [integration_id]
        ).fetchone()
    return str(row[0])


def store_facts(db: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Audit deletions, deletion-queue rows and approval rows as (service, id, x)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        names = dict(conn.execute("SELECT id, name FROM integrations").fetchall())

        def rows(sql: str) -> list[tuple[str, str, str]]:
            return [(names[i], str(e), str(x)) for i, e, x in conn.execute(sql)]

        return {
            "deleted": rows(
                "SELECT integration_id, external_id, action FROM audit_log "
                "WHERE action = 'deleted'"
            ),
            "jobs": rows(
                "SELECT integration_id, external_id, state FROM deletion_queue"
            ),
            "approvals": rows(
                "SELECT integration_id, external_id, status FROM approval_queue"
            ),
        }


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    """Simulators with slow deletions and the manifests of the crash loop."""
    world = World.generate(seed=23, size=400, fill_pct=0.9)
    sims = start_simulators(world, SERVICES)
    try:
        for name, prefix in DELETE_PREFIX.items():
            sims[name].faults.set("latency", path_prefix=prefix, seconds=DELETE_SECONDS)
        manifests = tmp_path / "manifests"
        endpoints = {name: (sim.url, sim.api_key) for name, sim in sims.items()}
        env = write_integrations(manifests, endpoints, SERVICES, timeout_seconds=5)
        write_desired(
            manifests,
            groups={
                "/data/media": {"thresholdPct": 50, "targetPct": 40, "mode": "auto"},
                "/data/music": {
                    "thresholdPct": 50,
                    "targetPct": 40,
                    "mode": "approval",
                },
            },
            preferences={
                "defaultDiskGroupMode": "dry-run",
                "deletionsEnabled": True,
                "deletionQueueDelaySeconds": 10,
                "maxDeletionsPerRun": 50,
            },
        )
        (manifests / "rules.yaml").write_text(KEEP_RULE)
        base = {k: v for k, v in os.environ.items() if not k.startswith("CAPACITARR")}
        base.update(env, CAPACITARR_ADMIN_PASSWORD=PASSWORD)
        yield Loop(tmp_path, base, sims)
    finally:
        sims.stop()


def test_sigkill_during_deletions_never_deletes_twice_or_loses_an_approval(
    loop: Loop,
) -> None:
    """Check that repeated SIGKILLs during deletions never delete an item twice,
    leave every deletion audited and lose no approved item."""
    rng = random.Random(20_261_203)
    started = time.monotonic()
    in_flight_kills = 0
    for round_no in range(1, ROUNDS + 1):
        seen = len(loop.deletes())
        server = loop.start()
        try:
            arrived = _wait_for_delete(loop, seen, server, deadline=20)
            kill_at = time.monotonic() + rng.uniform(0, 1.5)
            loop.approve_some(server, limit=2)
            delay = max(0.0, kill_at - time.monotonic())
            # While the DELETE is still being served (DELETE_SECONDS), or after.
            in_flight_kills += arrived and delay < DELETE_SECONDS
            time.sleep(delay)  # the kill moment, chosen at random
        finally:
            server.kill()
        print(
            f"round {round_no}: killed {delay:.2f}s after "
            f"{'a DELETE arrived' if arrived else 'waiting in vain'}; "
            f"{len(loop.deletes())} deletes so far"
        )
    loop_seconds = time.monotonic() - started

    server = loop.start()  # recovers what the last kill left in flight
    try:
        with loop.api(server) as client:
            assert client.get("/status").status_code == 200
    finally:
        assert server.terminate() == 0, server.log.read_text()[-2000:]
    _check(loop)
    per_service = Counter(service for service, _ in loop.deletes())
    print(
        f"{ROUNDS} SIGKILLs in {loop_seconds:.0f}s ({in_flight_kills} while a "
        f"DELETE was being served); deletions {dict(per_service)}, "
        f"{len(loop.approved)} approvals"
    )


def _wait_for_delete(loop: Loop, seen: int, server: Server, deadline: float) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if len(loop.deletes()) > seen:
            return True
        assert server.process.poll() is None, server.log.read_text()[-2000:]
        time.sleep(0.02)
    return False


def _check(loop: Loop) -> None:
    deletes = loop.deletes()
    twice = [key for key, n in Counter(deletes).items() if n > 1]
    assert twice == [], f"items deleted more than once: {twice}"
    assert deletes, "the loop never deleted anything; it proves nothing"
    world = loop.sims.world
    for service, external_id in deletes:
        remaining = world.movies if service == "radarr" else world.artists
        assert int(external_id) not in remaining
        if service == "radarr":
            movie = world.removed_movies[int(external_id)]
            assert movie.year >= KEEP_BEFORE_YEAR, f"always_keep broken: {movie}"

    facts = store_facts(loop.db)
    audited = [(s, e) for s, e, _ in facts["deleted"]]
    assert Counter(audited).most_common(1)[0][1] == 1, "an item audited twice"
    assert set(audited) == set(deletes), (
        f"received but not audited: {set(deletes) - set(audited)}; "
        f"audited but never received: {set(audited) - set(deletes)}"
    )
    assert not [j for j in facts["jobs"] if j[2] == "in_flight"]

    live_jobs = {(s, e) for s, e, state in facts["jobs"] if state == "queued"}
    waiting = {(s, e) for s, e, status in facts["approvals"] if status != "rejected"}
    lost = loop.approved - set(audited) - live_jobs - waiting
    assert loop.approved, "no approval was made; the check proves nothing"
    assert lost == set(), f"approved items neither deleted nor queued: {lost}"
