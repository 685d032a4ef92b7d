"""The SQLite database behind the controller: connections, writes, migrations.

One :class:`Store` per process. Every write from every thread goes through the
single writer connection, taken with ``with store.write() as tx:`` which holds a
lock and an ``IMMEDIATE`` transaction; reads use ``with store.read() as db:`` and
get a connection of their own per thread (WAL lets them run beside the writer).
Repositories in this package take the yielded ``sqlite_utils.Database`` and never
open connections themselves.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from controller.store.errors import StoreError
from controller.store.migrations import MIGRATIONS, Migration
from controller.store.timestamps import to_text, utc_now

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("/config/capacitarr.db")
ENV_VAR = "CAPACITARR_DB"
BUSY_TIMEOUT_MS = 5000

Clock = Callable[[], datetime]
# What ``store.write()`` and ``store.read()`` yield; code outside the store
# names it through this alias so only the store imports SQLite libraries.
Transaction = Database
_memory_names = itertools.count(1)


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the database file to use: the argument, else $CAPACITARR_DB, else
    the default ``/config/capacitarr.db``."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def _check_location(path: Path) -> None:
    folder = path.parent
    hint = f"create it or point {ENV_VAR} at a file in a writable folder"
    if not folder.exists():
        raise StoreError(f"database folder {folder} does not exist ({path}); {hint}")
    if not folder.is_dir():
        raise StoreError(f"database folder {folder} is not a folder ({path}); {hint}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(
            f"database folder {folder} is not writable ({path}); give the "
            f"controller's user write access to it or {hint}"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(
            f"database file {path} is not readable and writable; fix its "
            "permissions or choose another file"
        )


class Store:
    """The controller's database, safe to share between threads.

    Use :meth:`open` for a file and :meth:`memory` for tests. ``clock`` is the
    time source every repository and service reads through :meth:`now`.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        *,
        label: str,
        shared_reader: bool,
        clock: Clock = utc_now,
    ) -> None:
        self.label = label
        self.clock = clock
        self._connect = connect
        self._shared_reader = shared_reader
        self._lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._writer = Database(connect())
        self._closed = False
        self._generation = 0

    @property
    def generation(self) -> int:
        """A number that grows with every committed write transaction.

        Whatever was computed from the store while it read ``g`` is still
        current as long as it reads ``g``: callers key kept results on it.
        """
        return self._generation

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        clock: Clock = utc_now,
        migrations: list[Migration] | None = None,
    ) -> Store:
        """Open (creating if needed) and migrate the database file.

        Args:
            path: the file; defaults to $CAPACITARR_DB, then /config/capacitarr.db.
            clock: time source for timestamps.
            migrations: override of the migration list (tests only).

        Raises:
            StoreError: the folder is missing or not writable, or SQLite refused.
        """
        file = resolve_path(path)
        _check_location(file)

        def connect() -> sqlite3.Connection:
            return _configure(
                sqlite3.connect(
                    str(file), check_same_thread=False, isolation_level=None
                ),
                wal=True,
            )

        try:
            store = cls(connect, label=str(file), shared_reader=False, clock=clock)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {file}: {exc}") from exc
        store.migrate(MIGRATIONS if migrations is None else migrations)
        return store

    @classmethod
    def memory(
        cls, *, clock: Clock = utc_now, migrations: list[Migration] | None = None
    ) -> Store:
        """Return a migrated in-memory database shared by all threads (tests)."""
        name = f"memory-{next(_memory_names)}"

        def connect() -> sqlite3.Connection:
            return _configure(
                sqlite3.connect(
                    ":memory:", check_same_thread=False, isolation_level=None
                ),
                wal=False,
            )

        store = cls(connect, label=name, shared_reader=True, clock=clock)
        store.migrate(MIGRATIONS if migrations is None else migrations)
        return store

    def now(self) -> datetime:
        """Return the store's current time (the injected clock)."""
        return self.clock()

    @contextmanager
    def write(self) -> Iterator[Database]:
        """Yield the writer inside a transaction; commit on exit, roll back on error.

        Nested use on the same thread joins the outer transaction through a
        savepoint, so a repository call can be composed into a larger change.
        """
        with self._lock:
            self._ensure_open()
            outer = self._depth == 0
            self._owner = threading.get_ident()
            self._depth += 1
            try:
                if outer:
                    yield from self._transaction()
                else:
                    with self._writer.atomic():
                        yield self._writer
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None

    def _transaction(self) -> Iterator[Database]:
        conn = self._writer.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._writer
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._generation += 1

    @contextmanager
    def read(self) -> Iterator[Database]:
        """Yield a connection for reading.

        Inside :meth:`write` on the same thread this is the writer, so reads see
        the transaction's own changes. An in-memory store has one connection and
        serialises readers with the writer.
        """
        if self._owner == threading.get_ident() or self._shared_reader:
            with self._lock:
                self._ensure_open()
                yield self._writer
            return
        self._ensure_open()
        db = getattr(self._local, "db", None)
        if db is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            with self._readers_lock:
                self._readers.append(conn)
            db = Database(conn)
            self._local.db = db
        yield db

    def migrate(self, migrations: list[Migration]) -> list[str]:
        """Apply every migration not yet recorded, each in its own transaction.

        Returns:
            The names applied now, in order.
        """
        with self.write() as tx:
            tx.execute(
                "CREATE TABLE IF NOT EXISTS migrations ("
                "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        applied: list[str] = []
        for name, step in migrations:
            with self.write() as tx:
                done = tx.execute(
                    "SELECT 1 FROM migrations WHERE name = ?", [name]
                ).fetchone()
                if done:
                    continue
                try:
                    if callable(step):
                        step(tx, self.now())
                    else:
                        for statement in split_statements(step):
                            tx.execute(statement)
                except sqlite3.Error as exc:
                    raise StoreError(
                        f"migration {name} failed on {self.label}: {exc}"
                    ) from exc
                tx.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                    [name, to_text(self.now())],
                )
            log.info("store %s: applied migration %s", self.label, name)
            applied.append(name)
        return applied

    def applied_migrations(self) -> list[str]:
        """Return the names of the migrations recorded in the database."""
        with self.read() as db:
            rows = db.execute("SELECT name FROM migrations ORDER BY rowid").fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            with self._readers_lock:
                for conn in self._readers:
                    conn.close()
                self._readers.clear()
            self._writer.conn.close()

    def _ensure_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.label} is closed")


def _configure(conn: sqlite3.Connection, *, wal: bool) -> sqlite3.Connection:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers stay whole)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
