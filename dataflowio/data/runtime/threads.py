"""Background threads of the runtime: naming, a registry of live stages, shutdown at exit.

Every runtime thread is a daemon named `dataflowio-<kind>-<stage>` so tests (and users) can
count them. Threads never hold a reference to the iterator that owns them, only to a shared
state object; the iterator's finalizer stops them when the iterator is closed, deleted or
garbage-collected.

>>> t = start_thread(lambda: None, kind="demo", stage="x")
>>> t.name, t.daemon
('dataflowio-demo-x', True)
>>> t.join()
"""

from __future__ import annotations

import atexit
import ctypes
import itertools
import os
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

_stoppers: weakref.WeakSet[Any] = weakref.WeakSet()
_ids = itertools.count()


def start_thread(target: Callable[[], None], *, kind: str, stage: str) -> threading.Thread:
    """Starts and returns a daemon thread named `dataflowio-<kind>-<stage>`."""
    if not _arenas_limited:
        _limit_malloc_arenas()
    t = threading.Thread(target=target, name=f"dataflowio-{kind}-{stage}", daemon=True)
    t.start()
    return t


_arenas_limited = False


def _limit_malloc_arenas() -> None:
    """Caps glibc's malloc arenas (default 2, `DATAFLOWIO_MALLOC_ARENAS`; 0 leaves malloc alone).

    NOTE: with one arena per thread, batches allocated on worker threads and freed on the consumer
    fragment the heap: resident memory grew ~35 MB per epoch of a 10-epoch repeat. With 2 arenas
    it stays flat (benchmarks/memory_repeat.py). Skipped when MALLOC_ARENA_MAX is set.
    """
    global _arenas_limited
    _arenas_limited = True
    n = os.environ.get("DATAFLOWIO_MALLOC_ARENAS", "2")
    if n == "0" or "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, int(n))  # -8 = M_ARENA_MAX
    except (OSError, AttributeError, ValueError):
        pass


def register_stoppable(obj: Any) -> None:
    """Remembers `obj` (with a `shutdown(join_timeout)` method) so that interpreter exit stops its threads."""
    _stoppers.add(obj)


def unique_suffix() -> int:
    """A process-wide counter to keep thread names apart."""
    return next(_ids)


@atexit.register
def _stop_all_at_exit() -> None:
    # NOTE: daemon threads would be frozen mid-work at interpreter exit; stopping them first
    # keeps Ctrl-C and normal exits quiet (no tracebacks from half-torn-down modules).
    for obj in list(_stoppers):
        try:
            obj.shutdown(join_timeout=0.5)
        except Exception:  # noqa: BLE001, S110 - shutdown must not raise
            pass
