"""What every resource shares: the runtime, auth helpers, limits and the clock.

``create_app`` builds one ``ApiContext`` and hands it to each resource module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from api.ratelimit import RateLimit


@dataclass
class Limits:
    """The rate limits that guard expensive or sensitive calls."""

    login: RateLimit
    engine_run: RateLimit
    integration_test: RateLimit

    @classmethod
    def standard(cls, clock: Callable[[], float] = time.monotonic) -> Limits:
        """Logins 10 per 15 min, engine runs 5 per 5 min, tests 30 per 5 min."""
        return cls(
            login=RateLimit(10, 15 * 60, clock=clock),
            engine_run=RateLimit(5, 5 * 60, clock=clock),
            integration_test=RateLimit(30, 5 * 60, clock=clock),
        )


@dataclass
class ApiContext:
    """Shared by all resources of one app.

    Attributes:
        runtime: the controller runtime (``controller.reconcile.runtime``).
        accounts: users, passwords and API keys (``api.accounts.Accounts``).
        tokens: JWT issuer and verifier.
        limits: rate limits.
        clock: wall-clock seconds, injectable for tests.
        bcrypt_rounds: cost of new password hashes (tests use fewer rounds).
    """

    runtime: Any
    accounts: Any
    tokens: Any
    limits: Limits
    clock: Callable[[], float] = time.time
    bcrypt_rounds: int = 12
    version: str = "dev"
    commit: str = "unknown"
    build_date: str = "unknown"
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> Any:
        """The controller's store."""
        return self.runtime.store

    @property
    def bus(self) -> Any:
        """The controller's event bus."""
        return self.runtime.bus


def client_address(req: Any) -> str:
    """The address a rate limit is keyed by: the socket peer, not a header."""
    return str(req.remote_addr or "unknown")
