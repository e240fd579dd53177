"""`Dataset.unique`: each distinct element once, in order of first appearance.

Only datasets of one int32, int64 or string component qualify (as in tf.data). A checkpoint
saves the elements seen so far.

>>> from dataflowio.data.ops.from_tensor_slices import FromTensorSlices, slice_value
>>> from dataflowio.data.ops._nested import open_plan
>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> node = Unique(inputs=(FromTensorSlices(value=slice_value([1, 3, 1, 2, 3])),))
>>> [int(v) for v in open_plan(node, ExecContext(Options()))]
[1, 3, 2]
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import DataIterator, State
from dataflowio.data.ops._nested import decode_value, encode_value
from dataflowio.data.plan import UNKNOWN, ExecContext, Node
from dataflowio.errors import InvalidArgumentError

_SUPPORTED = ("int32", "int64", "string")


@dataclass(frozen=True, kw_only=True, eq=False)
class Unique(Node):
    op_name = "unique"

    def __post_init__(self) -> None:
        if not self.inputs:
            return
        spec = self.inputs[0].element_spec()
        if structure.is_structure(spec):
            raise InvalidArgumentError(
                f"Dataset.unique: only datasets with a single component are supported, got "
                f"{len(structure.flatten(spec))} components ({spec!r:.80}).")
        if getattr(spec, "dtype", None) is None or spec.dtype.name not in _SUPPORTED:
            raise TypeError(f"Dataset.unique: elements of type {getattr(spec, 'dtype', spec)!r} are not "
                            "supported; only int32, int64 and string are.")

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return UniqueIterator(inputs[0])

    def _cardinality(self) -> int:
        return UNKNOWN


def key_of(x: Any) -> Hashable:
    """A hashable key equal for equal elements (value and shape)."""
    if isinstance(x, bytes):
        return x
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return (x.shape, tuple(x.reshape(-1).tolist()))
        return (x.shape, x.tobytes())
    return x.item() if isinstance(x, np.generic) else x


class UniqueIterator(DataIterator):
    def __init__(self, source: DataIterator) -> None:
        super().__init__(source, name="unique")
        self._seen: dict[Hashable, Any] = {}

    def __next__(self) -> Any:
        while True:
            element = next(self.source)
            k = key_of(element)
            if k not in self._seen:
                self._seen[k] = element
                return element

    def get_state(self) -> State:
        return {"input": self.source.get_state(), "seen": [encode_value(v) for v in self._seen.values()]}

    def set_state(self, state: State) -> None:
        self.source.set_state(state["input"])
        values = [decode_value(v) for v in state["seen"]]
        self._seen = {key_of(v): v for v in values}
