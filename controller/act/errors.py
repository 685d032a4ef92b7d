"""Errors raised when acting on the approval and deletion queues.

The API maps them: :class:`DeletionsDisabled` to 409, :class:`InvalidTransition`
to 400, :class:`NotQueued` to 404 (as is ``controller.store.RecordNotFound``).
"""

from __future__ import annotations

from controller.errors import CapacitarrError


class ActError(CapacitarrError):
    """Base class for failures of the approval and deletion services."""


class DeletionsDisabled(ActError):
    """An approval was refused because ``deletionsEnabled`` is false.

    Attributes:
        entry_id: the approval row that stays pending.
    """

    def __init__(self, entry_id: int) -> None:
        self.entry_id = entry_id
        super().__init__(
            f"approval {entry_id} refused: deletions are disabled "
            "(preferences.deletionsEnabled is false)"
        )


class InvalidTransition(ActError):
    """An approval row is not in a state that allows the requested change.

    Attributes:
        entry_id: the row.
        status: its current status.
        action: what was asked (approve, reject, unsnooze, dismiss).
    """

    def __init__(self, entry_id: int, status: str, action: str) -> None:
        self.entry_id = entry_id
        self.status = status
        self.action = action
        super().__init__(f"cannot {action} approval {entry_id}: it is {status}")


class NotQueued(ActError):
    """The item is not waiting in the deletion queue.

    Attributes:
        key: the job id or ``(integration_id, external_id)`` asked for.
    """

    def __init__(self, key: object) -> None:
        self.key = key
        super().__init__(f"{key!r} is not in the deletion queue")
