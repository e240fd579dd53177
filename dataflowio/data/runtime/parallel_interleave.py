"""Parallel `interleave` (`num_parallel_calls` set): every open slot reads ahead on its own thread.

The cycle logic is the sequential iterator's (TensorFlow's order: `cycle_length` slots,
`block_length` elements from each in turn, an exhausted slot refilled in place), so with
`deterministic` (the default) the output is exactly `interleave`'s. Each slot's dataset runs in
a `ThreadedStage` (thread `dataflowio-interleave-...`) that keeps up to `buffer` elements ready,
so reading and decoding several files overlaps. With `deterministic=False` (or
`Options().deterministic = False`) the consumer takes an element from the first slot, in cycle
order, that already has one ready instead of waiting for the current slot.

Every open slot reads ahead (`cycle_length` threads; `num_parallel_calls` switches the parallel
iterator on, its value does not cap the count, so that a checkpoint restores into the same kind of
slot whatever order slots are reopened in). Checkpoints hold each slot's input element and the
state of the last element the consumer took from it.

>>> from dataflowio.data import Dataset
>>> ds = Dataset.range(1, 4).interleave(lambda x: Dataset.range(x), cycle_length=2,
...                                     num_parallel_calls=2)
>>> [int(v) for v in ds]
[0, 0, 1, 0, 1, 2]
"""

from __future__ import annotations

from typing import Any

from dataflowio.data.iterator import DataIterator
from dataflowio.data.ops.interleave import InterleaveIterator, _Slot
from dataflowio.data.options import node_deterministic
from dataflowio.data.runtime.stage import ThreadedStage


class ParallelInterleaveIterator(InterleaveIterator):
    """`InterleaveIterator` whose slots prefetch on background threads; see the module docstring."""

    def __init__(self, node: Any, source: DataIterator, ctx: Any, deterministic: bool) -> None:
        super().__init__(node, source, ctx)
        self._deterministic = deterministic
        self._buffer = max(2, 2 * self._block_length)
        self.name = "parallel_interleave"

    def _open_slot(self, element: Any) -> _Slot:
        slot = super()._open_slot(element)
        slot.it = ThreadedStage(slot.it, label=f"{self._where}[slot]", kind="interleave",
                                capacity=self._buffer, ctx=self._ctx)
        return slot

    def __next__(self) -> Any:
        if not self._deterministic:
            value = self._take_any_ready()
            if value is not _NONE:
                return value
        return super().__next__()

    def _take_any_ready(self) -> Any:
        """An element from the first slot (in cycle order) that has one ready, else `_NONE`."""
        n = self._cycle_length
        for j in range(n):
            i = (self._cycle + j) % n
            slot = self._slots[i]
            if slot is not None and slot.it.has_ready():
                try:
                    value = next(slot.it)
                except StopIteration:
                    continue  # the regular path closes and refills the slot
                if i == self._cycle:
                    self._block += 1
                    if self._block == self._block_length:
                        self._advance()
                return value
        return _NONE


_NONE = object()


def open_parallel_interleave(node: Any, source: DataIterator, ctx: Any) -> DataIterator:
    """The iterator for an `Interleave` node with `num_parallel_calls` (called by `Interleave.open`)."""
    det = node_deterministic(node.deterministic, ctx)
    return ParallelInterleaveIterator(node, source, ctx, bool(det))
