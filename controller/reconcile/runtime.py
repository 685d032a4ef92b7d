"""The running controller: store, event bus, worker, loop and manifests together.

``Runtime`` is the composition root of the controller package. ``capacitarr serve``
builds one and hands it to the web face; tests build one over the simulators. It
owns the threads (reconcile loop, manifest watcher, deletion worker) and offers the
operations the API needs: trigger a cycle, status, preview, drift, revert, export.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from controller import __version__
from controller.act.approval import ApprovalService
from controller.act.deletion import DeletionWorker
from controller.act.deletion_queue import DeletionQueue, store_settings
from controller.act.plans import item_columns
from controller.engine import PlannedDeletion
from controller.errors import CapacitarrError
from controller.events import EventBus
from controller.integrations.capabilities import QueuedItem
from controller.integrations.registry import build_client, client_options
from controller.manifest.loader import LoadedManifests, load_manifests
from controller.manifest.problems import ManifestError
from controller.media import MediaType
from controller.notify import Notifier
from controller.reconcile import desired as diffing
from controller.reconcile import documents, views
from controller.reconcile.cycle import CycleResult, CycleRunner
from controller.reconcile.generations import (
    apply_generation,
    git_commit_of,
    record_rejected,
    revert_changes,
    revert_to_manifest,
)
from controller.reconcile.loop import CycleLoop, ManifestWatcher
from controller.reconcile.status import (
    Condition,
    DiskGroupFacts,
    IntegrationFacts,
    disk_group_condition,
    integration_condition,
    merge_conditions,
)
from controller.store import Store, maintenance, queues
from controller.store import changes as change_rows
from controller.store import desired as stored
from controller.store import manifests as generation_rows
from controller.store.queues import DeletionJob

log = logging.getLogger(__name__)


@dataclass
class ManifestState:
    """What the runtime knows about the manifests folder."""

    directory: Path | None
    applied_digest: str | None = None
    applied_commit: str | None = None
    applied_at: datetime | None = None
    loaded: LoadedManifests | None = None
    observed_digest: str | None = None
    rejected_errors: list[str] = field(default_factory=list)


class Runtime:
    """Everything ``capacitarr serve`` runs, wired together.

    Args:
        store: the opened store.
        manifests: the manifests folder, or None to run on runtime changes only.
        env: environment for secret references (``os.environ`` when None).
        pause_seconds: pause between two deletions.
        watch: follow the manifests folder for changes.
    """

    def __init__(
        self,
        store: Store,
        *,
        manifests: Path | None = None,
        env: Mapping[str, str] | None = None,
        pause_seconds: float = 3.0,
        watch: bool = True,
    ) -> None:
        self.store = store
        self.version = __version__
        self.bus = EventBus(store)
        self.deletions = DeletionQueue(store, self.bus)
        self.approvals = ApprovalService(store, self.bus, self.deletions)
        self.deletion_worker = DeletionWorker(
            store,
            self.bus,
            deleter=self._delete,
            exists=self._exists,
            measure=self._measure,
            settings=store_settings(store),
            pause_seconds=pause_seconds,
        )
        self.worker = WorkerControls(self.deletion_worker, self.deletions)
        self.cycles = CycleRunner(store, self.bus, self.approvals, self.deletions)
        self._preview_lock = threading.Lock()
        self._render_lock = threading.Lock()
        # The last rendered preview: (cycle result, queue version, rendering).
        self._preview_cache: tuple[CycleResult | None, int, dict[str, Any]] | None
        self._preview_cache = None
        self.loop = CycleLoop(self._run_cycle, interval=self._interval)
        self.notifier = Notifier(self._channels, bus=self.bus, version=self.version)
        self.manifests = ManifestState(manifests)
        self._env = env
        self._watch = watch and manifests is not None
        self._watcher: ManifestWatcher | None = None
        self._conditions: dict[str, Condition] = {}
        self._failures: dict[int, int] = {}
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------

    def start(self, *, run_now: bool = True) -> None:
        """Load the manifests, recover queues, start the worker, loop and watcher."""
        if self.manifests.directory is not None:
            self.reload_manifests(trigger=False)
        self.approvals.recover_orphans()
        self.notifier.attach(self.bus)
        self.deletion_worker.start()
        self.loop.start(run_now=run_now)
        if self._watch and self.manifests.directory is not None:
            self._watcher = ManifestWatcher(
                self.manifests.directory, lambda: self.reload_manifests(trigger=True)
            )
            self._watcher.start()
        self.bus.publish(
            "server_started",
            f"Server started (version {self.version})",
            version=self.version,
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching and cycling; let the current deletion finish."""
        if self._watcher is not None:
            self._watcher.stop()
        self.loop.stop(timeout)
        self.deletion_worker.stop(timeout)
        self.notifier.close()
        self.bus.flush(5)

    # -- manifests ---------------------------------------------------------

    def reload_manifests(self, *, trigger: bool = True) -> bool:
        """Load the manifests folder; apply it when valid and new.

        An invalid folder is recorded as rejected and changes nothing: the last
        good generation stays in force and the status says why.
        """
        directory = self.manifests.directory
        if directory is None:
            return False
        try:
            loaded = load_manifests(directory, self._env)
        except (ManifestError, ValueError, RecursionError, OSError) as exc:
            # Anything that stops a generation from loading rejects it whole; the
            # last good generation stays in force.
            errors = (
                [str(p) for p in exc.problems]
                if isinstance(exc, ManifestError)
                else [
                    f"{directory}: cannot be loaded: {type(exc).__name__}: {exc}"[:500]
                ]
            )
            digest = f"rejected-{abs(hash(tuple(errors))):x}"
            self.manifests.rejected_errors = errors
            record_rejected(self.store, digest, [str(directory)], errors)
            self.bus.publish(
                "manifest_rejected",
                f"Manifest change rejected ({len(errors)} problem(s)); the last good "
                "generation stays in force",
                errors=errors[:20],
            )
            log.error("manifests rejected: %s", "; ".join(errors[:5]))
            return False
        self.manifests.rejected_errors = []
        self.manifests.loaded = loaded
        self.manifests.observed_digest = loaded.digest
        with self.store.read() as db:
            latest = generation_rows.latest(db, status="applied")
        if latest is not None and latest.digest == loaded.digest:
            self._remember_applied(latest.digest, latest.git_commit, latest.created_at)
            return False
        commit = git_commit_of(directory)
        applied = apply_generation(self.store, loaded, git_commit=commit)
        self._remember_applied(applied.digest, commit, self.store.now())
        self.bus.publish(
            "manifest_applied",
            f"Manifest generation {applied.digest[:12]} applied "
            f"({len(applied.changes)} change(s))",
            digest=applied.digest,
            gitCommit=commit,
            changes=[c.describe() for c in applied.changes][:50],
        )
        if trigger:
            self.loop.trigger("manifest change")
        return True

    def _remember_applied(
        self, digest: str, commit: str | None, at: datetime | None
    ) -> None:
        self.manifests.applied_digest = digest
        self.manifests.applied_commit = commit
        self.manifests.applied_at = at

    # -- cycles --------------------------------------------------------------

    def _interval(self) -> float:
        with self.store.read() as db:
            seconds = stored.get_preferences(db).get("pollIntervalSeconds", 300)
        return float(max(60, int(seconds or 300)))

    def _run_cycle(self, reason: str) -> CycleResult:
        result = self.cycles.run(reason)
        self._update_conditions(result)
        self._housekeeping()
        self.notifier.send_digest(digest_of(result))
        return result

    def _housekeeping(self) -> None:
        """Roll up metrics and apply retention; a failure never fails the cycle."""
        try:
            with self.store.write() as db:
                days = int(stored.get_preferences(db).get("auditLogRetentionDays", 30))
                maintenance.housekeeping(
                    db, now=self.store.now(), audit_retention_days=days
                )
        except Exception:
            log.exception("housekeeping failed; it runs again after the next cycle")

    def _channels(self) -> list[Any]:
        with self.store.read() as db:
            return list(stored.channels.list_all(db))

    def send_test_notification(self, channel: Any) -> None:
        """Send a test message to one channel; raises NotificationError."""
        self.notifier.send_test(channel)

    def request_cycle(self, reason: str = "manual") -> str:
        """Ask for a cycle now: ``started`` or ``already_running``.

        ``manual_run_triggered`` is published before the loop is woken, so on the
        live stream it always comes before the ``engine_start`` of its cycle.
        """
        if self.loop.running:
            return self.loop.trigger(reason)
        self.bus.publish("manual_run_triggered", "Manual engine run triggered")
        return self.loop.trigger(reason)

    def is_cycle_running(self) -> bool:
        return self.loop.running

    @property
    def last_cycle(self) -> CycleResult | None:
        return self.cycles.last

    @property
    def last_observation(self) -> Any:
        return self.cycles.last.observation if self.cycles.last else None

    # -- integrations --------------------------------------------------------

    def _client_for(self, integration_id: int) -> Any:
        with self.store.read() as db:
            row = stored.integrations.get(db, integration_id)
        return build_client(
            row.type,
            row.url,
            row.api_key,
            client_options(row.options),
            integration_id=row.id,
            name=row.name,
        )

    def _delete(self, job: DeletionJob) -> None:
        client = self._client_for(job.integration_id)
        try:
            client.delete(
                QueuedItem(job.external_id, MediaType(job.media_type)),
                job.delete_files,
                job.add_exclusion,
                job.unmonitor,
            )
        finally:
            client.close()

    def _exists(self, job: DeletionJob) -> bool | None:
        try:
            client = self._client_for(job.integration_id)
        except CapacitarrError:
            return None
        try:
            return bool(
                client.exists(QueuedItem(job.external_id, MediaType(job.media_type)))
            )
        except CapacitarrError:
            return None
        finally:
            client.close()

    def _measure(self, disk_group_id: int) -> int | None:
        """Read the group's used bytes again from an *arr that reports it."""
        with self.store.read() as db:
            group = stored.disk_groups.get(db, disk_group_id)
            candidates = stored.integrations.list_all(db, enabled_only=True)
        for row in candidates:
            if row.type not in ("sonarr", "radarr", "lidarr", "readarr"):
                continue
            client: Any = build_client(
                row.type,
                row.url,
                row.api_key,
                client_options(row.options),
                integration_id=row.id,
            )
            try:
                for disk in client.disks():
                    if disk.path.rstrip("/") == group.mount_path.rstrip("/"):
                        return int(disk.used_bytes)
            except CapacitarrError:
                continue
            finally:
                client.close()
        return None

    def test_connection(
        self,
        type_name: str,
        url: str,
        api_key: str,
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Try an integration's credentials; never raises for a failed test."""
        try:
            client: Any = build_client(type_name, url, api_key, options)
        except ValueError as exc:
            return {"success": False, "error": str(exc)}
        try:
            result = client.test()
        except CapacitarrError as exc:
            return {"success": False, "error": str(exc)}
        finally:
            client.close()
        if getattr(result, "ok", False):
            return {
                "success": True,
                "message": result.message or "Connection successful",
            }
        return {"success": False, "error": getattr(result, "message", "failed")}

    def sync_integrations(self) -> list[dict[str, Any]]:
        """Test every enabled integration and report disks and media counts."""
        with self.store.read() as db:
            rows = stored.integrations.list_all(db, enabled_only=True)
        results = []
        for row in rows:
            entry: dict[str, Any] = {"id": row.id, "name": row.name, "type": row.type}
            client: Any = build_client(
                row.type,
                row.url,
                row.api_key,
                client_options(row.options),
                integration_id=row.id,
            )
            try:
                test = client.test()
                entry["status"] = "ok" if test.ok else "error"
                if not test.ok:
                    entry["error"] = test.message
                if hasattr(client, "disks"):
                    entry["diskSpace"] = [
                        {
                            "path": d.path,
                            "totalBytes": d.total_bytes,
                            "freeBytes": d.free_bytes,
                        }
                        for d in client.disks()
                    ]
                if hasattr(client, "fetch_media"):
                    entry["mediaCount"] = len(client.fetch_media())
            except CapacitarrError as exc:
                entry["status"] = "error"
                entry["error"] = str(exc)
            finally:
                client.close()
            results.append(entry)
        return results

    def rule_values(self, integration_id: int, field: str) -> dict[str, Any]:
        """Values a rule editor offers for ``field`` of one integration."""
        static = views.static_rule_values(field)
        if static is not None:
            return static
        if field in ("collection", "label"):
            items = self.last_observation.items if self.last_observation else []
            names = views.names_from_items(items, field)
            return {
                "type": "combobox",
                "suggestions": [{"value": n, "label": n} for n in names],
            }
        if field not in ("quality", "tag", "language"):
            raise ValueError(f"unknown rule field {field!r}")
        client = self._client_for(integration_id)
        try:
            values = client.rule_values()
        except AttributeError as exc:
            raise ValueError("integration does not offer rule values") from exc
        finally:
            client.close()
        names = {
            "quality": values.quality_profiles,
            "tag": values.tags,
            "language": values.languages,
        }[field]
        if field == "language" and not names:
            return {
                "type": "free",
                "inputType": "text",
                "placeholder": "e.g., English",
                "suffix": "",
            }
        kind = "combobox" if field == "tag" else "closed"
        key = "suggestions" if kind == "combobox" else "options"
        return {"type": kind, key: [{"value": n, "label": n} for n in names]}

    def disk_group_integrations(self) -> dict[str, list[int]]:
        """Which integrations reported each mount in the last cycle."""
        observation = self.last_observation
        if observation is None:
            return {}
        return {
            mount: list(group.integration_ids)
            for mount, group in observation.disk_groups.items()
        }

    # -- views of the last cycle -----------------------------------------------

    def preview(self, force: bool = False) -> dict[str, Any]:
        """The scored list of the last cycle.

        A cycle runs first when there was none yet, when ``force`` asks for one,
        or when desired state (a rule, weights, preferences, an integration, a
        disk group) changed after the last cycle read it: what a person reviews
        always follows the settings in force.

        The rendering is kept until another cycle completes or either queue
        changes, and the same dict is handed out meanwhile: callers must not
        modify it.
        """
        if force or self._preview_outdated():
            with self._preview_lock:
                if self._preview_outdated() or (force and not self.loop.running):
                    self.loop.trigger("preview")
                self.loop.wait_idle(120)
        last = self.cycles.last
        # One render at a time: requests arriving together share it.
        with self._render_lock, self.store.read() as db:
            # Read before rendering: a change made meanwhile moves the version
            # past what is cached, so the next request renders again.
            version = queues.queue_version(db)
            cached = self._preview_cache
            if cached is not None and cached[0] is last and cached[1] == version:
                return cached[2]
            rendered = views.preview(last, db)
            self._preview_cache = (last, version, rendered)
        return rendered

    def _preview_outdated(self) -> bool:
        last = self.cycles.last
        if last is None:
            return True
        with self.store.read() as db:
            return change_rows.latest_change_id(db) > last.desired_version

    def plan_json(self, refresh: bool = False) -> dict[str, Any]:
        """The last cycle's plan per disk group (a cycle runs first if none has)."""
        if refresh or self.cycles.last is None:
            if not self.loop.running:
                self.loop.trigger("plan")
            self.loop.wait_idle(120)
        last = self.cycles.last
        if last is None:
            return {"digest": None, "groups": []}
        return {**last.plan.to_json(), "runId": last.run_id}

    def dead_content(self, min_days: int, disk_group_id: int | None) -> dict[str, Any]:
        return views.dead(
            self.cycles.last, self.store.now(), min_days, self._mount(disk_group_id)
        )

    def stale_content(
        self, stale_days: int, disk_group_id: int | None
    ) -> dict[str, Any]:
        return views.stale(
            self.cycles.last, self.store.now(), stale_days, self._mount(disk_group_id)
        )

    def _mount(self, disk_group_id: int | None) -> str | None:
        if disk_group_id is None:
            return None
        with self.store.read() as db:
            return stored.disk_groups.get(db, disk_group_id).mount_path

    def reset_data(self, origin: str) -> dict[str, int]:
        """Clear scraped data (audit, history, runs, caches); keep desired state."""
        with self.store.write() as db:
            cleared = maintenance.reset_observed(db)
        self.cycles.last = None
        self.bus.publish(
            "data_reset",
            "All scraped data has been reset",
            summary=cleared,
            origin=origin,
        )
        return cleared

    # -- status, drift, export ---------------------------------------------

    def _update_conditions(self, result: CycleResult) -> None:
        now = result.started_at
        with self.store.read() as db:
            prefs = stored.get_preferences(db)
            live = queues.list_jobs(db)
            pending = queues.list_approvals(db, status="pending", limit=10_000)
        current: dict[str, Condition] = {}
        for group in result.plan.groups:
            group_id = result.group_ids.get(group.mount_path)
            facts = DiskGroupFacts(
                mount_path=group.mount_path,
                mode=group.mode,
                usage_pct=group.usage_pct if group.total_bytes else None,
                threshold_pct=group.threshold_pct,
                target_pct=group.target_pct,
                breached=group.breached,
                distrusted=group.blocked_reason,
                planned=len(group.deletions),
                planned_bytes=group.planned_bytes,
                bytes_to_free=group.bytes_to_free,
                in_flight=sum(1 for j in live if j.disk_group_id == group_id),
                pending_approval=sum(1 for a in pending if a.disk_group_id == group_id),
                deletions_enabled=prefs.get("deletionsEnabled") is True,
            )
            current[f"diskGroups[{group.mount_path}]"] = disk_group_condition(
                facts, now
            )
        planned_mounts = {g.mount_path for g in result.plan.groups}
        with self.store.read() as db:
            known = stored.disk_groups.list_all(db)
        for row in known:
            if row.mount_path in planned_mounts or row.last_seen_at is None:
                continue
            # A disk seen before but not reported now: say so, never drop it.
            current[f"diskGroups[{row.mount_path}]"] = disk_group_condition(
                DiskGroupFacts(
                    mount_path=row.mount_path,
                    mode=row.mode or prefs.get("defaultDiskGroupMode", "dry-run"),
                    usage_pct=None,
                    threshold_pct=row.threshold_pct,
                    target_pct=row.target_pct,
                    breached=False,
                    distrusted=None,
                    planned=0,
                    planned_bytes=0,
                    bytes_to_free=0,
                    in_flight=0,
                    pending_approval=0,
                    deletions_enabled=prefs.get("deletionsEnabled") is True,
                ),
                now,
            )
        for health in result.observation.health.values():
            failures = (
                0 if health.ok else self._failures.get(health.integration_id, 0) + 1
            )
            self._failures[health.integration_id] = failures
            facts_i = IntegrationFacts(
                name=health.name,
                enabled=True,
                ok=health.ok,
                error=health.error or None,
                failed_capabilities=tuple(health.failed_capabilities),
                consecutive_failures=failures,
            )
            current[f"integrations[{health.name}]"] = integration_condition(
                facts_i, now
            )
        with self._lock:
            self._conditions = merge_conditions(self._conditions, current)

    def drift(self) -> list[dict[str, Any]]:
        """Fields where the effective state differs from the manifests."""
        loaded = self.manifests.loaded
        if loaded is None:
            return []
        manifest_doc = documents.manifest_document(loaded.manifest)
        with self.store.read() as db:
            effective = documents.effective_document(db)
            changes = {c.key: c for c in _latest_changes(db)}
        effective = documents.restrict_to(effective, manifest_doc)
        out = []
        for change in diffing.drift(
            diffing.flatten(manifest_doc), diffing.flatten(effective)
        ):
            origin = changes.get(
                (change.path.section, change.path.key or change.path.field)
            )
            out.append(
                {
                    "path": str(change.path),
                    "manifest": _plain(change.old),
                    "effective": _plain(change.new),
                    "origin": origin.origin if origin else None,
                    "changedAt": origin.at.isoformat() if origin else None,
                }
            )
        return out

    def revert(self, target: list[int] | str, origin: str) -> list[str]:
        """Undo runtime changes: ``"all"`` drift, or the given change ids."""
        if target == "all":
            loaded = self.manifests.loaded
            if loaded is None:
                return []
            changes = revert_to_manifest(self.store, loaded, origin)
            lines = [c.describe() for c in changes]
        elif isinstance(target, list):
            lines = revert_changes(self.store, target, origin)
        else:
            raise ValueError(f"revert takes 'all' or change ids, not {target!r}")
        if lines:
            self.bus.publish(
                "settings_changed",
                f"Reverted {len(lines)} runtime change(s)",
                changes=lines[:50],
            )
        return lines

    def request_deletion(
        self, items: list[dict[str, Any]], origin: str
    ) -> dict[str, Any]:
        """A person asks to delete items: act in each item's disk-group mode.

        Only items the last cycle saw can be handled, and never one an
        ``always_keep`` rule protects: anything in doubt is refused with a reason.
        """
        last = self.cycles.last
        scored = {s.item.key: s for s in last.scored} if last else {}
        with self.store.read() as db:
            prefs = stored.get_preferences(db)
        accepted, refused = 0, []
        for entry in items:
            key = (int(entry["integrationId"]), str(entry["externalId"]))
            found = scored.get(key)
            reason = None
            if found is None:
                reason = "not seen in the last cycle; run a cycle first"
            elif found.protected:
                reason = "protected by an always_keep rule"
            mount = last.observation.item_mounts.get(key) if last else None
            group_id = last.group_ids.get(mount) if last and mount else None
            if reason is None and group_id is None:
                reason = "not on any disk group"
            if reason is not None or found is None or last is None:
                refused.append(
                    {"integrationId": key[0], "externalId": key[1], "reason": reason}
                )
                continue
            with self.store.read() as db:
                mode = stored.effective_mode(db, group_id)
            planned = PlannedDeletion(
                found,
                found.item.size_bytes,
                unmonitor=str(found.item.media_type) == "season",
            )
            group = SimpleNamespace(deletions=(planned,))
            if mode == "approval":
                columns = item_columns(planned)
                self.approvals.request({**columns, "disk_group_id": group_id})
            elif mode == "auto":
                self.deletions.enqueue_plan(
                    group,
                    "auto",
                    None,
                    group_id,
                    trigger="user",
                    add_exclusion=bool(prefs.get("addImportExclusion")),
                    delete_files=bool(prefs.get("deleteFiles", True)),
                )
                self.deletion_worker.wake()
            else:
                self.deletions.record_dry_run(group, group_id, reason="execution_mode")
            accepted += 1
        return {
            "queued": accepted,
            "total": len(items),
            "mode": prefs.get("defaultDiskGroupMode", "dry-run"),
            "refused": refused,
        }

    def export_document(self) -> dict[str, Any]:
        """The effective desired state as a manifest document (secrets as refs)."""
        with self.store.read() as db:
            return documents.effective_document(db)

    def status(self) -> dict[str, Any]:
        """The controller's status: generation, conditions, last cycle, drift."""
        m = self.manifests
        last = self.cycles.last
        with self._lock:
            conditions = {k: c.to_json() for k, c in self._conditions.items()}
        return {
            "version": self.version,
            "phase": self.cycles.phase,
            "cycleRunning": self.loop.running,
            "manifests": {
                "directory": str(m.directory) if m.directory else None,
                "generation": m.observed_digest,
                "gitCommit": git_commit_of(m.directory) if m.directory else None,
                "appliedGeneration": m.applied_digest,
                "appliedGitCommit": m.applied_commit,
                "appliedAt": m.applied_at.isoformat() if m.applied_at else None,
                "rejected": bool(m.rejected_errors),
                "errors": m.rejected_errors,
            },
            "conditions": conditions,
            "lastCycle": last.summary() if last else None,
            "drift": self.drift(),
        }


def digest_of(result: CycleResult) -> dict[str, Any]:
    """The cycle as the notification digest reads it: one entry per group."""
    groups = []
    for group in result.plan.groups:
        groups.append(
            {
                "mountPath": group.mount_path,
                "mode": group.mode,
                "evaluated": len(result.observation.items_in(group.mount_path)),
                "planned": len(group.deletions),
                "expectedBytes": group.planned_bytes,
                "usagePct": group.usage_pct if group.total_bytes else None,
                "thresholdPct": group.threshold_pct,
                "targetPct": group.target_pct,
                "items": [
                    {"title": d.item.title, "sizeBytes": d.expected_bytes}
                    for d in group.deletions[:10]
                ],
                "note": group.blocked_reason or "",
            }
        )
    return {"groups": groups, "durationMs": result.duration_ms}


def _plain(value: Any) -> Any:
    return None if value is diffing.ABSENT else value


@dataclass(frozen=True)
class _LatestChange:
    key: tuple[str, str]
    origin: str
    at: datetime


def _latest_changes(db: Any) -> list[_LatestChange]:
    from controller.store import changes as change_rows

    latest: dict[tuple[str, str], _LatestChange] = {}
    for change in change_rows.list_changes(db, limit=5000):
        key = (change.section, change.key)
        if key not in latest:
            latest[key] = _LatestChange(key, change.origin, change.at)
    return list(latest.values())


class WorkerControls:
    """The deletion worker and its queue, as the API sees them."""

    def __init__(self, worker: DeletionWorker, queue: DeletionQueue) -> None:
        self._worker = worker
        self._queue = queue

    def stats(self) -> dict[str, Any]:
        s = self._worker.stats()
        return {
            "workerRunning": s.running,
            "queueDepth": s.queue_depth,
            "currentlyDeleting": s.current_item,
            "processed": s.processed,
            "failed": s.failed,
            "graceRemainingSeconds": s.grace_remaining_seconds,
        }

    def jobs(self) -> list[DeletionJob]:
        return self._queue.jobs()

    def cancel(self, job_id: int) -> DeletionJob:
        return self._queue.cancel(job_id)

    def cancel_key(self, key: tuple[int, str]) -> DeletionJob:
        return self._queue.cancel_key(key)

    def clear(self) -> int:
        return self._queue.clear()

    def snooze(self, key: tuple[int, str]) -> datetime:
        return self._queue.snooze(key)

    def grace_period(self) -> dict[str, Any]:
        return self._queue.grace_period()

    def wake(self) -> None:
        self._worker.wake()
