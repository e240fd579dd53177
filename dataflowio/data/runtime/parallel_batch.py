"""Parallel `batch` (`num_parallel_calls` set): worker threads stack whole batches.

Each worker pulls `batch_size` elements as one chunk and stacks it into the batch (the columns),
so copying the arrays (which releases the GIL) overlaps across batches. Batches come out in
order unless not deterministic. A stacking error (elements of different shapes) is raised in
order for that batch, as `batch` does.

>>> from dataflowio.data.runtime.testing import ListIterator
>>> it = ParallelBatch(ListIterator(list(range(5))), batch_size=2, drop_remainder=False,
...                    workers=2, where="batch(batch_size=2)")
>>> [b.tolist() for b in it]
[[0, 1], [2, 3], [4]]
>>> it.close()
"""

from __future__ import annotations

from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator
from dataflowio.data.options import node_deterministic
from dataflowio.data.runtime.autotune import AUTOTUNE
from dataflowio.data.runtime.stage import ThreadedStage


class ParallelBatch(ThreadedStage):
    """The iterator of a batch with `num_parallel_calls`; see the module docstring."""

    def __init__(self, source: DataIterator, *, batch_size: int, drop_remainder: bool, workers: int,
                 where: str, deterministic: bool = True, ctx: Any = None, name: str = "") -> None:
        from dataflowio.data.ops.batch import owned

        def transform(chunk: Chunk, position: int) -> tuple[Chunk, bool]:
            if chunk.size < batch_size and drop_remainder:
                return Chunk.from_elements([]), False
            return Chunk.from_elements([owned(chunk.columns(where=where))]), False

        super().__init__(source, label=where, kind="batch", transform=transform, workers=workers,
                         capacity=AUTOTUNE, deterministic=deterministic, chunk_size=batch_size,
                         ctx=ctx, name=name)


def open_parallel_batch(node: Any, source: DataIterator, ctx: Any) -> DataIterator:
    """The iterator for a `Batch` node with `num_parallel_calls` set (called by `Batch.open`)."""
    det = node_deterministic(node.deterministic, ctx)
    return ParallelBatch(source, batch_size=int(node.batch_size),
                         drop_remainder=bool(node.drop_remainder),
                         workers=int(node.num_parallel_calls), where=node.where(),
                         deterministic=bool(det), ctx=ctx, name=node.name or "")
