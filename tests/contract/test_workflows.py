"""The eight workflows of the API contract, in order, against `capacitarr serve`.

One real ``capacitarr serve`` process (fresh database, empty manifests folder) and
the Sonarr and Radarr simulators over HTTP on loopback; a second fresh process is
the import target of Workflow 8. Every call is one of the contract's curl
commands: the same method, path, headers and body, with the simulators' URLs and
keys in place of ``http://sonarr:8989`` and ``your-sonarr-api-key``. Each test is
one workflow and builds on the ones before it, as a user's session does.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.generation import DAY
from simulators.harness import Simulators, start_simulators
from simulators.world import World
from tests.contract.conftest import PASSWORD, Server, is_listening, wait_until

SEED = 11
SIZE = 300
FILL = 0.95  # the media disk is above the contract's 90 % threshold
EVENT_ID = re.compile(r"^\d+-\d+$")
TIMEOUT = 60.0


def contract_world() -> World:
    """A library with a show called Firefly (Workflow 2's rule protects it) and a
    few large, badly rated old movies.

    Shows add up the size of all their seasons and carry a show-status factor, so
    in a random library whole shows fill the top of the preview; these movies
    score as high, so the top of the list mixes Sonarr and Radarr media as
    Workflow 7 expects.
    """
    world = World.generate(seed=SEED, size=SIZE, fill_pct=FILL)
    firefly = min(world.series.values(), key=lambda series: series.id)
    firefly.title = "Firefly"
    largest = sorted(world.movies.values(), key=lambda movie: -movie.size)[:3]
    for movie in largest:
        movie.imdb_rating = movie.tmdb_rating = 1.0
        movie.added = world.now - 800 * DAY
    return world


def curl(
    method: str,
    url: str,
    *,
    key: str | None = None,
    token: str | None = None,
    body: dict[str, Any] | str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One curl command: ``-H "X-Api-Key: ..."``, ``-H "Authorization: Bearer ..."``,
    ``-H "Content-Type: application/json" -d BODY``; a new connection each time."""
    sent: dict[str, str] = {}
    if key is not None:
        sent["X-Api-Key"] = key
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    content = None
    if body is not None:
        sent["Content-Type"] = "application/json"
        content = body if isinstance(body, str) else json.dumps(body)
    sent.update(headers or {})
    return httpx.request(method, url, headers=sent, content=content, timeout=TIMEOUT)


def ok_json(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: "
        f"{response.status_code} {response.text[:500]}"
    )
    return response.json()


@dataclass
class Session:
    """What the user has noted so far: the URL, the API key, the server."""

    url: str
    server: Server
    sims: Simulators
    folder: Path
    api_key: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        if not self.api_key:
            pytest.fail("Workflow 1 did not create an API key; run the module whole")
        return self.api_key

    def get(self, path: str) -> Any:
        return ok_json(curl("GET", f"{self.url}{path}", key=self.key))


@pytest.fixture(scope="module")
def contract_sims() -> Iterator[Simulators]:
    running = start_simulators(contract_world(), ["sonarr", "radarr"])
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def session(capacitarr, contract_sims, tmp_path_factory) -> Session:
    server = capacitarr.serve("source")
    return Session(
        server.url, server, contract_sims, tmp_path_factory.mktemp("workflows")
    )


def finished_run(
    session: Session, after: str | None, *, with_items: bool = False
) -> dict[str, Any] | None:
    """Worker stats once a run newer than ``after`` (that evaluated items, with
    ``with_items``) has finished, else None."""
    stats = session.get("/worker/stats")
    if stats["isRunning"] or stats.get("lastRunAt") in (None, after):
        return None
    if with_items and not stats["lastRunEvaluated"]:
        return None
    return stats


def test_workflow_1_initial_setup(capacitarr, session) -> None:
    """Check Workflow 1: health, login, API key, Sonarr, connection test, a run."""
    url, sims = session.url, session.sims
    # Step 1
    health = curl("GET", f"{url}/health")
    assert (health.status_code, health.text) == (200, "OK")
    # Step 2
    login = ok_json(curl("POST", f"{url}/auth/login", body={"password": PASSWORD}))
    token = login["token"]
    assert token.count(".") == 2, "the token is a JWT"
    # Step 3
    issued = ok_json(curl("POST", f"{url}/auth/apikey", token=token))
    session.api_key = issued["api_key"]
    assert isinstance(session.api_key, str) and len(session.api_key) >= 32
    before = session.get("/worker/stats").get("lastRunAt")
    # Step 4
    created = ok_json(
        curl(
            "POST",
            f"{url}/integrations",
            key=session.key,
            body={
                "type": "sonarr",
                "name": "Sonarr Main",
                "url": sims["sonarr"].url,
                "apiKey": sims["sonarr"].api_key,
                "enabled": True,
            },
        ),
        201,
    )
    assert created["id"] == 1, "the next workflows name integration 1"
    assert (created["name"], created["type"], created["enabled"]) == (
        "Sonarr Main",
        "sonarr",
        True,
    )
    assert sims["sonarr"].api_key not in json.dumps(created), "the key is masked"
    # Step 5
    tested = ok_json(
        curl(
            "POST",
            f"{url}/integrations/test",
            key=session.key,
            body={
                "type": "sonarr",
                "url": sims["sonarr"].url,
                "apiKey": sims["sonarr"].api_key,
            },
        )
    )
    assert tested["success"] is True, tested
    # Step 6
    run = ok_json(curl("POST", f"{url}/engine/run", key=session.key))
    assert run["status"] in ("started", "already_running")
    stats = wait_until(
        lambda: finished_run(session, before, with_items=True),
        TIMEOUT,
        "the first run with Sonarr",
    )
    assert stats["lastRunError"] == ""
    assert stats["lastRunEvaluated"] > 0, "the run synced Sonarr's media"
    assert isinstance(stats["isRunning"], bool)
    synced = {r.path for r in sims["sonarr"].requests if r.method == "GET"}
    assert "/api/v3/series" in synced


def test_workflow_2_configure_capacity(session) -> None:
    """Check Workflow 2: disk groups, thresholds, weights, preferences, the Firefly
    rule, rule fields, and a preview that marks protected items."""
    url, key = session.url, session.key
    # Step 1
    groups = session.get("/disk-groups")
    group = next(g for g in groups if g["id"] == 1)
    assert group["mountPath"] == "/data/media"
    assert 0 < group["usedBytes"] <= group["totalBytes"]
    assert group["usedBytes"] / group["totalBytes"] > 0.9, "above the new threshold"
    # Step 2
    changed = ok_json(
        curl(
            "PUT",
            f"{url}/disk-groups/1",
            key=key,
            body={"thresholdPct": 90, "targetPct": 80},
        )
    )
    assert (changed["thresholdPct"], changed["targetPct"]) == (90, 80)
    # Step 3 (partial: the factors not named keep their weights)
    before = {w["key"]: w["weight"] for w in session.get("/scoring-factor-weights")}
    body = {"watch_history": 10, "file_size": 6, "rating": 5, "time_in_library": 4}
    weights = ok_json(curl("PUT", f"{url}/scoring-factor-weights", key=key, body=body))
    after = {w["key"]: w["weight"] for w in weights}
    assert after == {**before, **body}
    # Step 4
    prefs_before = session.get("/preferences")
    prefs = ok_json(
        curl(
            "PUT",
            f"{url}/preferences",
            key=key,
            body={"defaultDiskGroupMode": "dry-run", "tiebreakerMethod": "size_desc"},
        )
    )
    assert prefs["defaultDiskGroupMode"] == "dry-run"
    assert prefs["tiebreakerMethod"] == "size_desc"
    untouched = set(prefs_before) - {
        "defaultDiskGroupMode",
        "executionMode",
        "tiebreakerMethod",
    }
    assert {k: prefs[k] for k in untouched} == {k: prefs_before[k] for k in untouched}
    # Step 5
    rule = ok_json(
        curl(
            "POST",
            f"{url}/custom-rules",
            key=key,
            body={
                "field": "title",
                "operator": "contains",
                "value": "Firefly",
                "effect": "always_keep",
                "integrationId": 1,
            },
        ),
        201,
    )
    assert (rule["field"], rule["operator"], rule["value"]) == (
        "title",
        "contains",
        "Firefly",
    )
    assert (rule["effect"], rule["integrationId"]) == ("always_keep", 1)
    session.notes["rule"] = rule
    fields = {f["field"]: f for f in session.get("/rule-fields")}
    assert "contains" in fields["title"]["operators"]
    assert all({"label", "type", "operators"} <= set(f) for f in fields.values())
    # Step 6
    preview = session.get("/preview")
    assert isinstance(preview, list) and preview
    protected = [p for p in preview if p["protected"] is True]
    assert protected, "the Firefly rule protects the Firefly show and its seasons"
    assert all("Firefly" in p["item"]["title"] for p in protected)
    assert all(
        p["protected"] is False for p in preview if "Firefly" not in p["item"]["title"]
    )
    scores = [p["score"] for p in preview]
    assert preview[0]["score"] == max(scores), "the top has the highest score"
    assert all(a >= b - 1e-4 for a, b in itertools.pairwise(scores))
    # "Adjust weights and rules as needed, then re-check the preview."
    ok_json(curl("PUT", f"{url}/scoring-factor-weights", key=key, body={"rating": 0}))
    rechecked = session.get("/preview")
    assert not any(
        f["key"] == "rating" and f["weight"] for p in rechecked for f in p["factors"]
    ), "the re-checked preview uses the new weights"
    ok_json(curl("PUT", f"{url}/scoring-factor-weights", key=key, body={"rating": 5}))


def test_workflow_3_monitor_and_review(session) -> None:
    """Check Workflow 3: worker stats, dashboard, audit log, approvals, activity,
    analytics and metrics history answer in the documented shapes."""
    # Step 1
    stats = session.get("/worker/stats")
    assert {"isRunning", "lastRunAt", "lastRunError"} <= set(stats)
    # Step 2
    dashboard = session.get("/dashboard-stats")
    for name in (
        "totalBytesReclaimed",
        "totalItemsRemoved",
        "totalEngineRuns",
        "growthBytesPerWeek",
    ):
        assert isinstance(dashboard[name], int | float) and dashboard[name] >= 0, name
    assert dashboard["totalEngineRuns"] >= 2
    # Step 3: dry-run mode above the threshold has left dry-delete entries
    page = session.get("/audit-log?limit=20&offset=0")
    assert (page["limit"], page["offset"]) == (20, 0)
    assert 0 < len(page["data"]) <= 20 and page["total"] >= len(page["data"])
    assert {entry["action"] for entry in page["data"]} <= {
        "deleted",
        "dry_delete",
        "dry_run",
        "cancelled",
        "failed",
    }
    grouped = session.get("/audit-log/grouped")
    assert isinstance(grouped, list) and grouped
    # Step 4: nothing waits for approval in dry-run mode
    assert session.get("/approval-queue?status=pending") == []
    # Step 5
    activity = session.get("/activity/recent?limit=50")
    assert 0 < len(activity) <= 50
    kinds = {event["eventType"] for event in activity}
    assert {"engine_start", "engine_complete"} <= kinds
    # Step 6
    for name in ("dead-content", "stale-content"):
        report = session.get(f"/analytics/{name}")
        assert isinstance(report["items"], list)
        assert report["totalCount"] == len(report["items"])
    forecast = session.get("/analytics/forecast")
    assert forecast["diskGroupId"] == 1
    assert forecast["currentUsedPct"] > 90
    # Step 7
    for query in (
        "resolution=hourly&since=24h",
        "resolution=daily&since=30d&disk_group_id=1",
    ):
        history = session.get(f"/metrics/history?{query}")
        assert history["status"] == "success" and isinstance(history["data"], list)


def sse_frames(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """Server-sent frames from a stream's lines; a comment is ``{"comment": ...}``."""
    frame: dict[str, str] = {}
    for line in lines:
        if not line:
            if frame:
                yield frame
            frame = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            frame[name] = f"{frame[name]}\n{value}" if name in frame else value


def events_until(frames: Iterator[dict[str, str]], last: str) -> list[dict[str, str]]:
    """Read frames up to and including the first event of type ``last``."""
    seen = []
    for frame in frames:
        if "event" in frame:
            seen.append(frame)
            if frame["event"] == last:
                return seen
    raise AssertionError(f"the stream ended before {last}: {seen}")


def sequence(event_id: str) -> int:
    assert EVENT_ID.match(event_id), f"id {event_id!r} is not <epoch>-<seq>"
    return int(event_id.split("-")[1])


def open_events(session: Session, last_event_id: str | None = None):
    """``curl -N -H "X-Api-Key: ..." [-H "Last-Event-ID: ..."] $URL/events``."""
    headers = {"X-Api-Key": session.key}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    return httpx.stream(
        "GET",
        f"{session.url}/events",
        headers=headers,
        timeout=httpx.Timeout(TIMEOUT, read=30),
    )


def test_workflow_4_live_events(session) -> None:
    """Check Workflow 4: a run's events arrive live with <epoch>-<seq> ids, and a
    reconnect with Last-Event-ID replays what was missed."""
    before = session.get("/worker/stats").get("lastRunAt")
    # Step 1
    with open_events(session) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        frames = sse_frames(stream.iter_lines())
        assert next(frames) == {"comment": "connected"}
        # Step 2 (in a separate terminal)
        run = ok_json(curl("POST", f"{session.url}/engine/run", key=session.key))
        assert run["status"] == "started"
        live = events_until(frames, "engine_start")
    # The connection drops here, during the run.
    kinds = [event["event"] for event in live]
    assert kinds.index("manual_run_triggered") < kinds.index("engine_start")
    start = live[-1]
    assert json.loads(start["data"])["executionMode"] == "dry-run"
    ids = [sequence(event["id"]) for event in live]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    wait_until(lambda: finished_run(session, before), TIMEOUT, "the run to finish")
    # Step 3
    with open_events(session, last_event_id=start["id"]) as stream:
        assert stream.status_code == 200
        frames = sse_frames(stream.iter_lines())
        assert next(frames) == {"comment": "connected"}
        replayed = events_until(frames, "engine_complete")
    assert all("event" in event and "id" in event for event in replayed)
    assert "replay_gap" not in [event["event"] for event in replayed]
    assert [sequence(event["id"]) for event in replayed] == list(
        range(sequence(start["id"]) + 1, sequence(start["id"]) + 1 + len(replayed))
    ), "the replay starts right after the last received id, without gaps"
    complete = json.loads(replayed[-1]["data"])
    assert complete["evaluated"] > 0 and isinstance(complete["flagged"], int)
    assert complete["message"].startswith("Engine run completed")


def test_workflow_5_emergency_stop(session) -> None:
    """Check Workflow 5: dry-run is accepted and read back, the audit log answers,
    existing groups keep their own mode, and auto comes back."""
    url, key = session.url, session.key
    groups_before = {g["id"]: g["mode"] for g in session.get("/disk-groups")}
    # Step 1
    stopped = ok_json(
        curl(
            "PUT",
            f"{url}/preferences",
            key=key,
            body={"defaultDiskGroupMode": "dry-run"},
        )
    )
    assert stopped["defaultDiskGroupMode"] == "dry-run"
    # Step 2
    assert session.get("/preferences")["defaultDiskGroupMode"] == "dry-run"
    # Step 3
    page = session.get("/audit-log?limit=50&offset=0")
    assert (page["limit"], page["offset"]) == (50, 0) and len(page["data"]) <= 50
    assert {g["id"]: g["mode"] for g in session.get("/disk-groups")} == groups_before
    # Step 4
    resumed = ok_json(
        curl(
            "PUT", f"{url}/preferences", key=key, body={"defaultDiskGroupMode": "auto"}
        )
    )
    assert resumed["defaultDiskGroupMode"] == "auto"
    assert session.get("/worker/stats")["executionMode"] == "auto"


def test_workflow_6_approval_queue(session) -> None:
    """Check Workflow 6: pending items, approve (409 while deletions are disabled),
    reject, unsnooze, clear."""
    url, key = session.url, session.key
    approval = ok_json(
        curl("PUT", f"{url}/disk-groups/1", key=key, body={"mode": "approval"})
    )
    assert approval["effectiveMode"] == "approval"
    # Step 1
    pending = wait_until(
        lambda: session.get("/approval-queue?status=pending"),
        TIMEOUT,
        "the approval-mode run to queue items",
    )
    assert all(item["status"] == "pending" for item in pending)
    ids = {item["id"] for item in pending}
    assert 1 in ids and len(ids) >= 2
    second = min(ids - {1})
    # Step 2
    approved = ok_json(curl("POST", f"{url}/approval-queue/1/approve", key=key))
    assert (approved["id"], approved["status"]) == (1, "approved")
    queued = session.get("/deletion-queue")
    assert [job["mediaName"] for job in queued] == [approved["mediaName"]]
    # The note: approvals are refused while deletionsEnabled is false.
    ok_json(
        curl("PUT", f"{url}/preferences", key=key, body={"deletionsEnabled": False})
    )
    refused = curl("POST", f"{url}/approval-queue/{second}/approve", key=key)
    assert refused.status_code == 409, refused.text
    assert "error" in refused.json()
    still = session.get("/approval-queue?status=pending")
    assert second in {item["id"] for item in still}, "the refused item stays pending"
    assert session.get("/deletion-queue") == [], "disabling cancels queued deletions"
    # Step 3 (item 1 is approved already: reject another one)
    rejected = ok_json(curl("POST", f"{url}/approval-queue/{second}/reject", key=key))
    assert rejected["status"] == "rejected"
    pending_ids = {item["id"] for item in session.get("/approval-queue?status=pending")}
    assert second not in pending_ids, "a snoozed item does not appear as pending"
    # Step 4
    back = ok_json(curl("POST", f"{url}/approval-queue/{second}/unsnooze", key=key))
    assert back["status"] == "pending"
    pending_ids = {item["id"] for item in session.get("/approval-queue?status=pending")}
    assert second in pending_ids
    # Step 5
    cleared = ok_json(curl("POST", f"{url}/approval-queue/clear", key=key))
    assert cleared["cleared"] >= len(pending_ids)
    assert session.get("/approval-queue?status=pending") == []
    ok_json(curl("PUT", f"{url}/preferences", key=key, body={"deletionsEnabled": True}))


def test_workflow_7_second_integration(session) -> None:
    """Check Workflow 7: Radarr is added and tested, and after a run the top of
    the preview holds media of both Sonarr and Radarr."""
    url, key, sims = session.url, session.key, session.sims
    # Step 1
    created = ok_json(
        curl(
            "POST",
            f"{url}/integrations",
            key=key,
            body={
                "type": "radarr",
                "name": "Radarr Movies",
                "url": sims["radarr"].url,
                "apiKey": sims["radarr"].api_key,
                "enabled": True,
            },
        ),
        201,
    )
    assert (created["id"], created["type"]) == (2, "radarr")
    # Step 2
    tested = ok_json(
        curl(
            "POST",
            f"{url}/integrations/test",
            key=key,
            body={
                "type": "radarr",
                "url": sims["radarr"].url,
                "apiKey": sims["radarr"].api_key,
            },
        )
    )
    assert tested["success"] is True, tested
    # Step 3
    run = ok_json(curl("POST", f"{url}/engine/run", key=key))
    assert run["status"] in ("started", "already_running")
    # Step 4, at once, as the next command a user types
    preview = session.get("/preview")
    top = preview[0:5]
    assert len(top) == 5
    assert {item["item"]["integrationId"] for item in top} == {1, 2}, [
        (item["item"]["title"], item["score"]) for item in top
    ]
    assert {item["item"]["integrationId"] for item in preview} == {1, 2}


def import_body(envelope_text: str, sections: str) -> str:
    """The body the contract's shell command builds around ``$(cat FILE)``."""
    return f'{{\n    "envelope": {envelope_text},\n    "sections": {sections}\n  }}'


ALL_SECTIONS = """{
      "preferences": true,
      "rules": true,
      "integrations": true,
      "diskGroups": true,
      "notifications": true
    }"""


def test_workflow_8_export_and_import(capacitarr, session) -> None:
    """Check Workflow 8: the export has no secrets and portable references, a full
    import sets up a fresh instance, the API key can be re-entered, and rules are
    imported additively."""
    source, sims = session.url, session.sims
    # 1. Export all settings from the source instance (-o capacitarr-settings.json)
    exported = curl("GET", f"{source}/settings/export", key=session.key)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    settings_file = session.folder / "capacitarr-settings.json"
    settings_file.write_bytes(exported.content)
    envelope = exported.json()
    assert {"version", "exportedAt", "appVersion"} <= set(envelope)
    for secret in (sims["sonarr"].api_key, sims["radarr"].api_key):
        assert secret not in exported.text
    assert [r["integration"] for r in envelope["rules"]] == ["Sonarr Main"]
    assert all("integrationId" not in r for r in envelope["rules"])
    # 2. Import all sections into a fresh target instance
    target = capacitarr.serve("target")
    login = ok_json(
        curl(
            "POST",
            f"{target.url}/auth/login",
            body={"password": PASSWORD},
        )
    )
    target_key = ok_json(
        curl("POST", f"{target.url}/auth/apikey", token=login["token"])
    )["api_key"]
    body = import_body(settings_file.read_text(), ALL_SECTIONS)
    result = ok_json(
        curl("POST", f"{target.url}/settings/import", key=target_key, body=body)
    )
    assert result["preferencesImported"] is True
    assert result["rulesImported"] == 1
    assert result["integrationsImported"] == 2
    assert result["diskGroupsImported"] == 1

    def target_get(path: str) -> Any:
        return ok_json(curl("GET", f"{target.url}{path}", key=target_key))

    integrations = target_get("/integrations")
    assert [(i["id"], i["name"]) for i in integrations] == [
        (1, "Sonarr Main"),
        (2, "Radarr Movies"),
    ]
    groups = target_get("/disk-groups")
    assert [(g["mountPath"], g["thresholdPct"], g["targetPct"]) for g in groups] == [
        ("/data/media", 90, 80)
    ]
    assert target_get("/preferences") == session.get("/preferences")
    rules = target_get("/custom-rules")
    assert [(r["value"], r["integrationId"]) for r in rules] == [("Firefly", 1)]
    # 3. Re-enter API keys on imported integrations
    rekeyed = ok_json(
        curl(
            "PUT",
            f"{target.url}/integrations/1",
            key=target_key,
            body={"apiKey": sims["sonarr"].api_key},
        )
    )
    assert rekeyed["name"] == "Sonarr Main"
    stored_key_works = ok_json(
        curl(
            "POST",
            f"{target.url}/integrations/test",
            key=target_key,
            body={"integrationId": 1},
        )
    )
    assert stored_key_works["success"] is True, stored_key_works
    # Upserted again, not duplicated; rules are added again.
    again = ok_json(
        curl("POST", f"{target.url}/settings/import", key=target_key, body=body)
    )
    assert again["rulesImported"] == 1
    assert len(target_get("/integrations")) == 2
    assert len(target_get("/disk-groups")) == 1
    assert len(target_get("/custom-rules")) == 2

    # Rules-only backup, on the source
    rules_before = session.get("/custom-rules")
    assert [r["id"] for r in rules_before] == [session.notes["rule"]["id"]]
    only_rules = curl(
        "GET", f"{source}/settings/export?sections=rules", key=session.key
    )
    assert only_rules.status_code == 200
    rules_file = session.folder / "capacitarr-rules.json"
    rules_file.write_bytes(only_rules.content)
    sections = set(only_rules.json()) - {"version", "exportedAt", "appVersion"}
    assert sections == {"rules"}
    prefs_before = session.get("/preferences")
    added = ok_json(
        curl(
            "POST",
            f"{source}/settings/import",
            key=session.key,
            body=import_body(rules_file.read_text(), '{"rules": true}'),
        )
    )
    assert added["rulesImported"] == 1
    rules_after = session.get("/custom-rules")
    assert rules_after[0] == rules_before[0], "existing rules are never modified"
    assert len(rules_after) == 2
    copy = rules_after[1]
    assert (copy["value"], copy["effect"], copy["integrationId"]) == (
        "Firefly",
        "always_keep",
        1,
    )
    assert session.get("/preferences") == prefs_before


def test_servers_stop_cleanly_on_ctrl_c(capacitarr, session) -> None:
    """Check that every `capacitarr serve` of this module exits 0 on SIGINT and
    frees its port."""
    assert len(capacitarr.servers) == 2, "the source and the import target"
    for server in capacitarr.servers:
        status = server.process.interrupt()
        assert status == 0, server.process.output()
        assert "stopped cleanly" in server.process.output()
        assert not is_listening(server.port)
