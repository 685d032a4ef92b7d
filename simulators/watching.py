"""Watch statistics derived from the world's plays, per user or for everyone.

Plex, Jellyfin, Emby, Jellystat and Tautulli all report the same plays, each
in its own shape; these functions do the counting they share.
"""

from __future__ import annotations

from simulators.entities import Movie, Play, Series


def plays_of(item: Movie | Series, user: int | None = None) -> list[Play]:
    """Return the plays of ``item``, optionally only those of one user."""
    if user is None:
        return item.plays
    return [p for p in item.plays if p.user == user]


def movie_stats(movie: Movie, user: int | None = None) -> tuple[int, int | None]:
    """Return ``(play count, last played epoch or None)`` of a movie."""
    plays = plays_of(movie, user)
    if not plays:
        return 0, None
    return len(plays), max(p.at for p in plays)


def episode_views(series: Series, user: int | None = None) -> dict:
    """Return ``{(season, episode): (views, last epoch)}`` for a series."""
    views: dict[tuple[int, int], tuple[int, int]] = {}
    for play in plays_of(series, user):
        for episode, at in play.episode_times():
            key = (play.season, episode)
            count, last = views.get(key, (0, 0))
            views[key] = (count + 1, max(last, at))
    return views


def series_stats(
    series: Series, user: int | None = None
) -> tuple[int, int, int | None]:
    """Return ``(episode views, distinct episodes seen, last played)``."""
    views = episode_views(series, user)
    if not views:
        return 0, 0, None
    total = sum(v[0] for v in views.values())
    return total, len(views), max(v[1] for v in views.values())


def users_of(item: Movie | Series) -> list[int]:
    """Return the ids of users who played ``item``, in id order."""
    return sorted({p.user for p in item.plays})
