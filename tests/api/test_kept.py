"""Kept response bodies: served again only while the store is unchanged."""

from __future__ import annotations

import threading

from api.kept import KeptBodies
from controller.store import Store
from tests.api.test_resources import add_audit


def _counting(body: bytes = b"{}") -> tuple[list[int], object]:
    calls: list[int] = []

    def render() -> bytes:
        calls.append(1)
        return body

    return calls, render


def test_a_body_is_rendered_once_per_store_generation() -> None:
    """Check that a write to the store makes the next request render again."""
    store = Store.memory()
    kept = KeptBodies(store)
    calls, render = _counting()
    assert kept.body("k", render) == b"{}"
    kept.body("k", render)
    assert len(calls) == 1
    with store.write() as db:
        db.execute("UPDATE lifetime_stats SET total_engine_runs = 1")
    kept.body("k", render)
    assert len(calls) == 2
    store.close()


def test_a_failed_write_keeps_the_bodies() -> None:
    """Check that a rolled-back transaction does not count as a change."""
    store = Store.memory()
    kept = KeptBodies(store)
    calls, render = _counting()
    kept.body("k", render)
    try:
        with store.write():
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    kept.body("k", render)
    assert len(calls) == 1
    store.close()


def test_bodies_expire_after_max_age_and_keys_are_separate() -> None:
    """Check max_age against the given clock, and one body per key."""
    store = Store.memory()
    now = [100.0]
    kept = KeptBodies(store, max_age=5, clock=lambda: now[0])
    calls, render = _counting()
    kept.body("a", render)
    kept.body("b", render)
    assert len(calls) == 2
    now[0] += 5
    kept.body("a", render)
    assert len(calls) == 2
    now[0] += 0.5
    kept.body("a", render)
    assert len(calls) == 3
    store.close()


def test_a_body_rendered_across_a_write_is_not_kept() -> None:
    """Check that a body that may predate a commit is served once, not kept."""
    store = Store.memory()
    kept = KeptBodies(store)
    renders: list[int] = []

    def render_while_writing() -> bytes:
        renders.append(1)
        if len(renders) == 1:
            done = threading.Event()

            def write() -> None:
                with store.write() as db:
                    db.execute("UPDATE lifetime_stats SET total_engine_runs = 2")
                done.set()

            threading.Thread(target=write).start()
            done.wait(5)
        return b"[]"

    kept.body("k", render_while_writing)
    kept.body("k", render_while_writing)
    kept.body("k", render_while_writing)
    assert len(renders) == 2
    store.close()


def test_the_least_recently_used_body_goes_first() -> None:
    """Check the size bound."""
    store = Store.memory()
    kept = KeptBodies(store, size=2)
    calls, render = _counting()
    for key in ("a", "b", "a", "c", "a", "b"):
        kept.body(key, render)
    # a, b rendered; a kept; c rendered (b dropped); a kept; b rendered again.
    assert len(calls) == 4
    store.close()


def test_the_audit_log_answers_a_new_entry_at_once(authed, runtime) -> None:
    """Check that a kept audit page never hides an entry written after it."""
    add_audit(runtime, "Serenity", "movie", "deleted", 5)
    first = authed.get("/audit-log").json
    again = authed.get("/audit-log").json
    assert first == again and first["total"] == 1
    assert len(authed.get("/audit-log/recent").json) == 1
    add_audit(runtime, "Firefly - Season 1", "season", "dry_delete", 7)
    after = authed.get("/audit-log").json
    assert after["total"] == 2
    assert after["data"][0]["mediaName"] == "Firefly - Season 1"
    assert len(authed.get("/audit-log/recent").json) == 2
    grouped = authed.get("/audit-log/grouped").json
    assert {g["type"] for g in grouped} == {"group", "single"}


def test_the_dashboard_follows_a_completed_run(authed, runtime) -> None:
    """Check that lifetime figures move as soon as a run is recorded."""
    from controller.store import runs

    before = authed.get("/dashboard-stats").json
    with runtime.store.write() as db:
        run_id = runs.start(db, mode="dry-run", at=runtime.store.now())
        runs.complete(db, run_id, at=runtime.store.now(), evaluated=3)
    after = authed.get("/dashboard-stats").json
    assert after["totalEngineRuns"] == before["totalEngineRuns"] + 1


def test_preview_pages_and_shapes(authed, runtime) -> None:
    """Check offset/limit pages, the full shape, and a changed preview."""
    runtime.preview_items = [
        {"item": {"title": f"T{n}"}, "score": 1 - n / 10, "isProtected": n == 2}
        for n in range(5)
    ]
    whole = authed.get("/preview").json
    assert [e["item"]["title"] for e in whole] == ["T0", "T1", "T2", "T3", "T4"]
    assert [e["protected"] for e in whole] == [False, False, True, False, False]
    page = authed.get("/preview", query_string="offset=1&limit=2").json
    assert [e["item"]["title"] for e in page] == ["T1", "T2"]
    assert authed.get("/preview", query_string="offset=4&limit=9").json == whole[4:]
    assert authed.get("/preview", query_string="offset=9").json == []
    full = authed.get("/preview", query_string="format=full&limit=1").json
    assert full["diskContext"] is None and len(full["items"]) == 1
    runtime.preview_items = runtime.preview_items[:1]
    assert len(authed.get("/preview").json) == 1
