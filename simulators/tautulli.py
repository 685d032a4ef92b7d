"""Tautulli (API v2) over the world's Plex plays.

Every call is ``GET /api/v2?apikey=…&cmd=…`` and every reply the envelope
``{"response": {"result", "message", "data"}}``. History rows use the same
ratingKeys as the Plex simulator, and history of deleted items stays, as it
does in a real Tautulli.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from simulators.plex_render import episode_key
from simulators.server import Request, Response, ServiceApp, json_response

HISTORY_FILTERS = (
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "user",
    "user_id",
    "media_type",
)


def _day_start(day: str | None) -> int | None:
    """Midnight (UTC) starting a ``YYYY-MM-DD`` day, as epoch seconds."""
    if not day:
        return None
    try:
        moment = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(moment.timestamp())


def envelope(data, result: str = "success", message: str | None = None, status=200):
    """Wrap ``data`` in Tautulli's reply envelope."""
    return json_response(
        {"response": {"result": result, "message": message, "data": data}}, status
    )


class TautulliApp(ServiceApp):
    """Simulated Tautulli."""

    name = "tautulli"

    def __init__(self, world, api_key: str):
        super().__init__(world, api_key)
        self._rows: list[dict] | None = None
        self._rows_version = -1
        self._rows_lock = threading.Lock()
        self._row_ids: dict[tuple[int, int], int] = {}
        self._next_row_id = 0
        self._next_serial = 0
        # Rendered history replies by query, for one world version: the
        # benchmarks read the same pages every cycle to measure the client.
        self._history_pages: dict[tuple, bytes] = {}
        self.route("GET", "/api/v2", self.dispatch, listing="tautulli")
        self.commands = {
            "get_tautulli_info": self.cmd_info,
            "get_server_info": self.cmd_server_info,
            "status": self.cmd_status,
            "arnold": self.cmd_arnold,
            "get_history": self.cmd_history,
            "get_libraries": self.cmd_libraries,
            "get_users": self.cmd_users,
        }

    def authenticate(self, request: Request) -> bool:
        """Tautulli takes the key only as the ``apikey`` query parameter."""
        return request.arg("apikey") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        """A bad key gets an error envelope with status 401."""
        return envelope({}, "error", "Invalid apikey", 401)

    def not_found(self, request: Request, message: str | None = None) -> Response:
        """Unknown paths get Tautulli's HTML 404 page."""
        return Response(
            404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html"
        )

    def server_error(self, request: Request) -> Response:
        """Tautulli reports an internal failure inside the envelope."""
        return envelope({}, "error", "Unhandled exception", 500)

    def dispatch(self, request: Request):
        cmd = request.arg("cmd")
        handler = self.commands.get(cmd or "")
        if handler is None:
            return envelope({}, "error", f"Unknown command: {cmd}", 400)
        return handler(request)

    # Commands ---------------------------------------------------------------

    def cmd_info(self, request: Request):
        return envelope(
            {
                "tautulli_install_type": "docker",
                "tautulli_version": "v2.17.2",
                "tautulli_branch": "master",
                "tautulli_commit": "c7153deb",
                "tautulli_platform": "Linux",
                "tautulli_python_version": "3.12.8",
            }
        )

    def cmd_server_info(self, request: Request):
        return envelope(
            {
                "pms_identifier": "sim",
                "pms_ip": "127.0.0.1",
                "pms_is_remote": 0,
                "pms_name": "media",
                "pms_platform": "Linux",
                "pms_plexpass": 1,
                "pms_port": 32400,
                "pms_ssl": 0,
                "pms_url": "http://127.0.0.1:32400",
                "pms_url_manual": 0,
                "pms_version": "1.41.3.9314-a0bfb8370",
            }
        )

    def cmd_status(self, request: Request):
        return envelope({"result": "success", "message": "Ok"})

    def cmd_arnold(self, request: Request):
        return envelope("I'll be back.")

    def cmd_users(self, request: Request):
        return envelope(
            [
                {
                    "user_id": 1000 + u.id,
                    "username": u.name,
                    "friendly_name": u.name,
                    "email": f"{u.name}@example.invalid",
                    "is_active": 1,
                    "is_admin": int(u.is_admin),
                    "do_notify": 1,
                    "keep_history": 1,
                    "allow_guest": 0,
                    "row_id": u.id,
                }
                for u in self.world.users
            ]
        )

    def cmd_libraries(self, request: Request):
        world = self.world
        seasons = sum(len(s.seasons) for s in world.series.values())
        episodes = sum(
            len(x.live_files()) for s in world.series.values() for x in s.seasons
        )
        rows = [
            {
                "section_id": "1",
                "section_name": "Movies",
                "section_type": "movie",
                "agent": "tv.plex.agents.movie",
                "thumb": "/:/resources/movie.png",
                "art": "/:/resources/movie-fanart.jpg",
                "count": str(sum(1 for m in world.movies.values() if m.file_id)),
                "parent_count": None,
                "child_count": None,
                "is_active": 1,
            },
            {
                "section_id": "2",
                "section_name": "TV Shows",
                "section_type": "show",
                "agent": "tv.plex.agents.series",
                "thumb": "/:/resources/show.png",
                "art": "/:/resources/show-fanart.jpg",
                "count": str(len(world.series)),
                "parent_count": str(seasons),
                "child_count": str(episodes),
                "is_active": 1,
            },
        ]
        return envelope(rows)

    # History ----------------------------------------------------------------

    def _row(
        self, row_id: int, play, user, item, kind: str, season=None, episode=0, at=0
    ) -> dict:
        started = at or play.at
        base = {
            "reference_id": row_id,
            "row_id": row_id,
            "id": row_id,
            "date": started,
            "started": started,
            "stopped": started + play.duration,
            "duration": play.duration,
            "play_duration": play.duration,
            "paused_counter": 0,
            "user_id": 1000 + user.id,
            "user": user.name,
            "friendly_name": user.name,
            "user_thumb": "",
            "platform": "Chrome",
            "product": "Plex Web",
            "player": "Chrome",
            "ip_address": "10.0.0.12",
            "live": 0,
            "machine_id": "sim",
            "location": "lan",
            "secure": 1,
            "relayed": 0,
            "media_type": kind,
            "original_title": "",
            "thumb": f"/library/metadata/{item.rating_key}/thumb",
            "guid": "",
            "transcode_decision": "direct play",
            "group_count": 1,
            "group_ids": str(row_id),
            "state": None,
            "session_key": None,
        }
        if kind == "movie":
            percent = min(100, play.duration * 100 // max(1, item.runtime * 60))
            base.update(
                rating_key=item.rating_key,
                parent_rating_key="",
                grandparent_rating_key="",
                full_title=item.title,
                title=item.title,
                parent_title="",
                grandparent_title="",
                year=item.year,
                media_index="",
                parent_media_index="",
                originally_available_at=f"{item.year}-03-01",
            )
        else:
            percent = 95
            base.update(
                rating_key=episode_key(season.rating_key, episode),
                parent_rating_key=season.rating_key,
                grandparent_rating_key=item.rating_key,
                full_title=f"{item.title} - Episode {episode}",
                title=f"Episode {episode}",
                parent_title=f"Season {season.number}",
                grandparent_title=item.title,
                year=item.year,
                media_index=episode,
                parent_media_index=season.number,
                originally_available_at=f"{item.year}-01-15",
            )
        base["percent_complete"] = percent
        base["watched_status"] = 1 if percent >= 85 else 0.5 if percent >= 40 else 0
        return base

    def _all_rows(self) -> list[dict]:
        """Every history row, newest first, rebuilt when the world's plays change.

        Row ids are given once per play and episode, in date order for the
        plays the world started with and in arrival order after that, and
        never reused: a real Tautulli numbers rows as it writes them.
        Deleted items keep their history.
        """
        with self._rows_lock:
            world = self.world
            if self._rows is not None and self._rows_version == world.version:
                return self._rows
            with world.lock:
                version = world.version
                movies = [*world.movies.values(), *world.removed_movies.values()]
                shows = [*world.series.values(), *world.removed_series.values()]
                rows = self._build_rows(movies, shows)
            self._rows, self._rows_version = rows, version
            self._history_pages.clear()
            return rows

    def _build_rows(self, movies, shows) -> list[dict]:
        world = self.world
        built: list[tuple[tuple[int, int], dict]] = []
        for movie in movies:
            for play in movie.plays:
                row = self._row(0, play, world.users[play.user - 1], movie, "movie")
                built.append(((self._serial(play), 0), row))
        for series in shows:
            by_number = {s.number: s for s in series.seasons}
            for play in series.plays:
                season = by_number[play.season]
                for episode, at in play.episode_times():
                    row = self._row(
                        0,
                        play,
                        world.users[play.user - 1],
                        series,
                        "episode",
                        season,
                        episode,
                        at,
                    )
                    built.append(((self._serial(play), episode), row))
        fresh = sorted(
            (entry for entry in built if entry[0] not in self._row_ids),
            key=lambda entry: (entry[1]["date"], entry[1]["rating_key"]),
        )
        for key, _ in fresh:
            self._next_row_id += 1
            self._row_ids[key] = self._next_row_id
        rows = []
        for key, row in built:
            number = self._row_ids[key]
            row["reference_id"] = row["row_id"] = row["id"] = number
            row["group_ids"] = str(number)
            rows.append(row)
        rows.sort(key=lambda r: (r["date"], r["id"]), reverse=True)
        return rows

    def _serial(self, play) -> int:
        if not play.serial:
            self._next_serial += 1
            play.serial = self._next_serial
        return play.serial

    def cmd_history(self, request: Request):
        self._all_rows()  # drops the kept pages when the plays changed
        key = tuple(sorted((k.lower(), tuple(v)) for k, v in request.query.items()))
        hit = self._history_pages.get(key)
        if hit is not None:
            return Response(200, hit)  # a fresh one: faults may mangle its body
        response = self._history(request)
        with self._rows_lock:
            if len(self._history_pages) > 4096:
                self._history_pages.clear()
            self._history_pages[key] = response.body
        return response

    def _history(self, request: Request) -> Response:
        rows = self._all_rows()
        wanted = {k: request.arg(k) for k in HISTORY_FILTERS if request.arg(k)}
        if "user" in wanted:
            wanted["user"] = wanted["user"].lower()
        matched = rows
        if wanted:
            matched = [
                r
                for r in rows
                if all(
                    (str(r[k]).lower() if k == "user" else str(r[k])) == v
                    for k, v in wanted.items()
                )
            ]
        # Days as the server's clock reads them (UTC here), both inclusive.
        after, before = (
            _day_start(request.arg("after")),
            _day_start(request.arg("before")),
        )
        if after is not None:
            matched = [r for r in matched if r["date"] >= after]
        if before is not None:
            matched = [r for r in matched if r["date"] < before + 86_400]
        if request.arg("order_dir") == "asc":
            matched = matched[::-1]
        start = int(request.arg("start", "0") or 0)
        length = int(request.arg("length", "25") or 25)
        page = matched[start : start + length]
        total_hours = sum(r["play_duration"] for r in matched) // 3600
        page_hours = sum(r["play_duration"] for r in page) // 3600
        return envelope(
            {
                "draw": int(request.arg("draw", "1") or 1),
                "recordsTotal": len(rows),
                "recordsFiltered": len(matched),
                "total_duration": f"{total_hours} hrs",
                "filter_duration": f"{page_hours} hrs",
                "data": page,
            }
        )
