"""The state a `ThreadedStage` shares with its worker threads, and the worker loop itself.

Workers hold a reference to this object only, never to the iterator, so an abandoned iterator
can be garbage-collected; its finalizer calls `Shared.shutdown()`.

>>> from dataflowio.data.runtime.testing import ListIterator
>>> sh = Shared(ListIterator([1, 2, 3]), transform=None, workers=1, max_workers=1, capacity=8,
...             deterministic=True, chunk_size=None, label="demo")
>>> sh.threads.append(threading.Thread(target=worker_loop, args=(sh, 0))); sh.threads[0].start()
>>> while not sh.input_done: time.sleep(0.001)   # it pulls until the input ends, then waits
>>> sh.shutdown(); sh.threads
[]
>>> [it.chunk.elements() for it in sh.results.values()]    # chunk sizes adapt (1, then 2)
[[1], [2, 3]]
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator

_TARGET_CHUNK_SECONDS = 0.002  # work per chunk; a hand-off costs ~1.4 µs, so this keeps it < 0.1 %
_MAX_CHUNK = 4096


class Failed:
    """Stands in a chunk for an element whose computation raised `error`."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Item:
    """One buffered unit: a transformed chunk (or an error) and how many input elements it used."""

    __slots__ = ("chunk", "error", "fails", "in_size", "seq", "work")

    def __init__(self, seq: int, chunk: Chunk | None, error: BaseException | None, fails: bool,
                 in_size: int) -> None:
        self.seq, self.chunk, self.error, self.fails, self.in_size = seq, chunk, error, fails, in_size
        self.work = (0.0, 0.0)  # (transform seconds, seconds for this chunk)


class Stats:
    """Counters of one stage; updated per chunk, never per element."""

    def __init__(self) -> None:
        self.elements_in = self.elements_out = self.chunks = self.takes = self.empty_takes = 0
        self.wait = self.busy = self.input_time = self.space_wait = 0.0
        self.fill_sum = 0
        self.bytes_per_element = 0.0
        self.errors = 0
        self.start = time.perf_counter()

    def note_out(self, cursor: Any) -> None:
        self.elements_out += cursor.n
        self.elements_in += cursor.item.in_size
        self.chunks += 1

    def as_dict(self, sh: Shared) -> dict[str, Any]:
        return {
            "elements": self.elements_out,
            "chunks": self.chunks,
            "self_time_s": self.busy,
            "input_time_s": self.input_time,
            "consumer_wait_s": self.wait,
            "worker_space_wait_s": self.space_wait,
            "buffer_fill": sh.reserved,
            "buffer_capacity": sh.capacity_for(sh.next_k()),
            "buffer_fill_avg": self.fill_sum / self.takes if self.takes else 0.0,
            "parallelism": sh.active,
            "chunk_size": sh.chunk_size or sh.k,
            "autotuned": sh.autotuned,
            "bytes_per_element": self.bytes_per_element,
            "errors": self.errors,
        }


class Shared:
    """Buffer, locks and counters shared by a stage's consumer and its workers."""

    def __init__(self, source: DataIterator, *, transform: Callable[[Chunk, int], Any] | None,
                 workers: int, max_workers: int, capacity: int, deterministic: bool,
                 chunk_size: int | None, label: str) -> None:
        self.source, self.transform, self.label = source, transform, label
        self.active, self.max_workers, self.capacity = workers, max_workers, capacity
        self.deterministic, self.chunk_size = deterministic, chunk_size
        self.fixed_capacity = True
        self.ram_budget = 1 << 62  # bytes; set by the stage from Options().autotune.ram_budget
        self.ram_stages: Any = ()  # the pipeline's live stages that share that budget (WeakSet)
        self.autotuned = False
        lock = threading.Lock()
        # Two conditions on one lock: the consumer waits on `cond` (an item is ready), workers on
        # `space` (room in the buffer). Waking only who can proceed avoids a GIL convoy of 16
        # workers per hand-off.
        self.cond = threading.Condition(lock)
        self.space = threading.Condition(lock)
        self.input_lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.stats = Stats()
        self.size_hint = 0
        self.k = 1
        self._cost = 0.0  # seconds per input element (EMA), to size chunks
        self.on_shutdown: list[Callable[[], None]] = []
        self.paused = False
        self.reset()

    def reset(self) -> None:
        """Forgets every buffered item (call with the workers paused: none is in flight)."""
        self.results: dict[int, Item] = {}
        self.ready: collections.deque[Item] = collections.deque()
        self.reserved = self.in_flight = 0
        self.next_seq = self.next_out = self.next_offset = 0
        self.input_done = False
        self.end_seq: int | None = None
        self.position = 0  # absolute position of input offset 0 (for per-element seeds)

    # ---- checkpoints (consumer thread) ---------------------------------------------------------

    def pause(self) -> None:
        """Stops workers from pulling and waits until none is inside the input or a transform."""
        with self.cond:
            self.paused = True
            while self.in_flight > 0 and not self.stop.is_set():
                self.cond.wait(0.1)

    def join_if_ended(self) -> bool:
        """When the input has ended, waits for the workers (which then exit) and says True."""
        with self.cond:
            ended = self.input_done
            self.space.notify_all()
        if ended:
            self.join(10.0)
        return ended

    def resume(self) -> None:
        with self.cond:
            self.paused = False
            self.space.notify_all()

    def buffered_items(self) -> list[Item]:
        """Items produced but not yet taken, in the order the consumer would take them."""
        with self.cond:
            if self.deterministic:
                return [self.results[s] for s in sorted(self.results) if s >= self.next_out]
            return list(self.ready)

    # ---- consumer helpers (called with `cond` held) ----------------------------------------------

    def pop_ready(self) -> Item | None:
        if self.deterministic:
            item = self.results.pop(self.next_out, None)
            if item is not None:
                self.next_out += 1
            return item
        return self.ready.popleft() if self.ready else None

    def finished(self) -> bool:
        if self.stop.is_set():
            return True
        if not self.input_done:
            return False
        if self.deterministic:
            return self.end_seq is not None and self.next_out >= self.end_seq
        return self.in_flight == 0 and not self.ready

    # ---- chunk sizing ----------------------------------------------------------------------------

    def next_k(self) -> int:
        if self.chunk_size:
            return self.chunk_size
        k = self.k
        if self.size_hint and k >= self.size_hint:
            k = (k // self.size_hint) * self.size_hint
        if self.fixed_capacity:
            k = min(k, max(1, self.capacity // (2 * self.active)))
        else:
            k = min(k, max(1, self.ram_limit() // (2 * self.active)))
        return max(1, k)

    def ram_limit(self) -> int:
        """Elements this stage may hold under its share of the RAM budget (AUTOTUNE'd stages)."""
        per = self.stats.bytes_per_element
        return self.ram_share() // int(per) if per >= 1 else 1 << 62

    def ram_share(self) -> int:
        return self.ram_budget // max(1, len(self.ram_stages))

    def capacity_for(self, k: int) -> int:
        if self.fixed_capacity:
            return max(self.capacity, k)
        return max(k, min(max(self.capacity, 2 * self.active * k), self.ram_limit()))

    def _learn_cost(self, seconds: float, size: int) -> None:
        if size <= 0:
            return
        c = seconds / size
        self._cost = c if self._cost == 0 else 0.8 * self._cost + 0.2 * c
        # NOTE: every chunk costs some GIL-held bookkeeping (pull, hand-off: ~30 µs); with many
        # workers that adds up, so chunks get longer as workers are added (0.5 ms per worker).
        seconds = max(_TARGET_CHUNK_SECONDS, 0.0005 * self.active)
        target = int(seconds / max(self._cost, 1e-9))
        self.k = max(1, min(_MAX_CHUNK, target, 4 * self.k))

    # ---- shutdown --------------------------------------------------------------------------------

    def shutdown(self, join_timeout: float = 1.0) -> None:
        """Stops the workers and waits up to `join_timeout` s for them. Never raises."""
        self.stop.set()
        with self.cond:
            self.cond.notify_all()
            self.space.notify_all()
        self.join(join_timeout)
        while self.on_shutdown:
            try:
                self.on_shutdown.pop()()
            except Exception:  # noqa: BLE001, S110 - shutdown never raises
                pass

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        me = threading.current_thread()
        for t in self.threads:
            if t is not me:
                t.join(max(0.0, deadline - time.monotonic()))
        self.threads = [t for t in self.threads if t.is_alive()]



def worker_loop(sh: Shared, idx: int) -> None:
    """Reserve room, pull a chunk (one worker at a time), transform it, deposit it; repeat.

    Returns when the stage stops or the input ends (an exhausted iterator holds no threads; a
    `set_state`, e.g. by `repeat()`, starts new ones).
    """
    cond, stats = sh.cond, sh.stats
    while True:
        with cond:
            t0 = 0.0
            while True:
                if sh.stop.is_set() or sh.input_done:
                    return
                k = sh.next_k()
                if idx < sh.active and not sh.paused and \
                        (sh.reserved == 0 or sh.reserved + k <= sh.capacity_for(k)):
                    break
                if idx < sh.active:  # an idle extra worker is not waiting for room
                    t0 = t0 or time.perf_counter()
                sh.space.wait(0.5)
            if t0:
                stats.space_wait += time.perf_counter() - t0
            sh.reserved += k
            sh.in_flight += 1
        item = _pull_and_transform(sh, k)
        with cond:
            sh.in_flight -= 1
            if item is None:
                sh.reserved -= k
            else:
                sh.reserved -= k - item.in_size
                stats.busy += item.work[0]
                sh._learn_cost(item.work[1], item.in_size)
                if sh.deterministic:
                    sh.results[item.seq] = item
                else:
                    sh.ready.append(item)
                if item.error is not None or item.fails:
                    stats.errors += 1
            if item is None:  # the input ended: everyone re-checks
                cond.notify_all()
                sh.space.notify_all()
            else:
                cond.notify()


def _pull_and_transform(sh: Shared, k: int) -> Item | None:
    stats = sh.stats
    with sh.input_lock:
        if sh.input_done or sh.stop.is_set():
            return None
        seq, offset = sh.next_seq, sh.next_offset
        t0 = time.perf_counter()
        chunk: Chunk | None = None
        error: BaseException | None = None
        try:
            chunk = sh.source.next_chunk(k)
        except StopIteration:
            with sh.cond:
                sh.input_done, sh.end_seq = True, seq
            return None
        except BaseException as e:  # noqa: BLE001 - delivered to the consumer in order
            error = e
            _note(e, f"passed through {sh.label}")
        t1 = time.perf_counter()
        size = chunk.size if chunk is not None else 0
        sh.next_seq, sh.next_offset = seq + 1, offset + size
        stats.input_time += t1 - t0
    fails = False
    out = chunk
    if chunk is not None and sh.transform is not None:
        try:
            out, fails = sh.transform(chunk, sh.position + offset)
        except BaseException as e:  # noqa: BLE001 - delivered to the consumer in order
            out, error = None, e
            _note(e, f"in {sh.label}")
    t2 = time.perf_counter()
    if out is not None and (stats.chunks < 4 or seq % 32 == 0) and out.size:
        stats.bytes_per_element = chunk_nbytes(out) / out.size
    try:
        item = Item(seq, out, error, fails, size)
        item.work = (t2 - t1, t2 - t0)
        return item
    finally:
        error = None  # NOTE: this frame is in the error's traceback: no exception <-> frame cycle


def _note(e: BaseException, text: str) -> None:
    notes = getattr(e, "__notes__", None) or []
    if text not in notes:
        e.add_note(text)


def chunk_nbytes(chunk: Chunk) -> int:
    """Approximate bytes held by a chunk (array buffers; bytes objects by length)."""
    if chunk.has_columns:
        leaves = structure.flatten(chunk.columns())
    else:
        els = chunk.elements()
        leaves = [leaf for e in els[:8] for leaf in structure.flatten(e)]
        scale = len(els) / max(1, min(8, len(els)))
        return int(sum(_leaf_nbytes(x) for x in leaves) * scale)
    return sum(_leaf_nbytes(x) for x in leaves)


def _leaf_nbytes(x: Any) -> int:
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return sum(len(v) if isinstance(v, bytes) else 8 for v in x.ravel()[:64]) * max(1, x.size // 64) + 8 * x.size
        return x.nbytes
    if isinstance(x, (bytes, str)):
        return len(x) + 33
    return getattr(x, "nbytes", 32)
