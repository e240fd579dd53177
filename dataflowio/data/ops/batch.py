"""`Dataset.batch`: stacks `batch_size` consecutive elements along a new axis 0.

The iterator asks its input for `next_chunk(batch_size)` and returns the chunk's columns, so
sources that slice arrays and vectorized maps never build single elements. Output arrays are
owned copies, never views into the user's input — except with `zero_copy` (set by the optimizer's
`zero_copy_batch` rule for a batch of `from_tensor_slices` rows that goes straight to the
consumer): then a batch is a read-only view of the dataset's own read-only copy of the rows.

>>> from dataflowio.data.ops.range import Range
>>> it = Batch(inputs=(Range(stop=5),), batch_size=2).open((Range(stop=5).open((), None),), None)
>>> [b.tolist() for b in it]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._common import as_int
from dataflowio.data.ops.map import check_parallelism
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec


@dataclass(frozen=True, kw_only=True, eq=False)
class Batch(Node):
    batch_size: int = 1
    drop_remainder: bool = False
    num_parallel_calls: int | None = None
    deterministic: bool | None = None  # type: ignore[misc]
    zero_copy: bool = field(default=False, repr=False)

    op_name = "batch"

    def args(self) -> dict[str, Any]:
        return {**super().args(), "zero_copy": True} if self.zero_copy else super().args()

    def __post_init__(self) -> None:
        n = as_int(self.batch_size, "batch", "batch_size")
        if n < 1:
            raise InvalidArgumentError(f"batch: `batch_size` must be >= 1, got {n}.")
        check_parallelism(self.num_parallel_calls, "batch")

    def where(self) -> str:
        return f"batch(name={self.name!r}, batch_size={self.batch_size})" if self.name \
            else f"batch(batch_size={self.batch_size})"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        if self.num_parallel_calls not in (None, 1):  # stacking on the runtime's worker threads
            from dataflowio.data.runtime.parallel_batch import open_parallel_batch

            return open_parallel_batch(self, inputs[0], ctx)
        return BatchIterator(inputs[0], int(self.batch_size), bool(self.drop_remainder), self.where(),
                             zero_copy=self.zero_copy)

    def _element_spec(self) -> Any:
        return batched_spec(self.inputs[0].element_spec(), self.batch_size if self.drop_remainder else None)

    def _cardinality(self) -> int:
        return batched_cardinality(self.inputs[0].cardinality(), int(self.batch_size), bool(self.drop_remainder))


def batched_spec(spec: Any, dim: int | None) -> Any:
    """`spec` with a leading batch dimension `dim` (None = unknown)."""
    def leaf(s: Any) -> Any:
        return TensorSpec(s.shape.__class__([dim]).concatenate(s.shape), s.dtype)

    return structure.map_structure(leaf, spec) if structure.is_structure(spec) else leaf(spec)


def batched_cardinality(n: int, size: int, drop: bool) -> int:
    if n in (INFINITE, UNKNOWN):
        return n
    return n // size if drop else -(-n // size)


def owned(columns: Any) -> Any:
    """Columns whose arrays own their memory (views into inputs are copied)."""
    if isinstance(columns, np.ndarray):
        return columns if columns.flags.owndata else columns.copy()
    if type(columns) is tuple:  # the common (x, y) batch, without the generic structure walk
        return tuple([owned(c) for c in columns])
    return structure.map_structure(owned, columns) if structure.is_structure(columns) else columns


def pull_batch(source: DataIterator, size: int) -> Chunk:
    """Up to `size` elements for one batch. On a short chunk any error held back below it is
    raised first, so a failing element fails its batch (as in tf.data) instead of ending it early."""
    chunk = source.next_chunk(size)
    if chunk.size < size:
        source.raise_pending_error()
    return chunk


class BatchIterator(DataIterator):
    def __init__(self, source: DataIterator, size: int, drop: bool, where: str,
                 zero_copy: bool = False) -> None:
        super().__init__(source, name="batch")
        self._size, self._drop, self._where = size, drop, where
        # from_tensor_slices rows as read-only views (only for a batch the consumer gets as is)
        self._views = getattr(source, "next_batch_view", None) if zero_copy else None

    def __next__(self) -> Any:
        views = self._views
        chunk = views(self._size) if views is not None else pull_batch(self.source, self._size)
        if chunk.size == 0 or (chunk.size < self._size and self._drop):
            raise StopIteration
        columns = chunk.columns(where=self._where)
        return columns if views is not None else owned(columns)

    def get_state(self) -> State:
        return {"source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["source"])
