"""`Dataset.take`: the first `count` elements (all of them when `count` is -1).

>>> from dataflowio.data.ops.range import Range
>>> it = Take(inputs=(Range(stop=9),), count=3).open((Range(stop=9).open((), None),), None)
>>> [int(v) for v in it]
[0, 1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._common import check_count
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node


@dataclass(frozen=True, kw_only=True, eq=False)
class Take(Node):
    count: int = -1

    op_name = "take"

    def __post_init__(self) -> None:
        check_count(self.count, "take", "count")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return TakeIterator(inputs[0], int(self.count))

    def _cardinality(self) -> int:
        n, c = self.inputs[0].cardinality(), int(self.count)
        if c == -1:
            return n
        if n == INFINITE:
            return c
        if n == UNKNOWN:
            return UNKNOWN if c > 0 else 0
        return min(n, c)


class TakeIterator(DataIterator):
    def __init__(self, source: DataIterator, count: int) -> None:
        super().__init__(source, name="take")
        self._count, self._taken = count, 0

    def __next__(self) -> Any:
        if self._count != -1 and self._taken >= self._count:
            raise StopIteration
        el = next(self.source)
        self._taken += 1
        return el

    def next_chunk(self, n: int) -> Chunk:
        if self._count != -1:
            n = min(n, self._count - self._taken)
            if n <= 0:
                raise StopIteration
        chunk = self.source.next_chunk(n)
        self._taken += chunk.size
        return chunk

    def get_state(self) -> State:
        return {"taken": self._taken, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._taken = int(state["taken"])
        self.source.set_state(state["source"])
