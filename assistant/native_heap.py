"""How the always-on daemon's native memory is given back: glibc's mmap threshold.

glibc serves a large allocation with its own mmap, returned to the system when freed, but
after freeing one it raises that threshold to the freed size (up to 32 MiB), so that the next
ones of that size come from the heap instead, which keeps what it once held. mpv allocates
buffers of about 10 MB for every clip it plays (one per spoken answer) and every file; each
came to stay in some thread's heap: with the microphone open, RSS grew from 146 to 315 MB
over 25 spoken answers (bench/bench_soak.py: 157 to 348 MB in four minutes of use). A fixed
threshold keeps those buffers in mmaps of their own: 154 to 163 MB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
"""mallopt's parameter number for the mmap threshold (glibc's malloc.h)."""
MMAP_THRESHOLD = 1 << 20
"""Allocations of 1 MiB and more get mmaps of their own. Setting it at all stops glibc moving
it up; smaller allocations still come from the heaps, as fast as before."""


def fix_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Serve allocations of `size` bytes and more from mmap, for good; False where that is not
    possible (a C library other than glibc)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False  # not glibc (musl has no mallopt, and no moving threshold)
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(M_MMAP_THRESHOLD, size))
    if not ok:
        logger.warning("could not fix the malloc mmap threshold; memory may grow with use")
    return ok
