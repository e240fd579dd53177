"""`Dataset.from_tensor_slices`: one element per row (axis 0) of every component.

The node holds the (nested) arrays and a `start:stop:step` window over their rows, so the optimizer
can push `take` / `skip` / `shard` down as slicing. The iterator is random access: `next_chunk(n)`
slices columns without per-element Python, and `gather(indices)` serves the index-level shuffle.

>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = FromTensorSlices(value=(np.arange(4), np.array([b"a", b"b", b"c", b"d"], dtype=object)))
>>> it = node.open((), ExecContext(Options()))
>>> next(it)
(np.int64(0), b'a')
>>> it.next_chunk(2).columns()[0].tolist(), node.cardinality()
([1, 2], 4)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._fn import is_graph_tensor, make_packer, resolve_tensors, spec_of_leaf
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError
from dataflowio.tensor_shape import TensorSpec


def slice_value(value: Any) -> Any:
    """Normalizes a user value for slicing: leaves become read-only NumPy arrays with TF's
    literal dtypes, copied (once, as TensorFlow copies them into a constant) when they would
    share memory with a writable array of the caller's: changing that array later changes
    nothing in the dataset, and batches can be views of the dataset's own copy. A writable
    `np.memmap` is not copied (it may not fit in memory): the dataset reads the file through a
    read-only view, so changes written to it later do show."""
    from dataflowio import dtypes

    def leaf(v: Any) -> Any:
        if is_graph_tensor(v):
            return v
        try:
            arr = dtypes.convert_to_numpy(v)
        except ValueError as e:  # e.g. NumPy's "inhomogeneous shape" for ragged lists
            raise InvalidArgumentError(
                f"from_tensor_slices: cannot convert {v!r:.60} to a tensor ({e}).\n"
                "  hint: ragged rows need padding first, or Dataset.from_generator.") from e
        if isinstance(v, np.ndarray) and not isinstance(v, np.memmap) and arr.flags.writeable \
                and np.may_share_memory(arr, v):
            arr = arr.copy()  # (a memory-mapped file is never loaded: a read-only view)
        return read_only(arr)

    return structure.map_structure(leaf, value) if structure.is_structure(value) else leaf(value)


@dataclass(frozen=True, kw_only=True, eq=False)
class FromTensorSlices(Node):
    value: Any = None
    start: int = 0
    stop: int | None = None
    step: int = 1

    op_name = "from_tensor_slices"

    def __post_init__(self) -> None:
        leaves = structure.flatten(self.value)
        if not leaves:
            raise InvalidArgumentError("from_tensor_slices: the value has no components.")
        dims = []
        for path, v in structure.flatten_with_paths(self.value):
            shape = _shape_of(v)
            if shape is not None and len(shape) == 0:
                raise InvalidArgumentError(
                    f"from_tensor_slices: component {path or '0'} is a scalar; expected every "
                    "component to have at least one dimension to slice along.")
            if shape is not None and shape[0] is not None:
                dims.append((path or "0", shape[0]))
        if len({d for _, d in dims}) > 1:
            raise InvalidArgumentError(
                "from_tensor_slices: all components must have the same size in dimension 0; got "
                + ", ".join(f"{p}: {d}" for p, d in dims) + ".")
        if self.step == 0:
            raise InvalidArgumentError("from_tensor_slices: `step` must be nonzero.")

    def rows(self) -> int | None:
        """Rows of the underlying value (None while a graph tensor's size is unknown)."""
        for v in structure.flatten(self.value):
            shape = _shape_of(v)
            if shape is not None and shape[0] is not None:
                return shape[0]
        return None

    def window(self, rows: int) -> range:
        return range(rows)[self.start:self.stop:self.step]

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        value = resolve_tensors(self.value, ctx)
        value = structure.map_structure(read_only, value) if structure.is_structure(value) \
            else read_only(value)
        return SlicesIterator(value, self.start, self.stop, self.step)

    def _element_spec(self) -> Any:
        def leaf(v: Any) -> Any:
            s = spec_of_leaf(v)
            return TensorSpec(s.shape[1:], s.dtype)

        return structure.map_structure(leaf, self.value) if structure.is_structure(self.value) \
            else leaf(self.value)

    def _cardinality(self) -> int:
        from dataflowio.data.plan import UNKNOWN

        rows = self.rows()
        return UNKNOWN if rows is None else len(self.window(rows))

    def label(self) -> str:
        specs = structure.flatten(self.element_spec())
        desc = ", ".join(f"{s.dtype.name}{list(s.shape)}" for s in specs)
        win = "" if (self.start, self.stop, self.step) == (0, None, 1) else \
            f", rows=[{self.start}:{'' if self.stop is None else self.stop}:{self.step}]"
        n = self.rows()
        return f"{self.op_name}({'name=' + repr(self.name) + ', ' if self.name else ''}{n} x ({desc}){win})"


def read_only(v: Any) -> Any:
    """`v` as a read-only view when it is a writable NumPy array (no copy).

    The iterator slices its batches from these views, so a batch of rows is itself a read-only
    view of the source (as tf.data's `as_numpy_iterator` arrays are read-only): `batch` hands it
    out without copying, and nobody can write into the dataset through it.

    >>> a = np.arange(3); v = read_only(a)
    >>> v.flags.writeable, np.shares_memory(a, v), a.flags.writeable
    (False, True, True)
    """
    if isinstance(v, np.ndarray) and v.flags.writeable:
        v = v.view()
        v.flags.writeable = False
    return v


def _shape_of(v: Any) -> tuple | None:
    if is_graph_tensor(v):
        shape = getattr(v, "shape", None)
        if shape is None or getattr(shape, "rank", 0) is None:
            return None
        return tuple(shape)
    return np.shape(v)


class SlicesIterator(DataIterator):
    """Rows `window[pos:]` of `value`; random access over the window."""

    def __init__(self, value: Any, start: int, stop: int | None, step: int) -> None:
        super().__init__(name="from_tensor_slices")
        self._value = value
        self._flat = [np.asarray(v) if not isinstance(v, np.ndarray) else v
                      for v in structure.flatten(value)]
        rows = len(self._flat[0])
        for v in self._flat:
            if len(v) != rows:
                raise InvalidArgumentError(
                    f"from_tensor_slices: fed components differ in dimension 0 ({rows} vs {len(v)}).")
        self._rows = range(rows)[start:stop:step]
        self._contiguous = step == 1
        self._offset = self._rows.start if len(self._rows) else 0
        self._n = len(self._rows)
        self._single = not structure.is_structure(value)
        self._pack = make_packer(value)
        self._copy = [v.ndim > 1 for v in self._flat]
        self._pos = 0

    def _element(self, r: int) -> Any:
        leaves = []
        for v, cp in zip(self._flat, self._copy):
            x = v[r]
            leaves.append(x.copy() if cp else (bytes(x) if isinstance(x, np.bytes_) else x))
        return self._pack(leaves)

    def __next__(self) -> Any:
        if self._pos >= self._n:
            raise StopIteration
        r = self._rows[self._pos]
        self._pos += 1
        return self._element(r)

    def next_chunk(self, n: int) -> Chunk:
        k = min(n, self._n - self._pos)
        if k <= 0:
            raise StopIteration
        if self._contiguous:
            a = self._offset + self._pos
            cols = [v[a:a + k].copy() for v in self._flat]  # owned: never views into the user's arrays
        else:
            idx = np.asarray(self._rows[self._pos:self._pos + k])
            cols = [v[idx] for v in self._flat]
        self._pos += k
        return Chunk.from_columns(self._pack(cols), k)

    def next_batch_view(self, n: int) -> Chunk:
        """`next_chunk(n)` for a `batch` that hands the columns straight to its consumer: the
        rows of a contiguous window as read-only views of the source, not copies (zero-copy
        batches; elements for functions stay copies, so a map may modify its input in place)."""
        if not self._contiguous or self._pos >= self._n:
            return self.next_chunk(n)
        k = min(n, self._n - self._pos)
        a = self._offset + self._pos
        cols = [v[a:a + k] for v in self._flat]
        self._pos += k
        return Chunk.from_columns(self._pack(cols), k)

    # Random access (used by the index-level shuffle): positions index the window.
    def random_access_length(self) -> int:
        return self._n

    def gather(self, positions: np.ndarray) -> Chunk:
        idx = np.asarray(positions, dtype=np.int64)
        if not self._contiguous:
            idx = self._rows.start + idx * self._rows.step
        else:
            idx = idx + self._offset
        cols = [v[idx] for v in self._flat]
        return Chunk.from_columns(self._pack(cols), len(idx))

    def get_state(self) -> State:
        return {"pos": self._pos}

    def set_state(self, state: State) -> None:
        self._pos = int(state["pos"])
