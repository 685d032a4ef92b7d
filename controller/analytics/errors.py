"""Errors raised by the analytics functions when they are called wrongly."""

from __future__ import annotations

from controller.errors import CapacitarrError


class AnalyticsError(CapacitarrError):
    """Base class for analytics errors."""


class UnknownResolutionError(AnalyticsError):
    """A metrics resolution name is not one of raw, hourly, daily, weekly.

    Attributes:
        resolution: the offending name.
    """

    def __init__(self, resolution: str) -> None:
        super().__init__(
            f"unknown metrics resolution {resolution!r}; "
            "expected raw, hourly, daily or weekly"
        )
        self.resolution = resolution


class RollupDirectionError(AnalyticsError):
    """A rollup was asked to go from a coarser resolution to a finer one.

    Attributes:
        source: the resolution rolled up from.
        target: the resolution rolled up to.
    """

    def __init__(self, source: str, target: str) -> None:
        super().__init__(
            f"cannot roll {source!r} rows up into {target!r}: the target must be "
            "coarser than the source"
        )
        self.source = source
        self.target = target
