"""`Dataset.from_tensors`: a single element, the whole (nested) value.

>>> from dataflowio.data.plan import ExecContext
>>> from dataflowio.data.options import Options
>>> it = FromTensors(value=(np.int32(1), b"x")).open((), ExecContext(Options()))
>>> list(it)
[(np.int32(1), b'x')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dataflowio.data import structure
from dataflowio.data.iterator import Chunk, DataIterator, State
from dataflowio.data.ops._fn import resolve_tensors, spec_of_element
from dataflowio.data.plan import ExecContext, Node
from dataflowio.errors import InvalidArgumentError


@dataclass(frozen=True, kw_only=True, eq=False)
class FromTensors(Node):
    value: Any = None

    op_name = "from_tensors"

    def open(self, inputs: tuple[DataIterator, ...], ctx: ExecContext) -> DataIterator:
        return FromTensorsIterator(resolve_tensors(self.value, ctx))

    def _element_spec(self) -> Any:
        return spec_of_element(self.value)

    def _cardinality(self) -> int:
        return 1

    def label(self) -> str:
        specs = structure.flatten(self.element_spec())
        desc = ", ".join(f"{s.dtype.name}{list(s.shape)}" for s in specs)
        return f"{self.op_name}({'name=' + repr(self.name) + ', ' if self.name else ''}{desc})"


def as_element(value: Any) -> Any:
    """Normalizes a user value into an element (leaves NumPy values, 0-d arrays as scalars)."""
    from dataflowio.data.ops._fn import is_graph_tensor, normalize_leaf

    def leaf(v: Any) -> Any:
        if is_graph_tensor(v):
            return v
        try:
            return normalize_leaf(v)
        except ValueError as e:  # e.g. NumPy's "inhomogeneous shape" for ragged lists
            raise InvalidArgumentError(
                f"from_tensors: cannot convert {v!r:.60} to a tensor ({e}).") from e

    return structure.map_structure(leaf, value) if structure.is_structure(value) else leaf(value)


class FromTensorsIterator(DataIterator):
    def __init__(self, value: Any) -> None:
        super().__init__(name="from_tensors")
        self._value = as_element(value)
        self._done = False

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        self._done = True
        return structure.map_structure(_copy_leaf, self._value) if structure.is_structure(self._value) \
            else _copy_leaf(self._value)

    def next_chunk(self, n: int) -> Chunk:
        return Chunk.from_elements([self.__next__()])

    def get_state(self) -> State:
        return {"done": self._done}

    def set_state(self, state: State) -> None:
        self._done = bool(state["done"])


def _copy_leaf(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else v
