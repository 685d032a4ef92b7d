"""The web face of Capacitarr: a Falcon WSGI app under ``/api/v1``.

``api.app.create_app`` builds the app over a controller runtime; ``api.serve``
runs it with waitress. Nothing in ``controller`` imports this package.
"""
