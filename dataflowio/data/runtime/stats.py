"""Per-stage statistics as data (`it.stats()`), the bottleneck, and a table for `dataflowio bench`.

`instrument(iterator, node, ctx)` is called by `execute.lower` for every stage. Threaded stages
(prefetch, parallel map/batch/interleave, device) keep their own counters, updated per chunk.
Other stages get a timing subclass swapped in that times their `next_chunk` calls (one pair of
clock reads per chunk). Element-by-element `__next__` calls are not timed by default (that would
cost ~0.3 µs per element and stage); set `DATAFLOWIO_STATS=full` to count and time them too
(one call in 16 timed, scaled up), or `DATAFLOWIO_STATS=0` to switch timing off.

For each stage `collect()` reports: `elements`, `chunks`, `self_time_s` (own work, excluding
waiting on the input), `input_time_s` (time spent waiting on / pulling from the input),
buffer fill (`buffer_fill` / `buffer_capacity` / `buffer_fill_avg`), `parallelism`, and any
counters the iterator publishes through `stage_stats()` (e.g. `skipped` of `ignore_errors`).
`bottleneck` names the stage with the most self time per worker.

>>> from dataflowio.data import Dataset, Options
>>> plain = Options(); plain.experimental_optimization.apply_default_optimizations = False
>>> it = iter(Dataset.range(100).map(lambda x: x + 1).batch(10).with_options(plain))
>>> _ = list(it)
>>> s = it.stats()
>>> [st["stage"].split("(")[0] for st in s["stages"]], s["stages"][1]["elements"]
(['batch', 'map', 'range'], 100)
"""

from __future__ import annotations

import os
import time
import weakref
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator

_SAMPLE = 16
_MODE = os.environ.get("DATAFLOWIO_STATS", "chunks").lower()
_ENABLED = _MODE not in ("0", "off", "false")
_FULL = _MODE == "full"
_timed_classes: dict[tuple[type, bool], type] = {}


class _Timing:
    __slots__ = ("busy", "calls", "chunk_time", "chunks", "elements", "sampled", "sampled_time")

    def __init__(self) -> None:
        self.busy = False  # inside our own next_chunk (whose default loops over __next__)
        self.calls = self.chunks = self.elements = self.sampled = 0
        self.sampled_time = self.chunk_time = 0.0

    def inclusive(self) -> float:
        scaled = self.sampled_time * (self.calls / self.sampled) if self.sampled else 0.0
        return scaled + self.chunk_time


def _timed_class(cls: type, full: bool) -> type:
    sub = _timed_classes.get((cls, full))
    if sub is not None:
        return sub
    base_next, base_chunk = cls.__next__, cls.next_chunk
    clock = time.perf_counter

    def __next__(self: Any) -> Any:
        t = self._df_timing
        if t.busy:
            return base_next(self)
        t.calls += 1
        if t.calls % _SAMPLE:
            out = base_next(self)
            t.elements += 1
            return out
        t0 = clock()
        try:
            out = base_next(self)
        finally:
            t.sampled_time += clock() - t0
            t.sampled += 1
        t.elements += 1
        return out

    def next_chunk(self: Any, n: int) -> Chunk:
        t = self._df_timing
        t0 = clock()
        if full:
            t.busy = True
            try:
                out = base_chunk(self, n)
            finally:
                t.busy = False
        else:
            out = base_chunk(self, n)  # NOTE: the call that raises StopIteration is not timed
        t.chunk_time += clock() - t0
        t.chunks += 1
        t.elements += out.size
        return out

    body: dict[str, Any] = {"next_chunk": next_chunk, "__module__": cls.__module__,
                            "__qualname__": cls.__qualname__}
    if full:
        body["__next__"] = __next__
    sub = type(cls.__name__, (cls,), body)
    _timed_classes[(cls, full)] = sub
    return sub


def instrument(iterator: DataIterator, node: Any, ctx: Any) -> DataIterator:
    """Labels `iterator` with its plan node and (for non-threaded stages) adds cheap timing."""
    if getattr(iterator, "_df_label", None) is not None:
        return iterator  # a node that returned its input unchanged (e.g. prefetch(0))
    iterator._df_label = node.label()  # type: ignore[attr-defined]
    if ctx is not None:
        ctx.resources.setdefault("stats", collect)
    if not _ENABLED or hasattr(iterator, "_shared"):
        return iterator
    try:
        iterator._df_timing = _Timing()  # type: ignore[attr-defined]
        if _FULL:
            iterator.__class__ = _timed_class(type(iterator), True)
        else:  # NOTE: an instance attribute, not a class swap (that slows every next() by ~40 %)
            iterator.next_chunk = _timed_chunk(iterator)  # type: ignore[method-assign]
            if hasattr(iterator, "next_batch_view"):  # from_tensor_slices' zero-copy batches
                iterator.next_batch_view = _timed_chunk(iterator, "next_batch_view")
    except (TypeError, AttributeError):  # a class that forbids it: counters from stage_stats only
        pass
    return iterator


def _timed_chunk(iterator: DataIterator, method: str = "next_chunk") -> Any:
    base = getattr(type(iterator), method)
    me = weakref.ref(iterator)  # NOTE: no iterator -> closure -> iterator cycle (refcounting frees it)
    t = iterator._df_timing  # type: ignore[attr-defined]
    clock = time.perf_counter

    def next_chunk(n: int) -> Chunk:
        t0 = clock()
        out = base(me(), n)  # NOTE: the call that raises StopIteration is not timed
        t.chunk_time += clock() - t0
        t.chunks += 1
        t.elements += out.size
        return out

    return next_chunk


def _walk(root: DataIterator) -> list[tuple[DataIterator, int]]:
    out, stack, seen = [], [(root, 0)], set()
    while stack:
        it, depth = stack.pop()
        if id(it) in seen:
            continue
        seen.add(id(it))
        out.append((it, depth))
        for c in reversed(tuple(it.children())):
            stack.append((c, depth + 1))
    return out


def _incl(it: DataIterator) -> float:
    if hasattr(it, "_shared"):
        return it._shared.stats.wait  # type: ignore[attr-defined]
    t = getattr(it, "_df_timing", None)
    return t.inclusive() if t is not None else 0.0


def stage_record(it: DataIterator) -> dict[str, Any]:
    """One stage's statistics (see the module docstring)."""
    rec: dict[str, Any] = {"stage": getattr(it, "_df_label", None) or it.name,
                           "iterator": type(it).__name__}
    if hasattr(it, "stage_stats") and hasattr(it, "_shared"):
        rec.update(it.stage_stats())
    else:
        t = getattr(it, "_df_timing", None)
        incl = t.inclusive() if t is not None else 0.0
        inp = sum(_incl(c) for c in it.children())
        measured = t is not None and (t.chunks or t.calls)  # None: only called element-wise
        rec.update({"elements": t.elements if measured else None,
                    "chunks": t.chunks if measured else None,
                    "self_time_s": max(0.0, incl - inp), "input_time_s": inp,
                    "parallelism": 1})
        if hasattr(it, "stage_stats"):
            try:
                rec.update(it.stage_stats())
            except Exception:  # noqa: BLE001, S110 - statistics never break iteration
                pass
    return rec


def collect(dataset_iterator: Any) -> dict[str, Any]:
    """`it.stats()`: {"stages": [...], "bottleneck": label, "wall_time_s": ...}, output stage first."""
    stages = []
    for it, depth in _walk(dataset_iterator.root):
        rec = stage_record(it)
        rec["depth"] = depth
        stages.append(rec)
    def cost(r: dict[str, Any]) -> float:
        return (r.get("self_time_s") or 0.0) / max(1, int(r.get("parallelism") or 1))
    bottleneck = max(stages, key=cost)["stage"] if stages and any(cost(r) for r in stages) else None
    return {"stages": stages, "bottleneck": bottleneck}


def format_table(stats: dict[str, Any]) -> str:
    """The stats as a fixed-width text table (what `dataflowio bench --stats` prints).

    >>> print(format_table({"stages": [{"stage": "range(stop=3)", "elements": 3, "chunks": 1,
    ...     "self_time_s": 0.001, "input_time_s": 0.0, "depth": 0}], "bottleneck": "range(stop=3)"}))
    stage          elements  chunks  self ms  input ms  wait ms  buffer  par
    range(stop=3)         3       1      1.0       0.0        -       -    1
    bottleneck: range(stop=3)
    """
    rows = [("stage", "elements", "chunks", "self ms", "input ms", "wait ms", "buffer", "par")]
    for r in stats["stages"]:
        cap = r.get("buffer_capacity")
        buf = f"{r.get('buffer_fill_avg', 0):.0f}/{cap}" if cap else "-"
        wait = r.get("consumer_wait_s")
        rows.append(("  " * r.get("depth", 0) + str(r["stage"])[:48],
                     _num(r.get("elements")), _num(r.get("chunks")),
                     f"{1000 * (r.get('self_time_s') or 0):.1f}",
                     f"{1000 * (r.get('input_time_s') or 0):.1f}",
                     "-" if wait is None else f"{1000 * wait:.1f}", buf,
                     str(r.get("parallelism", 1))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.append(f"bottleneck: {stats.get('bottleneck')}")
    return "\n".join(line.rstrip() for line in lines)


def _num(v: Any) -> str:
    return "-" if v is None else str(v)
