"""The root of every error the controller raises on purpose.

Each package defines a small tree under :class:`CapacitarrError` so callers can
catch the controller's own failures without swallowing programming errors.
"""


class CapacitarrError(Exception):
    """Base class for every error the controller raises deliberately."""
