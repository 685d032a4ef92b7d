"""Capacitarr: keeps media disks below their usage threshold.

The ``controller`` package decides and acts; it never imports the web face in ``api``.
"""

__version__ = "0.1.0"
