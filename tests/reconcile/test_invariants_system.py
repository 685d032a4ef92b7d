"""Check the safety invariants of PRODUCT.md on the whole system.

A runtime over the simulators, disk groups in ``auto`` mode, the real deletion
worker: what the *arr simulators receive is the proof. Invariants 4, 6 and 8 are
proven on the worker in tests/act; 1 and 5 also as property tests in tests/engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

from controller.store import desired as stored
from simulators.harness import SERVICES
from tests.reconcile.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
ARRS = ("sonarr", "radarr", "lidarr", "readarr")
AUTO_RULES = """
diskGroups:
  - mountPath: /data/media
    thresholdPct: 85
    targetPct: 80
    mode: auto
  - mountPath: /data/music
    thresholdPct: 85
    targetPct: 80
    mode: auto
"""


def go_auto(manifests: Path, rules: str = "") -> None:
    desired = manifests / "desired.yaml"
    text = desired.read_text()
    head = text.split("diskGroups:")[0]
    tail = text.split("rules:")[1] if "rules:" in text else ""
    desired.write_text(head + AUTO_RULES + ("\nrules:" + tail if tail else "") + rules)


def fast_worker(runtime) -> None:
    with runtime.store.write() as db:
        stored.set_preferences(
            db,
            "test",
            {"deletionQueueDelaySeconds": 0.2, "maxDeletionsPerRun": 5},
            at=runtime.store.now(),
        )


def deletes(sims) -> list[tuple[str, str]]:
    return [
        (name, r.path)
        for name in SERVICES
        for r in sims[name].requests
        if r.method == "DELETE"
    ]


def test_invariant_1_always_keep_is_never_deleted_in_auto_mode(
    make_runtime, manifests: Path, sims
) -> None:
    """Check that items matched by always_keep get no DELETE, even in auto mode."""
    go_auto(manifests)
    path = manifests / "keep.yaml"
    path.write_text(
        "rules:\n  - name: keep-all-movies\n    field: type\n    operator: '=='\n"
        "    value: movie\n    effect: always_keep\n"
    )
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    fast_worker(runtime)
    runtime.deletion_worker.start()
    result = runtime._run_cycle("test")
    planned = [d for g in result.plan.groups for d in g.deletions]
    assert planned and all(str(d.item.media_type) != "movie" for d in planned)
    assert wait_for(lambda: len(deletes(sims)) >= 1, 30)
    assert wait_for(lambda: runtime.worker.stats()["queueDepth"] == 0, 60)
    assert not any(name == "radarr" for name, _ in deletes(sims))


def test_invariant_3_deletions_go_through_the_owning_arr_api(
    make_runtime, manifests: Path, sims
) -> None:
    """Check that every planned item is deleted by a DELETE to the *arr owning it."""
    go_auto(manifests)
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    fast_worker(runtime)
    runtime.deletion_worker.start()
    result = runtime._run_cycle("test")
    planned = [d for g in result.plan.groups for d in g.deletions]
    assert planned
    assert wait_for(lambda: runtime.worker.stats()["queueDepth"] == 0, 60)
    with runtime.store.read() as db:
        owners = {i.id: i.type for i in stored.integrations.list_all(db)}
    received = deletes(sims)
    for deletion in planned:
        owner = owners[deletion.item.integration_id]
        if str(deletion.item.media_type) == "season":
            # Seasons go as their episode files, by id in the request body.
            wanted = "/episodefile"
        else:
            wanted = "/" + deletion.item.external_id
        assert any(name == owner and wanted in path for name, path in received), (
            f"{deletion.item.title} was not deleted through {owner}"
        )
    assert {name for name, _ in received} <= set(ARRS)


def test_invariant_3_no_product_code_touches_media_files() -> None:
    """Check that no product module removes files or folders itself."""
    forbidden = {"unlink", "rmtree", "remove", "rmdir", "removedirs"}
    for path in [
        *ROOT.joinpath("controller").rglob("*.py"),
        *ROOT.joinpath("api").rglob("*.py"),
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in forbidden:
                owner = ast.unparse(node.value)
                # List and set .remove() are not file operations.
                assert owner not in {"os", "shutil", "os.path"} and not owner.endswith(
                    ("path", "Path", "file")
                ), f"{path.relative_to(ROOT)} calls {owner}.{node.attr}"


def test_invariant_7_nothing_deleted_when_an_arr_failed(
    make_runtime, manifests: Path, sims
) -> None:
    """Check that a failing Radarr blocks the disk group it stores media on."""
    go_auto(manifests)
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    fast_worker(runtime)
    sims["radarr"].faults.set("http_500", path_prefix="/api/v3/movie")
    result = runtime._run_cycle("test")
    media = next(g for g in result.plan.groups if g.mount_path == "/data/media")
    assert media.blocked_reason and not media.deletions
    condition = runtime.status()["conditions"]["diskGroups[/data/media]"]
    assert condition["type"] == "Degraded"
    with runtime.store.read() as db:
        queued = db.execute(
            "SELECT COUNT(*) FROM deletion_queue WHERE disk_group_id = ?",
            [result.group_ids["/data/media"]],
        ).fetchone()[0]
    assert queued == 0
    assert not [p for name, p in deletes(sims) if name in ("sonarr", "radarr")]


def test_invariant_7_a_library_that_shrank_suddenly_is_distrusted(
    make_runtime, manifests: Path, sims
) -> None:
    """Check that an empty Sonarr library after a full one blocks deletions."""
    go_auto(manifests)
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    fast_worker(runtime)
    runtime._run_cycle("first")
    with runtime.store.write() as db:
        db.execute("DELETE FROM deletion_queue")
    sims["sonarr"].faults.set("empty_library")
    second = runtime._run_cycle("second")
    media = next(g for g in second.plan.groups if g.mount_path == "/data/media")
    assert media.blocked_reason, "a vanished library was trusted"
    assert "sonarr" in media.blocked_reason.lower() or "shr" in media.blocked_reason


def test_invariant_1_keep_rule_without_its_data_blocks_every_group(
    make_runtime, manifests: Path, sims
) -> None:
    """Check that a keep rule on request data blocks deletions while Seerr fails."""
    go_auto(manifests)
    (manifests / "keep.yaml").write_text(
        "rules:\n  - name: keep-requested-items\n    field: requested\n"
        "    operator: '=='\n    value: 'true'\n    effect: always_keep\n"
    )
    runtime = make_runtime()
    runtime.reload_manifests(trigger=False)
    sims["seerr"].faults.set("http_500")
    result = runtime._run_cycle("test")
    for group in result.plan.groups:
        assert not group.deletions, f"{group.mount_path} planned deletions"
        assert group.blocked_reason
    music = next(g for g in result.plan.groups if g.mount_path == "/data/music")
    assert "keep-requested-items" in music.blocked_reason
