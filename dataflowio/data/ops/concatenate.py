"""`Dataset.concatenate`: every element of the first input, then every element of the second.

Both inputs must have the same structure and dtypes; shapes are relaxed to what both share.

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Concatenate(inputs=(Range(stop=2), Range(start=7, stop=9)))
>>> [int(x) for x in execute.lower(node, ExecContext(Options()))]
[0, 1, 7, 8]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State, concat_chunks
from dataflowio.data.ops._fn import TypeMismatchError
from dataflowio.data.plan import INFINITE, UNKNOWN, ExecContext, Node


def common_spec(a: Any, b: Any, where: str) -> Any:
    """The spec both `a` and `b` are instances of; TypeMismatchError (InvalidArgumentError and
    TypeError, as tf.data raises) if the structures or dtypes differ."""
    if not structure.same_structure(a, b):
        raise TypeMismatchError(
            f"{where}: the datasets have different element structures: {a} vs {b}.\n"
            "  hint: map() one of them to the other's structure first.")
    fb = structure.flatten(b)
    out = []
    for (path, sa), sb in zip(structure.flatten_with_paths(a), fb):
        if sa.dtype != sb.dtype:
            raise TypeMismatchError(
                f"{where}: component {path or '0'} has dtype {sa.dtype.name} in the first dataset and "
                f"{sb.dtype.name} in the second.\n  hint: cast one of them in a map() first.")
        out.append(sa.most_specific_common_supertype([sb]))
    return structure.pack_as(a, out) if structure.is_structure(a) else out[0]


@dataclass(frozen=True, kw_only=True, eq=False)
class Concatenate(Node):
    op_name = "concatenate"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return ConcatenateIterator(*inputs)

    def _element_spec(self) -> Any:
        return common_spec(self.inputs[0].element_spec(), self.inputs[1].element_spec(), "concatenate")

    def _cardinality(self) -> int:
        a, b = self.inputs[0].cardinality(), self.inputs[1].cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


class ConcatenateIterator(DataIterator):
    def __init__(self, first: DataIterator, second: DataIterator) -> None:
        super().__init__(first, second, name="concatenate")
        self._which = 0

    def __next__(self) -> Any:
        while self._which < 2:
            try:
                return next(self.sources[self._which])
            except StopIteration:
                self._which += 1
        raise StopIteration

    def next_chunk(self, n: int) -> Chunk:
        parts, got = [], 0
        while got < n and self._which < 2:
            try:
                c = self.sources[self._which].next_chunk(n - got)
            except StopIteration:
                self._which += 1
                continue
            parts.append(c)
            got += c.size
        if not parts:
            raise StopIteration
        return concat_chunks(parts)

    def get_state(self) -> State:
        return {"which": self._which, "sources": [s.get_state() for s in self.sources]}

    def set_state(self, state: State) -> None:
        self._which = int(state["which"])
        for s, st in zip(self.sources, state["sources"]):
            s.set_state(st)
