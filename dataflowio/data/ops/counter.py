"""`Dataset.counter`: `start, start + step, start + 2*step, ...` forever (int64 by default).

`next_chunk(n)` is one `np.arange`; the state is the number of elements produced.

>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> it = Counter(start=5, step=-2).open((), ExecContext(Options()))
>>> int(next(it)), it.next_chunk(3).columns().tolist()
(5, [3, 1, -1])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import INFINITE, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec


@dataclass(frozen=True, kw_only=True, eq=False)
class Counter(Node):
    start: Any = 0
    step: Any = 1
    dtype: Any = dtypes.int64

    op_name = "counter"

    def __post_init__(self) -> None:
        dt = dtypes.as_dtype(self.dtype)
        if not (dt.is_integer or dt.is_floating):
            raise InvalidArgumentError(f"Dataset.counter: `dtype` must be an integer or float type, "
                                       f"got {dt.name}.")
        for k in ("start", "step"):
            v = getattr(self, k)
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                raise InvalidArgumentError(f"Dataset.counter: `{k}` must be a number, got "
                                           f"{type(v).__name__}: {v!r:.40}.")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return CounterIterator(self)

    def _element_spec(self) -> Any:
        return TensorSpec((), dtypes.as_dtype(self.dtype))

    def _cardinality(self) -> int:
        return INFINITE


class CounterIterator(DataIterator):
    def __init__(self, node: Counter) -> None:
        super().__init__(name="counter")
        self._np = dtypes.as_dtype(node.dtype).np
        self._start = self._np.type(node.start)
        self._step = self._np.type(node.step)
        self._pos = 0

    def __next__(self) -> Any:
        v = self._np.type(self._start + self._np.type(self._pos) * self._step)
        self._pos += 1
        return v

    def next_chunk(self, n: int) -> Chunk:
        idx = np.arange(self._pos, self._pos + n, dtype=np.int64).astype(self._np, copy=False)
        self._pos += n
        return Chunk.from_columns((self._start + idx * self._step).astype(self._np, copy=False), n)

    def get_state(self) -> State:
        return {"pos": self._pos}

    def set_state(self, state: State) -> None:
        self._pos = int(state["pos"])
