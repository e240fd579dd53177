"""`Dataset.enumerate`: pairs every element with its int64 index, counting from `start`.

>>> from dataflowio.data.ops.range import Range
>>> it = Enumerate(inputs=(Range(start=5, stop=7),), start=1).open((Range(start=5, stop=7).open((), None),), None)
>>> [(int(i), int(x)) for i, x in it]
[(1, 5), (2, 6)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio import dtypes
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._common import as_int
from dataflowio.data.plan import ExecContext, Node
from dataflowio.tensor_shape import TensorSpec


@dataclass(frozen=True, kw_only=True, eq=False)
class Enumerate(Node):
    start: int = 0

    op_name = "enumerate"
    preserves_cardinality = True

    def __post_init__(self) -> None:
        as_int(self.start, "enumerate", "start")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return EnumerateIterator(inputs[0], int(self.start))

    def _element_spec(self) -> Any:
        return (TensorSpec((), dtypes.int64), self.inputs[0].element_spec())


class EnumerateIterator(DataIterator):
    def __init__(self, source: DataIterator, start: int) -> None:
        super().__init__(source, name="enumerate")
        self._next = start

    def __next__(self) -> Any:
        el = next(self.source)
        i = np.int64(self._next)
        self._next += 1
        return (i, el)

    def next_chunk(self, n: int) -> Chunk:
        c = self.source.next_chunk(n)
        idx = np.arange(self._next, self._next + c.size, dtype=np.int64)
        self._next += c.size
        if c.has_columns:
            return Chunk.from_columns((idx, c.columns()), c.size)
        return Chunk.from_elements([(i, e) for i, e in zip(idx, c.elements())])

    def get_state(self) -> State:
        return {"next": self._next, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._next = int(state["next"])
        self.source.set_state(state["source"])
