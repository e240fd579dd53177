"""`Dataset.unbatch`: splits every element along axis 0 into its rows.

The chunk path pulls whole batches and serves rows by slicing them, so `unbatch().batch(m)`
never builds single elements.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.batch import Batch
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Unbatch(inputs=(Batch(inputs=(Range(stop=5),), batch_size=2),))
>>> [int(x) for x in execute.lower(node, ExecContext(Options()))]
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec


@dataclass(frozen=True, kw_only=True, eq=False)
class Unbatch(Node):
    op_name = "unbatch"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return UnbatchIterator(inputs[0])

    def _element_spec(self) -> Any:
        spec = self.inputs[0].element_spec()
        for path, s in structure.flatten_with_paths(spec):
            if s.shape.rank == 0:
                raise InvalidArgumentError(
                    f"unbatch: component {path or '0'} is a scalar ({s}); expected every component "
                    "to have a leading (batch) dimension.")

        def leaf(s: Any) -> Any:
            return TensorSpec(s.shape[1:], s.dtype)

        return structure.map_structure(leaf, spec) if structure.is_structure(spec) else leaf(spec)

    def _cardinality(self) -> int:
        n = self.inputs[0].cardinality()
        if n == INFINITE:
            return INFINITE
        if n == 0:
            return 0
        spec = self.inputs[0].element_spec()
        dims = {s.shape[0] for s in structure.flatten(spec) if s.shape.rank}
        if n > 0 and len(dims) == 1 and None not in dims:
            return n * dims.pop()
        return UNKNOWN


class UnbatchIterator(DataIterator):
    """Serves rows of the current batch; the state is the input's state before that batch plus
    the number of rows already served from it."""

    def __init__(self, source: DataIterator) -> None:
        super().__init__(source, name="unbatch")
        self._cols: Any = None  # current batch (columns), rows [_row:] still to serve
        self._size = 0
        self._row = 0
        self._before: Any = source.get_state()  # the input's state before the current batch

    def _load(self) -> bool:
        self._before = self.source.get_state()
        batch = next(self.source)
        flat = structure.flatten(batch)
        sizes = set()
        for path, v in structure.flatten_with_paths(batch):
            shape = np.shape(v)
            if not shape:
                raise InvalidArgumentError(
                    f"unbatch: component {path or '0'} is a scalar; expected a leading batch dimension.")
            sizes.add(shape[0])
        if len(sizes) > 1:
            raise InvalidArgumentError(
                f"unbatch: components of one element differ in their leading dimension: {sorted(sizes)}.")
        self._cols = structure.map_structure(np.asarray, batch) if structure.is_structure(batch) \
            else np.asarray(batch)
        self._size = np.shape(flat[0])[0]
        self._row = 0
        return True

    def __next__(self) -> Any:
        while self._cols is None or self._row >= self._size:
            self._load()
        r = self._row
        self._row += 1
        flat = structure.flatten(self._cols)
        leaves = [structure.to_element_leaf(v[r].copy() if v.ndim > 1 else v[r]) for v in flat]
        return leaves[0] if not structure.is_structure(self._cols) else structure.pack_as(self._cols, leaves)

    def next_chunk(self, n: int) -> Chunk:
        parts: list[Chunk] = []
        got = 0
        while got < n:
            if self._cols is None or self._row >= self._size:
                try:
                    self._load()
                except StopIteration:
                    break
                continue
            k = min(n - got, self._size - self._row)
            a, b = self._row, self._row + k
            cols = structure.map_structure(lambda v, a=a, b=b: v[a:b], self._cols) \
                if structure.is_structure(self._cols) else self._cols[a:b]
            parts.append(Chunk.from_columns(cols, k))
            self._row = b
            got += k
        if not parts:
            raise StopIteration
        return concat_chunks(parts)

    def get_state(self) -> State:
        if self._cols is None or self._row >= self._size:
            return {"source": self.source.get_state(), "row": 0}
        return {"source": self._before, "row": self._row}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["source"])
        self._cols, self._size, self._row = None, 0, 0
        if state["row"]:
            self._load()
            self._row = int(state["row"])
