"""Persistence for the controller: one SQLite database behind :class:`Store`.

``Store`` owns connections, the single writer and migrations; the modules beside
it are small repositories of plain functions that take the ``sqlite_utils``
database yielded by ``store.write()`` or ``store.read()``.
"""

from controller.store.database import (
    DEFAULT_PATH,
    ENV_VAR,
    Store,
    Transaction,
    resolve_path,
)
from controller.store.errors import DuplicateKey, RecordNotFound, StoreError

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "DuplicateKey",
    "RecordNotFound",
    "Store",
    "StoreError",
    "Transaction",
    "resolve_path",
]
