"""A digest of everything a plan came from, equal for equal inputs.

:func:`controller.engine.plan.build_plan` feeds it the desired settings, weights,
rules, integration health, disk readings, skips and every item's key, size and
score (rounded as the ordering rounds it), so the reconciler can tell whether a
new plan differs from the one a person reviewed. The clock only counts through
the scores it produced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from controller.engine.factors import ScoringContext
from controller.engine.ordering import Ordered
from controller.engine.rules import CompiledRules

if TYPE_CHECKING:
    from controller.engine.plan import DiskGroupSpec, DiskUsage, PlanLimits


class PlanDigest:
    """A sha256 over a canonical JSON rendering of a plan's inputs, fed in order."""

    def __init__(
        self,
        weights: Mapping[str, float],
        rules: CompiledRules,
        context: ScoringContext,
        tiebreaker: str,
        limits: PlanLimits,
        unmonitor_seasons: bool,
    ) -> None:
        self._hash = hashlib.sha256(b"capacitarr-plan-v2\n")
        every_rule = [c.rule for c in rules.rules] + [i.rule for i in rules.ignored]
        self._add(
            {
                "weights": sorted((k, int(max(0, v))) for k, v in weights.items()),
                "rules": [asdict(rule) for rule in every_rule],
                "context": {k: sorted(v) for k, v in asdict(context).items()},
                "tiebreaker": tiebreaker,
                "limits": asdict(limits),
                "unmonitorSeasons": unmonitor_seasons,
            }
        )

    def _add(self, value: Any) -> None:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        self._hash.update(text.encode())
        self._hash.update(b"\n")

    def add_group(
        self,
        spec: DiskGroupSpec,
        usage: DiskUsage | None,
        skip: Mapping[tuple[int, str], str],
        distrusted: str | None,
        ordered: Ordered,
    ) -> None:
        """Add one group's inputs; ``ordered`` is its items in planning order."""
        self._add(
            {
                "spec": asdict(spec),
                "usage": asdict(usage) if usage else None,
                "skip": sorted([list(key), why] for key, why in skip.items()),
                "distrusted": distrusted,
            }
        )
        # Each column whole, in planning order: the external ids unit-separated,
        # then integration ids, sizes, scores (rounded as the ordering rounds
        # them) and protection as little-endian 64-bit integers.
        ids = "\x1f".join(ordered.external_ids)
        self._hash.update(ids.encode("utf-8", "surrogatepass"))
        self._hash.update(b"\n")
        for column in (
            ordered.integration_ids,
            ordered.sizes,
            ordered.steps,
            ordered.protected,
        ):
            self._hash.update(column.astype("<i8").tobytes())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
