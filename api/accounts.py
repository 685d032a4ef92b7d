"""Users, passwords and API keys as the API needs them, over the store.

Bootstrapping: ``ensure_admin`` creates the ``admin`` user from a configured
password when no user exists; otherwise the first successful login creates it
with the password given. The JWT secret is created once and kept in the store.
"""

from __future__ import annotations

import secrets
from typing import Any

from api.auth import DEFAULT_USERNAME, SECRET_NAME, hash_password, new_api_key
from controller.store import auth as repo
from controller.store import reports
from controller.store.errors import DuplicateKey, RecordNotFound


class Accounts:
    """The user store seen through the API's eyes."""

    def __init__(self, store: Any):
        self._store = store
        # Key hash -> owner, valid for one store generation (a revoked key or
        # a removed user is a write, which empties it). Only known keys enter.
        self._owners: dict[str, str] = {}
        self._owners_generation = -1

    def jwt_secret(self) -> str:
        """The persisted signing secret, created on first use."""
        with self._store.write() as db:
            return repo.get_or_create_secret(
                db, SECRET_NAME, lambda: secrets.token_hex(32), at=self._store.now()
            )

    def count(self) -> int:
        """How many users exist."""
        with self._store.read() as db:
            return repo.count_users(db)

    def default_username(self) -> str | None:
        """The single admin's name (the oldest user), or None before setup."""
        return reports.first_username(self._store)

    def password_hash(self, username: str) -> str | None:
        """The stored hash for ``username``, or None when there is no such user."""
        with self._store.read() as db:
            user = repo.find_user(db, username)
        return None if user is None else user.password_hash

    def username_for_key(self, key_hash: str) -> str | None:
        """The owner of a hashed API key, or None."""
        generation = self._store.generation
        if generation != self._owners_generation:
            self._owners = {}
            self._owners_generation = generation
        owners = self._owners
        if key_hash in owners:
            return owners[key_hash]
        with self._store.read() as db:
            user = repo.user_for_key_hash(db, key_hash)
        if user is None:
            return None
        if self._store.generation == generation:
            owners[key_hash] = user.username
        return user.username

    def ensure_admin(self, password: str, *, rounds: int = 12) -> bool:
        """Create ``admin`` with ``password`` when no user exists yet."""
        if self.count():
            return False
        return self.bootstrap(DEFAULT_USERNAME, hash_password(password, rounds))

    def bootstrap(self, username: str, password_hash: str) -> bool:
        """Create the first user; False when some user already exists."""
        with self._store.write() as db:
            if repo.count_users(db):
                return False
            repo.create_user(db, username, password_hash, at=self._store.now())
        return True

    def set_password(self, username: str, password_hash: str) -> None:
        """Replace a user's password hash."""
        with self._store.write() as db:
            user = _user(db, username)
            repo.update_user(
                db, user.id, password_hash=password_hash, at=self._store.now()
            )

    def rename(self, username: str, new_username: str) -> None:
        """Rename a user; raises ``DuplicateKey`` when the name is taken."""
        with self._store.write() as db:
            user = _user(db, username)
            if repo.find_user(db, new_username) is not None:
                raise DuplicateKey("users", new_username)
            repo.update_user(db, user.id, username=new_username, at=self._store.now())

    def new_api_key(self, username: str) -> tuple[str, str]:
        """Replace the user's API key; returns the key (shown once) and its hint."""
        key, key_hash, hint = new_api_key()
        with self._store.write() as db:
            user = _user(db, username)
            repo.replace_api_key(db, user.id, key_hash, hint, at=self._store.now())
        return key, hint

    def api_key_hint(self, username: str) -> str | None:
        """The hint of the user's key, or None when the user has none."""
        with self._store.read() as db:
            record = repo.api_key_for_user(db, _user(db, username).id)
        return None if record is None else record.hint


def _user(db: Any, username: str) -> repo.User:
    user = repo.find_user(db, username)
    if user is None:
        raise RecordNotFound("users", username)
    return user
