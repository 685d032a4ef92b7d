"""Analytics: dead and stale content, capacity forecast, metrics rollups.

Pure functions over media items and capacity history rows; they do no I/O. The
API calls the reports and the forecast; the metrics job in the reconciler calls
the rollup and retention functions and writes what they return to the store.

* :mod:`~controller.analytics.content` — dead and stale content reports;
* :mod:`~controller.analytics.forecast` — forecast and weekly growth;
* :mod:`~controller.analytics.rollups` — rollups into hourly, daily and weekly
  rows, and retention;
* :mod:`~controller.analytics.history` — the row, resolutions and the merged
  series the others read.
"""

from controller.analytics.content import (
    DeadReport,
    StaleReport,
    dead_content,
    in_disk_group,
    stale_content,
    staleness_score,
)
from controller.analytics.errors import (
    AnalyticsError,
    RollupDirectionError,
    UnknownResolutionError,
)
from controller.analytics.forecast import (
    LOOKBACK,
    Forecast,
    Growth,
    forecast,
    growth_bytes_per_week,
)
from controller.analytics.history import (
    PERIOD,
    RESOLUTIONS,
    HistoryRow,
    Resolution,
    bucket_start,
    coerce_row,
    merged_series,
)
from controller.analytics.rollups import (
    RETENTION,
    ROLLUP_SOURCE,
    expired,
    prune_cutoff,
    rollup,
    rollup_window,
)

__all__ = [
    "LOOKBACK",
    "PERIOD",
    "RESOLUTIONS",
    "RETENTION",
    "ROLLUP_SOURCE",
    "AnalyticsError",
    "DeadReport",
    "Forecast",
    "Growth",
    "HistoryRow",
    "Resolution",
    "RollupDirectionError",
    "StaleReport",
    "UnknownResolutionError",
    "bucket_start",
    "coerce_row",
    "dead_content",
    "expired",
    "forecast",
    "growth_bytes_per_week",
    "in_disk_group",
    "merged_series",
    "prune_cutoff",
    "rollup",
    "rollup_window",
    "stale_content",
    "staleness_score",
]
