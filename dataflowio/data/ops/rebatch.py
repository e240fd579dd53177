"""`Dataset.rebatch`: re-slices an already batched dataset into batches of `batch_size` rows.

The same as `unbatch().batch(batch_size, drop_remainder)` but working on whole arrays: rows are
sliced from the input batches and joined, never split into single elements. `batch_size` may be
a list of sizes, used in turn (as tf.data allows). A checkpoint saves the rows left over from
the current input batch.

>>> from dataflowio.data.ops.range import Range
>>> from dataflowio.data.ops.batch import Batch
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Rebatch(inputs=(Batch(inputs=(Range(stop=10),), batch_size=4),), batch_size=3)
>>> [b.tolist() for b in open_plan(node, ExecContext(Options()))]
[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._common import as_int
from dataflowio.data.ops._nested import decode_value, encode_value
from dataflowio.data.plan import UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorShape, TensorSpec


def batch_sizes_of(batch_size: Any) -> tuple[int, ...]:
    """The sizes to cycle through: one int, or a non-empty list of them, each >= 1."""
    if isinstance(batch_size, (list, tuple, np.ndarray)):
        sizes = tuple(as_int(v, "Dataset.rebatch", "batch_size") for v in np.asarray(batch_size).reshape(-1))
        if not sizes:
            raise InvalidArgumentError("Dataset.rebatch: `batch_size` must not be an empty list.")
    else:
        sizes = (as_int(batch_size, "Dataset.rebatch", "batch_size"),)
    bad = [s for s in sizes if s < 1]
    if bad:
        raise InvalidArgumentError(f"Dataset.rebatch: `batch_size` must be >= 1, got {bad[0]}.")
    return sizes


@dataclass(frozen=True, kw_only=True, eq=False)
class Rebatch(Node):
    batch_size: Any = 1
    drop_remainder: bool = False

    op_name = "rebatch"

    def __post_init__(self) -> None:
        batch_sizes_of(self.batch_size)
        if not self.inputs:
            return
        for path, spec in structure.flatten_with_paths(self.inputs[0].element_spec()):
            if spec.shape.rank == 0:
                raise InvalidArgumentError(
                    f"Dataset.rebatch: elements must have rank >= 1 (a batched dataset); component "
                    f"{path or '0'} is a scalar.\n  hint: call .batch() before .rebatch().")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return RebatchIterator(inputs[0], batch_sizes_of(self.batch_size), bool(self.drop_remainder))

    def _element_spec(self) -> Any:
        sizes = batch_sizes_of(self.batch_size)
        dim = sizes[0] if self.drop_remainder and len(set(sizes)) == 1 else None

        def leaf(s: TensorSpec) -> TensorSpec:
            if s.shape.rank is None:
                return s
            return TensorSpec(TensorShape([dim] + list(s.shape[1:])), s.dtype)

        spec = self.inputs[0].element_spec()
        return structure.map_structure(leaf, spec) if structure.is_structure(spec) else leaf(spec)

    def _cardinality(self) -> int:
        return UNKNOWN


def _rows(element: Any) -> int:
    return int(np.shape(structure.flatten(element)[0])[0])


def _slice(element: Any, a: int, b: int) -> Any:
    if structure.is_structure(element):
        return structure.map_structure(lambda c: c[a:b], element)
    return element[a:b]


def _concat(pieces: list[Any]) -> Any:
    if len(pieces) == 1:
        return structure.map_structure(np.array, pieces[0]) if structure.is_structure(pieces[0]) \
            else np.array(pieces[0])
    flats = [structure.flatten(p) for p in pieces]
    cols = [np.concatenate([f[j] for f in flats]) for j in range(len(flats[0]))]
    return structure.pack_as(pieces[0], cols) if structure.is_structure(pieces[0]) else cols[0]


class RebatchIterator(DataIterator):
    def __init__(self, source: DataIterator, sizes: tuple[int, ...], drop: bool) -> None:
        super().__init__(source, name="rebatch")
        self._sizes, self._drop = sizes, drop
        self._k = 0  # which size comes next
        self._pending: Any = None  # the current input batch
        self._off = 0  # rows of it already handed out

    def __next__(self) -> Any:
        want = self._sizes[self._k]
        pieces, got = [], 0
        while got < want:
            if self._pending is None or self._off >= _rows(self._pending):
                try:
                    self._pending, self._off = next(self.source), 0
                except StopIteration:
                    self._pending, self._off = None, 0
                    break
                continue
            take = min(want - got, _rows(self._pending) - self._off)
            pieces.append(_slice(self._pending, self._off, self._off + take))
            self._off += take
            got += take
        if got == 0 or (got < want and self._drop):
            raise StopIteration
        self._k = (self._k + 1) % len(self._sizes)
        return _concat(pieces)

    def get_state(self) -> State:
        rest = None
        if self._pending is not None and self._off < _rows(self._pending):
            rest = encode_value(_slice(self._pending, self._off, _rows(self._pending)))
        return {"input": self.source.get_state(), "k": self._k, "rest": rest}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["input"])
        self._k = int(state["k"])
        self._pending = None if state["rest"] is None else decode_value(state["rest"])
        self._off = 0
