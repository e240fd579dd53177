"""The process executor for parallel map: escapes the GIL for Python-heavy functions.

Enabled with `options.threading.executor = "process"`. Each of the stage's worker threads sends
a whole chunk (pickled) to a pool of `forkserver` processes and waits for the mapped chunk, so
the per-element cost of the hand-off is the pickling only. The function must be picklable
(defined at module level); a lambda or closure is refused with a clear error before any work.
Per-element seeds (`element_seed()`) work the same as with threads.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from dataflowio.data.iterator import Chunk
from dataflowio.data.runtime.autotune import AUTOTUNE, cpu_count


def _run_chunk(fn: Callable[..., Any], elements: list[Any], position: int, where: str,
               vectorized: bool, base: int) -> tuple[list[Any], list[tuple[int, BaseException]]]:
    from dataflowio.data.runtime.parallel_map import map_chunk
    from dataflowio.data.runtime.shared import Failed

    out, _ = map_chunk(fn, Chunk.from_elements(elements), position, where, vectorized, base)
    els = out.elements()
    errors = [(i, e.error) for i, e in enumerate(els) if isinstance(e, Failed)]
    return [None if isinstance(e, Failed) else e for e in els], errors


class ProcessMapper:
    """A transform `(chunk, position) -> (chunk, failed)` that runs in a process pool."""

    def __init__(self, fn: Callable[..., Any], where: str, vectorized: bool, base: int,
                 workers: int) -> None:
        from dataflowio.data.runtime.parallel_map import check_picklable

        check_picklable(fn, where)
        self.fn, self.where, self.vectorized, self.base = fn, where, vectorized, base
        self.size = cpu_count() if workers == AUTOTUNE else max(1, workers)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                ctx = multiprocessing.get_context("forkserver")
                self._pool = concurrent.futures.ProcessPoolExecutor(self.size, mp_context=ctx)
            return self._pool

    def __call__(self, chunk: Chunk, position: int) -> tuple[Chunk, bool]:
        from dataflowio.data.runtime.shared import Failed

        future = self._get_pool().submit(_run_chunk, self.fn, chunk.elements(), position,
                                         self.where, self.vectorized, self.base)
        els, errors = future.result()
        for i, e in errors:
            els[i] = Failed(e)
        return Chunk.from_elements(els), bool(errors)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
