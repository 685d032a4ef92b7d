"""Measure how long the decision engine takes to score and plan large libraries.

Builds 1,000 / 10,000 / 100,000 synthetic items (movies, shows with seasons,
artists, books) on two disk groups, with a handful of rules, and prints a table
of the time to score and plan them (best of a few runs) and the peak memory
the engine allocates doing so (tracemalloc, measured in a separate run).

Run: ``python benchmarks/bench_engine.py [sizes...]``
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from controller.engine import (
    DEFAULT_WEIGHTS,
    DiskGroupSpec,
    DiskUsage,
    GroupInput,
    PlanLimits,
    Rule,
    ScoringContext,
    assign_to_mounts,
    build_plan,
    compile_rules,
)
from controller.media import MediaItem, MediaType

NOW = datetime(2026, 4, 1, tzinfo=UTC)
GIB = 1024**3
MOUNTS = ("/mnt/media", "/mnt/media2")
RULES = (
    Rule(1, "keep favourites", "tag", "contains", "keep", "always_keep", None),
    Rule(2, "kids", "genre", "==", "Family", "prefer_keep", None),
    Rule(3, "big remux", "sizebytes", ">", str(60 * GIB), "lean_remove", None),
    Rule(4, "stale", "lastplayed", "over_ago", "365", "prefer_remove", 1),
    Rule(5, "continuing", "seriesstatus", "==", "continuing", "lean_keep", 2),
)
CONTEXT = ScoringContext(active_types=frozenset({"plex", "tautulli", "seerr"}))
# CPU time of this process: on a shared machine, wall time also counts the time
# other processes held the CPU.
CLOCK = time.process_time


def synthetic_library(count: int, seed: int = 7) -> list[MediaItem]:
    """Build ``count`` plausible items: a third in series, the rest movies etc."""
    rng = random.Random(seed)
    items: list[MediaItem] = []
    genres = ("Drama", "Comedy", "Family", "Action", "Horror", "Sci-Fi")
    while len(items) < count:
        n = len(items)
        mount = MOUNTS[n % 2]
        added = NOW - timedelta(days=rng.uniform(0, 2000))
        played = (
            NOW - timedelta(days=rng.uniform(0, 900)) if rng.random() < 0.6 else None
        )
        common = {
            "added_at": added,
            "last_played": played,
            "play_count": rng.randint(0, 12) if played else 0,
            "rating": round(rng.uniform(0, 10), 1),
            "genres": tuple(rng.sample(genres, 2)),
            "tags": ("keep",) if rng.random() < 0.02 else (),
            "is_requested": rng.random() < 0.2,
            "year": rng.randint(1950, 2025),
        }
        kind = rng.random()
        if kind < 0.1:  # a show with three seasons
            sid = str(n)
            title = f"Show {n}"
            status = rng.choice(("ended", "continuing"))
            seasons = [
                MediaItem(
                    2,
                    f"{sid}-s{s}",
                    MediaType.SEASON,
                    f"{title} - Season {s}",
                    size_bytes=rng.randint(1, 40) * GIB,
                    path=f"{mount}/tv/{title}",
                    show_title=title,
                    season_number=s,
                    series_status=status,
                    episode_count=10,
                    **common,
                )
                for s in (1, 2, 3)
            ]
            show = MediaItem(
                2,
                sid,
                MediaType.SHOW,
                title,
                path=f"{mount}/tv/{title}",
                size_bytes=sum(s.size_bytes for s in seasons),
                series_status=status,
                season_count=3,
                **common,
            )
            items.extend([show, *seasons])
        elif kind < 0.9:
            items.append(
                MediaItem(
                    1,
                    str(n),
                    MediaType.MOVIE,
                    f"Movie {n}",
                    size_bytes=rng.randint(1, 80) * GIB,
                    path=f"{mount}/movies/M{n}",
                    **common,
                )
            )
        else:
            kind_type = MediaType.ARTIST if kind < 0.95 else MediaType.BOOK
            items.append(
                MediaItem(
                    3,
                    str(n),
                    kind_type,
                    f"{kind_type} {n}",
                    size_bytes=rng.randint(1, 5) * GIB,
                    path=f"{mount}/other/{n}",
                    **common,
                )
            )
    return items[:count]


def groups_for(items: list[MediaItem]) -> list[GroupInput]:
    """Two groups, each breached so that about a tenth of its bytes must go."""
    by_mount = assign_to_mounts(items, MOUNTS)
    groups = []
    for mount, members in by_mount.items():
        used = sum(i.size_bytes for i in members)
        total = int(used / 0.9)
        spec = DiskGroupSpec(mount, threshold_pct=85, target_pct=80, mode="approval")
        groups.append(GroupInput(spec, DiskUsage(total, used), members))
    return groups


def run_once(items: list[MediaItem]) -> tuple[float, float]:
    """Assign, then score and plan every group; return both durations."""
    start = CLOCK()
    groups = groups_for(items)
    assigned = CLOCK()
    build_plan(
        groups,
        weights=DEFAULT_WEIGHTS,
        rules=compile_rules(RULES),
        context=CONTEXT,
        now=NOW,
        limits=PlanLimits(),
    )
    return assigned - start, CLOCK() - assigned


def best_of(items: list[MediaItem], runs: int = 5) -> tuple[float, float]:
    return min((run_once(items) for _ in range(runs)), key=sum)


def main(sizes: list[int]) -> None:
    print("CPU time of this process, best of 5; peak = tracemalloc peak.")
    print("assign = items to disk groups; score+plan = build_plan (score, sort,")
    print("plan and digest of every group).\n")
    header = ("items", "assign", "score+plan", "total", "per item", "peak")
    print(" | ".join(f"{h:>10}" for h in header))
    print("-+-".join("-" * 10 for _ in header))
    for size in sizes:
        items = synthetic_library(size)
        assign, plan = best_of(items)
        tracemalloc.start()
        run_once(items)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        cells = (
            f"{size:,}",
            f"{assign * 1e3:.0f} ms",
            f"{plan * 1e3:.0f} ms",
            f"{(assign + plan) * 1e3:.0f} ms",
            f"{(assign + plan) / size * 1e6:.2f} µs",
            f"{peak / 2**20:.1f} MiB",
        )
        print(" | ".join(f"{c:>10}" for c in cells))


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1_000, 10_000, 100_000])
