"""Keep the memory a school year frees for the next one.

Every year allocates and frees the same few dozen arrays over the year's students (a few
hundred kB each). glibc's malloc hands large freed blocks back to the operating system and maps
them again at the next allocation, so each year pays again for zeroed pages: about 5,000 page
faults and 5% of the default county's run. Raising the thresholds at which it unmaps and trims
(``mallopt``, the settings ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` make from
the environment) keeps the blocks in the process instead; what it keeps is bounded by the
model's own peak, far below the memory bar of docs/performance.md.

Only glibc (Linux) is tuned; elsewhere, or when the environment sets either threshold, nothing
changes.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 2**20  # bytes: blocks below it come from the heap and are reused
TRIM_THRESHOLD = 256 * 2**20  # bytes of free heap kept before any is given back

_tuned = False


def keep_freed_memory() -> None:
    """Tune this process's malloc once (see the module docstring); safe to call again."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    if not sys.platform.startswith("linux") or any(
            name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
