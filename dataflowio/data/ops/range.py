"""`Dataset.range`: the integers `start, start + step, ...` below `stop` (int64 by default).

Random access: `next_chunk(n)` is one `np.arange`, and the index-level shuffle can gather from it.

>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> it = Range(start=0, stop=5, step=2).open((), ExecContext(Options()))
>>> next(it).item(), it.next_chunk(4).columns().tolist()
(0, [2, 4])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec


@dataclass(frozen=True, kw_only=True, eq=False)
class Range(Node):
    start: int = 0
    stop: int = 0
    step: int = 1
    dtype: Any = dtypes.int64

    op_name = "range"

    def __post_init__(self) -> None:
        for k in ("start", "stop", "step"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int | np.integer):
                raise InvalidArgumentError(f"range: `{k}` must be an integer, got {type(v).__name__}: {v!r:.40}.")
        if self.step == 0:
            raise InvalidArgumentError("range: `step` must be nonzero, got 0.")

    def length(self) -> int:
        return len(range(int(self.start), int(self.stop), int(self.step)))

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return RangeIterator(self)

    def _element_spec(self) -> Any:
        return TensorSpec((), dtypes.as_dtype(self.dtype))

    def _cardinality(self) -> int:
        return self.length()


class RangeIterator(DataIterator):
    def __init__(self, node: Range) -> None:
        super().__init__(name="range")
        self._start, self._step = int(node.start), int(node.step)
        self._n = node.length()
        self._np = dtypes.as_dtype(node.dtype).np
        self._scalar = self._np.type
        self._pos = 0

    def __next__(self) -> Any:
        if self._pos >= self._n:
            raise StopIteration
        v = self._start + self._pos * self._step
        self._pos += 1
        return self._scalar(v)

    def next_chunk(self, n: int) -> Chunk:
        k = min(n, self._n - self._pos)
        if k <= 0:
            raise StopIteration
        cols = self.gather_range(self._pos, self._pos + k)
        self._pos += k
        return Chunk.from_columns(cols, k)

    # Random access (used by the index-level shuffle).
    def random_access_length(self) -> int:
        return self._n

    def gather_range(self, a: int, b: int) -> np.ndarray:
        return (self._start + np.arange(a, b, dtype=np.int64) * self._step).astype(self._np, copy=False)

    def gather(self, idx: np.ndarray) -> Chunk:
        cols = (self._start + np.asarray(idx, dtype=np.int64) * self._step).astype(self._np, copy=False)
        return Chunk.from_columns(cols, len(idx))

    def get_state(self) -> State:
        return {"pos": self._pos}

    def set_state(self, state: State) -> None:
        self._pos = int(state["pos"])
