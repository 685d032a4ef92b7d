"""Observed state: what the integrations report this cycle, and how far to trust it.

``observe(integrations, previous, now)`` fetches every integration at once,
maps paths, builds disk groups, enriches items and returns an
:class:`~controller.observe.model.Observation` whose ``sanity`` report says
which disk groups may be acted on.
"""

from controller.observe.cycle import observe
from controller.observe.model import (
    CapabilityStatus,
    DiskGroupObservation,
    IntegrationHealth,
    IntegrationSpec,
    Observation,
    Outcome,
)
from controller.observe.sanity import (
    Finding,
    GroupVerdict,
    ObservationBaseline,
    SanityReport,
    SanitySettings,
    assess,
)

__all__ = [
    "CapabilityStatus",
    "DiskGroupObservation",
    "Finding",
    "GroupVerdict",
    "IntegrationHealth",
    "IntegrationSpec",
    "Observation",
    "ObservationBaseline",
    "Outcome",
    "SanityReport",
    "SanitySettings",
    "assess",
    "observe",
]
