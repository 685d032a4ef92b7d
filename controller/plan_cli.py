"""``capacitarr plan`` and ``capacitarr observe``: the plan, on the command line.

``plan`` prints the plan a cycle would make now, per disk group, as a table or as
JSON. Against a running server (``--server URL``) it asks the API; offline
(``--manifests DIR --observation FILE``) it plans from the manifests and a recorded
observation, contacting nothing, so a pull request that changes manifests can be
checked in CI. Exit status: 0 when nothing would be deleted, 2 when something
would, 1 on error. ``observe`` records the observation file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from controller.errors import CapacitarrError
from controller.integrations.registry import client_options
from controller.manifest.loader import load_manifests
from controller.manifest.problems import ManifestError
from controller.observe import IntegrationSpec, observe
from controller.reconcile import recording, report
from controller.reconcile.offline import plan_offline

NOTHING, SOMETHING, ERROR = 0, 2, 1


def add_plan(subparsers: Any) -> None:
    """Declare ``capacitarr plan``."""
    parser = subparsers.add_parser(
        "plan",
        help="print the plan a cycle would make now",
        description="Print the plan per disk group. Exit 0 when nothing would be "
        "deleted, 2 when something would, 1 on error.",
    )
    parser.add_argument("--server", help="a running Capacitarr, e.g. http://host:2187")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("CAPACITARR_API_KEY"),
        help="API key for --server (env CAPACITARR_API_KEY)",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="with --server: run a cycle first"
    )
    parser.add_argument("--manifests", type=Path, help="offline: the manifests folder")
    parser.add_argument(
        "--observation", type=Path, help="offline: a file from `capacitarr observe`"
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(handler=run_plan)


def add_observe(subparsers: Any) -> None:
    """Declare ``capacitarr observe``."""
    parser = subparsers.add_parser(
        "observe",
        help="record what the integrations report, for offline planning",
        description="Observe every enabled integration of the manifests once and "
        "write the observation to a file (no changes are made anywhere).",
    )
    parser.add_argument("--manifests", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.set_defaults(handler=run_observe)


def _api_base(server: str) -> str:
    base = server.rstrip("/")
    return base if base.endswith("/api/v1") else f"{base}/api/v1"


def fetch_plan(server: str, api_key: str, refresh: bool, console: Console) -> Any:
    """Get the plan from a running server, optionally after a fresh cycle."""
    base = _api_base(server)
    headers = {"X-Api-Key": api_key}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        if refresh:
            client.post("/engine/run").raise_for_status()
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                console=console,
                transient=True,
                disable=not console.is_terminal,
            ) as progress:
                task = progress.add_task("cycle starting", total=None)
                deadline = time.monotonic() + 600
                while time.monotonic() < deadline:
                    status = client.get("/status").json()
                    progress.update(task, description=f"cycle: {status.get('phase')}")
                    if not status.get("cycleRunning"):
                        break
                    time.sleep(0.5)
        response = client.get("/plan")
        response.raise_for_status()
        return response.json()


def offline_plan(manifests: Path, observation: Path, console: Console) -> Any:
    """Plan from manifests and a recorded observation, showing progress."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("loading manifests", total=3)
        loaded = load_manifests(manifests, resolve_secrets=False)
        progress.update(task, advance=1, description="reading the observation")
        seen = recording.load(observation)
        progress.update(task, advance=1, description=f"scoring {len(seen.items)} items")
        plan = plan_offline(loaded.manifest, seen, datetime.now(UTC))
        progress.update(task, advance=1, description="done")
    return plan.to_json()


def run_plan(args: argparse.Namespace) -> int:
    """Print the plan; the exit status says whether anything would be deleted."""
    console = Console(stderr=args.json)
    try:
        if args.server:
            if not args.api_key:
                print("capacitarr plan: --server needs --api-key", file=sys.stderr)
                return ERROR
            plan = fetch_plan(args.server, args.api_key, args.refresh, console)
        elif args.manifests and args.observation:
            plan = offline_plan(args.manifests, args.observation, console)
        else:
            print(
                "capacitarr plan: give --server URL, or --manifests DIR and "
                "--observation FILE",
                file=sys.stderr,
            )
            return ERROR
    except ManifestError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return ERROR
    except (CapacitarrError, httpx.HTTPError, OSError) as exc:
        print(f"capacitarr plan: {exc}", file=sys.stderr)
        return ERROR
    if args.json:
        import json

        print(json.dumps(plan, indent=2))
    else:
        report.render(plan, Console())
    return SOMETHING if report.planned_count(plan) else NOTHING


def run_observe(args: argparse.Namespace) -> int:
    """Observe the manifests' integrations once and save the observation."""
    try:
        loaded = load_manifests(args.manifests)
    except ManifestError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return ERROR
    specs = []
    for number, integration in enumerate(loaded.manifest.integrations, start=1):
        if not integration.enabled:
            continue
        specs.append(
            IntegrationSpec(
                id=number,
                type=integration.type,
                url=integration.url.url,
                api_key=integration.apiKey.reveal() if integration.apiKey else "",
                name=integration.name,
                options=client_options(
                    {
                        "pathMappings": [
                            {"from": m.source, "to": m.target}
                            for m in integration.pathMappings
                        ],
                        "showLevelOnly": integration.showLevelOnly,
                        "timeoutSeconds": integration.timeoutSeconds,
                        "fullSyncHours": integration.fullSyncHours,
                    }
                ),
            )
        )
    observation = observe(specs, None, datetime.now(UTC))
    recording.save(observation, args.out)
    print(
        f"{args.out}: {len(observation.items)} items on "
        f"{len(observation.disk_groups)} disk group(s) from {len(specs)} integration(s)"
    )
    return NOTHING
