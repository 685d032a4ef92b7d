"""Clients for the services Capacitarr observes and acts through.

Only this package speaks HTTP. Build clients with
:func:`controller.integrations.registry.build_client`; their capabilities are
the protocols in :mod:`controller.integrations.capabilities`.
"""
