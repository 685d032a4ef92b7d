"""Fuzz the API from its own OpenAPI document, on a real loopback server.

Schemathesis reads ``/api/v1/openapi.json`` from a waitress server over the real
runtime and sends generated requests, valid and invalid ones, authenticated with
an API key. Every answer must be below 500 and match the document's response
schema. The cases run in two servers so nothing ever leaves loopback:

- ``running``: the runtime runs (loop, worker) over Sonarr and Radarr
  simulators; every operation that stores or calls an outbound address is left
  out (creating or editing integrations and channels, settings import, the
  connection and notification tests, sync).
- ``config``: the runtime's threads never start, so no cycle and no test
  call ever contacts what the fuzzer stores; only those left-out operations run
  here, minus the ones that call out at once (``/integrations/test``,
  ``/integrations/sync``, ``/notifications/channels/{id}/test``).

Never fuzzed: the SSE stream ``/events`` (it never ends), the credential
changes (``PUT /auth/password``, ``PUT /auth/username``, ``POST /auth/apikey``
would lock the fuzzer out) and ``DELETE /data/reset`` (it wipes the observed
state the other operations read; it is covered by the API tests).
``PROOF_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 10).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from controller.reconcile.runtime import Runtime
from controller.store import Store
from simulators.harness import Simulators, start_simulators
from simulators.world import World
from tests.proof.support import (
    PASSWORD,
    LiveServer,
    live_server,
    write_desired,
    write_integrations,
)

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PROOF_FUZZ_EXAMPLES", "10"))
MIN_CASES = 1000
OPENAPI = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, response_schema_conformance]
NEVER = {
    ("GET", "/api/v1/events"),
    ("PUT", "/api/v1/auth/password"),
    ("PUT", "/api/v1/auth/username"),
    ("POST", "/api/v1/auth/apikey"),
    ("DELETE", "/api/v1/data/reset"),
    ("POST", "/api/v1/integrations/test"),
    ("POST", "/api/v1/integrations/sync"),
    ("POST", "/api/v1/notifications/channels/{id}/test"),
}
# Operations that store an address the controller later calls.
STORES_ADDRESSES = {
    ("POST", "/api/v1/integrations"),
    ("PUT", "/api/v1/integrations/{id}"),
    ("POST", "/api/v1/notifications/channels"),
    ("PUT", "/api/v1/notifications/channels/{id}"),
    ("POST", "/api/v1/settings/import"),
    ("POST", "/api/v1/settings/import/preview"),
    ("POST", "/api/v1/settings/import/commit"),
}


@dataclass
class Tally:
    """Cases sent per operation, and the status codes seen."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.cases.values())


def _operations() -> list[tuple[str, str]]:
    """Every (method, path) the OpenAPI document lists, read at collection."""
    store = Store.memory()
    runtime = Runtime(store, watch=False)
    try:
        app = create_app(runtime, admin_password=PASSWORD, environ={}, bcrypt_rounds=4)
        document = falcon.testing.TestClient(app).simulate_get(OPENAPI).json
    finally:
        runtime.bus.close()
        store.close()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    ]


OPERATIONS = [op for op in _operations() if op not in NEVER]
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _params() -> list[Any]:
    out = []
    for method, path in OPERATIONS:
        bug = KNOWN_BUGS.get((method, path))
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        out.append(pytest.param(method, path, id=f"{method} {path}", marks=marks))
    return out


@pytest.fixture(scope="module")
def sims() -> Iterator[Simulators]:
    running = start_simulators(
        World.generate(seed=3, size=300, fill_pct=0.9), ("sonarr", "radarr")
    )
    try:
        yield running
    finally:
        running.stop()


def _manifests(folder: Path, sims: Simulators) -> dict[str, str]:
    endpoints = {name: (sim.url, sim.api_key) for name, sim in sims.items()}
    env = write_integrations(folder / "manifests", endpoints, ("sonarr", "radarr"))
    write_desired(
        folder / "manifests",
        groups={"/data/media": {"thresholdPct": 85, "targetPct": 75}},
        preferences={"defaultDiskGroupMode": "approval"},
    )
    return env


@dataclass
class Target:
    """A server to fuzz and its schema as Schemathesis loaded it."""

    server: LiveServer
    schema: Any


@pytest.fixture(scope="module")
def targets(
    sims: Simulators, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Target]]:
    """The ``running`` and the ``config`` server (see the module docstring)."""
    running_dir = tmp_path_factory.mktemp("running")
    config_dir = tmp_path_factory.mktemp("config")
    with (
        live_server(running_dir, _manifests(running_dir, sims)) as running,
        live_server(
            config_dir, _manifests(config_dir, sims), start_runtime=False
        ) as config,
    ):
        running.runtime._run_cycle("state for the fuzzer to read")
        yield {
            name: Target(
                server, schemathesis.openapi.from_url(server.url + "/openapi.json")
            )
            for name, server in (("running", running), ("config", config))
        }


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally()


@pytest.mark.parametrize(("method", "path"), _params())
def test_fuzzed_requests_get_no_server_error(
    method: str, path: str, targets: dict[str, Target], tally: Tally
) -> None:
    """Check that generated requests, valid and invalid, get no 5xx and answers
    that match the OpenAPI document."""
    target = targets["config" if (method, path) in STORES_ADDRESSES else "running"]
    operation = target.schema.find_operation_by_label(f"{method} {path}")
    assert operation is not None, f"{method} {path} is not in the document"
    headers = {"X-Api-Key": target.server.key}
    tally.operations.add(f"{method} {path}")
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        _fuzz_operation(operation, mode, headers, tally)
    with target.server.client() as http:
        assert http.get("/health").text == "OK"


def test_fuzzing_sent_at_least_1000_cases(tally: Tally) -> None:
    """Check that the fuzzing above sent 1,000 cases or more in all."""
    if len(tally.operations) < len(OPERATIONS):
        pytest.skip("only part of the operations ran (selection)")
    print(
        f"\n{tally.total} fuzz cases over {len(tally.operations)} operations; "
        f"status codes {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.total >= MIN_CASES


def _authenticate(case: schemathesis.Case, headers: dict[str, str]) -> None:
    """Replace whatever credentials the generator made up with the API key."""
    if case.query:
        for name in [n for n in case.query if n.lower() == "apikey"]:
            del case.query[name]
    kept = {
        name: value
        for name, value in (case.headers or {}).items()
        if name.lower() not in ("authorization", "x-api-key")
    }
    case.headers = {**kept, **headers}


def _fuzz_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], tally: Tally
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        _authenticate(case, headers)
        response = case.call(timeout=60)
        tally.cases[label] += 1
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): positive cases only.
        assert mode is GenerationMode.NEGATIVE, label
