"""`Dataset.zip`: elements of several datasets side by side, nested like `structure`.

The node's inputs are the datasets' plans in `structure.flatten` order; `structure` is the
nesting with each dataset replaced by its position. It ends when the shortest input ends.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Zip(inputs=(Range(stop=3), Range(start=5, stop=7)), structure=(0, 1))
>>> [(int(a), int(b)) for a, b in execute.lower(node, ExecContext(Options()))]
[(0, 5), (1, 6)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data import structure as nest
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node


@dataclass(frozen=True, kw_only=True, eq=False)
class Zip(Node):
    structure: Any = None

    op_name = "zip"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return ZipIterator(inputs, self.structure)

    def _element_spec(self) -> Any:
        return nest.pack_as(self.structure, [i.element_spec() for i in self.inputs])

    def _cardinality(self) -> int:
        out = INFINITE  # tf.data's rule: any unknown input makes the zip unknown
        for i in self.inputs:
            n = i.cardinality()
            if n == UNKNOWN:
                return UNKNOWN
            if n != INFINITE:
                out = n if out == INFINITE else min(out, n)
        return out


class ZipIterator(DataIterator):
    def __init__(self, sources: tuple[DataIterator, ...], structure: Any) -> None:
        super().__init__(*sources, name="zip")
        self._structure = structure

    def __next__(self) -> Any:
        return nest.pack_as(self._structure, [next(s) for s in self.sources])

    def next_chunk(self, n: int) -> Chunk:
        # NOTE: sources are read chunk by chunk, so after the shortest ends the others may have read
        # a few elements more; that is unobservable (the zip has ended for good).
        chunks = []
        for s in self.sources:
            c = s.next_chunk(n)
            chunks.append(c)
            n = min(n, c.size)
        size = min(c.size for c in chunks)
        chunks = [c if c.size == size else c.split(size)[0] for c in chunks]
        if all(c.has_columns for c in chunks):
            return Chunk.from_columns(nest.pack_as(self._structure, [c.columns() for c in chunks]), size)
        per = [c.elements() for c in chunks]
        return Chunk.from_elements([nest.pack_as(self._structure, list(row)) for row in zip(*per)])

    def get_state(self) -> State:
        return {"sources": [s.get_state() for s in self.sources]}

    def set_state(self, state: State) -> None:
        for s, st in zip(self.sources, state["sources"]):
            s.set_state(st)
