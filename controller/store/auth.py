"""Users, API keys and persisted application secrets.

Passwords and API keys arrive here already hashed; this module never sees a
plaintext credential. ``app_secrets`` keeps values such as the JWT signing secret
so sessions survive a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from controller.store.errors import DuplicateKey, RecordNotFound
from controller.store.records import from_row
from controller.store.timestamps import to_text


@dataclass(frozen=True, slots=True)
class User:
    """A person who may sign in."""

    id: int
    username: str
    password_hash: str = field(repr=False)
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A hashed API key and the last four characters shown as a hint."""

    id: int
    user_id: int
    key_hash: str = field(repr=False)
    hint: str
    created_at: datetime


def create_user(
    db: Database, username: str, password_hash: str, *, at: datetime
) -> User:
    """Insert a user; raises :class:`DuplicateKey` when the name is taken."""
    if find_user(db, username) is not None:
        raise DuplicateKey("users", username)
    cursor = db.execute(
        "INSERT INTO users (username, password_hash, created_at, updated_at) "
        "VALUES (?, ?, ?, ?)",
        [username, password_hash, to_text(at), to_text(at)],
    )
    assert cursor.lastrowid is not None
    return get_user(db, cursor.lastrowid)


def get_user(db: Database, user_id: int) -> User:
    """Return the user or raise :class:`RecordNotFound`."""
    row = next(db.query("SELECT * FROM users WHERE id = ?", [user_id]), None)
    if row is None:
        raise RecordNotFound("users", user_id)
    return from_row(User, row)


def find_user(db: Database, username: str) -> User | None:
    """Return the user with this name, if any."""
    row = next(db.query("SELECT * FROM users WHERE username = ?", [username]), None)
    return None if row is None else from_row(User, row)


def count_users(db: Database) -> int:
    """Return how many users exist (0 means first-run setup)."""
    return int(db.execute("SELECT COUNT(*) FROM users").fetchone()[0])


def update_user(
    db: Database,
    user_id: int,
    *,
    at: datetime,
    username: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Change a user's name and/or password hash."""
    user = get_user(db, user_id)
    if username and username != user.username:
        if find_user(db, username) is not None:
            raise DuplicateKey("users", username)
        db.execute("UPDATE users SET username = ? WHERE id = ?", [username, user_id])
    if password_hash:
        db.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, user_id]
        )
    db.execute("UPDATE users SET updated_at = ? WHERE id = ?", [to_text(at), user_id])
    return get_user(db, user_id)


def replace_api_key(
    db: Database, user_id: int, key_hash: str, hint: str, *, at: datetime
) -> ApiKey:
    """Store a new key for the user, removing any previous one."""
    db.execute("DELETE FROM api_keys WHERE user_id = ?", [user_id])
    cursor = db.execute(
        "INSERT INTO api_keys (user_id, key_hash, hint, created_at) "
        "VALUES (?, ?, ?, ?)",
        [user_id, key_hash, hint, to_text(at)],
    )
    row = next(db.query("SELECT * FROM api_keys WHERE id = ?", [cursor.lastrowid]))
    return from_row(ApiKey, row)


def api_key_for_user(db: Database, user_id: int) -> ApiKey | None:
    """Return the user's key record, if one exists."""
    row = next(db.query("SELECT * FROM api_keys WHERE user_id = ?", [user_id]), None)
    return None if row is None else from_row(ApiKey, row)


def user_for_key_hash(db: Database, key_hash: str) -> User | None:
    """Return the owner of a hashed key, if the key is known."""
    row = next(
        db.query(
            "SELECT users.* FROM users JOIN api_keys ON api_keys.user_id = users.id "
            "WHERE api_keys.key_hash = ?",
            [key_hash],
        ),
        None,
    )
    return None if row is None else from_row(User, row)


def get_or_create_secret(
    db: Database, name: str, factory: Callable[[], str], *, at: datetime
) -> str:
    """Return the stored secret ``name``, creating it with ``factory`` once."""
    row = db.execute("SELECT value FROM app_secrets WHERE name = ?", [name]).fetchone()
    if row is not None:
        return str(row[0])
    value = factory()
    db.execute(
        "INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?)",
        [name, value, to_text(at)],
    )
    return value
