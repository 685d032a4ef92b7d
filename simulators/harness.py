"""Start and stop the service simulators, in process or standalone.

:func:`run_simulators` is the entry point tests, benchmarks and the demo use:
it serves the chosen services over one :class:`~simulators.world.World` on
loopback ports and stops them cleanly on exit. ``python -m simulators`` wraps
the same function.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from simulators import control
from simulators.faults import Faults
from simulators.recording import RecordedRequest
from simulators.server import ServiceApp, SimServer

SERVICES = (
    "sonarr",
    "radarr",
    "lidarr",
    "readarr",
    "plex",
    "jellyfin",
    "emby",
    "tautulli",
    "jellystat",
    "seerr",
)
_APPS = {
    "sonarr": "simulators.sonarr:SonarrApp",
    "radarr": "simulators.radarr:RadarrApp",
    "lidarr": "simulators.lidarr:LidarrApp",
    "readarr": "simulators.readarr:ReadarrApp",
    "plex": "simulators.plex:PlexApp",
    "jellyfin": "simulators.jellyfin:JellyfinApp",
    "emby": "simulators.emby:EmbyApp",
    "tautulli": "simulators.tautulli:TautulliApp",
    "jellystat": "simulators.jellystat:JellystatApp",
    "seerr": "simulators.seerr:SeerrApp",
}


def api_key_for(service: str, seed: int) -> str:
    """Return the key a simulator accepts: fixed per service and world seed."""
    digest = hashlib.sha256(f"capacitarr-sim:{service}:{seed}".encode()).hexdigest()
    if service == "plex":
        return digest[:20]
    return digest[:32]


def app_class(service: str) -> type[ServiceApp]:
    """Import and return the app class that simulates ``service``."""
    module, _, name = _APPS[service].partition(":")
    return getattr(importlib.import_module(module), name)


class SimulatorHandle:
    """One running simulator, as tests see it."""

    def __init__(self, name: str, app: ServiceApp, server: SimServer):
        self.name = name
        self.app = app
        self.server = server

    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:PORT``, no trailing slash."""
        return self.server.url

    @property
    def api_key(self) -> str:
        """The key or token the simulator accepts."""
        return self.app.api_key

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (control calls excluded)."""
        return self.app.log.snapshot()

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self.app.log.clear()

    @property
    def faults(self) -> Faults:
        """The simulator's switchable faults."""
        return self.app.faults

    def __repr__(self) -> str:
        return f"SimulatorHandle({self.name!r}, {self.url!r})"


class Simulators(Mapping[str, SimulatorHandle]):
    """The running simulators by service name, plus the shared world."""

    def __init__(self, world, handles: dict[str, SimulatorHandle]):
        self.world = world
        self._handles = handles

    def __getitem__(self, name: str) -> SimulatorHandle:
        return self._handles[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handles)

    def __len__(self) -> int:
        return len(self._handles)

    def stop(self) -> None:
        """Stop every server; safe to call twice."""
        servers = [h.server for h in self._handles.values()]
        for server in servers:
            server.begin_stop()
        for server in servers:
            server.finish_stop()


def start_simulators(
    world, services: Iterable[str] | None = None, base_port: int = 0
) -> Simulators:
    """Start simulators and return them running; the caller must ``stop()``.

    Args:
        world: The world all of them serve.
        services: Names from :data:`SERVICES`; ``None`` starts all ten.
        base_port: 0 for ephemeral ports; otherwise service ``i`` of
            :data:`SERVICES` listens on ``base_port + i``.
    """
    names = list(SERVICES if services is None else services)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise ValueError(f"unknown services {unknown}; known: {SERVICES}")
    handles: dict[str, SimulatorHandle] = {}
    try:
        for name in names:
            app = app_class(name)(world, api_key_for(name, world.seed))
            app.control = lambda request, app=app: control.handle(app, request)
            port = base_port + SERVICES.index(name) if base_port else 0
            server = SimServer(app, port)
            handles[name] = SimulatorHandle(name, app, server)
            server.start()
    except BaseException:
        Simulators(world, handles).stop()
        raise
    return Simulators(world, handles)


@contextmanager
def run_simulators(
    world, services: Iterable[str] | None = None, base_port: int = 0
) -> Iterator[Simulators]:
    """Serve ``services`` (default: all ten) over ``world`` for a ``with`` block."""
    sims = start_simulators(world, services, base_port)
    try:
        yield sims
    finally:
        sims.stop()
