"""Book-keeping of the large arrays a run holds, and the process's peak RSS.

The ledger is deterministic (it adds up ``ndarray.nbytes`` of the arrays the model
registers), so ``summary.json`` can report ``peak_array_bytes`` and two identical runs
still write identical summaries.  The operating system's view, the peak resident set
size, is returned by :func:`demeter.run_model` and logged, but kept out of the summary.
"""

from __future__ import annotations

import logging
import sys

import numpy as np

logger = logging.getLogger("demeter")


class MemoryLedger:
    """Running total of registered array bytes and its high-water mark."""

    def __init__(self) -> None:
        self._live: dict[str, int] = {}
        self.current = 0
        self.peak = 0
        self.peak_at = ""

    def hold(self, name: str, *arrays: np.ndarray | int) -> None:
        """Register ``arrays`` (or a byte count) under ``name``, replacing what it held."""
        nbytes = sum(a if isinstance(a, int) else int(a.nbytes) for a in arrays)
        self.current += nbytes - self._live.get(name, 0)
        self._live[name] = nbytes
        if self.current > self.peak:
            self.peak = self.current
            self.peak_at = name

    def release(self, *names: str) -> None:
        for name in names:
            self.current -= self._live.pop(name, 0)


def peak_rss_bytes() -> int | None:
    """Peak resident set size of this process so far (None where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024
