"""The API's resources, one module per area; ``api.app`` mounts them.

Each module has a ``register(table, ctx)`` that adds its routes to the route
table. Resources stay thin: parse and validate, call the controller, render.
"""
