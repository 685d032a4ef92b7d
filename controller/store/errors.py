"""Errors raised by the store.

Every failure to open, migrate or find something in the database surfaces as a
:class:`StoreError` (or a subclass) carrying the path or the key involved, so the
API can map it to a status and a person can act on the message.
"""

from __future__ import annotations

from controller.errors import CapacitarrError


class StoreError(CapacitarrError):
    """The database could not be opened, migrated or written."""


class RecordNotFound(StoreError):
    """A row looked up by id or natural key does not exist.

    Attributes:
        table: the table that was searched.
        key: the id or natural key that was not found.
    """

    def __init__(self, table: str, key: object) -> None:
        self.table = table
        self.key = key
        super().__init__(f"{table}: no row for {key!r}")


class DuplicateKey(StoreError):
    """A row with the same natural key already exists.

    Attributes:
        table: the table written to.
        key: the natural key that collided.
    """

    def __init__(self, table: str, key: object) -> None:
        self.table = table
        self.key = key
        super().__init__(f"{table}: a row for {key!r} already exists")
