"""`Dataset.shard`: every `num_shards`-th element, starting at `index` (tf.data's `shard`).

>>> from dataflowio.data.ops.range import Range
>>> it = Shard(inputs=(Range(stop=10),), num_shards=3, index=1).open((Range(stop=10).open((), None),), None)
>>> [int(v) for v in it]
[1, 4, 7]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.ops._common import as_int
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class Shard(Node):
    num_shards: int = 1
    index: int = 0

    op_name = "shard"

    def __post_init__(self) -> None:
        k = as_int(self.num_shards, "shard", "num_shards")
        i = as_int(self.index, "shard", "index")
        if k < 1:
            raise InvalidArgumentError(f"shard: `num_shards` must be >= 1, got {k}.")
        if not 0 <= i < k:
            raise InvalidArgumentError(
                f"shard: `index` must be in [0, num_shards) = [0, {k}), got index={i} for num_shards={k}.")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return ShardIterator(inputs[0], int(self.num_shards), int(self.index))

    def _cardinality(self) -> int:
        n, k, i = self.inputs[0].cardinality(), int(self.num_shards), int(self.index)
        if n in (INFINITE, UNKNOWN):
            return n
        return n // k + (1 if i < n % k else 0)


def take_rows(chunk: Chunk, rows: np.ndarray) -> Chunk:
    """The chunk's elements at `rows` (columnar when the chunk is)."""
    if chunk.has_columns:
        cols = chunk.columns()
        out = structure.map_structure(lambda a: a[rows], cols) if structure.is_structure(cols) else cols[rows]
        return Chunk.from_columns(out, len(rows))
    els = chunk.elements()
    return Chunk.from_elements([els[r] for r in rows])


class ShardIterator(DataIterator):
    def __init__(self, source: DataIterator, k: int, index: int) -> None:
        super().__init__(source, name="shard")
        self._k, self._i = k, index
        self._pos = 0  # input elements consumed

    def __next__(self) -> Any:
        while True:
            el = next(self.source)
            p = self._pos
            self._pos += 1
            if p % self._k == self._i:
                return el

    def next_chunk(self, n: int) -> Chunk:
        parts: list[Chunk] = []
        got = 0
        while got < n:
            # The input elements needed to reach the (n - got)-th wanted one, no more.
            first = (self._i - self._pos) % self._k
            need = first + (n - got - 1) * self._k + 1
            try:
                c = self.source.next_chunk(need)
            except StopIteration:
                break
            rows = np.arange(first, c.size, self._k)
            self._pos += c.size
            if len(rows):
                parts.append(take_rows(c, rows))
                got += len(rows)
        if not parts:
            raise StopIteration
        return concat_chunks(parts)

    def get_state(self) -> State:
        return {"pos": self._pos, "source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self._pos = int(state["pos"])
        self.source.set_state(state["source"])
