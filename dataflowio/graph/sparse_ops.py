"""`sparse_tensor_to_dense` for `SparseTensorValue`s (what parsing a `VarLenFeature` yields), in
both worlds: NumPy in, NumPy out; graph tensors in, a PyFunc node out.

>>> from record_format.features import SparseTensorValue
>>> sp = SparseTensorValue(np.array([[0, 1], [1, 0]]), np.array([5, 6]), np.array([2, 3]))
>>> sparse_tensor_to_dense(sp).tolist()
[[0, 5, 0], [6, 0, 0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dataflowio.graph.ops.core import as_tensor
from dataflowio.graph.py_func import _lifted
from dataflowio.graph.tensor import GraphValue
from dataflowio.tensor_shape import TensorSpec


def _to_dense(sp_input: Any, default_value: Any = None, validate_indices: bool = True,
              name: str | None = None) -> np.ndarray:
    indices, values, shape = (np.asarray(v) for v in sp_input)
    fill = default_value if default_value is not None else (b"" if values.dtype == object else 0)
    out = np.full(tuple(int(d) for d in shape), fill, dtype=values.dtype)
    if values.size:
        out[tuple(indices.T)] = values
    return out


def sparse_tensor_to_dense(sp_input: Any, default_value: Any = None, validate_indices: bool = True,
                           name: str | None = None) -> Any:
    """Returns the dense array of a SparseTensorValue (missing entries = `default_value`, else 0 / b"")."""
    if not any(isinstance(v, GraphValue) for v in sp_input):
        return _to_dense(sp_input, default_value)

    def spec(sp: Any, *args: Any, **kwargs: Any) -> TensorSpec:
        idx, vals = as_tensor(sp[0]), as_tensor(sp[1])
        rank = idx.shape[1] if idx.shape.rank == 2 else None
        return TensorSpec(None if rank is None else [None] * rank, vals.dtype)

    return _lifted(_to_dense, spec, (tuple(sp_input), default_value), {})


def to_dense(sp_input: Any, default_value: Any = None, validate_indices: bool = True,
             name: str | None = None) -> Any:
    """TF2's `tf.sparse.to_dense` (the same as `sparse_tensor_to_dense`)."""
    return sparse_tensor_to_dense(sp_input, default_value, validate_indices, name)
