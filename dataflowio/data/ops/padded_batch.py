"""`Dataset.padded_batch`: batches elements of different shapes by padding each component.

Each component is padded (at the end of every dimension) to `padded_shapes` where that gives a
size, else to the largest size in the batch, with `padding_values` (0 / b"" by default).

>>> from dataflowio.data import execute
>>> from dataflowio.data.ops.from_tensor_slices import FromTensorSlices
>>> from dataflowio.data.ops.map import Map
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> src = Map(inputs=(FromTensorSlices(value=np.array([1, 2, 3])),), fn=lambda n: np.arange(n))
>>> node = PaddedBatch(inputs=(src,), batch_size=3)
>>> [b.tolist() for b in execute.lower(node, ExecContext(Options()))]
[[[0, 0, 0], [0, 1, 0], [0, 1, 2]]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._common import as_int
from dataflowio.data.ops.batch import batched_cardinality, pull_batch
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorShape, TensorSpec


def map_up_to(spec: Any, value: Any, fn: Any, where: str, what: str) -> list[Any]:
    """`fn(leaf_spec, value_part, path)` for each leaf of `spec`, reading `value` only down to
    spec's leaves (so a shape tuple counts as one value), flattened in `structure.flatten` order."""
    out: list[Any] = []

    def visit(s: Any, v: Any, path: str) -> None:
        if not structure.is_structure(s):
            out.append(fn(s, v, path or "0"))
            return
        if isinstance(s, dict):
            if not isinstance(v, dict) or sorted(v) != sorted(s):
                raise InvalidArgumentError(f"{where}: `{what}` must have the element's structure "
                                           f"(keys {sorted(s)}), got {v!r:.60}.")
            for k in sorted(s):
                visit(s[k], v[k], f"{path}[{k!r}]")
            return
        if not isinstance(v, tuple | list) or len(v) != len(s):
            raise InvalidArgumentError(f"{where}: `{what}` must have the element's structure "
                                       f"({len(s)} components), got {v!r:.60}.")
        for i, (a, b) in enumerate(zip(s, v)):
            visit(a, b, f"{path}[{i}]")

    visit(spec, value, "")
    return out


def _shape(s: Any, v: Any, path: str) -> TensorShape:
    shape = s.shape if v is None else TensorShape(None if v is None else
                                                   [None if (d is None or d == -1) else d for d in v])
    if s.shape.rank is not None and shape.rank is not None and len(shape) != s.shape.rank:
        raise InvalidArgumentError(
            f"padded_batch: the padded shape {shape} for component {path} has rank {len(shape)}; "
            f"expected rank {s.shape.rank} (the component's shape is {s.shape}).")
    if not shape.is_compatible_with(s.shape) and s.shape.rank is not None:
        for a, b in zip(shape, s.shape):
            if a is not None and b is not None and b > a:
                raise InvalidArgumentError(
                    f"padded_batch: the padded shape {shape} for component {path} is smaller than "
                    f"the component's shape {s.shape}.")
    return shape


def _pad_value(s: Any, v: Any, path: str) -> Any:
    if v is None:
        return b"" if s.dtype.name == "string" else np.zeros((), s.dtype.np)[()]
    arr = np.asarray(v)
    if arr.ndim != 0:
        raise InvalidArgumentError(f"padded_batch: the padding value for component {path} must be a "
                                   f"scalar, got shape {arr.shape}.")
    if s.dtype.name == "string":
        if not isinstance(v, bytes | str):
            raise InvalidArgumentError(f"padded_batch: the padding value for string component {path} "
                                       f"must be bytes, got {v!r:.40}.")
        return v.encode() if isinstance(v, str) else v
    return arr.astype(s.dtype.np)[()]


@dataclass(frozen=True, kw_only=True, eq=False)
class PaddedBatch(Node):
    batch_size: int = 1
    padded_shapes: Any = None
    padding_values: Any = None
    drop_remainder: bool = False

    op_name = "padded_batch"

    def __post_init__(self) -> None:
        n = as_int(self.batch_size, "padded_batch", "batch_size")
        if n < 1:
            raise InvalidArgumentError(f"padded_batch: `batch_size` must be >= 1, got {n}.")

    def resolved(self) -> tuple[list[TensorShape], list[Any]]:
        """Per flattened component: the padded shape (None dims = batch max) and padding value."""
        spec = self.inputs[0].element_spec()
        if self.padded_shapes is None:
            for path, s in structure.flatten_with_paths(spec):
                if s.shape.rank is None:
                    raise InvalidArgumentError(
                        f"padded_batch: component {path or '0'} has unknown rank; pass `padded_shapes`.")
            shapes = [TensorShape([None] * s.shape.rank) for s in structure.flatten(spec)]
        else:
            shapes = map_up_to(spec, self.padded_shapes, _shape, "padded_batch", "padded_shapes")
        if self.padding_values is None or not structure.is_structure(spec):
            values = map_up_to(spec, self.padding_values, _pad_value, "padded_batch", "padding_values") \
                if not structure.is_structure(spec) else [_pad_value(s, None, p) for p, s in
                                                          structure.flatten_with_paths(spec)]
        elif not structure.is_structure(self.padding_values):
            values = [_pad_value(s, self.padding_values, p) for p, s in structure.flatten_with_paths(spec)]
        else:
            values = map_up_to(spec, self.padding_values, _pad_value, "padded_batch", "padding_values")
        return shapes, values

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        shapes, values = self.resolved()
        return PaddedBatchIterator(inputs[0], int(self.batch_size), bool(self.drop_remainder), shapes, values)

    def _element_spec(self) -> Any:
        spec = self.inputs[0].element_spec()
        shapes, _ = self.resolved()
        dim = int(self.batch_size) if self.drop_remainder else None
        leaves = []
        for s, shape in zip(structure.flatten(spec), shapes):
            if self.padded_shapes is None:
                shape = s.shape  # padded to the batch's largest size: known dims stay known
            leaves.append(TensorSpec(TensorShape([dim]).concatenate(shape), s.dtype))
        return structure.pack_as(spec, leaves) if structure.is_structure(spec) else leaves[0]

    def _cardinality(self) -> int:
        return batched_cardinality(self.inputs[0].cardinality(), int(self.batch_size), bool(self.drop_remainder))


def pad_leaves(leaves: list[Any], shape: TensorShape, value: Any, path: str) -> np.ndarray:
    """Stacks `leaves`, padding each to `shape` (None dims: the largest in `leaves`)."""
    shapes = [np.shape(v) for v in leaves]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise InvalidArgumentError(f"padded_batch: component {path} has elements of different ranks: "
                                   f"{sorted({len(s) for s in shapes})}.")
    target = []
    for d in range(rank):
        biggest = max(s[d] for s in shapes)
        want = shape[d] if shape.rank is not None and shape[d] is not None else biggest
        if biggest > want:
            raise InvalidArgumentError(
                f"padded_batch: component {path} has size {biggest} in dimension {d}, larger than "
                f"the padded shape {shape}.")
        target.append(want)
    is_str = isinstance(value, bytes)
    out = np.empty((len(leaves), *target), dtype=object) if is_str else \
        np.empty((len(leaves), *target), dtype=np.asarray(leaves[0]).dtype)
    out[...] = value
    for i, (v, s) in enumerate(zip(leaves, shapes)):
        out[(i, *(slice(0, k) for k in s))] = v
    return out


class PaddedBatchIterator(DataIterator):
    def __init__(self, source: DataIterator, size: int, drop: bool, shapes: list[TensorShape],
                 values: list[Any]) -> None:
        super().__init__(source, name="padded_batch")
        self._size, self._drop, self._shapes, self._values = size, drop, shapes, values

    def __next__(self) -> Any:
        chunk = pull_batch(self.source, self._size)
        if chunk.size == 0 or (chunk.size < self._size and self._drop):
            raise StopIteration
        els = chunk.elements()
        first = els[0]
        flats = [structure.flatten(e) for e in els]
        paths = [p or "0" for p, _ in structure.flatten_with_paths(first)]
        cols = [pad_leaves([f[j] for f in flats], self._shapes[j], self._values[j], paths[j])
                for j in range(len(paths))]
        return structure.pack_as(first, cols) if structure.is_structure(first) else cols[0]

    def get_state(self) -> State:
        return {"source": self.source.get_state()}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["source"])
