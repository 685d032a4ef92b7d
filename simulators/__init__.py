"""Loopback imitations of the services Capacitarr talks to.

The package serves Sonarr, Radarr, Lidarr, Readarr, Plex, Jellyfin, Emby,
Tautulli, Jellystat and Seerr over real HTTP on 127.0.0.1, all backed by one
generated :class:`~simulators.world.World`. Tests and benchmarks start them with
:func:`simulators.harness.run_simulators`; people start them with
``python -m simulators``.
"""
