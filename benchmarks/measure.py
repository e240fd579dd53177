"""Timing and memory measurement shared by every engine's worker.

`time_batches` iterates a pipeline to the end: the first `warmup` batches are pulled before the
clock starts (function tracing, thread start-up and lazy imports happen there in both engines),
then every later batch is counted. Peak RSS comes from the kernel's high-water mark (`VmHWM`),
which `reset_peak_rss` lowers to the current size so each workload is measured on its own.

>>> import numpy as np
>>> items, seconds = time_batches(iter([(np.zeros((4, 2)), np.arange(4))] * 3), warmup=1)
>>> items
8
>>> batch_rows({"a": np.zeros((5, 3))})
5
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable
from typing import Any


def batch_rows(batch: Any) -> int:
    """Returns the number of elements in a batch: the length of its first leaf."""
    while isinstance(batch, (tuple, list, dict)):
        batch = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    return len(batch)


def time_batches(batches: Iterable, warmup: int = 1, budget_s: float | None = None) -> tuple[int, float]:
    """Returns (elements after the warm-up batches, seconds they took), iterating to the end or
    until `budget_s` seconds have passed (a very slow engine is then measured on what it made)."""
    it = iter(batches)
    try:
        for _ in range(warmup):
            next(it)
        items, t0 = 0, time.perf_counter()
        stop = t0 + budget_s if budget_s else float("inf")
        for batch in it:
            items += batch_rows(batch)
            if time.perf_counter() > stop:
                break
        seconds = time.perf_counter() - t0
    except StopIteration:  # fewer batches than the warm-up: nothing was timed
        items, seconds = 0, 0.0
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return items, seconds


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Returns this process's peak resident set size in MiB (since start or the last reset)."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def rss_mb() -> float:
    """Returns this process's current resident set size in MiB."""
    return _status_mb("VmRSS") or peak_rss_mb()


def reset_peak_rss() -> bool:
    """Lowers the peak-RSS mark to the current RSS (Linux >= 4.0); returns whether it could."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
