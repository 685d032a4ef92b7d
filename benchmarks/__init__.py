"""Benchmarks of the controller at 1,000 / 10,000 / 100,000 items.

``python -m benchmarks`` runs them all and prints one table; see
``docs/benchmarks.md`` for what each figure means and the latest results. The
simulators always run in a separate process so the figures are the
controller's, not the simulated services'.
"""
