"""`ThreadedStage`: worker threads pull chunks from an input, transform them, and a bounded
buffer hands them to the consumer in input order (or completion order when not deterministic).

This one engine runs `prefetch` (one worker, no transform), parallel `map` (a chunk of
elements in, a chunk of results out), parallel `batch` (a chunk of `batch_size` elements in,
one stacked batch out), the slots of parallel `interleave`, the process-pool map and the device
copy. Threads hand *chunks*, never single elements, to each other. Workers pull from the input
one at a time (under a lock: iterators are not thread-safe).

The buffer never holds more than `capacity` input elements: a worker reserves room before it
pulls. An exception raised by the input or the transform is delivered in order, as the same
object with a note naming the stage; iteration can continue past it (as `ignore_errors` needs).

Checkpoints describe the last element the consumer received, as tf.data's do: `get_state()`
pauses the workers (letting in-flight chunks finish), and returns the input's state (where the
workers stopped) plus the elements already produced but not yet received (encoded as data;
at most `capacity` of them). `set_state()` restores the input and hands those elements out
first. No state is taken while iterating, so inputs with large states (shuffle buffers) cost
nothing until a checkpoint is actually saved.

>>> from dataflowio.data.runtime.testing import ListIterator
>>> st = ThreadedStage(ListIterator(list(range(10))), label="prefetch(2)", kind="prefetch",
...                    capacity=2)
>>> [int(next(st)) for _ in range(3)]
[0, 1, 2]
>>> state = st.get_state(); [int(x) for x in st.next_chunk(100).elements()]
[3, 4, 5, 6, 7, 8, 9]
>>> st.set_state(state); [int(x) for x in st]
[3, 4, 5, 6, 7, 8, 9]
>>> st.close()
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Callable
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.runtime import threads
from dataflowio.data.runtime.autotune import AUTOTUNE, Tuner
from dataflowio.data.runtime.cursor import Cursor as _Cursor
from dataflowio.data.runtime.cursor import decode_piece as _decode_piece
from dataflowio.data.runtime.cursor import encode_piece as _encode_piece
from dataflowio.data.runtime.cursor import without_failures as _without_failures
from dataflowio.data.runtime.shared import Item, Shared, worker_loop

Transform = Callable[[Chunk, int], Chunk]  # (input chunk, absolute position) -> output chunk

_TUNE_INTERVAL = 0.1


class ThreadedStage(DataIterator):
    """A pipeline stage run by background threads; see the module docstring.

    Args:
      source: the input iterator (only ever called from one worker at a time).
      label: the stage's plan label, used in stats and error notes.
      kind: "prefetch", "map", "batch", ... (thread names are `dataflowio-<kind>-<name>`).
      transform: `(chunk, position) -> chunk`, or None to pass chunks through.
      workers: worker threads, or AUTOTUNE.
      capacity: buffered input elements at most, or AUTOTUNE.
      deterministic: hand chunks out in input order (else in completion order).
      chunk_size: fixed input elements per chunk (parallel batch), or None to adapt.
    """

    def __init__(self, source: DataIterator, *, label: str, kind: str, transform: Transform | None = None,
                 workers: int = 1, capacity: int = 1, deterministic: bool = True,
                 chunk_size: int | None = None, ctx: Any = None,
                 name: str = "") -> None:
        super().__init__(source, name=name or label)
        options = getattr(ctx, "options", None)
        from dataflowio.data.runtime import autotune as at

        self.label = label
        self._kind = kind
        tune_workers, tune_buffer = workers == AUTOTUNE, capacity == AUTOTUNE
        max_w = at.max_workers(options) if tune_workers else max(1, workers)
        w0 = min(at.cpu_count(), max_w) if tune_workers else max(1, workers)
        k0 = chunk_size or 1
        cap0 = (max(2 * w0 * k0, k0) if capacity == AUTOTUNE else max(int(capacity), k0 if chunk_size else 1))
        self._tuner = None
        budget = at.ram_budget(options)
        # The live threaded stages of one pipeline share the budget (closed ones leave the set).
        stages = ctx.resources.setdefault("runtime_stages", weakref.WeakSet()) if ctx is not None \
            else weakref.WeakSet()
        if tune_workers or tune_buffer:
            self._tuner = Tuner(workers=w0, max_workers=max_w, capacity=cap0,
                                max_capacity=max(cap0, 1 << 16), tune_workers=tune_workers,
                                tune_buffer=tune_buffer, element_bytes=1, ram_budget=budget)
        sh = self._shared = Shared(source, transform=transform, workers=w0, max_workers=max_w,
                                   capacity=cap0, deterministic=deterministic, chunk_size=chunk_size,
                                   label=label)
        sh.autotuned = bool(self._tuner)
        sh.fixed_capacity = capacity != AUTOTUNE
        sh.ram_budget, sh.ram_stages = budget, stages
        stages.add(sh)
        self._cursor: _Cursor | None = None
        self._started = False
        self._last_tune = time.perf_counter()
        self._tune_base = (0, 0.0, 0.0, 0.0)
        self._suffix = f"{name or kind}-{threads.unique_suffix()}"
        self._finalizer = weakref.finalize(self, sh.shutdown, 1.0)
        threads.register_stoppable(sh)

    # ---- consumer side -------------------------------------------------------------------------

    def _start(self) -> None:
        sh = self._shared
        sh.stop.clear()
        self._started = True
        for i in range(sh.max_workers):
            sh.threads.append(threads.start_thread(functools.partial(worker_loop, sh, i),
                                                   kind=self._kind, stage=f"{self._suffix}-{i}"))

    def _take(self) -> _Cursor:
        """The next item from the buffer (blocking); StopIteration at the end."""
        if self._closed:
            raise StopIteration
        if not self._started:
            self._start()
        sh = self._shared
        with sh.cond:
            item = sh.pop_ready()
            if item is None:
                t0 = time.perf_counter()
                while item is None:
                    if sh.finished():
                        sh.stats.wait += time.perf_counter() - t0
                        raise StopIteration
                    sh.cond.wait(0.5)
                    item = sh.pop_ready()
                sh.stats.wait += time.perf_counter() - t0
                sh.stats.empty_takes += 1
            sh.reserved -= item.in_size
            sh.stats.fill_sum += sh.reserved + item.in_size
            sh.stats.takes += 1
            sh.space.notify(2)
        cursor = _Cursor(item)
        if self._tuner is not None and time.perf_counter() - self._last_tune > _TUNE_INTERVAL:
            self._tune()
        return cursor

    def _tune(self) -> None:
        sh, now = self._shared, time.perf_counter()
        taken, wait, busy = sh.stats.elements_in, sh.stats.wait, sh.stats.busy + sh.stats.input_time
        space = sh.stats.space_wait
        b_taken, b_wait, b_busy, b_space = self._tune_base
        tuner = self._tuner
        assert tuner is not None
        tuner.element_bytes = max(1, int(sh.stats.bytes_per_element))
        tuner.ram_budget = sh.ram_share()
        workers, capacity = tuner.observe(elapsed=now - self._last_tune, taken=taken - b_taken,
                                          consumer_wait=wait - b_wait, busy=busy - b_busy,
                                          space_wait=space - b_space)
        with sh.cond:
            sh.active = workers
            sh.capacity = max(capacity, sh.chunk_size or 1)
            sh.space.notify_all()
        self._last_tune, self._tune_base = now, (taken, wait, busy, space)

    def _finish_cursor(self) -> None:
        self._cursor = None

    def has_ready(self) -> bool:
        """True when `next()` would not wait (an element is buffered, or the stage has ended)."""
        cur = self._cursor
        if cur is not None and cur.pos < cur.n:
            return True
        if self._closed:
            return True
        if not self._started:
            self._start()
        sh = self._shared
        with sh.cond:
            if sh.deterministic:
                return sh.next_out in sh.results or sh.finished()
            return bool(sh.ready) or sh.finished()

    def __next__(self) -> Any:
        while True:
            cur = self._cursor
            if cur is not None and cur.pos < cur.n:
                return cur.next_element()
            self._finish_cursor()
            self._cursor = self._take()
            self._shared.stats.note_out(self._cursor)

    def next_chunk(self, n: int) -> Chunk:
        self._shared.size_hint = n
        parts: list[Chunk] = []
        got = 0
        while got < n:
            cur = self._cursor
            if cur is None or cur.pos >= cur.n:
                self._finish_cursor()
                try:
                    self._cursor = cur = self._take()
                except StopIteration:
                    break
                self._shared.stats.note_out(cur)
                continue  # the new item may be empty (a dropped remainder, skipped elements)
            if cur.failed_at(cur.pos):
                if parts:
                    break
                cur.next_element()  # raises the stored error
            part = cur.take_chunk(n - got)
            if part.size:
                parts.append(part)
                got += part.size
        if not parts:
            raise StopIteration
        return concat_chunks(parts)

    # ---- state ---------------------------------------------------------------------------------

    def get_state(self) -> State:
        sh = self._shared
        pending: list[Any] = []
        cur = self._cursor
        if cur is not None and cur.pos < cur.n:
            pending.append(_encode_piece(cur.rest()))
        if self._started:
            sh.pause()
        try:
            for item in sh.buffered_items():
                if item.error is None and item.chunk is not None and item.chunk.size:
                    pending.append(_encode_piece(_without_failures(item)))
            source = sh.source.get_state()
            position = sh.position + sh.next_offset
        finally:
            if self._started:
                sh.resume()
        return {"source": source, "position": position, "pending": [p for p in pending if p]}

    def set_state(self, state: State) -> None:
        sh = self._shared
        paused = self._started
        if paused:
            sh.pause()  # no worker is inside the input from here on
            if sh.join_if_ended():  # workers exit at the end of the input: start new ones later
                self._started = False
        try:
            sh.source.set_state(state["source"])
            with sh.cond:
                sh.reset()
                sh.position = int(state.get("position", 0))
        finally:
            if paused:
                sh.resume()
        chunks = [c for c in (_decode_piece(p) for p in state.get("pending", [])) if c.size]
        self._cursor = None
        if chunks:
            chunk = concat_chunks(chunks)
            self._cursor = _Cursor(Item(-1, chunk, None, False, chunk.size))

    def close(self) -> None:
        if self._closed:
            return
        self._cursor = None  # nothing more comes out after close()
        self._shared.shutdown(0.2)
        self._shared.ram_stages.discard(self._shared)
        super().close()  # closing the input unblocks workers waiting on an upstream stage
        self._shared.join(2.0)
        self._closed = True

    # ---- stats ---------------------------------------------------------------------------------

    def stage_stats(self) -> dict[str, Any]:
        """This stage's counters (see `runtime.stats`)."""
        return self._shared.stats.as_dict(self._shared)
