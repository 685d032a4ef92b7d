"""The reconcile loop: desired state (manifests + runtime changes) against the world.

``desired`` holds the pure rules for combining manifest generations and runtime
changes; ``cycle`` runs one observe-decide-act pass; ``loop`` schedules cycles;
``runtime`` ties the store, the event bus, the worker and the loop together for the
command line and the API.
"""
