"""How the process asks the C allocator to behave (glibc on Linux).

glibc gives threads their own malloc arenas, up to eight per core, so that they
do not contend for one lock. A reconcile pass reads ten services from a pool of
threads, and each thread's arena keeps the pages its replies and records used
long after they are freed: the process holds far more memory than it uses.
Python serves small objects from its own arenas but takes everything over 512
bytes from malloc: reply bodies, strings, list and dict tables, numpy columns.
Two arenas are plenty for a process whose interpreter lock lets one thread
allocate at a time; :func:`limit_malloc_arenas` sets that limit at start-up,
before any thread exists, unless ``MALLOC_ARENA_MAX`` already says otherwise.
Elsewhere (macOS, musl) it does nothing.

Handing freed pages back after each pass (``malloc_trim``) was measured too and
left out: it gave back next to nothing (what remains is mostly held by
Python's small-object arenas, which are freed only when wholly empty).
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h


@cache
def _glibc() -> Any:
    """glibc's handle, or None on any other C library."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    # The process's own symbols: the interpreter is linked against glibc.
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at ``arenas``; True when the cap was set.

    Call it before starting threads: arenas already made stay. A
    ``MALLOC_ARENA_MAX`` in the environment wins (glibc has read it already).
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    libc = _glibc()
    if libc is None:
        return False
    done = bool(libc.mallopt(_M_ARENA_MAX, arenas))
    if done:
        log.debug("malloc arenas capped at %d", arenas)
    return done
