"""The symbolic `Tensor` (one output of an Operation) and the Python operators on graph values.

Operators are bound in `dataflowio.graph.operators` once the op modules exist, so this module
stays free of op imports. `==` and `!=` compare identity (TF1 graph semantics: tensors are dict
keys in `feed_dict`); use `equal` / `not_equal` for element-wise comparison.
"""

from __future__ import annotations

from typing import Any

from dataflowio.dtypes import DType
from dataflowio.tensor_shape import TensorShape


class GraphValue:
    """Marker base of graph values (Tensor, Variable): an argument of this type builds a node."""

    __slots__ = ()

    __array_priority__ = 100
    __array_ufunc__ = None  # `ndarray + tensor` defers to our __radd__ (a graph node)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError(f"Cannot convert a symbolic tf.Tensor ({self}) to a numpy array. Graph tensors "
                        "have values only inside Session.run: fetch it with sess.run(...).")

    def __bool__(self) -> bool:
        raise TypeError("Using a tf.Tensor as a Python `bool` is not allowed in graph execution. "
                        "Use `sess.run(...)` to get its value, or tf.cond / tf.where to branch.")

    def __iter__(self) -> Any:
        raise TypeError("Tensor objects are only iterable when eager execution is enabled. "
                        "To iterate over this tensor use tf.unstack or index it.")

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


class Tensor(GraphValue):
    """A symbolic value: output `value_index` of `op`, with a static `shape` and `dtype`."""

    __slots__ = ("__weakref__", "_shape", "dtype", "op", "value_index")

    def __init__(self, op: Any, value_index: int, shape: TensorShape, dtype: DType) -> None:
        self.op = op
        self.value_index = value_index
        self._shape = shape
        self.dtype = dtype

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Any:
        return self.op.graph

    @property
    def device(self) -> str:
        return self.op.device

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        """Returns the static shape (a TensorShape, possibly partial)."""
        return self._shape

    def set_shape(self, shape: Any) -> None:
        """Merges `shape` into the static shape (ValueError if incompatible)."""
        self._shape = self._shape.merge_with(TensorShape(shape))

    def consumers(self) -> list[Any]:
        """Returns the ops that take this tensor as an input."""
        return [op for op in self.graph._ops if any(t is self for t in op.inputs)]

    def eval(self, feed_dict: dict | None = None, session: Any = None) -> Any:
        """Returns this tensor's value computed in `session` (default: the default session)."""
        from dataflowio.graph.session import _session_for

        return _session_for(session, self.graph, "Tensor.eval()").run(self, feed_dict)

    def _as_graph_element(self) -> Tensor:
        return self

    def __repr__(self) -> str:
        shape = "<unknown>" if self._shape.rank is None else str(tuple(self._shape)).replace(",)", ",)")
        return f'<tf.Tensor "{self.name}" shape={shape} dtype={self.dtype.name}>'

    def __str__(self) -> str:
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self.dtype.name})'
