"""The malloc arena cap (glibc on Linux).

Each case runs in a fresh interpreter: the cap only holds for arenas made after
it is set, and glibc's ``malloc_stats`` lists every arena on standard error.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the allocator settings are glibc's",
)

# Eight threads allocate at the same time, then glibc prints its arenas.
PROGRAM = """
import ctypes, sys, threading
from controller.allocator import limit_malloc_arenas
capped = limit_malloc_arenas() if sys.argv[1] == "cap" else None
barrier = threading.Barrier(8)
def work():
    kept = [bytearray(100_000) for _ in range(4)]
    barrier.wait(10)
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(capped)
sys.stdout.flush()
ctypes.CDLL("libc.so.6").malloc_stats()
"""


def arenas_used(mode: str, **env: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), len(re.findall(r"^Arena \d+:", done.stderr, re.M))


def test_threads_share_two_arenas_once_capped():
    """Check that eight allocating threads make many arenas, and two when capped."""
    out, free = arenas_used("free")
    assert out == "None" and free > 2
    out, capped = arenas_used("cap")
    assert out == "True" and capped <= 2


def test_an_arena_limit_from_the_environment_wins():
    """Check that MALLOC_ARENA_MAX set by the user is left as it is."""
    out, arenas = arenas_used("cap", MALLOC_ARENA_MAX="4")
    assert out == "False" and 2 < arenas <= 4
