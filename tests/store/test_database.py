"""Check opening, migrating and writing to the store with real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from controller.store import Store, StoreError
from controller.store.migrations import MIGRATIONS


def test_migrations_apply_once_and_are_recorded(tmp_path):
    """Check that reopening applies only migrations not yet recorded."""
    path = tmp_path / "capacitarr.db"
    store = Store.open(path)
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    store.close()

    extra = [*MIGRATIONS, ("9999_extra", "CREATE TABLE extra (id INTEGER);")]
    store = Store.open(path, migrations=extra)
    assert store.applied_migrations()[-1] == "9999_extra"
    assert store.migrate(extra) == []
    with store.read() as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM preferences").fetchone()[0] > 0
    store.close()


def test_failed_migration_is_not_recorded(tmp_path):
    """Check that a broken migration rolls back whole and names itself."""
    broken = [*MIGRATIONS, ("9999_broken", "CREATE TABLE ok (id INTEGER);\nNOPE;")]
    with pytest.raises(StoreError, match="9999_broken"):
        Store.open(tmp_path / "x.db", migrations=broken)
    store = Store.open(tmp_path / "x.db")
    assert "9999_broken" not in store.applied_migrations()
    with store.read() as db:
        assert not db["ok"].exists()
    store.close()


def test_missing_folder_is_a_clear_error(tmp_path):
    """Check that a missing folder names the path and what to do."""
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path / "nowhere" / "capacitarr.db")
    assert str(tmp_path / "nowhere") in str(info.value)
    assert "CAPACITARR_DB" in str(info.value)


def test_parent_that_is_a_file_is_a_clear_error(tmp_path):
    """Check that a file in place of the folder is reported."""
    (tmp_path / "config").write_text("not a folder")
    with pytest.raises(StoreError, match="not a folder"):
        Store.open(tmp_path / "config" / "capacitarr.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_not_writable_folder_is_a_clear_error(tmp_path):
    """Check that a read-only folder is refused before SQLite fails obscurely."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            Store.open(folder / "capacitarr.db")
    finally:
        folder.chmod(0o700)


def test_env_var_chooses_the_file(tmp_path, monkeypatch):
    """Check that CAPACITARR_DB overrides the default path."""
    monkeypatch.setenv("CAPACITARR_DB", str(tmp_path / "env.db"))
    store = Store.open()
    assert store.label == str(tmp_path / "env.db")
    store.close()
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize("kind", ["file", "memory"])
def test_concurrent_writers_from_many_threads(tmp_path, kind):
    """Check that 8 threads writing and reading at once lose nothing."""
    store = Store.open(tmp_path / "c.db") if kind == "file" else Store.memory()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                with store.write() as tx:
                    tx.execute(
                        "INSERT INTO activity_events (event_id, event_type, message,"
                        " created_at) VALUES (?, 't', 'm', 'x')",
                        [f"{n}-{i}"],
                    )
                with store.read() as db:
                    db.execute("SELECT COUNT(*) FROM activity_events").fetchone()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM activity_events").fetchone()[0] == 400
    store.close()


def test_write_rolls_back_on_error_and_nests(tmp_path):
    """Check rollback of a failed transaction and that nested writes join."""
    store = Store.open(tmp_path / "r.db")
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.execute("INSERT INTO app_secrets VALUES ('a', 'b', 'c')")
        raise RuntimeError("boom")
    with store.write() as tx:
        tx.execute("INSERT INTO app_secrets VALUES ('x', 'y', 'z')")
        with store.write() as inner:
            inner.execute("INSERT INTO app_secrets VALUES ('p', 'q', 'r')")
        with store.read() as same:
            assert same.execute("SELECT COUNT(*) FROM app_secrets").fetchone()[0] == 2
    with store.read() as db:
        names = [r[0] for r in db.execute("SELECT name FROM app_secrets ORDER BY 1")]
    assert names == ["p", "x"]
    store.close()


def test_readers_cannot_write(tmp_path):
    """Check that reader connections are query-only."""
    store = Store.open(tmp_path / "q.db")
    with pytest.raises(sqlite3.OperationalError), store.read() as db:
        db.execute("INSERT INTO app_secrets VALUES ('a', 'b', 'c')")
    store.close()
