"""What a serving process sets for itself once it is up, never the library: Python's
garbage collector, and (on glibc) when big buffers go back to the system."""

from __future__ import annotations

import ctypes
import gc

# The collector's first threshold (Python's is 700 allocations). A cold discovery allocates
# millions of short-lived objects, and each young collection also pays for what the process
# holds: at 1,000 spaces the collector was about 8 % of a cold listing's CPU.
GC_YOUNG_THRESHOLD = 10_000

# glibc serves an allocation this big from a mapping of its own, which goes back to the
# system when freed. Left to itself, glibc raises this threshold each time such a buffer is
# freed (up to 32 MiB), and from then on a listing's megabyte-sized answers come from the
# heap, which seldom shrinks: at 1,000 spaces resident memory grew by 2 KiB more per space.
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def settle_process() -> None:
    """Once the server is up: what start-up made (modules, the SDK's models, settings) moves
    out of the collector's sight for good, young collections run less often, and big
    buffers are always given back."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
    fix_mmap_threshold()


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD`; False where there is no glibc."""
    try:
        # The process's own symbols: no library search (which runs ldconfig) at start-up.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # another C library (macOS): nothing to set
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
