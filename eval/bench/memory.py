"""Peak resident memory of one part of the benchmark, inside one process.

Linux lets a process reset its high-water mark (`/proc/self/clear_refs`, value 5), so each part's
peak is its own and not the largest of everything before it. Before the reset, memory freed by
earlier parts is handed back to the system (`malloc_trim`): glibc otherwise keeps it, and every
later part would start from the largest heap so far. A part's peak still includes what the
process holds for it (the loaded models). Where a reset is not possible (macOS, old kernels) the
process-wide peak is reported and marked as such.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import resource
import sys
from contextlib import contextmanager
from pathlib import Path

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


def _reset_peak() -> bool:
    gc.collect()
    libc = ctypes.util.find_library("c")
    if libc and hasattr(ctypes.CDLL(libc), "malloc_trim"):
        ctypes.CDLL(libc).malloc_trim(0)
    try:
        _CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    if _STATUS.is_file():
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


@contextmanager
def peak_rss(record: dict):
    """Fills record["peak_rss_mb"] (and record["peak_rss_scope"]: "part" or "process") on exit."""
    scope = "part" if _reset_peak() else "process"
    try:
        yield record
    finally:
        record["peak_rss_mb"] = round(_peak_mb(), 1)
        record["peak_rss_scope"] = scope
